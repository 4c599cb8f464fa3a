"""Several Quick, Draw! files imported at scale as the window does it: what a file holds, one cap per label across
the files, labels renamed, one report, and a cancel that keeps the files finished whole."""

from __future__ import annotations

import json

import numpy as np
import pytest

from model.collection import user_tasks
from model.collection.quickdraw import import_quickdraw
from model.collection.quickdraw_files import import_files, inspect_file
from model.collection.shards import ShardSet
from model.core.tasks import get_task
from model.training.streaming import imported_sets
from tests.model.training_data import bars


@pytest.fixture
def task():
    user_tasks.create_task("Bars", ["across", "down", "slant"])
    return get_task("bars")


def _bitmaps(folder, name, count, blank=0):
    x, _ = bars(count, 0)
    x[:blank] = 0
    path = folder / name
    np.save(path, (x * 255).astype(np.uint8).reshape(count, 784))
    return path


def _strokes(folder, name, word, count):
    lines = [json.dumps({"word": word, "drawing": [[[10, 10 + number % 5], [0, 90]]]}) for number in range(count)]
    path = folder / name
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_file_says_its_category_and_how_many_drawings_it_holds(tmp_path):
    bitmaps = inspect_file(_bitmaps(tmp_path, "full_numpy_bitmap_across.npy", 300))
    assert (bitmaps.category, bitmaps.total, bitmaps.exact) == ("across", 300, True)
    strokes = inspect_file(_strokes(tmp_path, "full_simplified_pole.ndjson", "down", 400))
    assert strokes.category == "down" and not strokes.exact and 350 <= strokes.total <= 450
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ValueError, match="expected a Quick, Draw! .npy or .ndjson"):
        inspect_file(tmp_path / "notes.txt")


def test_files_are_imported_up_to_one_cap_per_label_with_renames_and_one_report(tmp_path, task):
    files = [_bitmaps(tmp_path, "across.npy", 300, blank=2), _strokes(tmp_path, "pole.ndjson", "pole", 150),
             _bitmaps(tmp_path, "sideways.npy", 50)]
    updates = []
    report = import_files(files, task, limit=100, rename={"pole": "down", "sideways": "across"},
                          progress=updates.append)
    assert report.added == {"across": 100, "down": 100}
    # 2 blank bitmaps skipped; 198 of across.npy and all 50 of sideways.npy (across is full) left over the cap.
    assert report.skip_kinds == {"empty drawing": 2} and report.left_out == {"across": 248, "down": 50}
    assert "Imported only 100 of 348 across" in report.summary()
    counts = {shard_set.folder.name: shard_set.manifest["label_counts"] for shard_set in imported_sets("bars")}
    assert counts["across"] == [100, 0, 0] and counts["pole"] == [0, 100, 0] and counts["sideways"] == [0, 0, 0]
    assert [update.file_index for update in updates][-1] == 2 and updates[-1].overall == 1.0


def test_a_cancel_keeps_the_files_finished_whole_and_nothing_of_the_one_it_interrupted(tmp_path, task):
    first, second = _bitmaps(tmp_path, "across.npy", 200), _bitmaps(tmp_path, "slant.npy", 3000)
    import_quickdraw(second, task, limit=10)
    before = ShardSet(imported_sets("bars")[-1].folder).manifest
    polls = []

    def should_stop():
        polls.append(1)
        return len(polls) > 40  # within slant.npy: across.npy polls 8 times (every 32 drawings)

    report = import_files([first, second], task, limit=None, should_stop=should_stop)
    assert report.added == {"across": 200}
    assert "cancelled during slant.npy" in report.stopped and "across.npy is imported whole" in report.stopped
    sets = {shard_set.folder.name: shard_set for shard_set in imported_sets("bars")}
    assert sets["across"].count("train") + sets["across"].count("validation") == 200
    assert sets["slant"].manifest == before
    assert not [file for file in sets["slant"].folder.glob("*.npy") if file not in sets["slant"].files("train")
                and file not in sets["slant"].files("validation")]


def test_an_unreadable_file_is_skipped_and_named_and_the_others_imported(tmp_path, task):
    broken = tmp_path / "down.npy"
    broken.write_bytes(b"not numpy")
    report = import_files([broken, _bitmaps(tmp_path, "across.npy", 20)], task, limit=None)
    assert report.added == {"across": 20}
    assert report.skipped[0][0] == "down.npy" and "not a .npy" in report.skipped[0][1]
