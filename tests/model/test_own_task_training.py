"""A task of the user's own: Train learns it from the saved drawings, and an interrupted retrain resumes."""

from __future__ import annotations

import numpy as np
import pytest

from model.collection import user_tasks
from model.network import model_store
from model.training import retrain_checkpoint
from model.training.correct import samples_since_retrain
from model.training.drawings_data import NotEnoughDrawingsError
from model.training.recipes import get_recipe
from model.training.retrain import RetrainSettings, retrain
from model.training.training import train_task
from tests.model.training_data import drawing, fill_store

SMALL = [{"type": "conv", "filters": 8}, {"type": "pool"}, {"type": "flatten"}, {"type": "dense", "units": 16}]
TINY_RECIPE = get_recipe("quick").with_overrides(architecture=SMALL, batch_size=32, learning_rate=5e-3,
                                                 augmentation=None, min_epoch_size=256)


def test_train_learns_a_task_of_your_own_from_its_saved_drawings():
    task = user_tasks.create_task("Marks", ["ring", "bar", "cross"])
    store = fill_store(task.name, {label: 10 for label in task.labels})
    result = train_task(task, TINY_RECIPE, epochs=4)
    assert result.status == "completed"
    keras_model, info = model_store.load_model(task.name)
    assert info.labels == ["ring", "bar", "cross"] and info.recipe == "quick"
    assert result.metrics["validation"] == "your held-out drawings"
    assert result.metrics["train_samples"] >= 256, "the 24 training drawings are repeated to fill an epoch"
    assert result.metrics["val_accuracy"] > 0.5  # chance is 1/3, on the 6 held-out drawings
    assert samples_since_retrain(task) == 0, "the drawings it learned from are not 'new' any more"
    store.add("ring", *drawing("ring", np.random.default_rng(5)))
    assert samples_since_retrain(task) == 1


def test_train_with_too_few_drawings_says_how_many_each_label_needs():
    task = user_tasks.create_task("Marks", ["ring", "bar"])
    fill_store(task.name, {label: 2 for label in task.labels})
    with pytest.raises(NotEnoughDrawingsError) as raised:
        train_task(task, TINY_RECIPE, epochs=1)
    message = str(raised.value)
    assert "at least 5 of each label" in message and "'ring' has 2" in message and "'bar' has 2" in message
    assert not model_store.task_model_path(task.name).exists()


def test_an_interrupted_retrain_is_remembered_and_resumes_from_its_last_finished_epoch():
    task = user_tasks.create_task("Marks", ["ring", "bar"])
    fill_store(task.name, {label: 6 for label in task.labels})
    settings = RetrainSettings(scratch_epochs=3, epochs=1, min_epoch_size=64, batch_size=32)
    epochs_done = []
    result = retrain(task, settings, epoch_end=epochs_done.append, should_stop=lambda: len(epochs_done) >= 1)
    assert result.cancelled and not result.saved
    state = retrain_checkpoint.unfinished_retrain(task)
    assert state is not None and (state.epoch, state.epochs, state.from_scratch) == (1, 3, True)

    resumed = []
    result = retrain(task, settings, epoch_end=resumed.append, resume=True)
    assert result.saved and [logs.epoch for logs in resumed] == [2, 3]
    assert retrain_checkpoint.unfinished_retrain(task) is None
    assert model_store.load_info(task.name).recipe == "scratch"


def test_an_unfinished_retrain_no_longer_resumes_once_the_model_changed():
    task = user_tasks.create_task("Marks", ["ring", "bar"])
    fill_store(task.name, {label: 6 for label in task.labels})
    settings = RetrainSettings(scratch_epochs=3, epochs=2, min_epoch_size=64, batch_size=32)
    retrain(task, settings, should_stop=lambda: True)
    assert retrain_checkpoint.unfinished_retrain(task) is not None, "remembered from its start"
    train_task(task, TINY_RECIPE, epochs=1)
    assert retrain_checkpoint.unfinished_retrain(task) is None
