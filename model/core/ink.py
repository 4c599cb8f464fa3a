"""Finding the ink in an image of a drawing: gray levels, paper and its noise, dust, the drawing's box.

The first half of `model.core.preprocessing`; everything here works on uint8 gray at full resolution,
so it uses OpenCV's fast paths and touches each pixel only a few times.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np

# Ink must stand this far (of the full gray range) above the paper: below it is a faint smudge.
_MIN_CONTRAST = 0.1
# A drawing holds at least this much ink, in pixels of full-strength ink.
MIN_INK_PIXELS = 4.0
# A blob of ink lighter than this share of the largest is dust, not part of the drawing.
_SPECK_SHARE = 0.03
# Dust is looked for on a copy of the ink mask at most this many pixels on its longer side.
_COMPONENT_SIZE = 192
# Gray levels either side of the paper's median that may still be paper, when measuring its noise.
_PAPER_BAND = 26
# Crops larger than this are first reduced by a whole factor, so a 4000 px canvas costs little more.
_MID_SIZE = 160


class InkLevels(NamedTuple):
    """Where ink starts and how strong it is, as darkness (or lightness for light ink) in [0, 1]."""

    dark: bool  # dark ink on light paper
    floor: float  # darkness above this is ink (paper level plus its noise)
    peak: float  # the strongest ink
    threshold: float  # darkness above this counts when finding the drawing's extent


def to_gray(image: np.ndarray) -> np.ndarray:
    """Returns the image as 2-D uint8 gray: 256 levels are plenty for a drawing and keep OpenCV fast.

    Args:
        image: (H, W), (H, W, 1), (H, W, 3) RGB or (H, W, 4) RGBA; uint8, uint16, bool or float in [0, 1].

    Raises:
        ValueError: another shape or dtype, with what was received.
    """
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)) or array.size == 0:
        raise ValueError(
            f"Expected a non-empty image of shape (H, W), (H, W, 3) or (H, W, 4); received {array.shape}. "
            "Pass a grayscale, RGB or RGBA array."
        )
    if array.dtype == np.uint8 and array.ndim == 2:
        return np.ascontiguousarray(array)
    if array.dtype == np.uint8 and array.shape[2] == 3:
        return cv2.cvtColor(np.ascontiguousarray(array), cv2.COLOR_RGB2GRAY)
    if array.dtype == np.uint8:
        # Transparent pixels are paper: composite in uint8 (a float copy of a big RGBA costs 4x more).
        array = np.ascontiguousarray(array)
        gray, alpha = cv2.cvtColor(array, cv2.COLOR_RGBA2GRAY), np.ascontiguousarray(array[:, :, 3])
        shown = cv2.multiply(gray, alpha, scale=1 / 255)
        if _paper_behind(cv2.mean(shown)[0] / 255, cv2.mean(alpha)[0] / 255) == 0:
            return shown
        return cv2.add(shown, cv2.subtract(np.full_like(alpha, 255), alpha))
    if array.dtype == bool:
        values = array.astype(np.float32)
    elif np.issubdtype(array.dtype, np.integer):
        values = array.astype(np.float32) / float(np.iinfo(array.dtype).max)
    elif np.issubdtype(array.dtype, np.floating):
        values = np.clip(np.nan_to_num(array.astype(np.float32)), 0.0, 1.0)
    else:
        raise ValueError(f"Expected an image of integers, booleans or floats; received dtype {array.dtype}.")
    if values.ndim == 3:
        gray = values[:, :, :3] @ np.array([0.299, 0.587, 0.114], np.float32)
        if values.shape[2] == 4:
            # Transparent pixels are paper: composite before deciding what is ink.
            alpha = values[:, :, 3]
            shown = gray * alpha
            paper = _paper_behind(float(shown.mean()), float(alpha.mean())) / 255
            gray = shown + paper * (1.0 - alpha)
        values = gray
    return np.ascontiguousarray(np.clip(values * 255.0 + 0.5, 0, 255).astype(np.uint8))


def _paper_behind(shown: float, cover: float) -> int:
    """The paper (0 black, 255 white) to put behind an image's transparent pixels.

    Most apps that save drawings with transparency leave the paper out: what is left is ink, dark ink on a
    light theme, light ink on a dark one, and it needs paper of the other kind behind it. When the visible
    pixels cover most of the image they are a sheet of paper with margins cut away: its own kind of paper
    goes behind it.

    Args:
        shown: the mean of gray times alpha over the image, in [0, 1].
        cover: the mean of alpha, in [0, 1].
    """
    if cover <= 0:
        return 255
    visible = shown / cover  # the visible pixels' mean gray, weighted by their opacity
    light = visible >= 0.5
    return (255 if light else 0) if cover >= 0.5 else (0 if light else 255)


def reduce(image: np.ndarray, factor: int, paper: float = 0) -> np.ndarray:
    """Shrinks by a whole factor with area averaging (OpenCV's fast path), padding with paper."""
    if factor <= 1:
        return image
    height, width = image.shape
    pad_y, pad_x = -height % factor, -width % factor
    if pad_y or pad_x:
        image = cv2.copyMakeBorder(image, 0, pad_y, 0, pad_x, cv2.BORDER_CONSTANT, value=paper)
    size = (image.shape[1] // factor, image.shape[0] // factor)
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def ink_levels(gray: np.ndarray, ink: str, *, whole: bool = False) -> InkLevels | None:
    """Measures paper (on the border, or on the whole image) and ink on the image.

    Args:
        gray: uint8 gray image.
        ink: "dark", "light" or "auto" (the paper's median decides).
        whole: measure the paper on the whole image instead of its border.

    Returns:
        The levels, or None when nothing stands out from the paper's noise.
    """
    if ink not in ("auto", "dark", "light"):
        raise ValueError(f"ink must be 'auto', 'dark' or 'light'; received {ink!r}.")
    sample = gray.ravel() if whole else np.concatenate([gray[0, :], gray[-1, :], gray[:, 0], gray[:, -1]])
    counts = np.bincount(sample, minlength=256)
    dark = _histogram_median(counts) >= 128 if ink == "auto" else ink == "dark"
    if dark:
        counts = counts[::-1]  # index = darkness
    paper_level = _histogram_median(counts)
    # The paper's noise, from the levels near the paper's only: where the drawing crosses the border,
    # its ink would otherwise count as noise.
    near = np.zeros(256)
    low_level = max(0, paper_level - _PAPER_BAND)
    near[low_level:paper_level + _PAPER_BAND + 1] = counts[low_level:paper_level + _PAPER_BAND + 1]
    deviations = np.bincount(np.abs(np.arange(256) - paper_level), weights=near, minlength=256)
    paper = paper_level / 255.0
    noise = 1.4826 * _histogram_median(deviations) / 255.0
    floor = paper + max(4.0 * noise, 0.03)
    low, high, _, _ = cv2.minMaxLoc(gray)
    peak = 1.0 - low / 255.0 if dark else high / 255.0
    if peak - floor < _MIN_CONTRAST:
        return None
    # Capped so faint pencil still counts when one dark speck sets the peak.
    threshold = floor + min(0.25 * (peak - floor), 0.15)
    return InkLevels(dark, floor, peak, threshold)


def find_drawing(gray: np.ndarray, ink: str) -> tuple[InkLevels, tuple[int, int, int, int]] | None:
    """Finds the ink and the drawing's box: paper measured on the border, else on the whole image.

    A drawing that runs along the edges (a doodle bitmap, a scan scaled to fill its frame) can leave
    the border more ink than paper; when the border's paper finds no drawing, the whole image, where
    paper is the rule, is asked. (Asked first, the whole image read thick frame-filling digits
    inverted; docs/experiments.md.)

    Returns:
        (levels, (top, bottom, left, right)), or None when the image holds no drawing.
    """
    for whole in (False, True):
        levels = ink_levels(gray, ink, whole=whole)
        box = drawing_box(gray, levels) if levels is not None else None
        if box is not None:
            return levels, box
    return None


def _histogram_median(counts: np.ndarray) -> int:
    """The median level of a histogram (np.median of a uint8 border is 50x slower)."""
    cumulative = np.cumsum(counts)
    return int(np.searchsorted(cumulative, cumulative[-1] / 2))


def strength(gray: np.ndarray, levels: InkLevels) -> np.ndarray:
    # One affine map from gray to strength, then clipping to [0, 1], all in place.
    span = 255.0 * (levels.peak - levels.floor)
    if levels.dark:
        strength = (255.0 * (1.0 - levels.floor) - gray.astype(np.float32)) * (1.0 / span)
    else:
        strength = (gray.astype(np.float32) - 255.0 * levels.floor) * (1.0 / span)
    return unit(strength)


def unit(values: np.ndarray) -> np.ndarray:
    """Clips float32 values to [0, 1] in place (np.clip costs more than the work on small images)."""
    np.maximum(values, 0.0, out=values)
    return np.minimum(values, 1.0, out=values)


def _ink_mask(gray: np.ndarray, levels: InkLevels, threshold: float | None = None) -> np.ndarray:
    """uint8 mask (255 = ink) of pixels darker (or lighter) than the threshold."""
    threshold = levels.threshold if threshold is None else threshold
    if levels.dark:
        return cv2.threshold(gray, (1.0 - threshold) * 255.0, 255, cv2.THRESH_BINARY_INV)[1]
    return cv2.threshold(gray, threshold * 255.0, 255, cv2.THRESH_BINARY)[1]


def drawing_box(gray: np.ndarray, levels: InkLevels) -> tuple[int, int, int, int] | None:
    """Finds the drawing's extent: blobs of ink lighter than `_SPECK_SHARE` of the largest are dust.

    Returns:
        (top, bottom, left, right), antialiased rim included, or None when there is no ink.
    """
    mask = _ink_mask(gray, levels)
    height, width = mask.shape
    factor = int(np.ceil(max(height, width) / _COMPONENT_SIZE))
    small = reduce(mask, factor)
    count, labels, stats, _ = cv2.connectedComponentsWithStats((small > 0).astype(np.uint8), connectivity=8)
    if count <= 1:
        return None
    mass = np.bincount(labels.ravel(), weights=small.ravel().astype(np.float64), minlength=count)[1:]
    keep = np.flatnonzero(mass >= _SPECK_SHARE * mass.max())
    kept = stats[1:][keep]
    # The reduced mask locates the drawing; the full one gives its exact edges.
    left = max(0, int(kept[:, cv2.CC_STAT_LEFT].min() - 1) * factor)
    top = max(0, int(kept[:, cv2.CC_STAT_TOP].min() - 1) * factor)
    right = min(width, int((kept[:, 0] + kept[:, 2]).max() + 1) * factor)
    bottom = min(height, int((kept[:, 1] + kept[:, 3]).max() + 1) * factor)
    x, y, w, h = cv2.boundingRect(mask[top:bottom, left:right])
    if w == 0 or h == 0:
        return None
    # The antialiased rim, fainter than the threshold, belongs to the drawing's extent (as in MNIST).
    top, left = max(0, top + y - 2), max(0, left + x - 2)
    bottom, right = min(height, top + h + 4), min(width, left + w + 4)
    x, y, w, h = cv2.boundingRect(_ink_mask(gray[top:bottom, left:right], levels, levels.floor))
    return top + y, top + y + h, left + x, left + x + w


def crop_strength(crop: np.ndarray, levels: InkLevels, min_ink: float) -> np.ndarray | None:
    """Ink strength of the crop, at most about `_MID_SIZE` px, scaled so the drawing's own ink is 1.

    Returns:
        float32 strength, or None when the crop holds too little ink to be a drawing.
    """
    level = _ink_level(crop, levels)
    factor = max(1, max(crop.shape) // _MID_SIZE)
    values = strength(reduce(crop, factor, paper=255 if levels.dark else 0), levels)
    if float(values.sum()) * factor * factor * (levels.peak - levels.floor) < min_ink:
        return None
    # Faint pencil beside one dark speck: its own ink, not the speck, sets full strength.
    return unit(values * (1.0 / max(level, 1e-3))) if level < 1.0 else values


def _ink_level(crop: np.ndarray, levels: InkLevels) -> float:
    """The typical strength (90th percentile) of the crop's inked pixels, from a histogram."""
    mask = _ink_mask(crop, levels)
    histogram = cv2.calcHist([crop], [0], mask, [256], [0, 256]).ravel()
    if levels.dark:
        histogram = histogram[::-1]  # index = darkness * 255
    total = float(histogram.sum())
    if total <= 0:
        return 1.0
    index = int(np.searchsorted(np.cumsum(histogram), 0.9 * total))
    return min(max((index / 255.0 - levels.floor) / (levels.peak - levels.floor), 0.0), 1.0)


