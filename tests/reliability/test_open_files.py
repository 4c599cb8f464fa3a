"""A damaged or mislabelled .npz/.npy is read without leaving its file open, and refused in one line (issue 19).

`np.load` leaves the file open when a zip archive is damaged, and returns an open archive for a `.npy` that is
really an `.npz`; `model.core.storage.open_npz`/`load_npy` close it on every path.
"""

from __future__ import annotations

import gc
import io
import warnings

import numpy as np
import pytest

from model.collection import importers, sample_cache
from model.collection.quickdraw import open_bitmaps
from model.collection.samples import SampleStore
from model.datasets import mnist

HALF_A_ZIP = b"PK\x03\x04 half a zip"


def _npz_bytes() -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, x=np.zeros((2, 28, 28), np.uint8), y=np.arange(2))
    return buffer.getvalue()


def _npy_bytes() -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.zeros((2, 28, 28), np.uint8))
    return buffer.getvalue()


READERS = {
    "drawings cache": sample_cache.read_cache,
    "mnist cache": mnist._read_preprocessed,
    "npz import": lambda path: importers.import_npz(path, SampleStore("shapes")),
    "npy import": lambda path: importers.import_npy(path, SampleStore("shapes")),
}
CONTENTS = {"half a zip": HALF_A_ZIP, "a .npy": _npy_bytes(), "an .npz": _npz_bytes()}


def _unclosed_files_after(read, path) -> tuple[object, list[str]]:
    """What `read(path)` returned, and the files it left open (each a ResourceWarning once collected)."""
    gc.collect()  # files an earlier test left are not this one's
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        result = read(path)
        gc.collect()
    return result, [str(warning.message) for warning in caught if warning.category is ResourceWarning]


@pytest.mark.parametrize("read", READERS.values(), ids=READERS.keys())
@pytest.mark.parametrize("content", CONTENTS.values(), ids=CONTENTS.keys())
def test_a_damaged_or_mislabelled_array_file_is_read_without_leaving_it_open(tmp_path, read, content):
    path = tmp_path / "arrays.npz"
    path.write_bytes(content)
    _, unclosed = _unclosed_files_after(read, path)
    assert unclosed == []


@pytest.mark.parametrize("content", [HALF_A_ZIP, _npz_bytes()], ids=["half a zip", "an .npz"])
def test_a_quickdraw_npy_that_is_a_zip_is_refused_in_one_line_and_closed(tmp_path, content):
    path = tmp_path / "full_numpy_bitmap_cat.npy"
    path.write_bytes(content)

    def refused(path) -> str:
        with pytest.raises(ValueError, match="cat.npy: not a .npy of 28x28 bitmaps") as raised:
            open_bitmaps(path)
        return str(raised.value)

    message, unclosed = _unclosed_files_after(refused, path)
    assert "\n" not in message and unclosed == []
