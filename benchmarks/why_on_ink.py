"""Does "Why this label?" put its warmest spot on the drawing? Grad-CAM against gradient saliency.

Shapes drawn by the training generator's hand (`model.datasets.shapes.generate_drawing`, new seeds) on canvases of its
random sizes, through `preprocess`, explained for the top label by both methods, and by Grad-CAM as it was
before (gradients averaged over the map). For each it prints:

- warmest on ink: the map's hottest pixel lies within 1 px of ink (strength > 0.5) of the 28x28 input;
- on the canvas: that pixel, laid over the canvas, lies within one input pixel of the canvas's ink, with the
  old ink-box matching and with the placement preprocess tracks (old -> new);
- heat on ink: the median share of the map's heat on inked input pixels (strength > 0.2);
- hot cell inked / near: the hottest cell (4x4 for Grad-CAM, one pixel for gradient) holds ink / holds ink
  or is next to a cell that does;
- median and 95th percentile time of one explanation (after the first, which traces the function).

    nice python benchmarks/why_on_ink.py [--model M.keras] [--per-label 100] [--seed 5]

Without --model it trains a Quick-recipe network on 400 generated shapes per label for 4 epochs (as
tests/model/test_saliency_alignment.py does), about 15 s on a laptop core.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from model.core.preprocessing import ink_strength, input_placement, preprocess  # noqa: E402
from model.core.strokes import render_strokes  # noqa: E402
from model.datasets.shapes import SHAPE_LABELS, generate_drawing  # noqa: E402
from model.network.saliency import Explainer  # noqa: E402


def old_placement(canvas: np.ndarray, image28: np.ndarray) -> tuple[float, float, float]:
    """The placement before input_placement: the canvas ink's box matched to the 28x28 ink's box."""
    def box(mask):
        rows, columns = np.nonzero(mask)
        return rows.min(), columns.min(), rows.max() + 1, columns.max() + 1

    big, small = box(ink_strength(canvas) > 0.2), box(image28 > 0.2)
    scale = max(big[2] - big[0], big[3] - big[1]) / max(small[2] - small[0], small[3] - small[1])
    centre = [(big[i] + big[i + 2]) / 2 - (small[i] + small[i + 2]) / 2 * scale for i in (0, 1)]
    return centre[1], centre[0], 28 * scale


def canvas_distance(paper_distance: np.ndarray, placement, row: int, column: int) -> float:
    """How far input pixel (row, column), laid over the canvas, lies from the canvas's ink, in input pixels."""
    x, y, size = placement
    cell = size / 28
    canvas_x = int(np.clip(np.floor(x + (column + 0.5) * cell), 0, paper_distance.shape[1] - 1))
    canvas_y = int(np.clip(np.floor(y + (row + 0.5) * cell), 0, paper_distance.shape[0] - 1))
    return float(paper_distance[canvas_y, canvas_x] / cell)


def drawings(per_label: int, seed: int):
    rng = np.random.default_rng([seed, 31337])
    for index in range(per_label * len(SHAPE_LABELS)):
        strokes, (width, height) = generate_drawing(SHAPE_LABELS[index % len(SHAPE_LABELS)], rng)
        canvas = render_strokes(strokes, width, height)
        image28 = preprocess(canvas)
        if image28 is not None:
            yield canvas, image28


def averaged_grad_cam(network):
    """Grad-CAM as it was before: the gradients averaged over the map, one weight per feature map."""
    import keras
    import tensorflow as tf

    from model.network.saliency import Explanation, _cell_geometry, _last_convolution, _normalised, _on_input

    features_layer, output_layer = _last_convolution(network), network.layers[-1]
    probe = keras.Model(network.inputs, [features_layer.output, output_layer.input])
    origin, size = _cell_geometry(network, features_layer)

    @tf.function
    def cells_of(image):
        with tf.GradientTape() as tape:
            features, hidden = probe(tf.concat([image, tf.zeros_like(image)], axis=0), training=False)
            logits = tf.matmul(hidden[:1], output_layer.kernel) + output_layer.bias
            score = tf.reduce_max(logits[0])
        weights = tf.reduce_mean(tape.gradient(score, features)[0], axis=(0, 1))
        return tf.nn.relu(tf.reduce_sum((features[0] - features[1]) * weights, axis=-1))

    def explain(image28, method):
        cells = _normalised(cells_of(tf.constant(image28[None, :, :, None])).numpy())
        return Explanation(_on_input(cells, origin, size), -1, "grad-cam", cells, origin, size)

    return explain


