"""Heat maps lie where the network looked: on the 28x28 input and, through preprocess's own geometry, on the canvas.

Drawings are made as in the app (strokes on a 600x450 canvas, dark on light, through `preprocess`), small ones
in corners with a thin pen and big centred ones with the default pen, and explained by a small Shapes network
of the Quick recipe (trained here in about ten seconds).
"""

from __future__ import annotations

import numpy as np
import pytest

from model.core.preprocessing import TARGET_STROKE_WIDTH, ink_strength, input_placement, preprocess
from model.core.strokes import Stroke, render_strokes
from tests.model.training_data import shapes_network

CANVAS_WIDTH, CANVAS_HEIGHT = 600, 450
# kind, centre, radius, pen width (canvas pixels)
DRAWINGS = {
    "circle in a corner": ("circle", (70, 70), 45, 4),
    "square in a corner": ("square", (530, 70), 40, 4),
    "triangle in a corner": ("triangle", (80, 380), 50, 4),
    "centred circle": ("circle", (300, 225), 150, 14),
    "centred square": ("square", (300, 225), 140, 14),
    "centred triangle": ("triangle", (300, 225), 160, 14),
}
INK = 0.5


def _outline(kind: str, centre: tuple[int, int], radius: float) -> np.ndarray:
    x, y = centre
    if kind == "circle":
        angles = np.linspace(0, 2 * np.pi, 80)
        return np.stack([x + radius * np.cos(angles), y + radius * np.sin(angles)], 1)
    if kind == "square":
        corners = [(-1, -1), (1, -1), (1, 1), (-1, 1), (-1, -1)]
    else:  # a triangle standing on its base: not symmetric under a swap of rows and columns
        corners = [(0, -1), (1, 0.8), (-1, 0.8), (0, -1)]
    return np.array([(x + radius * dx, y + radius * dy) for dx, dy in corners], np.float64)


def _canvas(name: str) -> np.ndarray:
    kind, centre, radius, pen = DRAWINGS[name]
    return render_strokes([Stroke(_outline(kind, centre, radius), pen)], CANVAS_WIDTH, CANVAS_HEIGHT)


def _distance_on_canvas(canvas: np.ndarray, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """How far the centres of these 28x28 pixels, laid over the canvas, lie from the canvas's ink, in 28x28 pixels."""
    import cv2

    x, y, size = input_placement(canvas)
    cell = size / 28
    paper = (ink_strength(canvas) < INK).astype(np.uint8)
    distance = cv2.distanceTransform(paper, cv2.DIST_L2, 5)
    canvas_x = np.clip(np.floor(x + (np.asarray(columns) + 0.5) * cell).astype(int), 0, canvas.shape[1] - 1)
    canvas_y = np.clip(np.floor(y + (np.asarray(rows) + 0.5) * cell).astype(int), 0, canvas.shape[0] - 1)
    return distance[canvas_y, canvas_x] / cell


def _distance_to_ink(image28: np.ndarray, row: int, column: int) -> float:
    rows, columns = np.nonzero(image28 > INK)
    return float(np.hypot(rows - row, columns - column).min())


@pytest.fixture(scope="module")
def explainer():
    """Explains a Quick-architecture network trained briefly on generated shapes (`shapes_network`)."""
    from model.network.saliency import Explainer

    return Explainer(shapes_network())


@pytest.mark.parametrize("name", DRAWINGS)
def test_input_placement_lays_the_networks_ink_on_the_drawings_ink(name):
    canvas = _canvas(name)
    image28 = preprocess(canvas)
    rows, columns = np.nonzero(image28 > INK)
    # Thin pens are widened to the target width around their line: ink may reach half of it beyond the drawing's.
    assert _distance_on_canvas(canvas, rows, columns).max() <= TARGET_STROKE_WIDTH / 2


@pytest.mark.parametrize("name", DRAWINGS)
def test_gradient_saliency_is_hottest_on_ink(explainer, name):
    canvas = _canvas(name)
    image28 = preprocess(canvas)
    explanation = explainer.explain(image28, method="gradient")
    row, column = np.unravel_index(np.argmax(explanation.heatmap), (28, 28))
    assert _distance_to_ink(image28, row, column) <= 1.0
    assert _distance_on_canvas(canvas, [row], [column])[0] <= 1.0


@pytest.mark.parametrize("name", DRAWINGS)
def test_grad_cam_hottest_cell_lies_on_or_beside_ink_and_the_map_is_warm_there(explainer, name):
    image28 = preprocess(_canvas(name))
    explanation = explainer.explain(image28, method="grad-cam")
    assert explanation.cells.shape == (7, 7) and explanation.cell_size == 4
    row, column = np.unravel_index(np.argmax(explanation.cells), (7, 7))
    top, left, bottom, right = explanation.cell_box(row, column)
    # Each cell sees 18 px around it, so its evidence can come from ink in the next cell (a circle's inside cells
    # see the whole ring); on ink or one cell from it, never out on the paper.
    assert (image28[max(0, top - 4):bottom + 4, max(0, left - 4):right + 4] > INK).any()
    # The map shown is warm where that cell sits, not mirrored or shifted away from it.
    centre = slice(row * 4 + 1, row * 4 + 3), slice(column * 4 + 1, column * 4 + 3)
    assert explanation.heatmap[centre].min() >= 0.75


THREE_BY_THREE = [  # a fourth convolution after valid pooling of 7x7: a 3x3 map that covers 24 of the 28 pixels
    {"type": "conv", "filters": 4}, {"type": "pool"}, {"type": "conv", "filters": 4}, {"type": "pool"},
    {"type": "conv", "filters": 4}, {"type": "pool"}, {"type": "conv", "filters": 4}, {"type": "flatten"},
]
STRIDED = [  # a strided valid convolution: a 6x6 map whose first cell is centred on pixel 3
    {"type": "conv", "filters": 4}, {"type": "pool"},
    {"type": "conv", "filters": 4, "strides": 2, "padding": "valid"}, {"type": "flatten"},
]


@pytest.mark.parametrize("architecture, grid, cell_size", [(THREE_BY_THREE, 3, 8), (STRIDED, 6, 4)])
def test_a_hot_cell_warms_the_input_pixels_it_sits_on(architecture, grid, cell_size):
    from model.network.architecture import build_model
    from model.network.saliency import Explanation, _cell_geometry, _last_convolution, _on_input

    network = build_model(architecture, 3)
    origin, size = _cell_geometry(network, _last_convolution(network))
    assert size == cell_size
    for row, column in [(0, 0), (grid - 1, grid - 1), (grid // 2, grid - 1)]:
        cells = np.zeros((grid, grid), np.float32)
        cells[row, column] = 1.0
        heat = _on_input(cells, origin, size)
        # The pixels nearest the cell's centre, at most half a pixel from it on each axis, carry nearly its full heat.
        centre_row, centre_column = (origin + index * size - 0.5 for index in (row, column))
        nearest = heat[int(np.floor(centre_row)):int(np.ceil(centre_row)) + 1,
                       int(np.floor(centre_column)):int(np.ceil(centre_column)) + 1]
        assert nearest.min() >= (1 - 0.5 / size) ** 2 - 1e-3, (row, column, nearest)
        top, left, bottom, right = Explanation(heat, 0, "grad-cam", cells, origin, size).cell_box(row, column)
        assert heat[top:bottom, left:right].sum() >= 0.5 * heat.sum()
