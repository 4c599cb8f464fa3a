"""Styles added to MNIST's training set: flagged 1s (upright stems only), and digits redrawn with a fat pen."""

from __future__ import annotations

import cv2
import numpy as np

from model.core.preprocessing import preprocess
from model.datasets.digit_styles import add_fat_pen_copies, add_flagged_ones


def _stroke(top, bottom, tilt=0.0) -> np.ndarray:
    """A 28x28 MNIST-style stroke from (14 + tilt, top) down to (14 - tilt, bottom), white on black."""
    image = np.zeros((28, 28), np.uint8)
    cv2.line(image, (round(14 + tilt), top), (round(14 - tilt), bottom), 255, 2, cv2.LINE_AA)
    return image


def test_only_ones_are_copied_and_the_originals_are_untouched():
    images = np.stack([_stroke(4, 24)] * 6)
    labels = np.array([1, 7, 1, 4, 1, 1])
    before = images.copy()
    flagged, flagged_labels = add_flagged_ones(images, labels, share=1.0)
    assert len(flagged) == 4 and set(flagged_labels.tolist()) == {1}
    np.testing.assert_array_equal(images, before)


def test_a_flag_adds_ink_left_of_the_stems_top_half_only():
    flagged, _ = add_flagged_ones(np.stack([_stroke(4, 24)]), np.array([1]), share=1.0, seed=3, foot_share=0.0)
    view = preprocess(flagged[0], ink="light")
    plain = preprocess(_stroke(4, 24), ink="light")
    # The flagged 1 is wider, and its extra ink sits in the upper half, left of the stem.
    assert np.count_nonzero(view.max(axis=0) > 0.3) > np.count_nonzero(plain.max(axis=0) > 0.3) + 2
    stem = int(view.sum(axis=0).argmax())
    left = view[:, :stem - 2]
    assert left.sum() > 1.0 and left[:14].sum() > 4 * left[14:].sum()


def test_strongly_slanted_ones_get_no_flag_that_would_read_as_a_seven():
    slanted = np.stack([_stroke(4, 24, tilt=6.0)] * 20)  # about 31 degrees from upright
    flagged, _ = add_flagged_ones(slanted, np.ones(20, np.int64), share=1.0)
    assert len(flagged) == 0


def test_fat_pen_copies_keep_labels_and_widen_strokes_to_a_fifth_to_a_third_of_the_height():
    images = np.stack([_stroke(4, 24)] * 50)  # 21 px tall, 2-3 px wide
    labels = np.arange(50) % 10
    fat, fat_labels = add_fat_pen_copies(images, labels, share=0.2, seed=1)
    assert len(fat) == 10 and set(fat_labels.tolist()) <= set(labels.tolist())
    for image in fat:
        ink = image.astype(np.float32) / 255.0
        middle = ink[ink.shape[0] // 2]
        width = middle.sum() / 2  # in pixels of MNIST's 28 (the copies are at twice that)
        assert 0.18 * 21 < width < 0.42 * 21  # the plain stroke is 0.12 of it
        # Crisp edges, as a canvas draws them: one pixel of rim on either side, no wide blur.
        assert np.count_nonzero((middle > 0.05) & (middle < 0.95)) <= 2


def _bottom_right_ink(image: np.ndarray) -> float:
    """Ink right of the stem in the lowest fifth of a preprocessed 1: a foot puts some there, a flag never."""
    view = preprocess(image, ink="light")
    rows = np.flatnonzero(view.max(axis=1) > 0.3)
    stem = int(view.sum(axis=0).argmax())
    return float(view[rows[-1] - (rows[-1] - rows[0]) // 5:, stem + 3:].sum())


def test_a_share_of_the_flagged_ones_stand_on_a_foot_across_the_stems_bottom():
    ones = np.stack([_stroke(4, 24)] * 40)
    footed, _ = add_flagged_ones(ones, np.ones(40, np.int64), share=1.0, foot_share=1.0)
    plain, _ = add_flagged_ones(ones, np.ones(40, np.int64), share=1.0, foot_share=0.0)
    assert len(footed) == len(plain) == 40
    assert min(_bottom_right_ink(image) for image in footed) > 1.0
    assert max(_bottom_right_ink(image) for image in plain) < 0.1
    some, _ = add_flagged_ones(ones, np.ones(40, np.int64), share=1.0, foot_share=0.25, seed=2)
    assert 3 <= sum(_bottom_right_ink(image) > 1.0 for image in some) <= 18


def test_a_curved_one_gets_no_foot_that_could_make_it_a_two():
    curved = np.zeros((28, 28), np.uint8)
    cv2.polylines(curved, [np.array([[15, 4], [11, 10], [10, 16], [12, 21], [16, 24]], np.int32)], False, 255, 2,
                  cv2.LINE_AA)
    flagged, _ = add_flagged_ones(np.stack([curved] * 10), np.ones(10, np.int64), share=1.0, foot_share=1.0)
    assert len(flagged) == 10
    # Any ink right of the stem at the bottom is the curve's own.
    assert max(_bottom_right_ink(image) for image in flagged) <= _bottom_right_ink(curved) + 0.5
