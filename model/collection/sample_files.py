"""Checks on the PNG files of saved drawings, so listings, counts and training agree on which drawings exist.

A drawing counts when its PNG's chunks are whole and pass their checksums (or, failing that, it still decodes). A
damaged one is set aside as `<id>.png.corrupt` with a one-line notice (`model.core.damaged`), its strokes beside it as
`<id>.json.corrupt`, so it no longer appears anywhere and the start-up tidy does not delete its strokes.
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path

from model.core import damaged
from model.core.preprocessing import load_image

_PNG_START = b"\x89PNG\r\n\x1a\n"
# Each PNG's (size, mtime_ns) when last found whole, so listing thousands of drawings reads each file only once.
_whole_pngs: dict[str, tuple[int, int]] = {}


def whole_png(entry: os.DirEntry) -> bool:
    """Returns True if the PNG is whole; sets it aside (and returns False) if it is damaged.

    Each file is read once per process (a saved drawing is a few KB) and remembered by its size and time.
    """
    try:
        stat = entry.stat()
        key = (stat.st_size, stat.st_mtime_ns)
        if _whole_pngs.get(entry.path) == key:
            return True
        with open(entry.path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return False
    except OSError as error:
        damaged.notice(f"{entry.path} cannot be read ({error.strerror or error}); it is left out.")
        return False
    if _chunks_intact(data) or _decodes(entry.path):
        _whole_pngs[entry.path] = key
        return True
    set_aside_drawing(Path(entry.path), "not a whole PNG image")
    return False


def _chunks_intact(data: bytes) -> bool:
    """True if the bytes are a PNG whose every chunk, up to IEND, is whole and passes its checksum."""
    if not data.startswith(_PNG_START):
        return False
    position = len(_PNG_START)
    while position + 12 <= len(data):
        length = int.from_bytes(data[position:position + 4], "big")
        body = data[position + 4:position + 8 + length]
        stored = data[position + 8 + length:position + 12 + length]
        if len(body) != length + 4 or zlib.crc32(body).to_bytes(4, "big") != stored:
            return False
        if body[:4] == b"IEND":
            return True
        position += 12 + length
    return False


def forget_png(path: str | os.PathLike) -> None:
    """Forgets that a PNG was found whole (it turned out not to decode)."""
    _whole_pngs.pop(str(path), None)


def set_aside_drawing(png: Path, problem: str) -> None:
    """Sets a damaged drawing aside with a notice, its strokes record with it."""
    strokes = png.with_suffix(".json")
    try:
        os.replace(strokes, strokes.with_name(strokes.name + damaged.CORRUPT_SUFFIX))
    except OSError:
        pass  # no strokes record, or it cannot move: the drawing itself is what matters
    damaged.set_aside(png, problem)


def _decodes(path: str) -> bool:
    try:
        load_image(path)
        return True
    except (OSError, ValueError):
        return False
