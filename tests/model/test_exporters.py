"""Exporting data sets and models, and round trips through the importers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from model.collection import user_tasks
from model.collection.exporters import export_folder, export_model, export_npz
from model.collection.importers import import_path
from model.collection.samples import SampleStore
from tests.model.training_data import fill_store


def _sorted_arrays(store, labels):
    # Imports keep the order of the source (ids grow with time), so samples pair up by position.
    x, y, _ = store.load_arrays(labels)
    return x, y


def test_folder_export_then_import_gives_the_same_set(tmp_path):
    source = SampleStore("mine")
    fill_store(source, {"vee": 3, "zed": 3})
    dest = export_folder(source, tmp_path / "export")
    assert json.loads((dest / "labels.json").read_text()) == ["vee", "zed"]
    assert "Preprocessing" in (dest / "README.md").read_text()
    assert len((dest / "strokes.ndjson").read_text().splitlines()) == 6
    copy = SampleStore("copy")
    report = import_path(dest, copy)
    assert report.added == {"vee": 3, "zed": 3} and not report.skipped
    x1, y1 = _sorted_arrays(source, ["vee", "zed"])
    x2, y2 = _sorted_arrays(copy, ["vee", "zed"])
    assert np.array_equal(y1, y2)
    np.testing.assert_allclose(x1, x2, atol=1e-6)
    # Strokes travel with the images.
    assert sorted(len(copy.strokes(s.id)) for s in copy.samples()) == [1] * 6


def test_npz_export_then_import_gives_the_same_set(tmp_path):
    source = SampleStore("mine")
    fill_store(source, {"vee": 3, "zed": 3})
    path = export_npz(source, tmp_path / "set.npz")
    with np.load(path) as data:
        assert data["x"].shape == (6, 28, 28) and data["label_names"].tolist() == ["vee", "zed"]
    copy = SampleStore("copy")
    assert import_path(path, copy).added == {"vee": 3, "zed": 3}
    x1, y1 = _sorted_arrays(source, ["vee", "zed"])
    x2, y2 = _sorted_arrays(copy, ["vee", "zed"])
    assert np.array_equal(y1, y2)
    correlations = [np.corrcoef(a.ravel(), b.ravel())[0, 1] for a, b in zip(x1, x2)]
    # The arrays pass through preprocess a second time, which keeps them but is not bit-exact.
    assert min(correlations) > 0.93, correlations


def test_model_export_writes_keras_tflite_labels_and_readme(tmp_path):
    from model.network import model_store
    from model.network.architecture import CLASSIC, build_model

    task = user_tasks.create_task("Marks", ["vee", "zed"])
    model_store.save_model(build_model(CLASSIC, 2), model_store.ModelInfo(task=task.name, labels=["vee", "zed"]))
    files = export_model(task.name, tmp_path / "model")
    assert json.loads(files["labels"].read_text()) == ["vee", "zed"]
    assert "28x28" in files["readme"].read_text() or "(28, 28)" in files["readme"].read_text()
    import keras
    import tensorflow as tf

    x = np.random.default_rng(0).random((1, 28, 28, 1)).astype(np.float32)
    expected = np.asarray(keras.models.load_model(files["keras"])(x))
    interpreter = tf.lite.Interpreter(model_content=files["tflite"].read_bytes())
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
    interpreter.invoke()
    got = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    np.testing.assert_allclose(got, expected, atol=1e-4)


def test_model_export_without_a_model_says_so(tmp_path):
    from model.network.model_store import ModelNotFoundError

    with pytest.raises(ModelNotFoundError, match="train it first"):
        export_model("shapes", tmp_path / "m")
