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


@contextlib.contextmanager
def open_npz(path: str | os.PathLike) -> Iterator[Any]:
    """Opens an .npz archive to read (a `numpy.lib.npyio.NpzFile`); its file is closed on every path.

    `np.load(path)` leaves the file open when the archive is damaged, and returns an array no `with` can hold
    when the file is a single `.npy`; here both are a ValueError, and the file is closed.

    Raises:
        OSError: the file cannot be opened.
        ValueError: it is not a readable .npz archive (says why).
    """
    import zipfile

    import numpy as np

    with open(path, "rb") as handle:
        try:
            data = np.load(handle, allow_pickle=False)
        except (EOFError, zipfile.BadZipFile) as error:
            raise ValueError(f"{Path(path).name} is not a readable .npz archive ({error or 'it ends early'})") from None
        if not isinstance(data, np.lib.npyio.NpzFile):
            raise ValueError(f"{Path(path).name} holds a single array (.npy), not an .npz archive")
        with data:
            yield data


def load_npy(path: str | os.PathLike, mmap_mode: str | None = None) -> Any:
    """Returns the array in a .npy file (memory-mapped when `mmap_mode` is "r"); no file is left open on any path.

    Raises:
        OSError: the file cannot be opened.
        ValueError: it is not a .npy array: an .npz archive (which `np.load` would return, open), a pickle, or
            damaged (says which).
    """
    import numpy as np

    with open(path, "rb") as handle:
        magic = handle.read(6)
    if magic != b"\x93NUMPY":
        raise ValueError(f"{Path(path).name} is not a .npy array (it starts with {magic!r})")
    return np.load(path, mmap_mode=mmap_mode, allow_pickle=False)


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())
