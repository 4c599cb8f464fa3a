"""The one preprocessing function: any image of a drawing -> the 28x28 image the network sees.

`preprocess` serves live prediction, training on generated and saved drawings, the command line and
export alike, so a model can never see its input prepared two ways. The one exception is deliberate and
measured: MNIST's training images drop faint ink from thin strokes (`drop_faint`, see `model.datasets.mnist`).

The steps, in MNIST's framing: find the ink (paper level and noise measured on the border, specks of
dust dropped), crop to it, bring the pen width to MNIST's 2-3 px whatever pen drew it, scale the
longer side to 20 px keeping the aspect ratio, paste into 28x28 and move the centre of mass to the
centre. Heavy work happens on a crop reduced to at most 4x the final box, never on the full canvas.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from model.core import ink as _ink
from model.core.exif import apply_orientation, orientation

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
# With `drop_faint`, thin strokes lose ink fainter than this before they are widened.
_FAINT = 0.3
# The pen width is measured on a copy of the crop at most this many pixels on its longer side.
_WIDTH_SIZE = 160
# Larger inputs are first reduced to this on their longer side: a 10000 px scan holds no more of a drawing than
# a 2048 px one, and every later step then takes a bounded time and memory.
_MAX_INPUT_SIDE = 2048
# Erosions wider than this use the distance to paper: an elliptic kernel's cost grows with its area.
_MAX_KERNEL = 41
# EXIF orientation is looked for in the file's first bytes (a JPEG's APP1 segment is at most 64 KB).
_EXIF_BYTES = 1 << 17
# Where the half-strength outline is this many times wider than the ink suggests, the image is blurred.
_SOFT_RATIO = 1.3


def preprocess(image: np.ndarray, *, ink: str = "auto", drop_faint: bool = False) -> np.ndarray | None:
    """Turns a grayscale or colour image of a drawing into the network's 28x28 input.

    Crops to the ink, brings the pen width to MNIST's, scales the longer side to 20 px keeping the
    aspect ratio, pastes into 28x28 and shifts the centre of mass to MNIST's centre, pixel (14, 14).

    Args:
        image: array of shape (H, W), (H, W, 1), (H, W, 3) or (H, W, 4), any size; uint8, uint16,
            bool or float (floats are taken to lie in [0, 1]). Transparent pixels are paper.
        ink: "dark" for dark ink on a light background, "light" for light ink on dark, or "auto"
            to decide from the image's border.
        drop_faint: before widening thin strokes, drop ink fainter than 30% and stretch the rest. Only
            MNIST's training images are rendered so (see `model.datasets.mnist`); everything the app reads keeps
            faint ink, which in a thin stroke is the stroke (a dotted line, a light pen), not blur.

    Returns:
        A float32 array of shape (28, 28) in [0, 1], white ink on black; or None when the image
        holds no ink (an empty canvas, or only a faint smudge or a speck of dust).
    """
    prepared = _prepare(image, ink, drop_faint)
    return None if prepared is None else prepared[0]


def input_placement(image: np.ndarray, *, ink: str = "auto") -> tuple[float, float, float] | None:
    """Finds where the 28x28 image `preprocess` makes of `image` lies over `image`, to lay what the network
    saw (a heat map, say) back over the drawing with the same geometry.

    Args:
        image, ink: as for `preprocess`.

    Returns:
        (x, y, size): the 28x28 square's top-left corner and side in `image`'s pixels, measured on pixel
        edges ((0, 0) is the first pixel's top-left corner); None when `image` holds no ink.
    """
    prepared = _prepare(image, ink, False)
    if prepared is None:
        return None
    x, y, scale = prepared[1]
    return x, y, IMAGE_SIZE * scale


def _prepare(image: np.ndarray, ink: str, drop_faint: bool) -> tuple[np.ndarray, tuple[float, float, float]] | None:
    """`preprocess`'s work. Returns (image28, (x, y, scale)): the 28x28 image, where its top-left corner lies in
    `image` and how many of `image`'s pixels one of its pixels spans; or None without ink."""
    gray = _ink.to_gray(_bounded(image))
    found = _ink.find_drawing(gray, ink)
    if found is None:
        return None
    levels, (top, bottom, left, right) = found
    # On a tiny image a stroke of a few pixels is a whole drawing.
    min_ink = min(_ink.MIN_INK_PIXELS, 0.01 * gray.size)
    crop = _ink.crop_strength(gray[top:bottom, left:right], levels, min_ink)
    if crop is None:
        return None
    # crop_strength shrinks a big crop by a whole factor.
    placement = (float(left), float(top), float(round(max(bottom - top, right - left) / max(crop.shape))))
    work, work_width, work_placement = _to_work_scale(crop, _pen_width(crop))
    image28, frame_placement = _frame(_normalise_stroke_width(work, work_width, drop_faint))
    return image28, _within(_within(placement, work_placement), frame_placement)


def _within(outer: tuple[float, float, float], inner: tuple[float, float, float]) -> tuple[float, float, float]:
    """Chains placements (x, y, scale): `inner` places an image in the one that `outer` places."""
    return outer[0] + outer[2] * inner[0], outer[1] + outer[2] * inner[1], outer[2] * inner[2]


def ink_strength(image: np.ndarray, *, ink: str = "auto") -> np.ndarray:
    """Returns how much ink each pixel holds, as float32 in [0, 1] (0 is paper), background removed.

    Args:
        image: as for `preprocess`.
        ink: "dark", "light" or "auto".

    Returns:
        A float32 array of shape (H, W); all zeros when the image holds no ink.
    """
    gray = _ink.to_gray(_bounded(image))
    levels = _ink.ink_levels(gray, ink)
    if levels is None:
        return np.zeros(gray.shape, np.float32)
    return _ink.strength(gray, levels)


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
    # IMREAD_UNCHANGED keeps alpha and 16 bits but ignores EXIF orientation: a phone photo would lie on its side.
    image = apply_orientation(image, orientation(data[:_EXIF_BYTES].tobytes()))
    if image.ndim == 3 and image.shape[2] >= 3:
        order = cv2.COLOR_BGRA2RGBA if image.shape[2] == 4 else cv2.COLOR_BGR2RGB
        image = cv2.cvtColor(image, order)
    return image


def _resize(image: np.ndarray, scale: float) -> np.ndarray:
    """Resizes by `scale`, area-averaging when shrinking; whole factors first, as they are 5x faster."""
    height, width = image.shape
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    if scale >= 1:
        return cv2.resize(image, size, interpolation=cv2.INTER_LINEAR)
    return cv2.resize(_ink.reduce(image, int(1 / scale)), size, interpolation=cv2.INTER_AREA)


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
        small = _ink.reduce(padded[offset:, offset:], factor)
        ink += float(small.sum())
        touched += float(np.count_nonzero(small > 0.02))
    # Slanted edges touch up to sqrt(2) more pixels per length; 1.2 is the measured average.
    estimate = 1.2 * ink / max(touched - ink, 1e-3) * factor
    return float(min(max(estimate, 0.02), max(height, width)))


def _pen_width(crop: np.ndarray) -> float:
    """The pen width of the crop: from its ink, or where the image is soft, from its strokes' half-strength outline.

    Blur spreads a stroke's ink over a wide rim, so the ink-based estimate reads a blurred thick stroke as
    a thin one (a 15 px scan stroke as under 3 px) and thickens it further. The outline at half strength
    keeps a blurred stroke's width; on crisp or anti-aliased drawings it reads the same or less (MNIST
    and pen drawings: 0.6-1.0 times the ink estimate), so it only takes over when far above the ink estimate.
    """
    from_ink = _stroke_width(crop)
    outline = _half_strength_width(crop)
    return outline if outline > _SOFT_RATIO * from_ink else from_ink


def _half_strength_width(crop: np.ndarray) -> float:
    """Pen width as the width of the strokes' outline at half strength, measured along their ridges."""
    scale = _WIDTH_SIZE / max(crop.shape)
    size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
    resized = cv2.resize(crop, size, interpolation=cv2.INTER_LINEAR if scale >= 1 else cv2.INTER_AREA)
    mask = cv2.copyMakeBorder((resized > 0.5).astype(np.uint8), 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    distance = cv2.distanceTransform(mask, cv2.DIST_L2, 5)
    ridge = (distance > 0) & (distance >= cv2.dilate(distance, np.ones((3, 3), np.uint8)))
    values = distance[ridge]
    # A ridge pixel of a stroke w px wide lies (w + 1) / 2 from the nearest paper pixel's centre.
    return float(max(2.0 * np.median(values) - 1.0, 0.0) / scale) if values.size else 0.0


def _to_work_scale(crop: np.ndarray, width: float) -> tuple[np.ndarray, float, tuple[float, float, float]]:
    """Scales the crop so that, once its strokes are the target width, it spans the work box.

    Returns:
        The scaled crop with a margin for thickening, the pen width at that scale, and where the result lies
        in the crop (x, y, scale; see `_prepare`).
    """
    height, crop_width = crop.shape
    extent = max(height, crop_width)
    centreline = extent - width
    # A dot has no centreline: cap the scale, the thinning step then leaves a round blob.
    scale = _MAX_WORK_SPAN / extent
    if centreline > 0:
        scale = min((_WORK_BOX - _WORK_TARGET) / centreline, scale)
    work = _resize(crop, scale)
    span = extent / max(work.shape)  # the scale rounded to whole pixels
    margin = int(np.ceil(_WORK_TARGET))
    work = cv2.copyMakeBorder(work, margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=0.0)
    return work, width * scale, (-margin * span, -margin * span, span)


def _normalise_stroke_width(work: np.ndarray, width: float, drop_faint: bool = False) -> np.ndarray:
    """Brings strokes at work scale to the target width: thin pens thickened, thick pens thinned."""
    if width < _WORK_TARGET * _THIN_LIMIT:
        # Area reduction left strokes thinner than a pixel about `width` strong: bring them back to full ink.
        # Grey dilation then widens the strokes keeping their soft edges. (Thresholding to solid ink instead
        # made specks and rims solid: MNIST's thin digits ended twice as far from their originals.)
        strength = work * (1.0 / min(1.0, width)) if width < 1.0 else work
        if drop_faint:
            strength = (strength - _FAINT) * (1.0 / (1.0 - _FAINT))
        strength = _ink.unit(strength)
        diameter = int(round(_WORK_TARGET - max(width, 1.0)))
        if diameter >= 2:
            kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (diameter, diameter))
            strength = cv2.dilate(strength, kernel)
        return strength
    if width > _WORK_TARGET * _THICK_LIMIT:
        # Thick strokes are resolved at work scale, where the distance to paper measures them exactly.
        width = min(width, _ridge_width(work))
        diameter = 2 * int(round((width - _WORK_TARGET) / 2)) + 1
        while diameter >= 3:
            eroded = _erode(work, diameter)
            # Where the pen was thinner than estimated, erosion would cut strokes apart: erode less.
            if float(eroded.sum()) > 0.5 * _WORK_TARGET / width * float(work.sum()):
                return eroded
            diameter = 2 * (diameter // 4) + 1
    return work


def _erode(work: np.ndarray, diameter: int) -> np.ndarray:
    """Grey erosion by a disc: an elliptic kernel, or for a wide pen (a filled blob) the distance to paper, which
    costs one pass whatever the width where a 300 px kernel took a second."""
    if diameter <= _MAX_KERNEL:
        return cv2.erode(work, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (diameter, diameter)))
    distance = cv2.distanceTransform((work > 0.5).astype(np.uint8), cv2.DIST_L2, 5)
    return work * _ink.unit(distance - (diameter - 1) / 2)


def _bounded(image: np.ndarray) -> np.ndarray:
    """Returns the image reduced to at most `_MAX_INPUT_SIDE` px on its longer side (unchanged if it is smaller).

    Every n-th pixel is kept first (n chosen so that twice the limit remains), then pairs are area-averaged, so a
    stroke wider than n pixels survives; both steps run in OpenCV's fast paths, on the image's own dtype.
    """
    array = np.asarray(image)
    if array.ndim < 2 or max(array.shape[:2]) <= _MAX_INPUT_SIDE:
        return array
    height, width = array.shape[:2]
    step = int(np.ceil(max(height, width) / (2 * _MAX_INPUT_SIDE)))
    native = array.dtype in (np.uint8, np.uint16, np.float32, np.float64) and (array.ndim == 2 or array.shape[2] <= 4)
    if step > 1:
        size = (int(np.ceil(width / step)), int(np.ceil(height / step)))
        array = cv2.resize(array, size, interpolation=cv2.INTER_NEAREST) if native else array[::step, ::step]
    if not native:
        array = _ink.to_gray(array)
    if max(array.shape[:2]) > _MAX_INPUT_SIDE:
        height, width = array.shape[:2]
        even = array[:height - height % 2, :width - width % 2]
        array = cv2.resize(even, (width // 2, height // 2), interpolation=cv2.INTER_AREA)
    return array


def _ridge_width(work: np.ndarray) -> float:
    """Pen width as twice the median distance to paper along the strokes' ridges."""
    mask = (work > 0.5).astype(np.uint8)
    distance = cv2.distanceTransform(mask, cv2.DIST_L2, 5)
    ridge = (distance > 0) & (distance >= cv2.dilate(distance, np.ones((3, 3), np.uint8)))
    values = distance[ridge]
    return float(2.0 * np.median(values)) if values.size else 0.0


def _frame(work: np.ndarray) -> tuple[np.ndarray, tuple[float, float, float]]:
    """Scales the normalised drawing's longer side to the 20 px box and centres its mass in 28x28.

    The placement happens at work scale, to a quarter of an output pixel, so the one area
    reduction at the end is the only resampling the final image sees.

    Returns:
        The 28x28 image, and where it lies in `work` (x, y, scale; see `_prepare`).
    """
    x, y, w, h = cv2.boundingRect((work > 0.05).astype(np.uint8))
    if w == 0 or h == 0:
        return np.zeros((IMAGE_SIZE, IMAGE_SIZE), np.float32), (0.0, 0.0, float(_WORK_SCALE))
    crop = work[y:y + h, x:x + w]
    if max(w, h) != _WORK_BOX:
        crop = _resize(crop, _WORK_BOX / max(w, h))
    span = max(w, h) / max(crop.shape)
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
    placed = _ink.reduce(canvas, _WORK_SCALE)
    peak = float(placed.max())
    placement = (x - left * span, y - top * span, _WORK_SCALE * span)
    return (_ink.unit(placed * (1.0 / peak)) if peak > 0 else placed), placement
