"""Strokes: JSON round trip, bounds, and rendering that looks the same however densely it was sampled."""

from __future__ import annotations

import numpy as np
import pytest

from model.core.strokes import Stroke, drawing_bounds, render_strokes


def _arc(count):
    t = np.linspace(0, 1.5 * np.pi, count)
    return Stroke(np.stack([100 + 60 * np.cos(t), 80 + 60 * np.sin(t), 5 * np.arange(count)], 1), 6)


def test_dict_round_trip_keeps_points_width_and_eraser():
    stroke = Stroke(np.array([[1.5, 2.25, 0.0], [3.0, 4.0, 16.5]]), width=7.5, eraser=True)
    again = Stroke.from_dict(stroke.to_dict())
    assert np.allclose(again.points, stroke.points) and again.width == 7.5 and again.eraser


def test_points_without_time_get_zero_timestamps_and_bad_shapes_are_refused():
    assert np.array_equal(Stroke([[1, 2], [3, 4]]).points[:, 2], [0, 0])
    with pytest.raises(ValueError, match=r"received \(2, 4\)"):
        Stroke(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="differ in length"):
        Stroke.from_dict({"x": [1, 2], "y": [1]})


def test_bounds_include_half_the_pen_and_skip_the_eraser():
    strokes = [Stroke([[10, 20], [30, 40]], 4), Stroke([[500, 500]], 10, eraser=True)]
    assert drawing_bounds(strokes) == (8, 18, 32, 42)
    assert drawing_bounds([Stroke([[1, 1]], 2, eraser=True)]) is None


def test_dense_and_sparse_sampling_render_alike():
    dense = render_strokes([_arc(2000)], 200, 160)
    sparse = render_strokes([_arc(200)], 200, 160)
    assert np.abs(dense.astype(int) - sparse.astype(int)).mean() < 1.0
    assert (dense < 128).sum() == pytest.approx((sparse < 128).sum(), rel=0.06)


def test_a_single_point_renders_a_dot_and_the_eraser_removes_ink():
    dot = render_strokes([Stroke([[50, 50]], 10)], 100, 100)
    assert dot[50, 50] < 50 and dot[0, 0] == 255
    erased = render_strokes([Stroke([[50, 50]], 10), Stroke([[50, 50]], 20, eraser=True)], 100, 100)
    assert erased.min() == 255


def test_scale_and_offset_move_and_grow_the_drawing():
    image = render_strokes([Stroke([[10, 10], [20, 10]], 2)], 100, 100, scale=3.0, offset=(5, 5))
    rows, cols = np.nonzero(image < 128)
    assert cols.min() >= 41 and cols.max() <= 79 and 40 <= rows.mean() <= 50  # (10..20 + 5) * 3, pen 6
