"""Importing whole Quick, Draw! files at scale into a task's shard sets: cap per label, progress, cancel."""

from __future__ import annotations

import json

import numpy as np
import pytest

from model.collection import user_tasks
from model.collection.quickdraw import import_quickdraw
from model.collection.shards import ShardSet
from model.core.tasks import get_task
from model.training.streaming import imported_sets
from tests.model.training_data import bars


@pytest.fixture
def task():
    user_tasks.create_task("Bars", ["across", "down", "slant"])
    return get_task("bars")


def _bitmaps(tmp_path, count=300):
    x, _ = bars(count, 0)
    path = tmp_path / "full_numpy_bitmap_across.npy"
    np.save(path, (x * 255).astype(np.uint8).reshape(count, 784))
    return path


def test_a_bitmap_file_is_imported_up_to_the_cap_with_progress(tmp_path, task):
    updates = []
    report = import_quickdraw(_bitmaps(tmp_path), task, limit=120, progress=lambda *update: updates.append(update))
    assert report.added == {"across": 120} and report.skipped == 0
    (imported,) = imported_sets("bars")
    assert imported.folder.name == "across"
    assert imported.count("train") + imported.count("validation") == 120
    assert updates[-1][1] == 120 and 0 < updates[-1][0] <= 1.0


def test_cancelling_an_import_keeps_the_set_it_would_replace(tmp_path, task):
    path = _bitmaps(tmp_path)
    import_quickdraw(path, task, limit=60)
    before = ShardSet(imported_sets("bars")[0].folder).manifest
    assert import_quickdraw(path, task, should_stop=lambda: True) is None
    assert imported_sets("bars")[0].manifest == before


def test_an_ndjson_file_skips_bad_lines_and_labels_the_task_lacks(tmp_path, task):
    stroke = [[[0, 50, 100], [0, 50, 100]]]
    lines = [{"word": "slant", "drawing": stroke}, {"word": "cat", "drawing": stroke}, "not json",
             {"word": "down", "drawing": [[[10, 10], [0, 90]]]}]
    path = tmp_path / "mixed.ndjson"
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n")
    report = import_quickdraw(path, task)
    assert report.added == {"slant": 1, "down": 1} and report.skipped == 2
    assert any("not in task" in reason for reason in report.reasons)


def test_a_bitmap_file_of_no_label_of_the_task_says_how_to_fix_it(tmp_path, task):
    path = tmp_path / "cat.npy"
    np.save(path, np.zeros((2, 784), np.uint8))
    with pytest.raises(ValueError, match="add the label first"):
        import_quickdraw(path, task)
