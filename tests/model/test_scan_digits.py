"""Coarse, soft scan copies of MNIST digits: low resolution, grey edges, yet the same digit once preprocessed."""

from __future__ import annotations

import cv2
import numpy as np

from model.core.preprocessing import preprocess
from model.datasets.scan_digits import add_scan_copies


def _ring_and_bar() -> np.ndarray:
    images = np.zeros((2, 28, 28), np.uint8)
    cv2.circle(images[0], (14, 14), 8, 255, 3)  # a 0
    cv2.line(images[1], (14, 5), (14, 23), 255, 3)  # a 1
    return images


def test_scan_copies_keep_labels_and_share():
    images = np.tile(_ring_and_bar(), (10, 1, 1))
    labels = np.array([0, 1] * 10)
    copies, copy_labels = add_scan_copies(images, labels, share=0.5, seed=3)
    assert len(copies) == len(copy_labels) == 10
    assert all(copy.dtype == np.uint8 and copy.ndim == 2 for copy in copies)


def test_scan_copies_are_coarse_and_soft_but_read_as_the_same_digit():
    images = np.tile(_ring_and_bar(), (8, 1, 1))
    labels = np.array([0, 1] * 8)
    copies, copy_labels = add_scan_copies(images, labels, share=1.0, seed=0)
    originals = {label: preprocess(images[label], ink="light") for label in (0, 1)}
    sizes, soft, alike = set(), [], []
    for copy, label in zip(copies, copy_labels):
        sizes.add(copy.shape)
        ink = copy[copy > 0]
        soft.append(np.mean((ink > 0) & (ink < 255)))
        mine = preprocess(copy, ink="light").ravel()
        same = np.corrcoef(mine, originals[label].ravel())[0, 1]
        other = np.corrcoef(mine, originals[1 - label].ravel())[0, 1]
        assert same > other
        alike.append(same)
    # Enlarged by random factors: many sizes; blurred: much of the ink is grey, not the source's solid 255.
    assert len(sizes) > 8
    assert np.median(soft) > 0.3
    assert np.median(alike) > 0.45
