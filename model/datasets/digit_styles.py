"""Ways of drawing digits MNIST's writers rarely used, added to its training set so Digits knows them too.

MNIST was written by American Census staff and students with pens on paper. Much of the world writes a
1 with a long flag, which a network trained on MNIST alone reads as a 7: `add_flagged_ones` draws such
a flag onto copies of MNIST's own 1s, at the angles and lengths people use, in each digit's own pen
width, and under some of them the foot that printed 1s have and many people copy. On a canvas people
also draw small digits with a fat pen or a finger, whose loops and gaps close up; `preprocess` thins the
strokes but cannot reopen them: `add_fat_pen_copies` redraws MNIST digits that way. The originals
stay, and only the training set is extended: MNIST's test set stays as it is.
"""

from __future__ import annotations

import cv2
import numpy as np

from model.core.training_progress import stop_if_asked

_SCALE = 4  # flags and fat pens are drawn at 4x, then area-reduced, for MNIST's soft edges
_PAD = 8  # room for a flag or a fat pen; `preprocess` frames the result again
_FAT_SCALE = 2
# A stem this straight or straighter may get a foot: a 2.5 px line 20 px long has 0.016, and three in four of
# MNIST's 1s are under 0.035.
_STRAIGHT = 0.035


def add_flagged_ones(images: np.ndarray, labels: np.ndarray, share: float = 1.0, seed: int = 0, *,
                     foot_share: float = 0.25, should_stop=None):
    """Returns copies of a share of the 1s among MNIST-style images, each with a flag drawn on.

    Args:
        images: (N, 28, 28) uint8, white ink on black, as in MNIST.
        labels: (N,) digit labels.
        share: the fraction of the 1s to copy with a flag.
        seed: which 1s, and each flag's angle and length.
        foot_share: the fraction of the flagged 1s that also get a foot, a bar across the stem's bottom.
        should_stop: polled per image; True raises `TrainingCancelled`.

    Returns:
        `(flagged, labels)`: (K, 44, 44) uint8 images (padded: a flag may reach past MNIST's frame) and
        K labels, all 1. Pass the images through `preprocess` like any other drawing.
    """
    rng = np.random.default_rng(seed)
    ones = np.flatnonzero(np.asarray(labels) == 1)
    chosen = rng.choice(ones, size=int(round(share * len(ones))), replace=False) if len(ones) else ones
    flagged = []
    for index in np.sort(chosen):
        stop_if_asked(should_stop)
        image = _with_flag(images[index], rng, foot_share)
        if image is not None:
            flagged.append(image)
    size = 28 + 2 * _PAD
    return np.array(flagged, np.uint8).reshape(-1, size, size), np.ones(len(flagged), np.int64)


def _with_flag(image: np.ndarray, rng: np.random.Generator, foot_share: float) -> np.ndarray | None:
    """One 1 with a flag from its top end, down and to the left, and by chance a foot; None if it holds no
    stroke or leans too far."""
    padded = cv2.copyMakeBorder(np.asarray(image, np.uint8), _PAD, _PAD, _PAD, _PAD, cv2.BORDER_CONSTANT, value=0)
    rows = np.flatnonzero((padded > 96).any(axis=1))
    if len(rows) < 8:
        return None
    top, height = rows[0], rows[-1] - rows[0] + 1
    top_x = _ink_x(padded[top:top + 2])
    # A vertical stroke holds about width x height of ink.
    width = float(np.clip(padded.sum() / 255.0 / height, 1.5, 4.0))
    # The flag leaves the stem at 35-55 degrees and falls at least 35 degrees below horizontal: flatter,
    # on a slanted stem, it would be a 7's bar. Strongly slanted 1s are left without a flag.
    stem_angle, curvature = _stem(padded)
    angle = stem_angle - rng.uniform(35.0, 55.0)
    if angle < 35.0:
        return None
    angle = np.radians(angle)
    length = rng.uniform(0.28, 0.45) * height
    start = np.array([top_x, top + width / 2])
    lines = [(start, start + length * np.array([-np.cos(angle), np.sin(angle)]))]
    # A foot goes only under a straight stem: under a curved one it may make a 2.
    if rng.random() < foot_share and curvature < _STRAIGHT:
        # Across the stem's bottom end, about as wide as the flag is long, nearly level.
        bottom = rows[-1]
        bottom_x = _ink_x(padded[bottom - 1:bottom + 1])
        left, right = rng.uniform(0.12, 0.25, size=2) * height
        tilt = rng.uniform(-0.06, 0.06) * height
        middle = np.array([bottom_x, bottom - width / 2])
        lines.append((middle + (-left, tilt), middle + (right, -tilt)))
    large = cv2.resize(padded, None, fx=_SCALE, fy=_SCALE, interpolation=cv2.INTER_LINEAR)
    strokes = np.zeros_like(large)
    shift = 4  # sub-pixel bits
    for line in lines:
        ends = [tuple(int(round(v * _SCALE * (1 << shift) + (_SCALE - 1) / 2 * (1 << shift))) for v in point)
                for point in line]
        cv2.line(strokes, ends[0], ends[1], 255, max(1, int(round(width * _SCALE))), cv2.LINE_AA, shift)
    combined = np.maximum(large, strokes)
    return cv2.resize(combined, padded.shape[::-1], interpolation=cv2.INTER_AREA)


