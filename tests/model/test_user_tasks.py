"""User tasks and labels: created, renamed and removed with their drawings, kept in tasks.json."""

from __future__ import annotations

import numpy as np
import pytest

from model.collection import user_tasks
from model.collection.samples import SampleStore
from model.core import paths
from model.core.tasks import all_tasks, get_task


def _ink():
    image = np.full((100, 100), 255, np.uint8)
    image[30:70, 48:52] = 0
    return image


def test_create_task_with_labels_persists_in_tasks_json():
    task = user_tasks.create_task("Doodles", "star, heart, house")
    assert task.name == "doodles" and task.labels == ("star", "heart", "house")
    assert task.base_data is None
    assert (paths.data_dir() / "tasks.json").exists()
    assert get_task("doodles").labels == ("star", "heart", "house")
    assert {"shapes", "digits", "doodles"} <= set(all_tasks())


@pytest.mark.parametrize("labels, message", [
    ("star", "at least two"), ("star, Star", "twice"), ("star, a/b", "folder"), ("star, , ", "at least two"),
])
def test_invalid_labels_are_refused_with_a_reason(labels, message):
    with pytest.raises(ValueError, match=message):
        user_tasks.create_task("Doodles", labels)


def test_duplicate_or_empty_task_name_is_refused():
    user_tasks.create_task("Doodles", "star, heart")
    with pytest.raises(ValueError, match="already exists"):
        user_tasks.create_task("doodles", "a, b")
    with pytest.raises(ValueError, match="letters or digits"):
        user_tasks.create_task("  ?? ", "a, b")
    with pytest.raises(ValueError, match="already exists"):
        user_tasks.create_task("Shapes", "a, b")


def test_rename_label_moves_its_drawings():
    user_tasks.create_task("Doodles", "star, heart")
    store = SampleStore("doodles")
    sample_id = store.add("star", _ink())
    task = user_tasks.rename_label("doodles", "star", "sun")
    assert task.labels == ("sun", "heart")
    assert store.find(sample_id).label == "sun"
    with pytest.raises(ValueError, match="already has"):
        user_tasks.rename_label("doodles", "sun", "heart")


def test_remove_label_is_undoable():
    user_tasks.create_task("Doodles", "star, heart, house")
    store = SampleStore("doodles")
    sample_id = store.add("heart", _ink())
    task, token = user_tasks.remove_label("doodles", "heart")
    assert task.labels == ("star", "house") and store.counts() == {}
    task = user_tasks.restore_label(token)
    assert task.labels == ("star", "heart", "house")
    assert store.find(sample_id).label == "heart"


def test_builtin_task_gains_a_label_but_keeps_its_own():
    task = user_tasks.add_label("shapes", "star")
    assert task.labels == ("circle", "square", "triangle", "star") and task.base_data == "shapes"
    with pytest.raises(ValueError, match="built in"):
        user_tasks.remove_label("shapes", "circle")


def test_retrain_reason_names_changed_labels():
    task = user_tasks.create_task("Doodles", "star, heart, house")
    assert user_tasks.retrain_reason(task, ["star", "heart", "house"]) is None
    assert "new: house" in user_tasks.retrain_reason(task, ["star", "heart"])
    assert "no trained model" in user_tasks.retrain_reason(task, None)
