"""One bad record never spoils an import: it is skipped and named, the rest is imported, counts per reason.

Also: folders hold only label folders (anything else is listed), links never lead out of the source, and records
over the per-label limit are counted and reported.
"""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from model.collection.importers import import_path
from model.collection.samples import SampleStore
from tests.gui.conftest import isolated_settings, window  # noqa: F401  (fixtures for the window test)

GOOD_STROKES = [[[10, 60, 110], [10, 80, 20]]]


def _bitmaps(count):
    images = np.zeros((count, 28, 28), np.uint8)
    images[:, 6:22, 12:16] = 255
    return images


def _write_ndjson(path, drawings):
    lines = [json.dumps({"word": "cat", "drawing": drawing}) if not isinstance(drawing, str) else drawing
             for drawing in drawings]
    path.write_text("\n".join(lines) + "\n")
    return path


def _image(path):
    image = np.full((60, 60), 255, np.uint8)
    cv2.line(image, (10, 10), (50, 45), 0, 4)
    cv2.imwrite(str(path), image)
    return path


@pytest.mark.parametrize("bad", [
    [[[0, 1e308], [0, -1e308]]],          # float32 overflow: infinite range, once a ZeroDivisionError
    [[[0, 1e300], [0, 5]]],               # finite in JSON, infinite as float32
    [[[0, 2e6], [0, 5]]],                 # finite but absurd
    '{"word": "cat", "drawing": [[[0, NaN], [0, 5]]]}',
    '{"word": "cat", "drawing": [[[0, Infinity], [0, 5]]]}',
    '{"word": "cat", "drawing": [[[0, 50], [0, 50]]], "pen_widths": [NaN]}',
])
def test_ndjson_bad_coordinates_skip_that_line_only(tmp_path, bad):
    path = _write_ndjson(tmp_path / "cat.ndjson", [GOOD_STROKES, bad, GOOD_STROKES])
    store = SampleStore("qd")
    report = import_path(path, store)
    assert report.added == {"cat": 2} and store.counts() == {"cat": 2}
    assert [name for name, _ in report.skipped] == ["cat.ndjson line 2"]
    assert report.skip_kinds == {"bad coordinates": 1}
    assert "1 bad coordinates" in report.summary() and "cat.ndjson line 2" in report.summary()


def _npz(tmp_path, y, names=None, count=None):
    count = len(y) if count is None else count
    values = {"x": _bitmaps(count), "y": np.asarray(y)}
    if names is not None:
        values["label_names"] = np.asarray(names)
    np.savez(tmp_path / "set.npz", **values)
    return tmp_path / "set.npz"


def test_npz_label_index_out_of_range_or_negative_is_skipped_not_wrapped(tmp_path):
    path = _npz(tmp_path, [0, 1, 5, -1, 1], names=["a", "b"])
    store = SampleStore("n")
    report = import_path(path, store)
    assert report.added == {"a": 1, "b": 2} and store.counts() == {"a": 1, "b": 2}
    reasons = dict(report.skipped)
    assert "outside label_names (0 to 1)" in reasons["set.npz #2"]
    assert "negative" in reasons["set.npz #3"]
    assert report.skip_kinds == {"bad label": 2}


def test_npz_negative_label_without_names_is_skipped(tmp_path):
    report = import_path(_npz(tmp_path, [3, -1, 3]), SampleStore("n"))
    assert report.added == {"3": 2} and list(dict(report.skipped)) == ["set.npz #1"]


def test_npz_float_labels_must_be_whole_numbers(tmp_path):
    report = import_path(_npz(tmp_path, [0.5, 1.0, np.nan, 2.0]), SampleStore("n"))
    assert report.added == {"1": 1, "2": 1}
    reasons = dict(report.skipped)
    assert "not a whole number" in reasons["set.npz #0"] and "not a number" in reasons["set.npz #2"]


def test_npz_one_hot_labels_become_names(tmp_path):
    report = import_path(_npz(tmp_path, [[0, 1], [1, 0], [0, 1]], names=["a", "b"]), SampleStore("n"))
    assert report.added == {"b": 2, "a": 1} and not report.skipped


def test_npz_two_dimensional_labels_that_are_not_one_hot_are_refused_as_a_whole(tmp_path):
    store = SampleStore("n")
    report = import_path(_npz(tmp_path, [[0, 1], [1, 1], [2, 0]]), store)
    assert report.total == 0 and store.counts() == {}
    assert report.skipped[0][0] == "set.npz" and "shape (3, 2)" in report.skipped[0][1]


