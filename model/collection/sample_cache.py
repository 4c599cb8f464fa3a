"""The cache behind `SampleStore.load_arrays`: each sample's preprocessed 28x28 image, keyed by its PNG's size and
modification time, in one .npz, so thousands of samples load again without preprocessing any of them.
"""

from __future__ import annotations

import zipfile

import numpy as np

from model.core import storage

_CACHE_VERSION = 1


def read_cache(path) -> dict:
    """Returns {"<label>/<id>": ((size, mtime_ns), array or None)}; {} when missing, old or unreadable."""
    try:
        with storage.open_npz(path) as data:
            if int(data["version"]) != _CACHE_VERSION:
                return {}
            keys, stats, arrays = data["keys"], data["stats"], data["arrays"]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return {}  # a damaged cache is rebuilt, as a missing one is
    return {
        str(k): ((int(s[0]), int(s[1])), a if s[2] else None) for k, s, a in zip(keys, stats, arrays)
    }


def write_cache(path, entries: dict) -> None:
    """Writes `read_cache`'s mapping atomically."""
    keys = np.asarray(list(entries), dtype=str)
    stats = np.asarray([[k[0], k[1], a is not None] for k, a in entries.values()], np.int64).reshape(-1, 3)
    arrays = np.stack([a if a is not None else np.zeros((28, 28), np.float32) for _, a in entries.values()]) \
        if entries else np.zeros((0, 28, 28), np.float32)
    with storage.atomic_path(path) as temporary, open(temporary, "wb") as handle:
        np.savez(handle, version=_CACHE_VERSION, keys=keys, stats=stats, arrays=arrays)


def try_write_cache(path, entries: dict) -> bool:
    """Writes the cache if the disk lets it; returns False (and the arrays stay in memory only) if it does not.

    The cache only saves time: on a full or read-only disk, loading goes on without it.
    """
    try:
        write_cache(path, entries)
    except OSError:
        return False
    return True
