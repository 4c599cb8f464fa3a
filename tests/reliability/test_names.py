"""One check for every task and label name, wherever it comes from; nothing is written outside the data folder
(issue 19, item 4)."""

from __future__ import annotations

import json
import os
import unicodedata

import cv2
import numpy as np
import pytest

import main
from model.collection import user_tasks
from model.collection.importers import import_folder
from model.collection.samples import SampleStore, validate_label
from model.core import paths
from tests.reliability.helpers import files_under

# Names the check before this suite let through ("..", "/", control characters and 41 characters it refused).
UNSAFE_LABELS = {
    "inner dots": "a..b", "bidi override": "gnp\u202eevil", "zero width": "st\u200bar", "line separator": "a\u2028b",
    "CON": "CON", "nul with suffix": "nul.txt", "com1": "com1", "LPT9": "LPT9", "trailing dot": "star.",
}


def _ink():
    image = np.full((64, 64), 255, np.uint8)
    cv2.circle(image, (32, 32), 20, 0, 4)
    return image


def _write_tasks(config):
    tasks_file = paths.data_dir() / "tasks.json"
    tasks_file.parent.mkdir(parents=True, exist_ok=True)
    tasks_file.write_text(json.dumps(config))
    return tasks_file


@pytest.mark.parametrize("label", UNSAFE_LABELS.values(), ids=UNSAFE_LABELS.keys())
def test_unsafe_labels_are_refused_with_a_reason(label):
    with pytest.raises(ValueError, match="label|Label"):
        validate_label(label)
    with pytest.raises(ValueError):
        SampleStore("shapes").add(label, _ink())


def test_labels_are_nfc_normalised():
    decomposed = unicodedata.normalize("NFD", "café")
    assert validate_label(decomposed) == "café"
    store = SampleStore("shapes")
    store.add(decomposed, _ink())
    assert store.labels() == ["café"]


def test_labels_differing_only_in_case_share_no_folder():
    store = SampleStore("shapes")
    store.add("star", _ink())
    with pytest.raises(ValueError, match="only in case"):
        store.add("Star", _ink())
    assert store.labels() == ["star"]


def test_a_task_named_to_escape_in_tasks_json_is_refused_and_nothing_is_written_outside(tmp_path, capsys):
    from model.core.tasks import all_tasks, get_task

    outside_before = files_under(tmp_path)
    _write_tasks({"tasks": [{"name": "../../escaped", "labels": ["a", "b"]},
                            {"name": "doodles", "labels": ["star", "heart"]}]})
    assert "../../escaped" not in all_tasks() and "doodles" in all_tasks()
    with pytest.raises(KeyError):
        get_task("../../escaped")
    with pytest.raises(ValueError, match="folder name"):
        SampleStore("../../escaped")
    assert main.main(["train", "--task", "../../escaped"]) == 2
    err = capsys.readouterr().err
    assert "escaped" in err and "Traceback" not in err
    created = files_under(tmp_path) - outside_before
    assert all(path.startswith("convcanvas-data") for path in created), created


@pytest.mark.parametrize("name", ["..", "a/../../b", "CON", "shapes\u202e", "Shapes", "x" * 41])
def test_unsafe_or_duplicate_task_names_in_tasks_json_are_refused(name):
    from model.core.tasks import all_tasks

    _write_tasks({"tasks": [{"name": name, "labels": ["a", "b"]}]})
    assert set(all_tasks()) == {"shapes", "digits"}


def test_unsafe_labels_in_tasks_json_are_refused_and_the_rest_kept():
    from model.core.tasks import get_task

    _write_tasks({"tasks": [{"name": "doodles", "labels": ["star", "../../x", "heart", "HEART"]}],
                  "extra_labels": {"shapes": ["CON", "star"]}})
    assert get_task("doodles").labels == ("star", "heart")
    assert get_task("shapes").labels == ("circle", "square", "triangle", "star")


