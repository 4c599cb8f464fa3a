"""Pen-tablet copies of MNIST digits: thin centre lines, sampled coarsely, that still read as the digit."""

from __future__ import annotations

import cv2
import numpy as np

from model.core.preprocessing import preprocess
from model.datasets.pen_digits import add_pen_copies, thin


def _ring_and_bar() -> np.ndarray:
    masks = np.zeros((2, 40, 40), np.uint8)
    cv2.circle(masks[0], (20, 20), 12, 1, 5)
    cv2.line(masks[1], (8, 20), (32, 20), 1, 7)
    return masks.astype(bool)


def test_thinning_leaves_one_pixel_wide_lines_that_keep_loops_closed():
    ring, bar = thin(_ring_and_bar())
    # A 7 px bar becomes a line one pixel high along most of its length.
    assert 15 <= bar.sum() <= 26 and bar.any(axis=1).sum() <= 2
    # The ring stays a ring: one loop around a hole, about 2*pi*12 pixels long.
    assert 55 <= ring.sum() <= 85
    holes = cv2.connectedComponents((~ring).astype(np.uint8), connectivity=4)[0] - 1
    assert holes == 2  # the outside and the inside of the loop


def test_pen_copies_are_thin_strokes_of_the_same_digits():
    rng = np.random.default_rng(0)
    images = np.zeros((4, 28, 28), np.uint8)
    cv2.circle(images[0], (14, 14), 8, 255, 3)  # a 0
    cv2.line(images[1], (14, 5), (14, 23), 255, 3)  # a 1
    images[2:] = images[:2]
    copies, labels = add_pen_copies(images, np.array([0, 1, 0, 1]), share=1.0, seed=int(rng.integers(100)))
    assert copies.shape[0] == 4 and labels.tolist() == [0, 1, 0, 1]
    for copy, original in zip(copies, images):
        ink = copy > 127
        # Drawn at canvas resolution with a hairline pen: a small share of the image is ink.
        assert 0 < ink.mean() < 0.05
        mine, theirs = preprocess(copy, ink="light"), preprocess(original, ink="light")
        assert np.corrcoef(mine.ravel(), theirs.ravel())[0, 1] > 0.6
