"""The shape generator: drawings that stay on their canvas, vary like people's, and a reproducible data set."""

from __future__ import annotations

import numpy as np
import pytest

import model.shapes as shapes
from model.preprocessing import preprocess
from model.shapes import SHAPE_LABELS, generate_drawing, make_dataset, render_for_training
from model.strokes import drawing_bounds, render_strokes


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
