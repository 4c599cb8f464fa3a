"""Atomic file writing: every file ConvCanvas writes appears whole or not at all.

Each writer writes to a temporary file in the destination's folder, flushes it to disk and renames it
into place with `os.replace`, which is atomic on POSIX and Windows. A crash or a full disk leaves
the old file (or no file), never half of a new one.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from model.core import disk


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yields a temporary path beside `path`; renames it onto `path` if the block succeeds.

    A full, read-only or forbidden disk raises `model.core.disk.DiskError`, one line naming the folder (see
    `_atomic_path`).
    """
    with disk.plain_errors(Path(path).parent), _atomic_path(path) as temporary:
        yield temporary


@contextlib.contextmanager
def _atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yields a temporary path beside `path`; renames it onto `path` if the block succeeds.

    The temporary name keeps `path`'s suffix, because some writers (Keras' `model.save`) choose
    the format from it. If the block raises, the temporary file is removed and `path` is untouched.

    Args:
        path: the final destination.

    Yields:
        The temporary `Path` to write to.
    """
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{final.stem}.", suffix=".part" + final.suffix, dir=final.parent
    )
    os.close(handle)
    temporary_path = Path(temporary)
    # mkstemp makes the file private (0600); a saved file gets the permissions any other new file would.
    os.chmod(temporary_path, 0o666 & ~_UMASK)
    try:
        yield temporary_path
        _fsync_file(temporary_path)
        os.replace(temporary_path, final)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary_path.unlink()


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Writes `data` to `path` atomically and returns the path."""
    with atomic_path(path) as temporary:
        temporary.write_bytes(data)
    return Path(path)


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Writes `text` (UTF-8) to `path` atomically and returns the path."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike, value: Any) -> Path:
    """Writes `value` as indented JSON to `path` atomically and returns the path."""
    return atomic_write_text(path, json.dumps(value, indent=2, sort_keys=True) + "\n")


def read_json(path: str | os.PathLike, default: Any = None) -> Any:
    """Returns the JSON value in `path`, or `default` if the file does not exist."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return default


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())
