"""Saving and loading trained models: atomic, with a sidecar, the previous one kept for rollback."""

from __future__ import annotations

import numpy as np
import pytest

from model.network.architecture import build_model
from model.network.model_store import (
    ModelInfo,
    ModelMismatchError,
    ModelNotFoundError,
    load_model,
    rollback,
    save_model,
    task_model_path,
)

TINY = [{"type": "conv", "filters": 2}, {"type": "pool"}, {"type": "flatten"}]


def _model(num_classes=3, seed=0):
    import keras

    keras.utils.set_random_seed(seed)
    return build_model(TINY, num_classes)


def _info(task="shapes", labels=("circle", "square", "triangle"), **extra):
    return ModelInfo(task=task, labels=list(labels), **extra)


def _output(model):
    return np.asarray(model(np.ones((1, 28, 28, 1), np.float32)))


def test_save_and_load_round_trip_keeps_weights_and_info():
    model = _model()
    path = save_model(model, _info(metrics={"val_accuracy": 0.9}))
    assert path == task_model_path("shapes") and path.with_suffix(".json").is_file()
    loaded, info = load_model("shapes")
    np.testing.assert_allclose(_output(loaded), _output(model), rtol=1e-5)
    assert info.labels == ["circle", "square", "triangle"] and info.metrics["val_accuracy"] == 0.9
    assert info.trained_at  # filled in on save


def test_missing_model_raises_not_found_with_hint():
    with pytest.raises(ModelNotFoundError, match="python main.py train --task shapes"):
        load_model("shapes")


def test_model_of_another_task_is_a_mismatch(tmp_path):
    path = save_model(_model(10), _info("digits", [str(d) for d in range(10)]), tmp_path / "digits.keras")
    with pytest.raises(ModelMismatchError, match="trained for task 'digits', not 'shapes'"):
        load_model("shapes", path=path)


def test_output_size_unlike_labels_is_a_mismatch(tmp_path):
    path = save_model(_model(4), _info(), tmp_path / "wrong.keras")
    with pytest.raises(ModelMismatchError, match="4 outputs but task 'shapes' has 3 labels"):
        load_model("shapes", path=path)


def test_model_without_sidecar_takes_the_task_given(tmp_path):
    path = save_model(_model(), _info(), tmp_path / "bare.keras")
    path.with_suffix(".json").unlink()
    _, info = load_model("shapes", path=path)
    assert info.task == "shapes" and info.labels == ["circle", "square", "triangle"]


def test_failed_save_leaves_current_model_and_no_stray_files():
    first = _model(seed=1)
    save_model(first, _info(recipe="first"))

    class Broken:
        def save(self, path):
            path.write_bytes(b"half a model")
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        save_model(Broken(), _info(recipe="broken"))
    loaded, info = load_model("shapes")
    assert info.recipe == "first"
    np.testing.assert_allclose(_output(loaded), _output(first), rtol=1e-5)
    assert not [p for p in task_model_path("shapes").parent.iterdir() if ".part" in p.name]


def test_saving_keeps_previous_and_rollback_swaps_back_and_forth():
    first, second = _model(seed=1), _model(seed=2)
    save_model(first, _info(recipe="first"))
    save_model(second, _info(recipe="second"))
    assert rollback("shapes").recipe == "first"
    loaded, info = load_model("shapes")
    assert info.recipe == "first"
    np.testing.assert_allclose(_output(loaded), _output(first), rtol=1e-5)
    assert rollback("shapes").recipe == "second"


def test_rollback_without_previous_model_says_so():
    save_model(_model(), _info())
    with pytest.raises(ModelNotFoundError, match="no previous model"):
        rollback("shapes")


def test_save_rejects_a_path_without_keras_suffix(tmp_path):
    with pytest.raises(ValueError, match="must end in .keras"):
        save_model(_model(), _info(), tmp_path / "model.h5")
