"""Retraining on the user's drawings: from scratch with ten per label, fine-tuning, cancel, correct me."""

from __future__ import annotations

import numpy as np
import pytest

from model.collection import user_tasks
from model.collection.samples import SampleStore
from model.network import model_store
from model.training.correct import correct, samples_since_retrain
from model.training.retrain import RetrainSettings, adapt_output, confusion_matrix, retrain, split_validation
from tests.model.training_data import drawing, fill_store

FAST = RetrainSettings(scratch_epochs=6, epochs=1, min_epoch_size=192, batch_size=32)


def test_split_is_stratified_and_repeatable():
    ids = np.array([f"id{i:03d}" for i in range(30)])
    y = np.repeat([0, 1, 2], 10)
    train, val = split_validation(ids, y, 0.2)
    assert len(val) == 6 and sorted(np.bincount(y[val]).tolist()) == [2, 2, 2]
    assert set(train) | set(val) == set(range(30)) and not set(train) & set(val)
    assert np.array_equal(split_validation(ids, y, 0.2)[1], val)
    # The held-out samples depend on the samples, not on the order they are listed in.
    _, reversed_val = split_validation(ids[::-1].copy(), y[::-1].copy(), 0.2)
    assert set(ids[::-1][reversed_val]) == set(ids[val])
    # Adding samples to one label keeps the other labels' held-out samples where they were.
    more_ids = np.concatenate([ids, ["zz1", "zz2"]])
    _, val2 = split_validation(more_ids, np.concatenate([y, [0, 0]]), 0.2)
    assert set(ids[val][y[val] != 0]) == set(more_ids[val2][np.concatenate([y, [0, 0]])[val2] != 0])


def test_confusion_matrix_lists_ids_per_cell():
    counts, grid = confusion_matrix([0, 0, 1], [0, 1, 1], ["a", "b", "c"], 2)
    assert counts.tolist() == [[1, 1], [0, 1]]
    assert grid[0][1] == ["b"] and grid[1][1] == ["c"]


def test_user_task_trains_from_scratch_on_ten_per_label():
    task = user_tasks.create_task("Marks", ["ring", "bar", "cross"])
    fill_store(task.name, dict.fromkeys(task.labels, 10))
    epochs_seen = []
    result = retrain(task, FAST, epoch_end=epochs_seen.append)
    assert result.from_scratch and result.saved and not result.cancelled
    assert len(result.validation_ids) == 6 and len(result.train_ids) == 24
    assert [e.epoch for e in epochs_seen] == list(range(1, 7))
    assert all(e.val_accuracy is not None for e in epochs_seen)
    assert epochs_seen[-1].loss < epochs_seen[0].loss
    assert result.after_accuracy >= 0.5  # chance is 1/3
    assert result.confusion.sum() == 6
    _, info = model_store.load_model(task.name)
    assert info.labels == ["ring", "bar", "cross"] and info.recipe == "scratch"
    assert samples_since_retrain(task) == 0


def test_too_few_samples_for_a_user_task_says_which_labels():
    task = user_tasks.create_task("Marks", ["ring", "bar"])
    rng = np.random.default_rng(1)
    SampleStore(task.name).add("ring", *drawing("ring", rng))
    with pytest.raises(ValueError, match="bar"):
        retrain(task, FAST)


def test_cancel_saves_nothing():
    task = user_tasks.create_task("Marks", ["ring", "bar"])
    fill_store(task.name, dict.fromkeys(task.labels, 5))
    result = retrain(task, FAST, should_stop=lambda: True)
    assert result.cancelled and not result.saved
    with pytest.raises(model_store.ModelNotFoundError):
        model_store.load_model(task.name)


