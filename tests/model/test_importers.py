"""Importing folder-per-label images, Quick, Draw! ndjson and .npy files, and .npz arrays; bad files reported."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from model.collection.importers import import_path
from model.collection.samples import SampleStore


def _bar_image(light_ink=False, size=120):
    image = np.full((size, size), 255, np.uint8)
    cv2.line(image, (20, 20), (size - 20, size - 30), 0, 6)
    return 255 - image if light_ink else image


def test_folder_per_label_with_a_corrupt_file(tmp_path):
    source = tmp_path / "my_images"
    (source / "bar").mkdir(parents=True)
    (source / "dot").mkdir()
    cv2.imwrite(str(source / "bar" / "a.png"), _bar_image())
    cv2.imwrite(str(source / "bar" / "b.jpg"), _bar_image(light_ink=True))
    (source / "bar" / "broken.png").write_bytes(b"not a png at all")
    blank = np.full((50, 50), 255, np.uint8)
    cv2.imwrite(str(source / "dot" / "empty.png"), blank)
    store = SampleStore("imported")
    report = import_path(source, store)
    assert report.added == {"bar": 2}
    skipped = dict(report.skipped)
    assert "bar/broken.png" in skipped and "dot/empty.png" in skipped
    assert "broken.png" in report.summary()
    x, y, _ = store.load_arrays(["bar"])
    assert len(x) == 2 and np.corrcoef(x[0].ravel(), x[1].ravel())[0, 1] > 0.9


def test_quickdraw_ndjson_with_bad_lines_and_label_filter(tmp_path):
    lines = [
        {"word": "cat", "countrycode": "FR", "recognized": True, "drawing": [[[0, 100, 200], [0, 120, 10]]]},
        {"word": "dog", "drawing": [[[5, 5, 80], [0, 90, 90], [0, 20, 40]], [[10, 60], [10, 10]]]},
        {"word": "cow", "drawing": [[[1, 2], [3, 4]]]},
    ]
    path = tmp_path / "draw.ndjson"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n{broken json\n"
                    + json.dumps({"word": "cat", "drawing": [[[1, 2, 3], [1, 2]]]}) + "\n")
    store = SampleStore("qd")
    report = import_path(path, store, labels=["cat", "dog"])
    assert report.added == {"cat": 1, "dog": 1}
    reasons = dict(report.skipped)
    assert "not one of" in reasons["draw.ndjson line 3"]
    assert "draw.ndjson line 4" in reasons and "draw.ndjson line 5" in reasons
    dog = store.samples("dog")[0]
    strokes = store.strokes(dog.id)
    assert len(strokes) == 2 and strokes[0].points[:, 2].tolist() == [0, 20, 40]


def test_quickdraw_npy_bitmaps_named_by_label(tmp_path):
    bitmaps = np.zeros((3, 784), np.uint8)
    for row in bitmaps:
        row.reshape(28, 28)[6:22, 13:15] = 255
    np.save(tmp_path / "full_numpy_bitmap_pencil.npy", bitmaps)
    (tmp_path / "bad.npy").write_bytes(b"\x93NUMPY garbage")
    store = SampleStore("qd")
    report = import_path(tmp_path / "full_numpy_bitmap_pencil.npy", store, limit=2)
    assert report.added == {"pencil": 2}
    bad = import_path(tmp_path / "bad.npy", store)
    assert bad.total == 0 and bad.skipped[0][0] == "bad.npy"
    x, _, _ = store.load_arrays(["pencil"])
    assert x.shape == (2, 28, 28) and x[:, 14, 14].min() > 0.5


def test_npz_with_label_names(tmp_path):
    images = np.zeros((4, 28, 28), np.float32)
    images[:, 5:23, 13:15] = 1.0
    images[2] = np.nan
    np.savez(tmp_path / "set.npz", x=images, y=np.array([0, 1, 0, 1]), label_names=np.array(["a", "b"]))
    report = import_path(tmp_path / "set.npz", SampleStore("n"))
    assert report.added == {"a": 1, "b": 2} and report.skipped[0][0] == "set.npz #2"


def test_unknown_file_type_says_what_is_expected(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hi")
    with pytest.raises(ValueError, match="expected a folder of label folders"):
        import_path(path, SampleStore("n"))
