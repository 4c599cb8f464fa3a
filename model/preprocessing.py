"""The one preprocessing function: any image of a drawing -> the 28x28 image the network sees.

`preprocess` serves live prediction, training on generated and saved drawings, the command line and
export alike, so a model can never see its input prepared two ways.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

IMAGE_SIZE = 28
BOX_SIZE = 20
# Pen width, in pixels of the 28x28 output, that drawings are brought to (MNIST's strokes are 2-3 px).
TARGET_STROKE_WIDTH = 2.5
# Drawings are normalised at this many times the 20 px box, then reduced with area averaging.
_WORK_SCALE = 4
_INK_THRESHOLD = 0.2


def preprocess(image: np.ndarray, *, ink: str = "auto") -> np.ndarray | None:
    """Turns a grayscale or colour image of a drawing into the network's 28x28 input.

    Crops to the ink, brings the pen width to MNIST's, scales the longer side to 20 px keeping the
    aspect ratio, pastes into 28x28 and shifts the centre of mass to the centre.

    Args:
        image: array of shape (H, W), (H, W, 1), (H, W, 3) or (H, W, 4), any size; uint8, uint16,
            bool or float (floats are taken to lie in [0, 1]).
        ink: "dark" for dark ink on a light background, "light" for light ink on dark, or "auto"
            to decide from the image's border.

    Returns:
        A float32 array of shape (28, 28) in [0, 1], white ink on black; or None when the image
        holds no ink (an empty canvas is not a drawing).
    """
    strength = ink_strength(image, ink=ink)
    mask = strength > _INK_THRESHOLD
    if not mask.any():
        return None
    rows, cols = np.nonzero(mask)
    top, bottom, left, right = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    crop = strength[top:bottom, left:right]
    work = _normalise_stroke_width(_resize_longer_side(crop, BOX_SIZE * _WORK_SCALE), crop, mask[top:bottom, left:right])
    small = _resize_longer_side(work, BOX_SIZE, reduce_by=_WORK_SCALE)
    return _center_by_mass(small)


def ink_strength(image: np.ndarray, *, ink: str = "auto") -> np.ndarray:
    """Returns how much ink each pixel holds, as float32 in [0, 1] (0 is paper), background removed.

    Args:
        image: as for `preprocess`.
        ink: "dark", "light" or "auto".

    Returns:
        A float32 array of shape (H, W).
    """
    gray = _to_gray_float(image)
    if ink not in ("auto", "dark", "light"):
        raise ValueError(f"ink must be 'auto', 'dark' or 'light'; received {ink!r}.")
    if ink == "auto":
        ink = "dark" if _border_level(gray) >= 0.5 else "light"
    strength = 1.0 - gray if ink == "dark" else gray
    paper = _border_level(strength)
    span = float(strength.max()) - paper
    if span <= 1e-3:
        return np.zeros_like(strength)
    return np.clip((strength - paper) / span, 0.0, 1.0).astype(np.float32)


def load_image(path: str | os.PathLike) -> np.ndarray:
    """Reads an image file (PNG, JPEG, BMP, ...) as an array, keeping an alpha channel if present.

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


def _to_gray_float(image: np.ndarray) -> np.ndarray:
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)) or array.size == 0:
        raise ValueError(
            f"Expected a non-empty image of shape (H, W), (H, W, 3) or (H, W, 4); received {array.shape}."
        )
    if array.dtype == bool:
        values = array.astype(np.float32)
    elif np.issubdtype(array.dtype, np.integer):
        values = array.astype(np.float32) / float(np.iinfo(array.dtype).max)
    else:
        values = np.clip(np.nan_to_num(array.astype(np.float32)), 0.0, 1.0)
    if values.ndim == 3:
        rgb = values[:, :, :3] @ np.array([0.299, 0.587, 0.114], np.float32)
        if values.shape[2] == 4:
            # Transparent pixels are paper: composite onto white before deciding what is ink.
            alpha = values[:, :, 3]
            rgb = rgb * alpha + (1.0 - alpha)
        values = rgb
    return values


def _border_level(values: np.ndarray) -> float:
    border = np.concatenate([values[0, :], values[-1, :], values[:, 0], values[:, -1]])
    return float(np.median(border))


def _resize_longer_side(image: np.ndarray, size: int, reduce_by: int = 0) -> np.ndarray:
    height, width = image.shape
    scale = size / max(height, width)
    new_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return cv2.resize(image, new_size, interpolation=interpolation)


def _normalise_stroke_width(work: np.ndarray, crop: np.ndarray, crop_mask: np.ndarray) -> np.ndarray:
    """Brings strokes at work scale to the target width: thin pens thickened, thick pens thinned."""
    scale = work.shape[0] / crop.shape[0]
    source_width = _stroke_width(crop_mask)
    width = source_width * scale
    target = TARGET_STROKE_WIDTH * _WORK_SCALE
    # Area reduction fades strokes thinner than a pixel of the crop; restore full strength first.
    peak = float(work.max())
    if peak > 0:
        work = np.clip(work / peak, 0.0, 1.0)
    if width < target * 0.8:
        work = np.clip(work * max(1.0, target / max(width, 1e-3)), 0.0, 1.0)
        radius = int(round((target - max(width, 1.0)) / 2))
        if radius > 0:
            kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
            work = cv2.dilate(work, kernel)
    elif width > target * 1.6:
        radius = int(round((width - target) / 2))
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
        eroded = cv2.erode(work, kernel)
        if (eroded > _INK_THRESHOLD).any():
            work = eroded
    return work


def _stroke_width(mask: np.ndarray) -> float:
    """Estimates the pen width of a binary ink mask as twice the mean distance to paper on its ridge."""
    padded = np.pad(mask.astype(np.uint8), 1)
    distance = cv2.distanceTransform(padded, cv2.DIST_L2, 3)
    ridge = (distance > 0) & (distance >= cv2.dilate(distance, np.ones((3, 3), np.uint8)))
    values = distance[ridge]
    return float(2.0 * values.mean()) if values.size else 1.0


def _center_by_mass(small: np.ndarray) -> np.ndarray:
    height, width = small.shape
    canvas = np.zeros((IMAGE_SIZE, IMAGE_SIZE), np.float32)
    top, left = (IMAGE_SIZE - height) // 2, (IMAGE_SIZE - width) // 2
    canvas[top:top + height, left:left + width] = small
    total = float(canvas.sum())
    if total <= 0:
        return canvas
    ys, xs = np.indices(canvas.shape)
    center_y, center_x = float((ys * canvas).sum() / total), float((xs * canvas).sum() / total)
    middle = (IMAGE_SIZE - 1) / 2
    # Keep the whole drawing inside the frame even when its mass sits far to one side.
    shift_x = float(np.clip(middle - center_x, -left, IMAGE_SIZE - (left + width)))
    shift_y = float(np.clip(middle - center_y, -top, IMAGE_SIZE - (top + height)))
    matrix = np.float32([[1, 0, shift_x], [0, 1, shift_y]])
    shifted = cv2.warpAffine(canvas, matrix, (IMAGE_SIZE, IMAGE_SIZE), flags=cv2.INTER_LINEAR)
    peak = float(shifted.max())
    return (shifted / peak if peak > 0 else shifted).astype(np.float32)
