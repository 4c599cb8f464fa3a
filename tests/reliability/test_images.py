"""Images: damaged drawings are not counted, files are shared as the user's umask says, EXIF orientation is
applied, and hostile inputs cost bounded work in `preprocess` (issue 19, item 6)."""

from __future__ import annotations

import os
import stat
import struct
import tracemalloc

import cv2
import numpy as np
import pytest

from model.collection import sample_format
from model.collection.samples import SampleStore
from model.core import preprocessing
from model.core.preprocessing import load_image, preprocess
from tests.reliability.helpers import notices_naming


def _ink(radius=20):
    image = np.full((64, 64), 255, np.uint8)
    cv2.circle(image, (32, 32), radius, 0, 4)
    return image


def _damage(path, how):
    data = path.read_bytes()
    path.write_bytes({"garbage": b"not a png at all", "truncated": data[: len(data) // 2], "empty": b"",
                      "scrambled": data[:40] + bytes(len(data) - 52) + data[-12:]}[how])


@pytest.mark.parametrize("how", ["garbage", "truncated", "empty", "scrambled"])
def test_unreadable_drawings_are_not_counted_and_are_named(how):
    store = SampleStore("shapes")
    good, bad = store.add("circle", _ink()), store.add("circle", _ink(12))
    png = store.find(bad).path
    _damage(png, how)
    x, _, ids = store.load_arrays()
    assert ids.tolist() == [good] and len(x) == 1
    assert store.counts() == {"circle": 1}
    assert [sample.id for sample in store.samples()] == [good]
    assert len(notices_naming(png)) == 1
    assert png.with_name(png.name + ".corrupt").exists()  # set aside, not deleted


def test_saved_files_follow_the_users_umask(shapes_model):
    mask = os.umask(0o022)
    os.umask(mask)
    expected = 0o666 & ~mask
    store = SampleStore("shapes")
    sample = store.find(store.add("circle", _ink()))
    for path in (sample.path, sample.strokes_path, shapes_model, shapes_model.with_suffix(".json")):
        assert stat.S_IMODE(path.stat().st_mode) == expected, path


def test_a_png_that_cannot_be_encoded_is_refused_and_leaves_nothing(monkeypatch):
    store = SampleStore("shapes")
    monkeypatch.setattr(sample_format.cv2, "imencode", lambda suffix, image: (False, None))
    with pytest.raises(ValueError, match="PNG"):
        store.add("circle", _ink())
    assert not (store.root / "circle").exists() or list((store.root / "circle").iterdir()) == []


def _jpeg_with_orientation(image: np.ndarray, orientation: int) -> bytes:
    encoded = cv2.imencode(".jpg", image)[1].tobytes()
    tiff = b"MM" + struct.pack(">HI", 42, 8) + struct.pack(">H", 1) \
        + struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack(">I", 0)
    segment = b"Exif\x00\x00" + tiff
    return encoded[:2] + b"\xff\xe1" + struct.pack(">H", len(segment) + 2) + segment + encoded[2:]


@pytest.mark.parametrize("orientation", range(2, 9))
def test_exif_orientation_is_applied_as_opencv_does(tmp_path, orientation):
    image = np.full((40, 80, 3), 255, np.uint8)
    image[:10, :20] = 0  # a dark block in the top left corner says which way up it is
    data = _jpeg_with_orientation(image, orientation)
    (tmp_path / "photo.jpg").write_bytes(data)
    upright = cv2.cvtColor(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    loaded = load_image(tmp_path / "photo.jpg")
    assert loaded.shape == upright.shape
    assert np.abs(loaded.astype(int) - upright).max() <= 1


def test_a_phone_photo_on_its_side_is_read_upright(tmp_path):
    image = np.full((40, 80, 3), 255, np.uint8)
    data = _jpeg_with_orientation(image, 6)  # rotate 90 degrees clockwise to view
    (tmp_path / "photo.jpg").write_bytes(data)
    assert load_image(tmp_path / "photo.jpg").shape == (80, 40, 3)


def test_a_huge_image_is_reduced_before_any_full_size_copy():
    image = np.full((4200, 4200, 4), 255, np.uint8)
    cv2.circle(image, (2100, 2100), 1500, (0, 0, 0, 255), 40)
    tracemalloc.start()
    try:
        result = preprocess(image)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The input is 70 MB; a float copy of it alone, as before, was 280 MB.
    assert peak < 40e6, f"{peak / 1e6:.0f} MB"
    # The same drawing as from a copy reduced to 1050 px, to within the pipeline's own sensitivity to scale.
    small = preprocess(cv2.resize(image, (1050, 1050), interpolation=cv2.INTER_AREA))
    assert np.abs(result - small).mean() < 0.03 and (result > 0.5).sum() == pytest.approx((small > 0.5).sum(), rel=0.1)


def test_a_solid_blob_is_thinned_without_a_kernel_as_wide_as_itself(monkeypatch):
    kernels = []
    real_erode = cv2.erode

    def recording_erode(image, kernel, *args, **kwargs):
        kernels.append(kernel.shape[0])
        return real_erode(image, kernel, *args, **kwargs)

    monkeypatch.setattr(preprocessing.cv2, "erode", recording_erode)
    blob = np.full((60, 60), 255, np.uint8)
    blob[15:45, 15:45] = 0
    result = preprocess(blob)
    assert result is not None and result.sum() > 50
    assert max(kernels, default=0) <= 41, kernels
