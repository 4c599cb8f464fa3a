"""Confidence set back after label smoothing: a temperature fitted on held-out images, folded into the output layer.

Label smoothing (`Recipe.label_smoothing`) teaches the network to stop short of certainty: with 0.1 over ten
digits, its top probability for a plain, clear 1 is about 0.91, and the "Not sure" line of 0.7
(`model.network.inference.SURE_PROBABILITY`) then caught one pen digit in ten, most of them read right. Dividing
the output layer's logits by a temperature below 1 sharpens every answer alike and never changes which label is
on top, so accuracy stays as it was (temperature scaling, Guo et al., 2017). The temperature is the one that makes
the held-out images' probabilities fit their labels best (least cross-entropy), and it is folded into the weights
of the softmax layer ("output"): the saved model, the layer docks and every copy of it (TFLite, export) show the
same probabilities with no extra layer.
"""

from __future__ import annotations

import numpy as np

from model.network.inference import member_models, probabilities_in_batches

# Fewer held-out images than this leave the temperature at 1: on a handful, all read right, the fit runs to the
# sharpest temperature tried and would make every answer, a scribble's too, look certain.
MIN_HELD_OUT = 100
# Temperatures tried, finest where trained models land (0.3-1).
_GRID = np.round(np.concatenate([np.arange(0.2, 1.0, 0.01), np.arange(1.0, 2.01, 0.05)]), 3)


def temper(probabilities, temperature: float) -> np.ndarray:
    """Returns softmax(log(p) / temperature) per row: the probabilities a softmax layer with its logits divided by
    `temperature` gives (log p differs from the logits by one constant per row, which softmax ignores)."""
    logits = np.log(np.clip(np.asarray(probabilities, np.float64), 1e-12, 1.0)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=1, keepdims=True)


def fit_temperature(probabilities, labels) -> float:
    """Returns the temperature (0.2-2) under which `probabilities` fit integer `labels` with least cross-entropy.

    Labels below 0 (drawings of no label) are left out; with fewer than `MIN_HELD_OUT` left, 1.0 (no change).
    """
    probabilities, labels = np.asarray(probabilities), np.asarray(labels).reshape(-1)
    known = labels >= 0
    if known.sum() < MIN_HELD_OUT:
        return 1.0
    probabilities, labels = probabilities[known], labels[known]
    rows = np.arange(len(labels))

    def cross_entropy(temperature):
        return -np.mean(np.log(np.clip(temper(probabilities, temperature)[rows, labels], 1e-12, 1.0)))

    return float(min(_GRID, key=cross_entropy))


def fold_temperature(keras_model, x, y, batch_size: int = 500, should_stop=None) -> list[float]:
    """Fits a temperature for each member of `keras_model` on held-out images (x, y) and folds it into the member's
    softmax layer ("output"); returns the temperatures (1.0 where too few images or no such layer).

    Args:
        keras_model: a single CNN or an ensemble (each member gets its own temperature).
        x: (N, 28, 28) float images held out from training.
        y: (N,) integer labels.
        should_stop: polled per batch; True raises `TrainingCancelled`, leaving earlier members changed.
    """
    members = member_models(keras_model)
    if np.sum(np.asarray(y) >= 0) < MIN_HELD_OUT:
        return [1.0] * len(members)
    temperatures = []
    for network in members:
        output = _softmax_layer(network)
        if output is None:
            temperatures.append(1.0)
            continue
        temperature = fit_temperature(probabilities_in_batches(network, x, batch_size, should_stop), y)
        kernel, bias = output.get_weights()
        output.set_weights([kernel / temperature, bias / temperature])
        temperatures.append(temperature)
    return temperatures


def _softmax_layer(network):
    try:
        layer = network.get_layer("output")
    except ValueError:
        return None
    activation = getattr(getattr(layer, "activation", None), "__name__", "")
    return layer if activation == "softmax" and len(layer.get_weights()) == 2 else None
