"""What killed saves, trainings and retrains leave is removed at start, the trash is emptied, and nothing a
running second instance is writing is touched (issue 19, item 5)."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

import main
from model.collection.samples import SampleStore
from model.core import paths
from tests.reliability.helpers import age


def _ink(radius=20):
    image = np.full((64, 64), 255, np.uint8)
    cv2.circle(image, (32, 32), radius, 0, 4)
    return image


def _leftovers(shapes_model):
    """Files as a save, a training and a retrain killed in an earlier run leave them, last changed a day ago."""
    store = SampleStore("shapes")
    kept = store.add("circle", _ink())
    folder = store.root / "circle"
    orphan = folder / "1700000000000-abcdef.json"
    orphan.write_text(json.dumps({"word": "circle", "drawing": []}))
    old = [
        folder / ".1700000000001-abcdef.k2j3.part.png",  # a killed save
        shapes_model.parent / ".model.x81h.part.keras",  # a killed training's model save
        shapes_model.parent / "checkpoints" / ".member1.q1w2.part.keras",  # a killed checkpoint
        paths.data_dir() / "cache" / "shapes" / ".arrays.zz9.part.npz",  # a killed retrain's cache
        paths.data_dir() / ".tasks.abcd.part.json",
        orphan,
    ]
    for path in old:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.write_bytes(b"half a file")
        age(path, 1)
    return store, kept, old


def test_predict_removes_what_killed_runs_left_and_keeps_the_drawings(shapes_model, tmp_path, capsys):
    store, kept, old = _leftovers(shapes_model)
    cv2.imwrite(str(tmp_path / "a.png"), _ink())
    assert main.main(["predict", "--task", "shapes", str(tmp_path / "a.png")]) == 0
    assert [path for path in old if path.exists()] == []
    assert [sample.id for sample in store.samples()] == [kept]
    assert (store.root / "circle" / f"{kept}.json").exists()
    assert "Tidied the data folder" in capsys.readouterr().err


def test_files_newer_than_the_process_are_left_for_the_instance_writing_them(shapes_model):
    from model.collection.tidy import tidy_data_folder

    store = SampleStore("shapes")
    folder = store.root / "circle"
    folder.mkdir(parents=True)
    writing = [folder / ".1800000000000-abcdef.a1b2.part.png", folder / "1800000000000-abcdef.json",
               shapes_model.parent / ".model.c3d4.part.keras"]
    for path in writing:
        path.write_bytes(b"being written")
    report = tidy_data_folder()  # started before these files were written
    assert all(path.exists() for path in writing)
    assert report.temporary_files == report.orphan_records == 0


def test_the_window_tidies_at_start(qtbot, qsettings_in_tmp, shapes_model):
    from gui.main_window import MainWindow

    _, _, old = _leftovers(shapes_model)
    window = MainWindow(auto_train=False)
    qtbot.addWidget(window)
    window.persist_layout = False
    qtbot.waitUntil(lambda: not any(path.exists() for path in old), timeout=10000)
    qtbot.waitUntil(lambda: "Tidied" in window.statusBar().currentMessage(), timeout=5000)
    window.close()


def test_trash_older_than_the_limit_is_emptied_and_recent_trash_kept():
    from model.collection.tidy import tidy_data_folder

    store = SampleStore("shapes")
    old_id, recent_id = store.add("circle", _ink()), store.add("circle", _ink(15))
    old, recent = store.remove(old_id), store.remove(recent_id)
    age(old.trash_png, 40)
    age(recent.trash_png, 2)
    store.add("square", _ink())
    removed_label = age(store.remove_label("square"), 40)
    report = tidy_data_folder(trash_days=30)
    assert not old.trash_png.exists() and not old.trash_json.exists() and not removed_label.exists()
    assert recent.trash_png.exists() and report.trash_items == 2
    store.restore(recent)
    assert store.find(recent_id).label == "circle"


def test_a_drawing_deleted_today_stays_in_the_trash_however_old_the_drawing():
    from model.collection.tidy import tidy_data_folder

    store = SampleStore("shapes")
    sample_id = store.add("circle", _ink())
    age(store.find(sample_id).path, 100)  # drawn a hundred days ago, deleted now
    removed = store.remove(sample_id)
    tidy_data_folder(started=removed.trash_png.stat().st_mtime + 1, trash_days=30)
    assert removed.trash_png.exists()


def test_trash_beyond_its_size_limit_loses_its_oldest_first():
    from model.collection.tidy import tidy_data_folder

    store = SampleStore("shapes")
    removed = [store.remove(store.add("circle", _ink(10 + 3 * index))) for index in range(4)]
    for days, item in zip((5, 4, 3, 2), removed):
        age(item.trash_png, days)
    one = removed[0].trash_png.stat().st_size + removed[0].trash_json.stat().st_size
    tidy_data_folder(trash_days=30, trash_max_bytes=int(2.5 * one))
    assert [item.trash_png.exists() for item in removed] == [False, False, True, True]


@pytest.mark.parametrize("name", ["1700000000000-abcdef.json", ".1700000000000-abcdef.k2j3.part.png"])
def test_sample_store_cleanup_spares_files_newer_than_asked(name):
    store = SampleStore("shapes")
    folder = store.root / "circle"
    folder.mkdir(parents=True)
    (folder / name).write_bytes(b"x")
    assert store.cleanup(older_than=(folder / name).stat().st_mtime - 1) == 0
    assert store.cleanup() == 1
