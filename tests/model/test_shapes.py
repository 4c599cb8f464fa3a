"""The shape generator: drawings that stay on their canvas, vary like people's, and a reproducible data set."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

import model.datasets.shapes as shapes
from model.core.preprocessing import preprocess
from model.core.strokes import drawing_bounds, render_strokes
from model.datasets import shape_outlines
from model.datasets.shapes import SHAPE_LABELS, generate_drawing, make_dataset, render_for_training


@pytest.mark.parametrize("label", SHAPE_LABELS)
def test_every_drawing_has_ink_inside_its_canvas(label):
    rng = np.random.default_rng(7)
    for _ in range(25):
        strokes, (width, height) = generate_drawing(label, rng)
        left, top, right, bottom = drawing_bounds(strokes)
        assert left >= -0.5 and top >= -0.5 and right <= width + 0.5 and bottom <= height + 0.5
        image = render_strokes(strokes, width, height)
        assert (image < 128).any()
        assert preprocess(image) is not None


def test_strokes_carry_increasing_timestamps():
    rng = np.random.default_rng(3)
    for label in SHAPE_LABELS * 10:
        strokes, _ = generate_drawing(label, rng)
        times = np.concatenate([stroke.points[:, 2] for stroke in strokes])
        assert np.all(np.diff(times) >= 0) and times[-1] > 0


def test_drawings_vary_like_peoples():
    rng = np.random.default_rng(11)
    drawings = {label: [generate_drawing(label, rng) for _ in range(60)] for label in SHAPE_LABELS}
    pens = [strokes[0].width for label in SHAPE_LABELS for strokes, _ in drawings[label]]
    sizes = {size for label in SHAPE_LABELS for _, size in drawings[label]}
    assert max(pens) / min(pens) > 10 and min(pens) < 2
    assert len(sizes) > 100
    square_strokes = {len(strokes) for strokes, _ in drawings["square"]}
    assert {1, 4} <= square_strokes  # one continuous stroke and four separate sides both occur
    first, second = (render_strokes(s, *size) for s, size in drawings["circle"][:2])
    assert first.shape != second.shape or not np.array_equal(first, second)


def test_unknown_label_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="circle, square, triangle"):
        generate_drawing("star", np.random.default_rng(0))


def test_render_for_training_is_dark_on_light_and_small():
    rng = np.random.default_rng(5)
    strokes, _ = generate_drawing("triangle", rng)
    image = render_for_training(strokes, rng)
    assert image.dtype == np.uint8 and image[0, 0] == 255 and image.min() < 64
    assert max(image.shape) <= 310


def test_make_dataset_is_balanced_and_shaped_for_the_network():
    x, y = make_dataset(12, seed=1)
    assert x.shape == (36, 28, 28) and x.dtype == np.float32
    assert y.dtype == np.int64 and np.bincount(y).tolist() == [12, 12, 12]
    assert x.min() >= 0.0 and x.max() <= 1.0
    assert np.allclose(x.max(axis=(1, 2)), 1.0)  # every sample holds a drawing
    assert np.bincount(y[:3]).tolist() == [1, 1, 1]  # interleaved: any prefix is balanced


def test_make_dataset_is_deterministic_by_seed():
    first, labels = make_dataset(5, seed=4)
    again, _ = make_dataset(5, seed=4)
    other, _ = make_dataset(5, seed=5)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)
    assert np.abs(first[0] - first[3]).mean() > 0.02  # two circles differ


def test_worker_processes_give_the_same_data_set(monkeypatch):
    monkeypatch.setattr(shapes, "_CHUNK", 8)
    alone, _ = make_dataset(8, seed=2, workers=1)
    pooled, _ = make_dataset(8, seed=2, workers=2)
    assert np.array_equal(alone, pooled)


def _box_aspect(paths) -> tuple[float, float]:
    """The aspect (longer / shorter side) and angle of the smallest rectangle around the paths."""
    (_, _), (width, height), angle = cv2.minAreaRect(np.concatenate(paths).astype(np.float32))
    return max(width, height) / max(min(width, height), 1e-9), angle


def test_squares_cover_boxes_from_one_to_one_to_one_to_three_turned_any_way():
    rng = np.random.default_rng(21)
    boxes = [_box_aspect(shape_outlines.square(rng)) for _ in range(300)]
    aspects = np.array([aspect for aspect, _ in boxes])
    assert aspects.min() < 1.1 and 2.4 < aspects.max() < 3.4
    turned = [angle % 90 for _, angle in boxes]
    assert sum(15 < angle < 75 for angle in turned) > 10  # some far from upright, most near it
    assert sum(angle < 15 or angle > 75 for angle in turned) > 200


def test_circles_include_ovals_and_triangles_include_obtuse_and_thin_ones():
    rng = np.random.default_rng(22)
    ovals = [_box_aspect(shape_outlines.circle(rng))[0] for _ in range(200)]
    assert min(ovals) < 1.15 and max(ovals) > 1.8
    angles = []
    for _ in range(200):
        _, triangle = cv2.minEnclosingTriangle(np.concatenate(shape_outlines.triangle(rng)).astype(np.float32))
        corners = triangle.reshape(3, 2)
        for k in range(3):
            a, b = corners[(k + 1) % 3] - corners[k], corners[(k + 2) % 3] - corners[k]
            angles.append(np.degrees(np.arccos(a @ b / np.linalg.norm(a) / np.linalg.norm(b))))
    assert max(angles) > 115 and min(angles) < 28


def test_the_hand_simplifies_retraces_and_leaves_stray_marks():
    rng = np.random.default_rng(23)
    points = [sum(len(stroke.points) for stroke in shapes.generate_drawing("circle", rng)[0]) for _ in range(300)]
    # Some circles come out as polygons of a dozen corners or so, as doodle games keep them; most stay smooth.
    assert 5 <= min(points) <= 20 and np.median(points) > 40
    counts = [len(shapes.generate_drawing("square", rng)[0]) for _ in range(400)]
    # Squares are drawn in one, two or four strokes; retraced lines and stray marks add more.
    assert max(counts) > 4 and {1, 2, 4} <= set(counts)
