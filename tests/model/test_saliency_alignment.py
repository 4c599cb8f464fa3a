"""Heat maps lie where the network looked: through preprocess's own geometry, on the canvas.

Drawings are made as in the app (strokes on a 600x450 canvas, dark on light, through `preprocess`), small ones
in corners with a thin pen and big centred ones with the default pen.
"""

from __future__ import annotations

import numpy as np
import pytest

from model.preprocessing import TARGET_STROKE_WIDTH, ink_strength, input_placement, preprocess
from model.strokes import Stroke, render_strokes

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


@pytest.mark.parametrize("name", DRAWINGS)
def test_input_placement_lays_the_networks_ink_on_the_drawings_ink(name):
    canvas = _canvas(name)
    image28 = preprocess(canvas)
    rows, columns = np.nonzero(image28 > INK)
    # Thin pens are widened to the target width around their line: ink may reach half of it beyond the drawing's.
    assert _distance_on_canvas(canvas, rows, columns).max() <= TARGET_STROKE_WIDTH / 2
