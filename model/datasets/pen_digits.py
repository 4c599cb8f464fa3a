"""MNIST's digits redrawn as a pen tablet records them, so Digits knows fast thin-pen writing too.

A tablet samples the pen every few milliseconds; written fast, a digit becomes a few dozen points
joined by straight lines: curves turn into polygons, and the pen is a hairline. MNIST's scanned ink
looks nothing like that. `add_pen_copies` takes the centre line of MNIST digits (their skeleton, so
the writers' own styles stay), keeps only the points a quick sampler would, and draws the polyline
with a thin pen at canvas resolution. Only the training set gains these copies.
"""

from __future__ import annotations

import cv2
import numpy as np

from model.core.training_progress import stop_if_asked

_SCALE = 3  # skeletons are found at 3x MNIST's resolution, so loops do not close up
_PAD = 4
_RENDER = 4  # the polylines are drawn at 4x the skeleton's resolution, as a canvas is finer than 28 px
_SUBPIXEL_BITS = 3
# Digits thinned in one go: small enough that a cancel between batches is answered within a second.
_THIN_BATCH = 100


def add_pen_copies(images: np.ndarray, labels: np.ndarray, share: float = 0.15, seed: int = 0, *,
                   should_stop=None):
    """Returns copies of a share of MNIST-style images redrawn as thin, angular pen-tablet polylines.

    Args:
        images: (N, 28, 28) uint8, white ink on black.
        labels: (N,) digit labels.
        share: the fraction of the images to copy.
        seed: which images, and how coarsely each is sampled and how thick its pen is.
        should_stop: polled per image; True raises `TrainingCancelled`.

    Returns:
        `(pen, labels)`: (K, S, S) uint8 images, white on black, and their labels; pass the images
        through `preprocess` as any drawing.
    """
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(len(images), size=int(round(share * len(images))), replace=False))
    if not len(chosen):
        size = (28 + 2 * _PAD) * _SCALE * _RENDER
        return np.zeros((0, size, size), np.uint8), np.zeros(0, np.int64)
    pen = []
    # Each digit is thinned on its own, so thinning them a batch at a time gives the same skeletons.
    for start in range(0, len(chosen), _THIN_BATCH):
        stop_if_asked(should_stop)
        for skeleton in thin(_binarise(np.asarray(images)[chosen[start:start + _THIN_BATCH]])):
            stop_if_asked(should_stop)
            pen.append(_redraw(skeleton, rng))
    pen = np.array(pen, np.uint8)
    return pen, np.asarray(labels)[chosen].astype(np.int64)


def _binarise(images: np.ndarray) -> np.ndarray:
    """Pads and enlarges the digits, and cuts their ink at half strength: (N, H, W) bool."""
    padded = np.pad(images, ((0, 0), (_PAD, _PAD), (_PAD, _PAD)))
    size = padded.shape[1] * _SCALE
    large = np.array([cv2.resize(image, (size, size), interpolation=cv2.INTER_LINEAR) for image in padded])
    return large > 110


def thin(masks: np.ndarray) -> np.ndarray:
    """Reduces binary shapes to one-pixel-wide centre lines (Zhang and Suen's thinning), a batch at a time.

    Args:
        masks: (N, H, W) bool.

    Returns:
        (N, H, W) bool skeletons, connected where the shapes were.
    """
    count, height, width = masks.shape
    # One tall image, each shape framed by paper: a single filter call finds every pixel's neighbours.
    stacked = np.pad(masks.astype(np.uint8), ((0, 0), (1, 1), (1, 1))).reshape(count * (height + 2), width + 2)
    while True:
        changed = False
        for table in _REMOVABLE:
            # The weights add up to 255, so the byte never saturates.
            code = cv2.filter2D(stacked, -1, _NEIGHBOUR_BITS, borderType=cv2.BORDER_CONSTANT)
            remove = cv2.LUT(code, table) & stacked
            if remove.any():
                stacked -= remove
                changed = True
        if not changed:
            return stacked.reshape(count, height + 2, width + 2)[:, 1:-1, 1:-1].astype(bool)


# filter2D weights giving each pixel a byte whose bit k is set when neighbour P(k+2) is ink: P2 above,
# then clockwise. (filter2D correlates, so the kernel reads as the neighbourhood itself.)
_NEIGHBOUR_BITS = np.array([[128, 1, 2], [64, 0, 4], [32, 16, 8]], np.float32)


def _removable_tables() -> tuple[np.ndarray, ...]:
    """For each of the 256 neighbourhoods (bit k = P(k+2)), 1 where each sub-step removes the pixel."""
    codes = np.arange(256)
    p = [(codes >> bit) & 1 == 1 for bit in range(8)]  # p[0] is P2 ... p[7] is P9
    count = sum(n.astype(int) for n in p)
    ring = p + p[:1]
    transitions = sum((~a & b).astype(int) for a, b in zip(ring[:-1], ring[1:]))
    base = (count >= 2) & (count <= 6) & (transitions == 1)
    p2, p4, p6, p8 = p[0], p[2], p[4], p[6]
    steps = base & ~(p2 & p4 & p6) & ~(p4 & p6 & p8), base & ~(p2 & p4 & p8) & ~(p2 & p6 & p8)
    return tuple(step.astype(np.uint8) for step in steps)


_REMOVABLE = _removable_tables()


def _redraw(skeleton: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Traces the skeleton, keeps a sampler's points and draws the polyline with a thin pen."""
    contours, _ = cv2.findContours(skeleton.astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    # How far the straight lines between samples may stray from the pen's path, in skeleton pixels.
    tolerance = float(np.exp(rng.uniform(np.log(0.6), np.log(3.5))))
    size = skeleton.shape[0] * _RENDER
    canvas = np.zeros((size, size), np.uint8)
    width = int(rng.integers(1, 2 * _RENDER + 1))
    scale = _RENDER * (1 << _SUBPIXEL_BITS)
    for contour in contours:
        if len(contour) < 2:
            continue
        points = cv2.approxPolyDP(contour.astype(np.float32), tolerance, True)
        cv2.polylines(canvas, [np.round((points + 0.5) * scale).astype(np.int32)], True, 255, width,
                      cv2.LINE_AA, _SUBPIXEL_BITS)
    return canvas