def measure(explainers: dict, per_label: int, seed: int) -> dict[str, dict[str, list[float]]]:
    figures = {name: {"on ink": [], "canvas new": [], "canvas old": [], "heat on ink": [], "cell ink": [],
                      "cell near": [], "seconds": []} for name in explainers}
    for canvas, image28 in drawings(per_label, seed):
        ink_rows, ink_columns = np.nonzero(image28 > 0.5)
        paper = cv2.distanceTransform((ink_strength(canvas) < 0.5).astype(np.uint8), cv2.DIST_L2, 5)
        for name, (explain, method) in explainers.items():
            start = time.perf_counter()
            explanation = explain(image28, method=method)
            row, column = np.unravel_index(np.argmax(explanation.heatmap), (28, 28))
            numbers = figures[name]
            numbers["seconds"].append(time.perf_counter() - start)
            numbers["on ink"].append(np.hypot(ink_rows - row, ink_columns - column).min() <= 1.0)
            numbers["canvas new"].append(canvas_distance(paper, input_placement(canvas), row, column) <= 1.0)
            numbers["canvas old"].append(canvas_distance(paper, old_placement(canvas, image28), row, column) <= 1.0)
            heat = explanation.heatmap
            numbers["heat on ink"].append(float(heat[image28 > 0.2].sum() / max(heat.sum(), 1e-9)))
            cell = np.unravel_index(np.argmax(explanation.cells), explanation.cells.shape)
            top, left, bottom, right = explanation.cell_box(*cell)
            grow = round(explanation.cell_size)
            numbers["cell ink"].append(bool((image28[top:bottom, left:right] > 0.5).any()))
            near = image28[max(0, top - grow):bottom + grow, max(0, left - grow):right + grow]
            numbers["cell near"].append(bool((near > 0.5).any()))
    return figures


def report(figures: dict[str, dict[str, list[float]]]) -> None:
    count = len(next(iter(figures.values()))["on ink"])
    print(f"{count} drawings, top label explained\n")
    print(f"{'method':24s} {'warmest on ink':>14s} {'on canvas old -> new':>21s} {'heat on ink':>11s} "
          f"{'hot cell inked / near':>22s} {'ms median / p95':>16s}")
    for name, numbers in figures.items():
        seconds = np.array(numbers["seconds"][1:]) * 1000
        print(f"{name:24s} {np.mean(numbers['on ink']):14.1%} "
              f"{np.mean(numbers['canvas old']):11.1%} -> {np.mean(numbers['canvas new']):5.1%} "
              f"{np.median(numbers['heat on ink']):11.1%} "
              f"{np.mean(numbers['cell ink']):14.1%} / {np.mean(numbers['cell near']):5.1%} "
              f"{np.median(seconds):9.1f} / {np.percentile(seconds, 95):.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a saved .keras model of the Shapes task; default: train a small one")
    parser.add_argument("--per-label", type=int, default=100)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    if args.model:
        from model.network.model_store import load_model

        loaded = load_model(path=args.model)
        network = loaded[0] if isinstance(loaded, tuple) else loaded
    else:
        from tests.model.training_data import shapes_network

        network = shapes_network()
    explainer = Explainer(network)
    explainers = {"grad-cam": (explainer.explain, "grad-cam"),
                  "grad-cam averaged (old)": (averaged_grad_cam(network), "grad-cam"),
                  "gradient": (explainer.explain, "gradient")}
    report(measure(explainers, args.per_label, args.seed))


if __name__ == "__main__":
    main()
