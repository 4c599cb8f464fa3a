"""Digits as scans, photos and small bitmaps show them: coarse, soft-edged, often widened to fill their frame.

MNIST's digits were scanned finely and framed by their longer side. Digits that reach the app from
elsewhere often were not: postal and form scanners store a digit in 16x16 or fewer pixels, blurred by
the optics and stretched to fill the frame; a phone photo of a note is soft; a bitmap made by another
tool is tiny, and enlarged it turns blocky. `preprocess` cannot put back what the low resolution took
away, so a network that only knew MNIST's crisp framing read such digits 2-6 points worse.
`add_scan_copies` makes such copies of some MNIST digits, to be preprocessed like any image.
"""

from __future__ import annotations

import cv2
import numpy as np

from model.core.training_progress import stop_if_asked

# A copy's digit spans this many pixels on its longer side before it is enlarged.
_SMALLEST, _LARGEST = 8, 20
_LARGEST_UPSCALE = 8


def add_scan_copies(images: np.ndarray, labels: np.ndarray, share: float = 0.12, seed: int = 0, *,
                    should_stop=None):
    """Returns copies of a share of MNIST-style images as coarse, soft scans, enlarged by a random factor.

    Args:
        images: (N, 28, 28) uint8, white ink on black.
        labels: (N,) digit labels.
        share: the fraction of the images to copy.
        seed: which images, and how each is scanned.
        should_stop: polled per image; True raises `TrainingCancelled`.

    Returns:
        `(scans, labels)`: a list of K uint8 images of different sizes, white ink on black, and K labels;
        pass the images through `preprocess` as any image.
    """
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(len(images), size=int(round(share * len(images))), replace=False))
    scans = []
    for index in chosen:
        stop_if_asked(should_stop)
        scans.append(_scan(np.asarray(images[index], np.uint8), rng))
    kept = [index for index, scan in zip(chosen, scans) if scan is not None]
    return [scan for scan in scans if scan is not None], np.asarray(labels)[kept].astype(np.int64)


def _scan(image: np.ndarray, rng: np.random.Generator) -> np.ndarray | None:
    """One digit cropped, maybe thickened and widened, shrunk, blurred, quantised and enlarged again."""
    rows, cols = np.nonzero(image > 25)
    if len(rows) == 0:
        return None
    ink = image[rows.min():rows.max() + 1, cols.min():cols.max() + 1].astype(np.float32) / 255.0
    if rng.random() < 0.4:  # a broad nib, or a scan whose ink spread
        ink = cv2.dilate(cv2.copyMakeBorder(ink, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0.0), np.ones((2, 2)))
    small = _shrink(ink, rng)
    # Optics blur a fixed share of the digit: a coarse scan of a small digit is not blurrier per pixel.
    blur = rng.uniform(0.2, 0.9) * max(small.shape) / 16
    margin = int(rng.integers(1, 4))  # paper on every side, as a scanner frame has at least a pixel
    small = cv2.copyMakeBorder(small, margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=0.0)
    small = cv2.GaussianBlur(small, (0, 0), blur)
    if rng.random() < 0.5:  # stored with few grey levels
        levels = int(rng.choice([4, 8, 16, 32]))
        small = np.round(small / max(float(small.max()), 1e-6) * (levels - 1)) / (levels - 1)
    factor = rng.uniform(1.0, _LARGEST_UPSCALE)
    size = (max(1, round(small.shape[1] * factor)), max(1, round(small.shape[0] * factor)))
    method = cv2.INTER_NEAREST if rng.random() < 0.5 else cv2.INTER_LINEAR
    enlarged = cv2.resize(small, size, interpolation=method)
    return np.round(np.clip(enlarged / max(float(enlarged.max()), 1e-6), 0.0, 1.0) * 255).astype(np.uint8)


def _shrink(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Shrinks the crop to a coarse frame; half the time its shorter side is widened, as frame-filling scanners do."""
    height, width = ink.shape
    longer = rng.uniform(_SMALLEST, _LARGEST)
    scale = longer / max(height, width)
    stretch = rng.uniform(1.0, 1.4) if rng.random() < 0.5 else 1.0
    new_height = height * scale * (stretch if height < width else 1.0)
    new_width = width * scale * (stretch if width < height else 1.0)
    size = (max(1, round(min(new_width, longer))), max(1, round(min(new_height, longer))))
    return cv2.resize(ink, size, interpolation=cv2.INTER_AREA)
