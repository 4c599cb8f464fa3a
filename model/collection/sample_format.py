"""How a saved drawing looks on disk: its PNG (cropped, square) and its strokes as a Quick, Draw! record.

Quick, Draw!'s format is a list of strokes, each [[xs], [ys]] or [[xs], [ys], [ts]]; ConvCanvas adds the pen widths
in a separate "pen_widths" list so other tools still read the record as they expect.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from pathlib import Path

import cv2
import numpy as np

from model.core import names, storage
from model.core.strokes import Stroke

# Saved PNGs are square at this size: big enough to look like the drawing, small enough for thousands of them.
SAVED_IMAGE_SIZE = 256


def drawing_image(image: np.ndarray) -> np.ndarray | None:
    """Crops a canvas raster to its ink (with a margin), pads it square and scales it to the saved size.

    Args:
        image: grayscale or colour array of the drawing, any size, either ink polarity.

    Returns:
        A (256, 256) uint8 image, dark ink on white, or None when the image holds no ink.
    """
    from model.core.preprocessing import ink_strength

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


def saved_image(image: np.ndarray, crop: bool = True) -> np.ndarray:
    """Returns the image a sample's PNG holds: `drawing_image(image)`, or with `crop` False the uint8 image as it is.

    Raises:
        ValueError: the image holds no ink.
    """
    saved = drawing_image(image)
    if saved is None:
        raise ValueError("The drawing is empty; draw something before saving it.")
    return saved if crop else np.asarray(image, np.uint8)


def quickdraw_record(sample_id: str, label: str, image_shape, strokes: list[Stroke] | None, extra: dict) -> dict:
    """Returns a sample's Quick, Draw! record; `extra` adds fields ("recognized" is read from it and removed)."""
    drawing, widths = strokes_to_quickdraw(strokes or [])
    return {
        "key_id": sample_id, "word": label, "countrycode": "", "recognized": bool(extra.pop("recognized", False)),
        "timestamp": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "drawing": drawing,
        "pen_widths": widths, "image_size": [int(image_shape[1]), int(image_shape[0])], **extra,
    }


def write_sample_files(png_path: str, image: np.ndarray, record: dict) -> None:
    """Writes a sample's record (.json beside the PNG), then its PNG (which makes the sample exist), each atomically.

    Raises:
        ValueError: the image cannot be encoded as a PNG (nothing is written).
        OSError: the disk refused a write (nothing is left behind).
    """
    ok, encoded = cv2.imencode(".png", image)
    if not ok:
        raise ValueError(f"The drawing could not be encoded as a PNG (an image of {image.shape} {image.dtype}).")
    record_path = png_path[:-4] + ".json"
    storage.atomic_write_text(record_path, json.dumps(record) + "\n")
    try:
        storage.atomic_write_bytes(png_path, encoded.tobytes())
    except OSError:
        # A full or read-only disk: the sample does not exist, so its record must not linger either.
        Path(record_path).unlink(missing_ok=True)
        raise


def validate_label(label: str) -> str:
    """Returns `label` stripped and NFC-normalised, or raises ValueError saying why it cannot name a folder
    (`model.core.names.check_name` holds the rules)."""
    return names.check_name(label, "label")


_id_lock = threading.Lock()
_last_id_ms = 0


def new_id() -> str:
    """Returns a new sample id: milliseconds since 1970 then random hex, so ids sort by time of saving.

    Ids made in one process are strictly increasing: a second id in the same millisecond (an import adds
    thousands a second) takes the next millisecond, else its random part would decide the order.
    """
    global _last_id_ms
    with _id_lock:
        _last_id_ms = max(int(time.time() * 1000), _last_id_ms + 1)
        stamp = _last_id_ms
    return f"{stamp:013d}-{secrets.token_hex(3)}"
