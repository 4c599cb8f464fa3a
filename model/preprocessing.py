"""The one preprocessing function: any image of a drawing -> the 28x28 image the network sees.

`preprocess` serves live prediction, training on generated and saved drawings, the command line and
export alike, so a model can never see its input prepared two ways.

The steps, in MNIST's framing: find the ink (paper level and noise measured on the border, specks of
dust dropped), crop to it, bring the pen width to MNIST's 2-3 px whatever pen drew it, scale the
longer side to 20 px keeping the aspect ratio, paste into 28x28 and move the centre of mass to the
centre. Heavy work happens on a crop reduced to at most 4x the final box, never on the full canvas.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

import cv2
import numpy as np

IMAGE_SIZE = 28
BOX_SIZE = 20
# Where MNIST puts a digit's centre of mass, in pixel indices (measured: 14.0 +- 0.3 on both axes).
MASS_CENTRE = IMAGE_SIZE / 2
# Pen width, in pixels of the 28x28 output, that drawings are brought to (MNIST's strokes are 2-3 px).
TARGET_STROKE_WIDTH = 2.5
# Strokes are normalised at this many times the 20 px box, then reduced with area averaging,
# which gives MNIST's soft one-pixel edges.
_WORK_SCALE = 4
_WORK_BOX = BOX_SIZE * _WORK_SCALE
_WORK_TARGET = TARGET_STROKE_WIDTH * _WORK_SCALE
_MAX_WORK_SPAN = 4 * _WORK_BOX
# Widths within this band of the target are left alone; MNIST's own strokes vary this much.
_THIN_LIMIT, _THICK_LIMIT = 0.75, 1.5
# Ink must stand this far (of the full gray range) above the paper: below it is a faint smudge.
_MIN_CONTRAST = 0.1
# A drawing holds at least this much ink, in pixels of full-strength ink.
_MIN_INK_PIXELS = 4.0
# A blob of ink lighter than this share of the largest is dust, not part of the drawing.
_SPECK_SHARE = 0.03
# Dust is looked for on a copy of the ink mask at most this many pixels on its longer side.
_COMPONENT_SIZE = 192
# The pen width is measured on a copy of the crop at most this many pixels on its longer side.
_WIDTH_SIZE = 160
# Crops larger than this are first reduced by a whole factor, so a 4000 px canvas costs little more.
_MID_SIZE = 160


class _InkLevels(NamedTuple):
    """Where ink starts and how strong it is, as darkness (or lightness for light ink) in [0, 1]."""

    dark: bool  # dark ink on light paper
    floor: float  # darkness above this is ink (paper level plus its noise)
    peak: float  # the strongest ink
    threshold: float  # darkness above this counts when finding the drawing's extent


def preprocess(image: np.ndarray, *, ink: str = "auto") -> np.ndarray | None:
    """Turns a grayscale or colour image of a drawing into the network's 28x28 input.

    Crops to the ink, brings the pen width to MNIST's, scales the longer side to 20 px keeping the
    aspect ratio, pastes into 28x28 and shifts the centre of mass to the centre.

    Args:
        image: array of shape (H, W), (H, W, 1), (H, W, 3) or (H, W, 4), any size; uint8, uint16,
            bool or float (floats are taken to lie in [0, 1]). Transparent pixels are paper.
        ink: "dark" for dark ink on a light background, "light" for light ink on dark, or "auto"
            to decide from the image's border.

    Returns:
        A float32 array of shape (28, 28) in [0, 1], white ink on black; or None when the image
        holds no ink (an empty canvas, or only a faint smudge or a speck of dust).
    """
    gray = _to_gray(image)
    levels = _ink_levels(gray, ink)
    if levels is None:
        return None
    box = _drawing_box(gray, levels)
    if box is None:
        return None
    top, bottom, left, right = box
    # On a tiny image a stroke of a few pixels is a whole drawing.
    min_ink = min(_MIN_INK_PIXELS, 0.01 * gray.size)
    crop = _crop_strength(gray[top:bottom, left:right], levels, min_ink)
    if crop is None:
        return None
    work, work_width = _to_work_scale(crop, _stroke_width(crop))
    return _frame(_normalise_stroke_width(work, work_width))


def ink_strength(image: np.ndarray, *, ink: str = "auto") -> np.ndarray:
    """Returns how much ink each pixel holds, as float32 in [0, 1] (0 is paper), background removed.

    Args:
        image: as for `preprocess`.
        ink: "dark", "light" or "auto".

    Returns:
        A float32 array of shape (H, W); all zeros when the image holds no ink.
    """
    gray = _to_gray(image)
    levels = _ink_levels(gray, ink)
    if levels is None:
        return np.zeros(gray.shape, np.float32)
    return _strength(gray, levels)


def load_image(path: str | os.PathLike) -> np.ndarray:
    """Reads an image file (PNG, JPEG, BMP, ...) as an array, keeping an alpha channel if present.

    Args:
        path: the file.

    Returns:
        A uint8 or uint16 array of shape (H, W), (H, W, 3) RGB or (H, W, 4) RGBA.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: the file is not an image OpenCV can decode.
    """
    path = Path(path)
    data = np.fromfile(path, dtype=np.uint8)  # Not cv2.imread: it cannot open non-ASCII paths on Windows.
    image = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
    if image is None:
        raise ValueError(f"{path}: not a readable image; expected a PNG, JPEG or BMP file.")
    if image.ndim == 3 and image.shape[2] >= 3:
        order = cv2.COLOR_BGRA2RGBA if image.shape[2] == 4 else cv2.COLOR_BGR2RGB
        image = cv2.cvtColor(image, order)
    return image


def _to_gray(image: np.ndarray) -> np.ndarray:
    """Returns the image as 2-D uint8 gray: 256 levels are plenty for a drawing and keep OpenCV fast."""
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
            # Transparent pixels are paper: composite onto white before deciding what is ink.
            alpha = values[:, :, 3]
            gray = gray * alpha + (1.0 - alpha)
        values = gray
    return np.ascontiguousarray(np.clip(values * 255.0 + 0.5, 0, 255).astype(np.uint8))


def _reduce(image: np.ndarray, factor: int, paper: float = 0) -> np.ndarray:
    """Shrinks by a whole factor with area averaging (OpenCV's fast path), padding with paper."""
    if factor <= 1:
        return image
    height, width = image.shape
    pad_y, pad_x = -height % factor, -width % factor
    if pad_y or pad_x:
        image = cv2.copyMakeBorder(image, 0, pad_y, 0, pad_x, cv2.BORDER_CONSTANT, value=paper)
    size = (image.shape[1] // factor, image.shape[0] // factor)
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def _resize(image: np.ndarray, scale: float) -> np.ndarray:
    """Resizes by `scale`, area-averaging when shrinking; whole factors first, as they are 5x faster."""
    height, width = image.shape
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    if scale >= 1:
        return cv2.resize(image, size, interpolation=cv2.INTER_LINEAR)
    return cv2.resize(_reduce(image, int(1 / scale)), size, interpolation=cv2.INTER_AREA)


def _ink_levels(gray: np.ndarray, ink: str) -> _InkLevels | None:
    """Measures paper and ink on the image; None when nothing stands out from the paper."""
    if ink not in ("auto", "dark", "light"):
        raise ValueError(f"ink must be 'auto', 'dark' or 'light'; received {ink!r}.")
    border = np.concatenate([gray[0, :], gray[-1, :], gray[:, 0], gray[:, -1]])
    counts = np.bincount(border, minlength=256)
    dark = _histogram_median(counts) >= 128 if ink == "auto" else ink == "dark"
    if dark:
        counts = counts[::-1]  # index = darkness
    paper_level = _histogram_median(counts)
    deviations = np.bincount(np.abs(np.arange(256) - paper_level), weights=counts, minlength=256)
    paper = paper_level / 255.0
    noise = 1.4826 * _histogram_median(deviations) / 255.0
    floor = paper + max(4.0 * noise, 0.03)
    low, high, _, _ = cv2.minMaxLoc(gray)
    peak = 1.0 - low / 255.0 if dark else high / 255.0
    if peak - floor < _MIN_CONTRAST:
        return None
    # Capped so faint pencil still counts when one dark speck sets the peak.
    threshold = floor + min(0.25 * (peak - floor), 0.15)
    return _InkLevels(dark, floor, peak, threshold)


def _histogram_median(counts: np.ndarray) -> int:
    """The median level of a histogram (np.median of a uint8 border is 50x slower)."""
    cumulative = np.cumsum(counts)
    return int(np.searchsorted(cumulative, cumulative[-1] / 2))


def _strength(gray: np.ndarray, levels: _InkLevels) -> np.ndarray:
    # One affine map from gray to strength, then clipping to [0, 1], all in place.
    span = 255.0 * (levels.peak - levels.floor)
    if levels.dark:
        strength = (255.0 * (1.0 - levels.floor) - gray.astype(np.float32)) * (1.0 / span)
    else:
        strength = (gray.astype(np.float32) - 255.0 * levels.floor) * (1.0 / span)
    return _unit(strength)


def _unit(values: np.ndarray) -> np.ndarray:
    """Clips float32 values to [0, 1] in place (np.clip costs more than the work on small images)."""
    np.maximum(values, 0.0, out=values)
    return np.minimum(values, 1.0, out=values)


def _ink_mask(gray: np.ndarray, levels: _InkLevels, threshold: float | None = None) -> np.ndarray:
    """uint8 mask (255 = ink) of pixels darker (or lighter) than the threshold."""
    threshold = levels.threshold if threshold is None else threshold
    if levels.dark:
        return cv2.threshold(gray, (1.0 - threshold) * 255.0, 255, cv2.THRESH_BINARY_INV)[1]
    return cv2.threshold(gray, threshold * 255.0, 255, cv2.THRESH_BINARY)[1]


def _drawing_box(gray: np.ndarray, levels: _InkLevels) -> tuple[int, int, int, int] | None:
    """Returns (top, bottom, left, right) of the drawing with specks of dust left out, or None."""
    mask = _ink_mask(gray, levels)
    height, width = mask.shape
    factor = int(np.ceil(max(height, width) / _COMPONENT_SIZE))
    small = _reduce(mask, factor)
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


def _crop_strength(crop: np.ndarray, levels: _InkLevels, min_ink: float) -> np.ndarray | None:
    """Ink strength of the crop, at most about `_MID_SIZE` px, scaled so the drawing's own ink is 1.

    Returns:
        float32 strength, or None when the crop holds too little ink to be a drawing.
    """
    level = _ink_level(crop, levels)
    factor = max(1, max(crop.shape) // _MID_SIZE)
    strength = _strength(_reduce(crop, factor, paper=255 if levels.dark else 0), levels)
    if float(strength.sum()) * factor * factor * (levels.peak - levels.floor) < min_ink:
        return None
    # Faint pencil beside one dark speck: its own ink, not the speck, sets full strength.
    return _unit(strength * (1.0 / max(level, 1e-3))) if level < 1.0 else strength


def _ink_level(crop: np.ndarray, levels: _InkLevels) -> float:
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


def _stroke_width(crop: np.ndarray) -> float:
    """Estimates the pen width in pixels of the crop, at any resolution, even below one pixel.

    A stroke of width w and length L holds w*L of ink and, area-averaged, touches about (w + 1)*L
    pixels, so w = ink / (touched - ink). Area averaging keeps both, so the estimate can be made on
    a reduced copy and scaled back.

    Args:
        crop: float32 ink strength of the drawing.

    Returns:
        The estimated width in pixels of `crop`.
    """
    height, width = crop.shape
    # Native antialiasing is not true coverage; area reduction by at least 2 makes it so.
    factor = max(2, int(np.ceil(max(height, width) / _WIDTH_SIZE)))
    margin = factor + 1
    padded = cv2.copyMakeBorder(crop, margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=0.0)
    ink = touched = 0.0
    # A straight line along the pixel grid touches w+1 pixels only on average over its sub-pixel
    # position, so the reduction is repeated at a few offsets.
    for offset in sorted({factor * k // 3 for k in range(3)}):
        small = _reduce(padded[offset:, offset:], factor)
        ink += float(small.sum())
        touched += float(np.count_nonzero(small > 0.02))
    # Slanted edges touch up to sqrt(2) more pixels per length; 1.2 is the measured average.
    estimate = 1.2 * ink / max(touched - ink, 1e-3) * factor
    return float(min(max(estimate, 0.02), max(height, width)))


def _to_work_scale(crop: np.ndarray, width: float) -> tuple[np.ndarray, float]:
    """Scales the crop so that, once its strokes are the target width, it spans the work box.

    Returns:
        The scaled crop with a margin for thickening, and the pen width at that scale.
    """
    height, crop_width = crop.shape
    extent = max(height, crop_width)
    centreline = extent - width
    # A dot has no centreline: cap the scale, the thinning step then leaves a round blob.
    scale = _MAX_WORK_SPAN / extent
    if centreline > 0:
        scale = min((_WORK_BOX - _WORK_TARGET) / centreline, scale)
    work = _resize(crop, scale)
    margin = int(np.ceil(_WORK_TARGET))
    return cv2.copyMakeBorder(work, margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=0.0), width * scale


def _normalise_stroke_width(work: np.ndarray, width: float) -> np.ndarray:
    """Brings strokes at work scale to the target width: thin pens thickened, thick pens thinned."""
    if width < _WORK_TARGET * _THIN_LIMIT:
        # Strokes thinner than a pixel are faint after area reduction: threshold relative to their width.
        mask = (work > 0.25 * min(1.0, width)).astype(np.float32)
        diameter = int(round(_WORK_TARGET - max(width, 1.0)))
        if diameter >= 2:
            kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (diameter, diameter))
            mask = cv2.dilate(mask, kernel)
        return mask
    if width > _WORK_TARGET * _THICK_LIMIT:
        # Thick strokes are resolved at work scale, where the distance to paper measures them exactly.
        width = min(width, _ridge_width(work))
        diameter = 2 * int(round((width - _WORK_TARGET) / 2)) + 1
        while diameter >= 3:
            kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (diameter, diameter))
            eroded = cv2.erode(work, kernel)
            # Where the pen was thinner than estimated, erosion would cut strokes apart: erode less.
            if float(eroded.sum()) > 0.5 * _WORK_TARGET / width * float(work.sum()):
                return eroded
            diameter = 2 * (diameter // 4) + 1
    return work


def _ridge_width(work: np.ndarray) -> float:
    """Pen width as twice the median distance to paper along the strokes' ridges."""
    mask = (work > 0.5).astype(np.uint8)
    distance = cv2.distanceTransform(mask, cv2.DIST_L2, 5)
    ridge = (distance > 0) & (distance >= cv2.dilate(distance, np.ones((3, 3), np.uint8)))
    values = distance[ridge]
    return float(2.0 * np.median(values)) if values.size else 0.0


def _frame(work: np.ndarray) -> np.ndarray:
    """Scales the normalised drawing's longer side to the 20 px box and centres its mass in 28x28.

    The placement happens at work scale, to a quarter of an output pixel, so the one area
    reduction at the end is the only resampling the final image sees.
    """
    x, y, w, h = cv2.boundingRect((work > 0.05).astype(np.uint8))
    if w == 0 or h == 0:
        return np.zeros((IMAGE_SIZE, IMAGE_SIZE), np.float32)
    crop = work[y:y + h, x:x + w]
    if max(w, h) != _WORK_BOX:
        crop = _resize(crop, _WORK_BOX / max(w, h))
    height, width = crop.shape
    total = float(crop.sum())
    center_x = float(crop.sum(axis=0) @ np.arange(width)) / total
    center_y = float(crop.sum(axis=1) @ np.arange(height)) / total
    size = IMAGE_SIZE * _WORK_SCALE
    # Output pixel i averages work pixels 4i..4i+3, so output coordinate c is work's 4c + 1.5.
    middle = MASS_CENTRE * _WORK_SCALE + (_WORK_SCALE - 1) / 2
    # Keep the whole drawing inside the frame even when its mass sits far to one side.
    left = min(max(round(middle - center_x), 0), size - width)
    top = min(max(round(middle - center_y), 0), size - height)
    canvas = np.zeros((size, size), np.float32)
    canvas[top:top + height, left:left + width] = crop
    placed = _reduce(canvas, _WORK_SCALE)
    peak = float(placed.max())
    return _unit(placed * (1.0 / peak)) if peak > 0 else placed
