"""The weighted sum behind one cell of a feature map, written out as a learner would on paper."""

from __future__ import annotations

import html

import numpy as np

from model.network.convolution import WeightedSum

MAX_CHANNEL_ROWS = 6
POSITIVE, NEGATIVE = "#b2182b", "#2166ac"  # the ends of the kernels' diverging colour map


def arithmetic_html(terms: WeightedSum, cell: tuple[int, int], channel: int, layer_value: float | None, *,
                    batch_norm: tuple[float, float] | None = None, relu_after: bool = False) -> str:
    """Returns rich text: inputs × weights, their sum, plus the bias, then batch norm and the activation.

    Args:
        terms: the weighted sum of the hovered cell.
        cell: (row, col) of the cell in the feature map.
        channel: which feature map (output channel) it belongs to.
        layer_value: the value the network itself computed for the cell, shown beside ours.
        batch_norm: (scale, offset) of the batch normalisation after the convolution, if any.
        relu_after: a ReLU follows the batch normalisation.
    """
    bottom, right = terms.top + terms.size[0] - 1, terms.left + terms.size[1] - 1
    parts = [f"<b>map {channel}, cell ({cell[0]}, {cell[1]})</b> sees the input window at "
             f"rows {terms.top}…{bottom}, cols {terms.left}…{right}<br>"]
    if terms.window.shape[2] == 1:
        parts.append(_products_table(terms.window[:, :, 0], terms.weights[:, :, 0]))
    else:
        parts.append(_channel_sums(terms))
    parts.append(f"sum = <b>{terms.total:.3f}</b><br>"
                 f"+ bias {terms.bias:+.3f} = <b>{terms.pre_activation:.3f}</b><br>")
    value = terms.value
    if batch_norm is not None:
        scale, offset = batch_norm
        value = terms.pre_activation * scale + offset
        parts.append(f"batch norm: {terms.pre_activation:.3f} × {scale:.3f} {offset:+.3f} = <b>{value:.3f}</b><br>")
        if relu_after:
            parts.append(f"ReLU: max(0, {value:.3f}) = <b>{max(value, 0.0):.3f}</b>")
            value = max(value, 0.0)
    elif terms.activation == "relu":
        parts.append(f"ReLU: max(0, {terms.pre_activation:.3f}) = <b>{terms.value:.3f}</b>")
    else:
        parts.append(f"no activation: <b>{terms.value:.3f}</b>")
    if layer_value is not None:
        parts.append(f"<br><span style='color:#5a6478'>the network computed {layer_value:.3f}</span>")
    return "".join(parts)


def cell_value(terms: WeightedSum, batch_norm: tuple[float, float] | None, relu_after: bool) -> float:
    """The cell's final value, as `arithmetic_html` writes it out."""
    if batch_norm is None:
        return terms.value
    value = terms.pre_activation * batch_norm[0] + batch_norm[1]
    return max(value, 0.0) if relu_after else value


def _products_table(window: np.ndarray, weights: np.ndarray) -> str:
    """One cell per kernel position: input × weight, the weight red when it adds and blue when it subtracts."""
    rows = []
    for inputs, kernel in zip(window, weights):
        cells = "".join(f"<td align='right'>{x:.2f}<span style='color:#8a93a3'> × </span>"
                        f"<span style='color:{POSITIVE if w >= 0 else NEGATIVE}'>{w:+.2f}</span></td>"
                        for x, w in zip(inputs, kernel))
        rows.append(f"<tr>{cells}</tr>")
    return ("<table cellspacing='0' cellpadding='3' style='font-family:monospace'>" + "".join(rows) +
            "</table>")


def _channel_sums(terms: WeightedSum) -> str:
    """Many input channels: each channel's own window sum, the largest first."""
    sums = terms.products.sum(axis=(0, 1))
    order = np.argsort(-np.abs(sums))
    shown = order[:MAX_CHANNEL_ROWS]
    lines = [f"input channel {index}: Σ window×kernel = {sums[index]:+.3f}" for index in shown]
    rest = order[MAX_CHANNEL_ROWS:]
    if rest.size:
        lines.append(f"… {rest.size} more channels: {float(sums[rest].sum()):+.3f}")
    count = terms.window.shape[0] * terms.window.shape[1] * terms.window.shape[2]
    return (f"{count} inputs × weights over {terms.window.shape[2]} channels:<br>" +
            "<br>".join(html.escape(line) for line in lines) + "<br>")
