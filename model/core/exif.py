"""EXIF orientation: a phone photo of a drawing says which way up it was taken, in a tag OpenCV's
`IMREAD_UNCHANGED` (which `load_image` needs, to keep alpha and 16-bit depth) ignores.

`orientation(data)` reads the tag from a JPEG's APP1 segment or a PNG's eXIf chunk; `apply_orientation` turns
the decoded pixels upright, as OpenCV's own `IMREAD_COLOR` would.
"""

from __future__ import annotations

import struct

import numpy as np

_ORIENTATION_TAG = 0x0112


def orientation(data: bytes) -> int:
    """Returns the EXIF orientation (1 to 8) of an encoded JPEG or PNG, or 1 when it has none or it is unreadable."""
    try:
        tiff = _jpeg_exif(data) if data[:2] == b"\xff\xd8" else _png_exif(data) if data[:4] == b"\x89PNG" else None
        value = _tiff_orientation(tiff) if tiff else 1
    except (struct.error, IndexError, ValueError):
        return 1
    return value if 1 <= value <= 8 else 1


def apply_orientation(image: np.ndarray, value: int) -> np.ndarray:
    """Returns the image turned and mirrored as EXIF orientation `value` asks (OpenCV's convention)."""
    if value >= 5:
        image = np.swapaxes(image, 0, 1)
    flips = {2: (slice(None), slice(None, None, -1)), 3: (slice(None, None, -1), slice(None, None, -1)),
             4: (slice(None, None, -1),), 6: (slice(None), slice(None, None, -1)),
             7: (slice(None, None, -1), slice(None, None, -1)), 8: (slice(None, None, -1),)}
    if value in flips:
        image = image[flips[value]]
    return np.ascontiguousarray(image)


def _jpeg_exif(data: bytes) -> bytes | None:
    position = 2
    while position + 4 <= len(data) and data[position] == 0xFF:
        marker = data[position + 1]
        if marker in (0xD9, 0xDA):  # end of image, start of scan: no more metadata
            return None
        length = struct.unpack(">H", data[position + 2:position + 4])[0]
        segment = data[position + 4:position + 2 + length]
        if marker == 0xE1 and segment.startswith(b"Exif\x00\x00"):
            return segment[6:]
        position += 2 + length
    return None


def _png_exif(data: bytes) -> bytes | None:
    position = 8
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        if kind == b"eXIf":
            return data[position + 8:position + 8 + length]
        if kind in (b"IDAT", b"IEND"):
            return None
        position += 12 + length
    return None


def _tiff_orientation(tiff: bytes) -> int:
    order = {b"II": "<", b"MM": ">"}.get(tiff[:2])
    if order is None:
        return 1
    offset = struct.unpack(order + "I", tiff[4:8])[0]
    count = struct.unpack(order + "H", tiff[offset:offset + 2])[0]
    for index in range(count):
        entry = offset + 2 + 12 * index
        tag, kind = struct.unpack(order + "HH", tiff[entry:entry + 4])
        if tag == _ORIENTATION_TAG:
            return struct.unpack(order + "H", tiff[entry + 8:entry + 10])[0] if kind == 3 else 1
    return 1