def test_unsafe_label_folders_in_an_import_are_skipped_with_a_reason(tmp_path):
    source = tmp_path / "source"
    for label in ("star", "CON", "st\u202ear"):
        (source / label).mkdir(parents=True)
        cv2.imwrite(str(source / label / "a.png"), _ink())
    report = import_folder(source, SampleStore("shapes"))
    assert report.added == {"star": 1}
    assert len(report.skipped) == 2
    assert SampleStore("shapes").labels() == ["star"]


def test_a_label_folder_linked_outside_the_data_folder_is_not_written_through(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    store = SampleStore("shapes")
    store.root.mkdir(parents=True)
    os.symlink(outside, store.root / "star")
    with pytest.raises(ValueError, match="outside"):
        store.add("star", _ink())
    assert list(outside.iterdir()) == []


def test_a_new_task_whose_name_would_be_too_long_is_refused():
    with pytest.raises(ValueError, match="40"):
        user_tasks.create_task("A" * 50, "a, b")


# Quick, Draw! files are imported into a folder named after the file
# (`model.collection.quickdraw.set_folder`); before, the
# name passed only a character substitution: "..", "." and device names went through.
UNSAFE_QUICKDRAW_FILES = {
    "two dots": "...npy", "prefixed two dots": "full_numpy_bitmap_...npy", "one dot": "..ndjson",
    "CON": "CON.npy", "prefixed nul": "full_simplified_nul.ndjson", "bidi override": "cat\u202eypn.npy",
    "too long": "x" * 41 + ".npy",
}


def _quickdraw_file(folder, name: str):
    image = np.zeros((28, 28), np.uint8)
    cv2.line(image, (4, 14), (24, 14), 255, 3)
    path = folder / name
    if name.endswith(".npy"):
        np.save(path, np.repeat(image.reshape(1, 784), 8, axis=0))
    else:
        record = {"word": "across", "drawing": [[[0, 100], [50, 50]]]}
        path.write_text("\n".join(json.dumps(record) for _ in range(8)) + "\n")
    return path


@pytest.mark.parametrize("name", UNSAFE_QUICKDRAW_FILES.values(), ids=UNSAFE_QUICKDRAW_FILES.keys())
def test_a_quickdraw_file_whose_name_cannot_name_a_folder_is_refused_and_nothing_written(tmp_path, name):
    from model.collection.quickdraw import import_quickdraw, label_of
    from model.collection.quickdraw_files import import_files, inspect_file

    task = user_tasks.create_task("Bars", ["across", "down"])
    source = tmp_path / "source"
    source.mkdir()
    path = _quickdraw_file(source, name)
    data_before = files_under(paths.data_dir())
    with pytest.raises(ValueError, match="Rename the file") as raised:
        inspect_file(path)
    message = str(raised.value)
    assert "\n" not in message and "\u202e" not in message
    with pytest.raises(ValueError, match="Rename the file"):  # even when its drawings are given a task's label
        import_quickdraw(path, task, rename={label_of(path): "across"})
    report = import_files([path], task, limit=None, rename={label_of(path): "across"})
    assert report.total == 0 and len(report.skipped) == 1
    assert files_under(paths.data_dir()) == data_before


def test_the_import_command_refuses_an_unsafe_quickdraw_file_in_one_line(tmp_path, capsys):
    user_tasks.create_task("Bars", ["across", "down"])
    source = tmp_path / "source"
    source.mkdir()
    good, bad = _quickdraw_file(source, "across.npy"), _quickdraw_file(source, "CON.npy")
    assert main.main(["import", "--task", "bars", str(bad), str(good)]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    assert [line for line in err.splitlines() if "CON" in line] == [
        line for line in err.splitlines() if "Rename the file" in line] != []
    assert json.loads(out.splitlines()[-1])["added"] == {"across": 8}, "the good file is still imported"
    assert (paths.data_dir() / "datasets" / "bars" / "across").is_dir()
    assert not (paths.data_dir() / "datasets" / "bars" / "CON").exists()
