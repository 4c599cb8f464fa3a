"""The canvas (Qt) and `model.core.strokes.render_strokes` (OpenCV, which Shapes and saved drawings are rendered with)
must give the network the same 28x28 for the same strokes, or a model learns one drawing and is shown another."""

from __future__ import annotations

import numpy as np
import pytest

from gui.canvas import DrawingCanvas
from model.core.preprocessing import preprocess
from model.core.strokes import Stroke, render_strokes

SIZE = 400
# On [0, 1] ink: the average pixel may differ by 3% of full ink and no pixel by more than half.
MEAN_TOLERANCE, MAX_TOLERANCE = 0.03, 0.5


def _dense(corners, step: float = 3.0) -> np.ndarray:
    """A polyline through `corners` with a point every `step` px, as a mouse or pen records it."""
    corners = np.asarray(corners, float)
    points = [corners[0]]
    for start, end in zip(corners[:-1], corners[1:]):
        count = max(1, int(np.linalg.norm(end - start) / step))
        points.extend(start + (end - start) * t for t in np.linspace(0, 1, count + 1)[1:])
    return np.array(points)


def _strokes(kind: str, width: float) -> list[Stroke]:
    if kind == "ring":
        angles = np.linspace(0, 2 * np.pi, 300)
        return [Stroke(np.stack([200 + 120 * np.cos(angles), 200 + 90 * np.sin(angles)], 1), width)]
    if kind == "square":
        sides = ([[80, 80], [320, 80]], [[320, 80], [320, 320]], [[320, 320], [80, 320]], [[80, 320], [80, 80]])
        return [Stroke(_dense(side), width) for side in sides]
    if kind == "seven":
        return [Stroke(_dense([[120, 90], [290, 90], [180, 330]]), width)]
    return [Stroke(np.array([[200.0, 100.0]]), width), Stroke(_dense([[200, 150], [205, 320]]), width)]


# Known apart, measured: OpenCV draws an antialiased line about 1.4 px wider than its thickness where Qt draws the
# pen's width, the two place a stroke half a pixel apart, and preprocessing's pen-width normalisation changes in
# steps, so thin pens and straight, axis-aligned strokes come out of the two renderers differently. Strict: when
# the renderers are brought together these pass, and the marks must go.
_KNOWN_APART = {("square", 3), ("square", 14), ("seven", 3)}


@pytest.mark.parametrize("width", [3, 14, 30])
@pytest.mark.parametrize("kind", ["ring", "square", "seven", "dot and line"])
def test_canvas_and_render_strokes_preprocess_to_the_same_28x28(qtbot, request, kind, width):
    if (kind, width) in _KNOWN_APART:
        request.applymarker(pytest.mark.xfail(strict=True, reason="renderers' pen widths differ; see comment"))
    strokes = _strokes(kind, width)
    canvas = DrawingCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(SIZE, SIZE)
    canvas.set_strokes(strokes)
    from_canvas = preprocess(canvas.to_array())
    from_render = preprocess(render_strokes(strokes, SIZE, SIZE))
    difference = np.abs(from_canvas - from_render)
    assert difference.mean() <= MEAN_TOLERANCE and difference.max() <= MAX_TOLERANCE, (
        f"{kind} at pen {width}: mean {difference.mean():.3f}, max {difference.max():.3f}")
