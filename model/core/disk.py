"""Disk trouble in one place: free space checked before long work, and refused writes said in one line.

A full disk (ENOSPC, EDQUOT), a read-only one (EROFS) or a folder the user may not write to (EACCES, EPERM) becomes a
`DiskError`: an `OSError` whose text is one sentence naming the folder, e.g. "The disk holding /data is full (needs
~12 MB, 3 MB free); free some space there and try again." Every writer in `model.core.storage` goes through
`plain_errors`, and long work (training, retrain, import, export) calls `ensure_writable` first, so the user hears
of the problem before an epoch is spent, not after.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

MB = 1024 * 1024
NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT})
READ_ONLY = frozenset({errno.EROFS})
NOT_PERMITTED = frozenset({errno.EACCES, errno.EPERM})
# Files take whole blocks: a saved drawing (a small PNG and its .json) takes about two of them.
BYTES_PER_SAMPLE = 8 * 1024


class DiskError(OSError):
    """A write the disk refused; `str(error)` is one line for the user, `errno` the original code."""

    def __init__(self, message: str, code: int | None = None, directory: str | os.PathLike | None = None):
        super().__init__(message)
        self.errno = code
        self.directory = Path(directory) if directory is not None else None

    def __str__(self) -> str:
        return self.args[0]


def is_disk_error(error: BaseException) -> bool:
    """Returns True for an OSError that means full, read-only or not permitted."""
    return isinstance(error, OSError) and error.errno in NO_SPACE | READ_ONLY | NOT_PERMITTED


def describe(error: BaseException, directory: str | os.PathLike | None = None) -> str | None:
    """Returns the one-line message for a disk error (see the module docstring), or None for any other error."""
    if isinstance(error, DiskError):
        return str(error)
    if not is_disk_error(error):
        return None
    where = Path(directory) if directory is not None else _folder_of(error.filename)
    if error.errno in NO_SPACE:
        return full_message(where)
    if error.errno in READ_ONLY:
        return (f"The disk holding {where} is read-only, so nothing can be saved there; "
                "choose a folder on another disk and try again.")
    return f"The folder {where} cannot be written to (permission denied); make it writable or choose another folder."


def full_message(directory, needed_bytes: int | None = None, free_bytes: int | None = None) -> str:
    """Returns "The disk holding <directory> is full (needs ~N MB, M MB free); ..."."""
    figures = []
    if needed_bytes:
        figures.append(f"needs ~{_megabytes(needed_bytes)} MB")
    if free_bytes is not None:
        figures.append(f"{_megabytes(free_bytes)} MB free")
    detail = f" ({', '.join(figures)})" if figures else ""
    return f"The disk holding {directory} is full{detail}; free some space there and try again."


def explained(error: OSError, directory: str | os.PathLike | None = None) -> OSError:
    """Returns a `DiskError` for a disk error, else `error` itself."""
    if isinstance(error, DiskError) or not is_disk_error(error):
        return error
    return DiskError(describe(error, directory), error.errno, directory or _folder_of(error.filename))


@contextlib.contextmanager
def plain_errors(directory: str | os.PathLike | None = None) -> Iterator[None]:
    """Turns a disk error raised inside the block into a `DiskError` naming `directory`; others pass unchanged."""
    try:
        yield
    except OSError as error:
        replacement = explained(error, directory)
        if replacement is error:
            raise
        raise replacement from error


def free_bytes(directory: str | os.PathLike) -> int | None:
    """Returns the free bytes on the disk holding `directory` (or its nearest existing parent); None if unknown."""
    folder = Path(directory).absolute()
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        return int(shutil.disk_usage(folder).free)
    except OSError:
        return None


def ensure_space(directory: str | os.PathLike, needed_bytes: int) -> None:
    """Raises a `DiskError` if the disk holding `directory` has less than `needed_bytes` free."""
    free = free_bytes(directory)
    if free is not None and free < needed_bytes:
        raise DiskError(full_message(directory, needed_bytes, free), errno.ENOSPC, directory)


def ensure_writable(directory: str | os.PathLike, needed_bytes: int = 0) -> None:
    """Checks, before long work, that `directory` can take `needed_bytes` more: enough free space, and a file can
    be created there (it is made, and its parents, if missing).

    Raises:
        DiskError: the disk is full, read-only, or the folder is not writable (one line, naming `directory`).
    """
    ensure_space(directory, needed_bytes)
    folder = Path(directory)
    with plain_errors(folder):
        folder.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(prefix=".write-check.", suffix=".part", dir=folder)
        os.close(handle)
        os.unlink(probe)


def samples_bytes(count: int) -> int:
    """Returns the disk space that `count` saved drawings take, roughly."""
    return max(0, int(count)) * BYTES_PER_SAMPLE


def _folder_of(filename) -> Path | str:
    if not filename:
        return "the data folder"
    path = Path(os.fsdecode(filename))
    return path if path.is_dir() else path.parent


def _megabytes(count: int) -> str:
    value = count / MB
    return f"{value:.1f}" if value < 10 else f"{value:,.0f}"
