"""The sample store: saving, moving, deleting and loading drawings, and surviving a crash mid-write."""

from __future__ import annotations

import json
import os

import cv2
import numpy as np
import pytest

from model.collection import sample_format, samples
from model.collection.samples import SampleStore, validate_label
from model.core import paths
from model.core.preprocessing import preprocess
from model.core.strokes import Stroke, render_strokes


def _circle(radius=60, center=(150, 140), width=8.0):
    angles = np.linspace(0, 2 * np.pi, 40)
    points = np.stack([center[0] + radius * np.cos(angles), center[1] + radius * np.sin(angles),
                       np.arange(40) * 10.0], axis=1)
    strokes = [Stroke(points, width)]
    return render_strokes(strokes, 300, 280), strokes


def _line():
    strokes = [Stroke(np.array([[40, 40, 0], [250, 220, 50]], np.float32), 10.0)]
    return render_strokes(strokes, 300, 280), strokes


def test_add_writes_png_and_quickdraw_record_in_label_folder():
    store = SampleStore("shapes")
    image, strokes = _circle()
    sample_id = store.add("circle", image, strokes)
    png = paths.drawings_dir("shapes") / "circle" / f"{sample_id}.png"
    record = json.loads(png.with_suffix(".json").read_text())
    assert png.exists()
    assert record["word"] == "circle" and record["key_id"] == sample_id
    xs, ys, ts = record["drawing"][0]
    assert len(xs) == len(ys) == len(ts) == 40
    assert store.counts() == {"circle": 1}
    restored = store.strokes(sample_id)
    np.testing.assert_allclose(restored[0].points[:, :2], strokes[0].points[:, :2], atol=0.06)


def test_saved_png_is_dark_on_light_square():
    store = SampleStore("shapes")
    image = store.image(store.add("circle", *_circle()))
    assert image.shape == (256, 256)
    assert image[0, 0] == 255 and image.min() < 50


def test_empty_drawing_and_bad_labels_are_refused_with_reasons():
    store = SampleStore("shapes")
    with pytest.raises(ValueError, match="empty"):
        store.add("circle", np.full((100, 100), 255, np.uint8))
    for bad in ("", "  ", "a/b", ".hidden", 'x"y'):
        with pytest.raises(ValueError, match="label|Label"):
            validate_label(bad)


def test_remove_then_restore_brings_the_sample_back():
    store = SampleStore("shapes")
    sample_id = store.add("circle", *_circle())
    removed = store.remove(sample_id)
    assert store.counts() == {"circle": 0}
    with pytest.raises(KeyError, match=sample_id):
        store.find(sample_id)
    store.restore(removed)
    assert store.find(sample_id).label == "circle"
    assert len(store.strokes(sample_id)) == 1


def test_relabel_moves_files_and_updates_record():
    store = SampleStore("shapes")
    sample_id = store.add("square", *_circle())
    store.relabel(sample_id, "circle")
    assert store.counts() == {"circle": 1, "square": 0}
    assert store.record(sample_id)["word"] == "circle"
    assert not (store.root / "square" / f"{sample_id}.json").exists()


def _rewrite_png(path, image, mtime_ns):
    """Replaces a saved PNG with `image`, uncompressed (so any two images of one size make files of one size),
    and sets its modification time."""
    assert cv2.imwrite(str(path), image, [cv2.IMWRITE_PNG_COMPRESSION, 0])
    os.utime(path, ns=(mtime_ns, mtime_ns))


def test_load_arrays_preprocesses_and_caches_by_file_size_and_time():
    store = SampleStore("shapes")
    circle = store.add("circle", *_circle())
    store.add("line", *_line())
    labels = ["line", "circle"]
    x, y, ids = store.load_arrays(labels)
    assert x.shape == (2, 28, 28) and x.dtype == np.float32
    assert sorted(y.tolist()) == [0, 1] and len(ids) == 2
    assert x.max() == pytest.approx(1.0) and x[:, 0, 0].max() == 0.0

    position = ids.tolist().index(circle)
    path = store.find(circle).path
    dot = np.full((256, 256), 255, np.uint8)
    cv2.circle(dot, (128, 128), 40, 0, -1)
    stamp = 1_700_000_000_000_000_000
    _rewrite_png(path, store.image(circle), stamp)
    size = os.path.getsize(path)
    cached = store.load_arrays(labels)[0][position]
    # Another drawing in a file of the same size and time is not even read: the cache answers...
    _rewrite_png(path, dot, stamp)
    assert os.path.getsize(path) == size
    np.testing.assert_array_equal(store.load_arrays(labels)[0][position], cached)
    # ...until the file's modification time alone changes: then the file is preprocessed again.
    os.utime(path, ns=(stamp + 10**9, stamp + 10**9))
    fresh = store.load_arrays(labels)[0][position]
    assert not np.array_equal(fresh, cached)
    np.testing.assert_array_equal(fresh, preprocess(store.image(circle)))


def test_crash_while_writing_png_leaves_store_consistent(monkeypatch):
    store = SampleStore("shapes")
    kept = store.add("circle", *_circle())
    real_replace = os.replace

    def failing_replace(source, target):
        if str(target).endswith(".png"):
            raise OSError(28, "No space left on device")
        return real_replace(source, target)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="is full"):
        store.add("circle", *_circle(radius=30))
    monkeypatch.undo()
    assert [s.id for s in store.samples()] == [kept]
    leftovers = [p.name for p in (store.root / "circle").iterdir()]
    assert not [name for name in leftovers if ".part" in name]
    assert store.cleanup() == 0  # the failed sample's record went with it
    assert sorted(p.name for p in (store.root / "circle").iterdir()) == [f"{kept}.json", f"{kept}.png"]
    x, y, ids = store.load_arrays()
    assert ids.tolist() == [kept]


def test_rename_and_remove_label_with_restore():
    store = SampleStore("mine")
    first = store.add("star", *_circle())
    store.rename_label("star", "sun")
    assert store.counts() == {"sun": 1}
    assert store.record(first)["word"] == "sun"
    trashed = store.remove_label("sun")
    assert store.counts() == {}
    store.restore_label("sun", trashed)
    assert store.find(first).label == "sun"


def test_write_ndjson_has_one_quickdraw_object_per_sample():
    store = SampleStore("shapes")
    ids = {store.add("circle", *_circle()), store.add("line", *_line())}
    lines = store.write_ndjson().read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert {r["key_id"] for r in records} == ids
    assert {r["word"] for r in records} == {"circle", "line"}


def test_ids_made_in_one_millisecond_still_sort_in_order_of_saving(monkeypatch):
    monkeypatch.setattr(sample_format.time, "time", lambda: 1_800_000_000.0)
    ids = [samples.new_id() for _ in range(50)]
    assert ids == sorted(ids) and len(set(ids)) == 50