def _ink_x(band: np.ndarray) -> float:
    """The ink's mean column in a band of rows."""
    band = band.astype(np.float64)
    return float(band.sum(axis=0) @ np.arange(band.shape[1]) / band.sum())


def _stem(image: np.ndarray) -> tuple[float, float]:
    """The stroke's direction in degrees below horizontal, top to bottom-left (90 is upright, less leans right),
    and how far it strays from a straight line: the ink's spread across it over its spread along it."""
    rows, cols = np.nonzero(image > 96)
    weights = image[rows, cols].astype(np.float64)
    points = np.stack([cols, rows], axis=1) - np.average(np.stack([cols, rows], axis=1), axis=0, weights=weights)
    covariance = (points * weights[:, None]).T @ points
    spreads, axes = np.linalg.eigh(covariance)
    dx, dy = axes[:, -1]
    dx, dy = (dx, dy) if dy >= 0 else (-dx, -dy)  # pointing down
    return float(np.degrees(np.arctan2(dy, -dx))), float(spreads[0] / max(spreads[1], 1e-9))


def add_fat_pen_copies(images: np.ndarray, labels: np.ndarray, share: float = 0.08, seed: int = 0, *,
                       should_stop=None):
    """Returns copies of a share of MNIST-style images redrawn with a pen a fifth to a third of their height.

    Args:
        images: (N, 28, 28) uint8, white ink on black.
        labels: (N,) digit labels.
        share: the fraction of the images to copy.
        seed: which images, and each one's pen.
        should_stop: polled per image; True raises `TrainingCancelled`.

    Returns:
        `(fat, labels)`: (K, 88, 88) uint8 images and their labels; pass the images through `preprocess`.
        They are kept at twice MNIST's resolution, as a canvas would be finer still: reduced to 28 px, a
        fat pen's edges blur, and the strokes `preprocess` thins out of them look like no canvas's.
    """
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(len(images), size=int(round(share * len(images))), replace=False))
    fat = []
    for index in chosen:
        stop_if_asked(should_stop)
        fat.append(_fat_pen(images[index], rng))
    fat = np.array(fat, np.uint8)
    size = _FAT_SCALE * (28 + 2 * _PAD)
    return fat.reshape(-1, size, size), np.asarray(labels)[chosen].astype(np.int64)


def _fat_pen(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The digit's strokes widened about their centre line, as a fat pen along the same path draws them."""
    padded = cv2.copyMakeBorder(np.asarray(image, np.uint8), _PAD, _PAD, _PAD, _PAD, cv2.BORDER_CONSTANT, value=0)
    rows = np.flatnonzero((padded > 96).any(axis=1))
    height = rows[-1] - rows[0] + 1 if len(rows) else 20
    # MNIST's pens are about 2.5 px wide; widen them to the drawn width.
    extra = max(0.0, rng.uniform(0.2, 0.35) * height - 2.5)
    large = cv2.resize(padded, None, fx=_SCALE, fy=_SCALE, interpolation=cv2.INTER_LINEAR)
    # A pen on a canvas leaves crisp edges: the scanned digit's soft rim is cut at half strength first.
    crisp = cv2.threshold(large, 127, 255, cv2.THRESH_BINARY)[1]
    diameter = int(round(extra * _SCALE)) | 1
    widened = cv2.dilate(crisp, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (diameter, diameter)))
    size = _FAT_SCALE * padded.shape[0]
    return cv2.resize(widened, (size, size), interpolation=cv2.INTER_AREA)