def test_new_label_rebuilds_output_and_keeps_features_then_correct_me():
    from model.network.architecture import CLASSIC, build_model

    task = user_tasks.create_task("Marks", ["ring", "bar"])
    fill_store(task.name, dict.fromkeys(task.labels, 10))
    model_store.save_model(build_model(CLASSIC, 2), model_store.ModelInfo(task=task.name, labels=["ring", "bar"]))
    old_model, _ = model_store.load_model(task.name)
    task = user_tasks.add_label(task.name, "cross")
    assert "new: cross" in user_tasks.retrain_reason(task, model_store.load_info(task.name).labels)
    adapted = adapt_output(old_model, ["ring", "bar"], list(task.labels))
    assert adapted.output_shape[-1] == 3
    conv = [layer for layer in old_model.layers if layer.name.startswith("conv")][0].name
    np.testing.assert_array_equal(adapted.get_layer(conv).get_weights()[0], old_model.get_layer(conv).get_weights()[0])
    np.testing.assert_array_equal(adapted.get_layer("output").get_weights()[0][:, :2],
                                  old_model.get_layer("output").get_weights()[0])
    fill_store(task.name, dict.fromkeys(task.labels, 4), seed=2)  # adds four of each, crosses included
    result = retrain(task, FAST)
    assert not result.from_scratch and result.saved and result.before_accuracy is not None
    assert model_store.has_previous(task.name)

    # The drawing is saved under the label the model now finds least likely; the short fine-tuning (here on
    # the drawing alone) must move the model towards it.
    image, strokes = drawing("ring", np.random.default_rng(9))
    current, _ = model_store.load_model(task.name)
    from model.core.preprocessing import preprocess
    target = int(np.argmin(np.asarray(current(preprocess(image)[None, ..., None], training=False))[0]))
    fixed = correct(task, image, task.labels[target], strokes, older=0, copies=16, epochs=2)
    assert fixed.before.shape == fixed.after.shape == (3,)
    assert fixed.after[target] > fixed.before[target] + 0.05, (fixed.before, fixed.after)
    assert SampleStore(task.name).find(fixed.sample_id).label == task.labels[target]


def test_builtin_task_mixes_base_data_with_a_label_the_user_added():
    task = user_tasks.add_label("shapes", "cross")
    fill_store("shapes", {"cross": 4}, seed=3)
    settings = RetrainSettings(base_per_label=10, scratch_epochs=1, min_epoch_size=64, batch_size=32)
    result = retrain(task, settings)
    assert result.num_base == 30 and result.saved and result.from_scratch
    assert len(result.train_ids) == 3 and len(result.validation_ids) == 1
    assert model_store.load_info("shapes").labels == ["circle", "square", "triangle", "cross"]


def test_digits_base_data_is_a_preprocessed_subsample(monkeypatch, mnist_path):
    from model.core.tasks import DIGITS
    from model.training.retrain_data import base_data

    monkeypatch.setenv("CONVCANVAS_MNIST", str(mnist_path))
    x, y = base_data(DIGITS, 5, seed=1)
    assert x.shape == (50, 28, 28) and x.dtype == np.float32 and np.bincount(y).tolist() == [5] * 10
    assert x.max() <= 1.0 and x[:, 0, 0].max() == 0.0


def test_retraining_an_ensemble_keeps_every_member_and_says_so():
    from model.network.architecture import build_model
    from model.network.inference import member_models
    from model.training.training import assemble_ensemble

    small = [{"type": "conv", "filters": 4}, {"type": "pool"}, {"type": "flatten"}, {"type": "dense", "units": 8}]
    task = user_tasks.create_task("Marks", ["ring", "bar"])
    fill_store(task.name, dict.fromkeys(task.labels, 6))
    ensemble = assemble_ensemble([build_model(small, 2, name=f"member{index}") for index in (1, 2, 3)])
    model_store.save_model(ensemble, model_store.ModelInfo(task=task.name, labels=list(task.labels), members=3))
    before = [member.get_weights()[0].copy() for member in member_models(ensemble)]

    result = retrain(task, FAST)
    assert result.saved and not result.from_scratch and result.before_accuracy is not None
    retrained, info = model_store.load_model(task.name)
    assert info.members == 3 and info.recipe == "finetune"  # the status bar shows "ensemble of 3"
    members = member_models(retrained)
    assert len(members) == 3
    assert all(not np.array_equal(member.get_weights()[0], old) for member, old in zip(members, before))

    # A new label rebuilds the output of the first member alone: a single network, recorded as one.
    task = user_tasks.add_label(task.name, "cross")
    fill_store(task.name, {"cross": 6}, seed=1)
    retrain(task, FAST)
    retrained, info = model_store.load_model(task.name)
    assert info.members == 1 and len(member_models(retrained)) == 1
