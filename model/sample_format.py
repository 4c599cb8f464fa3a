"""How a saved drawing looks on disk: its PNG (cropped, square) and its strokes as a Quick, Draw! record.

Quick, Draw!'s format is a list of strokes, each [[xs], [ys]] or [[xs], [ys], [ts]]; ConvCanvas adds the pen widths
in a separate "pen_widths" list so other tools still read the record as they expect.
"""

from __future__ import annotations

import cv2
import numpy as np

from model.strokes import Stroke

# Saved PNGs are square at this size: big enough to look like the drawing, small enough for thousands of them.
SAVED_IMAGE_SIZE = 256


def drawing_image(image: np.ndarray) -> np.ndarray | None:
    """Crops a canvas raster to its ink (with a margin), pads it square and scales it to the saved size.

    Args:
        image: grayscale or colour array of the drawing, any size, either ink polarity.

    Returns:
        A (256, 256) uint8 image, dark ink on white, or None when the image holds no ink.
    """
    from model.preprocessing import ink_strength

    strength = ink_strength(image)
    mask = strength > 0.2
    if not mask.any():
        return None
    rows, cols = np.nonzero(mask)
    top, bottom, left, right = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    side = int(max(bottom - top, right - left) * 1.15) + 4
    square = np.zeros((side, side), np.float32)
    y0, x0 = (side - (bottom - top)) // 2, (side - (right - left)) // 2
    square[y0:y0 + bottom - top, x0:x0 + right - left] = strength[top:bottom, left:right]
    interpolation = cv2.INTER_AREA if side > SAVED_IMAGE_SIZE else cv2.INTER_LINEAR
    resized = cv2.resize(square, (SAVED_IMAGE_SIZE, SAVED_IMAGE_SIZE), interpolation=interpolation)
    return (255 - np.clip(resized, 0, 1) * 255 + 0.5).astype(np.uint8)


def strokes_to_quickdraw(strokes: list[Stroke]) -> tuple[list, list]:
    """Returns (drawing, pen_widths): Quick, Draw!'s [[xs], [ys], [ts]] per inked stroke and each one's width."""
    drawing, widths = [], []
    for stroke in strokes:
        if stroke.eraser or len(stroke.points) == 0:
            continue
        points = stroke.points
        drawing.append([
            [round(float(v), 1) for v in points[:, 0]],
            [round(float(v), 1) for v in points[:, 1]],
            [int(round(float(v))) for v in points[:, 2]],
        ])
        widths.append(float(stroke.width))
    return drawing, widths


def quickdraw_to_strokes(drawing: list, pen_widths: list | None = None, default_width: float = 3.0) -> list[Stroke]:
    """Builds strokes from Quick, Draw!'s [[xs], [ys]] or [[xs], [ys], [ts]] per stroke.

    Raises:
        ValueError: a stroke is not two or three lists of equal length.
    """
    strokes = []
    for index, part in enumerate(drawing):
        if not isinstance(part, (list, tuple)) or len(part) not in (2, 3):
            raise ValueError(f"Stroke {index} must be [[xs], [ys]] or [[xs], [ys], [ts]]; received {str(part)[:60]}.")
        columns = [list(map(float, values)) for values in part]
        if len({len(values) for values in columns}) != 1:
            raise ValueError(f"Stroke {index} has lists of different lengths: {[len(v) for v in columns]}.")
        width = float(pen_widths[index]) if pen_widths and index < len(pen_widths) else default_width
        strokes.append(Stroke(np.array(columns, np.float32).T.reshape(-1, len(columns)), width))
    return strokes
