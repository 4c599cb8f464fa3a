"""The live path by LiteRT: the same answers as Keras, converted once and cached, and a fallback that says why."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest

from model.core.preprocessing import preprocess
from model.network import litert_convert
from model.network.inference import Predictor, open_predictor
from model.network.model_store import ModelInfo, rollback, save_model, task_model_path
from model.training.recipes import BEST_ARCHITECTURE, QUICK_ARCHITECTURE, get_recipe
from model.training.training import assemble_ensemble

LABELS = ("circle", "square", "triangle", "star")
TOLERANCE = 1e-5


def _network(architecture=QUICK_ARCHITECTURE, seed=0, name="cnn"):
    """A network with random weights and random batch-norm statistics, so no layer is an identity."""
    import keras

    from model.network.architecture import build_model

    keras.utils.set_random_seed(seed)
    network = build_model(architecture, len(LABELS), name=name)
    rng = np.random.default_rng(seed)
    for layer in network.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            size = layer.moving_mean.shape[0]
            layer.moving_mean.assign(rng.normal(0, 0.3, size).astype(np.float32))
            layer.moving_variance.assign(rng.uniform(0.5, 2.0, size).astype(np.float32))
            layer.gamma.assign(rng.uniform(0.5, 1.5, size).astype(np.float32))
    return network


def _ensemble():
    return assemble_ensemble([_network(BEST_ARCHITECTURE, seed, f"member{seed + 1}") for seed in range(3)])


def _drawn_circle():
    canvas = np.full((560, 720), 255, np.uint8)
    cv2.circle(canvas, (360, 280), 180, 0, 14, cv2.LINE_AA)
    return preprocess(canvas)


def _inputs():
    rng = np.random.default_rng(7)
    return [rng.random((28, 28)).astype(np.float32), _drawn_circle()]


def _saved(keras_model, task="shapes"):
    save_model(keras_model, ModelInfo(task, list(LABELS)))
    return task_model_path(task)


def _assert_same_as_keras(live: Predictor, keras: Predictor, image, member=0):
    ours, theirs = live.run(image, member), keras.run(image, member)
    assert [(layer.name, layer.kind, layer.config) for layer in ours.layers] == [
        (layer.name, layer.kind, layer.config) for layer in theirs.layers]
    for mine, reference in zip(ours.layers, theirs.layers):
        assert mine.values.shape == reference.values.shape, mine.name
        np.testing.assert_allclose(mine.values, reference.values, rtol=0, atol=TOLERANCE, err_msg=mine.name)
    np.testing.assert_allclose(ours.probabilities, theirs.probabilities, rtol=0, atol=TOLERANCE)


def test_litert_gives_every_layer_as_keras_does_for_a_single_network():
    network = _network()
    predictor, info = open_predictor("shapes", _saved(network))
    assert predictor.runtime == "litert" and predictor.members == 1 and info.labels == list(LABELS)
    reference = Predictor(network, LABELS)
    for image in _inputs():
        _assert_same_as_keras(predictor, reference, image)
    for name in ("conv1", "conv3", "dense1", "output"):
        for mine, theirs in zip(predictor.layer_weights(name), reference.layer_weights(name)):
            np.testing.assert_array_equal(mine, theirs)
    for mine, theirs in zip(predictor.batch_norm_affine("conv2_bn"), reference.batch_norm_affine("conv2_bn")):
        np.testing.assert_allclose(mine, theirs, rtol=1e-6)
    with pytest.raises(ValueError, match="No layer named 'conv9'"):
        predictor.layer_weights("conv9")
    with pytest.raises(ValueError, match="not a batch normalisation"):
        predictor.batch_norm_affine("conv1")


def test_litert_gives_every_member_and_the_average_of_an_ensemble():
    ensemble = _ensemble()
    predictor, _ = open_predictor("shapes", _saved(ensemble))
    reference = Predictor(ensemble, LABELS)
    assert predictor.runtime == "litert" and predictor.members == 3
    for member in range(3):
        for image in _inputs():
            _assert_same_as_keras(predictor, reference, image, member)


def test_live_files_are_made_once_and_remade_for_a_new_or_rolled_back_model(monkeypatch):
    first = _network(seed=1)
    path = _saved(first)
    open_predictor("shapes")
    assert litert_convert.tflite_path(path).is_file() and litert_convert.table_path(path).is_file()
    assert litert_convert.live_files_fresh(path)
    converted = []
    original = litert_convert.write_live_files
    monkeypatch.setattr(litert_convert, "write_live_files",
                        lambda model, where: converted.append(where) or original(model, where))
    open_predictor("shapes")
    assert converted == []
    second = _network(seed=2)
    _saved(second)
    image = _drawn_circle()
    np.testing.assert_allclose(open_predictor("shapes")[0].run(image).probabilities,
                               Predictor(second, LABELS).run(image).probabilities, atol=TOLERANCE)
    assert len(converted) == 1
    rollback("shapes")  # an older model.keras: must not keep the newer model's flatbuffer
    np.testing.assert_allclose(open_predictor("shapes")[0].run(image).probabilities,
                               Predictor(first, LABELS).run(image).probabilities, atol=TOLERANCE)
    assert len(converted) == 2


def test_without_litert_the_predictor_falls_back_to_tensorflow_and_says_why(monkeypatch, caplog):
    network = _network()
    _saved(network)
    monkeypatch.setitem(sys.modules, "ai_edge_litert.interpreter", None)
    with caplog.at_level(logging.WARNING, logger="model.network.inference"):
        predictor, _ = open_predictor("shapes")
    assert predictor.runtime == "tensorflow"
    assert "LiteRT is not available" in caplog.text and "pip install ai-edge-litert" in caplog.text
    _assert_same_as_keras(predictor, Predictor(network, LABELS), _drawn_circle())


def test_a_model_that_will_not_convert_falls_back_to_tensorflow_and_says_why(monkeypatch, caplog):
    _saved(_network())

    def refuse(keras_model):
        raise litert_convert.ConversionError("TensorFlow could not convert the model (test)")

    monkeypatch.setattr(litert_convert, "convert", refuse)
    with caplog.at_level(logging.WARNING, logger="model.network.inference"):
        predictor, _ = open_predictor("shapes")
    assert predictor.runtime == "tensorflow" and "could not convert the model (test)" in caplog.text
    assert not litert_convert.tflite_path(task_model_path("shapes")).exists()


def test_a_process_without_tensorflow_converts_in_a_child_and_never_imports_it(tmp_path):
    network = _network()
    path = _saved(network)
    # Runs the window's model opening in a fresh process, as at start: no TensorFlow import there.
    script = (
        "import sys, numpy as np\n"
        "from model.network.inference import open_predictor\n"
        "predictor, info = open_predictor('shapes')\n"
        "prediction = predictor.run(np.load(sys.argv[1]))\n"
        "np.save(sys.argv[2], prediction.probabilities)\n"
        "print(predictor.runtime, 'tensorflow' in sys.modules, 'keras' in sys.modules)\n"
    )
    image = _drawn_circle()
    np.save(tmp_path / "image.npy", image)
    root = str(litert_convert.Path(litert_convert.__file__).resolve().parents[2])
    finished = subprocess.run([sys.executable, "-c", script, str(tmp_path / "image.npy"), str(tmp_path / "out.npy")],
                              capture_output=True, text=True, cwd=root, env=dict(os.environ, PYTHONPATH=root))
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.split() == ["litert", "False", "False"]
    assert litert_convert.live_files_fresh(path)
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), Predictor(network, LABELS).run(image).probabilities,
                               atol=TOLERANCE)


def test_a_trained_model_is_saved_with_its_live_files():
    from model.core.tasks import get_task
    from model.training.training import TaskData, train_task

    rng = np.random.default_rng(0)
    x = rng.random((64, 28, 28)).astype(np.float32)
    y = rng.integers(0, 3, 64)
    recipe = get_recipe("quick").with_overrides(architecture=[{"type": "conv", "filters": 4}, {"type": "flatten"}],
                                                batch_size=32, augmentation=None)
    result = train_task(get_task("shapes"), recipe, epochs=1, data=TaskData(x, y, x[:16], y[:16]))
    assert litert_convert.live_files_fresh(result.model_path)