def test_npz_nan_and_infinite_pixels_skip_that_image_only(tmp_path):
    images = _bitmaps(4).astype(np.float64)
    images[1, 0, 0] = np.nan
    images[2, 6:22, 12:16] = np.inf
    images[3] *= 1e300  # huge but finite: scaled like any bitmap
    np.savez(tmp_path / "set.npz", x=images, y=np.array([0, 0, 0, 0]), label_names=np.array(["a"]))
    report = import_path(tmp_path / "set.npz", SampleStore("n"))
    assert report.added == {"a": 2} and report.skip_kinds == {"NaN or infinite pixels": 2}
    assert sorted(name for name, _ in report.skipped) == ["set.npz #1", "set.npz #2"]


def test_folder_lists_loose_files_nested_folders_and_non_images(tmp_path):
    source = tmp_path / "mine"
    _image((source / "bar").mkdir(parents=True) or source / "bar" / "a.png")
    _image(source / "stray.png")
    (source / "notes.txt").write_text("hello")
    (source / "bar" / "deeper").mkdir()
    _image(source / "bar" / "deeper" / "b.png")
    (source / "bar" / "list.csv").write_text("x")
    (source / ".hidden").write_text("")
    report = import_path(source, SampleStore("f"))
    assert report.added == {"bar": 1}
    assert sorted(name for name, _ in report.skipped) == ["bar/deeper", "bar/list.csv", "notes.txt", "stray.png"]
    assert report.skip_kinds == {"nested folder": 1, "not an image": 1, "file outside a label folder": 2}


def test_folder_import_does_not_follow_links_out_of_the_source(tmp_path):
    outside = tmp_path / "outside"
    (outside / "secret").mkdir(parents=True)
    _image(outside / "secret" / "s.png")
    _image(outside / "o.png")
    source = tmp_path / "mine"
    (source / "bar").mkdir(parents=True)
    _image(source / "bar" / "a.png")
    (source / "bar" / "o.png").symlink_to(outside / "o.png")
    (source / "bar" / "again.png").symlink_to(source / "bar" / "a.png")  # inside: followed
    (source / "secret").symlink_to(outside / "secret")
    report = import_path(source, SampleStore("f"))
    assert report.added == {"bar": 2}
    assert sorted(name for name, _ in report.skipped) == ["bar/o.png", "secret"]
    assert report.skip_kinds == {"link out of the source": 2}


def test_limit_reports_what_was_left_out(tmp_path):
    np.save(tmp_path / "pencil.npy", _bitmaps(30))
    report = import_path(tmp_path / "pencil.npy", SampleStore("qd"), limit=10)
    assert report.added == {"pencil": 10} and report.left_out == {"pencil": 20}
    assert "10 of 30 pencil" in report.summary() and "raise the limit" in report.summary()


def test_limit_in_a_folder_and_an_ndjson_counts_the_rest(tmp_path):
    source = tmp_path / "mine"
    (source / "bar").mkdir(parents=True)
    for index in range(5):
        _image(source / "bar" / f"{index}.png")
    report = import_path(source, SampleStore("f"), limit=2)
    assert report.added == {"bar": 2} and report.left_out == {"bar": 3}
    path = _write_ndjson(tmp_path / "cat.ndjson", [GOOD_STROKES] * 4)
    report = import_path(path, SampleStore("f"), limit=3)
    assert report.added == {"cat": 3} and report.left_out == {"cat": 1}


def test_the_window_shows_counts_per_reason_and_what_the_limit_left_out(window, qtbot, tmp_path):
    path = _write_ndjson(tmp_path / "circle.ndjson", [
        json.dumps({"word": "circle", "drawing": GOOD_STROKES}),
        json.dumps({"word": "circle", "drawing": [[[0, 1e308], [0, 5]]]}),
        json.dumps({"word": "kite", "drawing": GOOD_STROKES}),
        json.dumps({"word": "circle", "drawing": GOOD_STROKES}),
        json.dumps({"word": "circle", "drawing": GOOD_STROKES}),
    ])
    collector = window.collector
    job = collector.import_paths([path], limit=2)
    with qtbot.waitSignal(job.finished, timeout=30000):
        pass
    assert SampleStore("shapes").counts() == {"circle": 2}
    text = collector.last_message.text()
    assert "2 of 3 circle" in text and "1 bad coordinates" in text and "1 label not in this task" in text
    details = collector.last_message.detailedText()
    assert "circle.ndjson line 2" in details and "1 circle left out over the limit of 2" in details
