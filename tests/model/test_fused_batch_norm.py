"""Batch normalisation trained through TensorFlow's fused kernel: the same sums as Keras' own layer, and every saved
model plain Keras."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from model.network.architecture import build_model
from model.training.recipes import get_recipe

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _pair(shape, momentum=0.9):
    import keras

    from model.network.fused_batch_norm import FusedBatchNormalization

    rng = np.random.default_rng(0)
    fused, plain = FusedBatchNormalization(momentum=momentum), keras.layers.BatchNormalization(momentum=momentum)
    for layer in (fused, plain):
        layer.build(shape)
    gamma, beta = rng.uniform(0.5, 2, shape[-1]), rng.uniform(-1, 1, shape[-1])
    for layer in (fused, plain):
        layer.gamma.assign(gamma.astype(np.float32))
        layer.beta.assign(beta.astype(np.float32))
    return fused, plain


@pytest.mark.parametrize("shape", [(16, 7, 7, 5), (32, 6)])
def test_a_training_step_gives_keras_outputs_gradients_and_moving_statistics(shape):
    import tensorflow as tf

    x = tf.constant(np.random.default_rng(1).normal(1.0, 3.0, shape).astype(np.float32))
    fused, plain = _pair(shape)
    results = []
    for layer in (fused, plain):
        with tf.GradientTape() as tape:
            tape.watch(x)
            outputs = layer(x, training=True)
            loss = tf.reduce_sum(outputs * tf.sin(x))  # a loss that weighs every output differently
        gradients = tape.gradient(loss, [x, layer.gamma, layer.beta])
        results.append([outputs, *gradients, layer.moving_mean, layer.moving_variance])
    for mine, keras_own in zip(*results):
        scale = float(np.abs(keras_own).max())
        np.testing.assert_allclose(np.asarray(mine), np.asarray(keras_own), atol=2e-6 * scale)
    # The moving variance moved from 1 towards the batch's variance (about 9) as Keras moves it, Bessel's
    # correction taken out: with it, the difference would be 8e-3.
    assert float(np.asarray(fused.moving_variance).mean()) > 1.5


def test_at_inference_it_is_keras_own_layer():
    import tensorflow as tf

    x = tf.constant(np.random.default_rng(2).normal(0.0, 2.0, (4, 5, 5, 3)).astype(np.float32))
    fused, plain = _pair(x.shape)
    for layer in (fused, plain):
        layer.moving_mean.assign([0.5, -0.5, 1.0])
        layer.moving_variance.assign([2.0, 3.0, 0.5])
    np.testing.assert_allclose(np.asarray(fused(x, training=False)), np.asarray(plain(x, training=False)), atol=1e-6)


def test_networks_train_with_the_fused_layer_and_convert_to_plain_keras_with_the_same_answers():
    from model.network.fused_batch_norm import FusedBatchNormalization, with_plain_batch_norm
    from model.training.training import assemble_ensemble, build_member

    recipe = get_recipe("best").with_overrides(members=2)
    members = [build_member(recipe, 10, index) for index in range(2)]
    ensemble = assemble_ensemble(members)
    assert any(isinstance(layer, FusedBatchNormalization) for layer in members[0].layers)
    plain = with_plain_batch_norm(ensemble)
    layers = [layer for member in plain.layers[1:3] for layer in member.layers]
    assert not any(isinstance(layer, FusedBatchNormalization) for layer in layers)
    assert sum(type(layer).__name__ == "BatchNormalization" for layer in layers) == 10
    assert [layer.name for layer in plain.layers] == [layer.name for layer in ensemble.layers]
    x = np.random.default_rng(3).random((3, 28, 28, 1)).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(plain(x)), np.asarray(ensemble(x)))
    assert with_plain_batch_norm(plain) is plain


def test_a_saved_model_names_only_keras_layers_and_loads_where_this_app_is_not(tmp_path):
    from model.network.model_store import ModelInfo, save_model

    network = build_model(get_recipe("quick").architecture, 3)
    path = save_model(network, ModelInfo("shapes", ["circle", "square", "triangle"]), tmp_path / "model.keras")
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
    assert "FusedBatchNormalization" not in json.dumps(config)
    # A bare Python with only Keras (as an exported model's own script has) loads it.
    code = f"import keras; print(len(keras.models.load_model({str(path)!r}).layers))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.split()[-1]) == len(network.layers)


def test_a_checkpoint_of_a_network_in_training_resumes_in_a_new_process(tmp_path):
    from model.training import checkpoints, retrain_checkpoint
    from model.training.checkpoints import CheckpointState
    from model.training.training import build_member, compile_model

    recipe = get_recipe("quick")
    network = build_member(recipe, 3)
    compile_model(network, recipe.learning_rate)
    checkpoints.save_checkpoint(network, CheckpointState("shapes", "quick", ["a", "b", "c"], 1, 2))
    retrain_checkpoint.save_state(retrain_checkpoint.RetrainState("shapes", ["a", "b", "c"], 2, True), network)
    code = ("from model.training import checkpoints, retrain_checkpoint\n"
            "print(type(checkpoints.load_member('shapes', 0).layers[2]).__name__,"
            " type(retrain_checkpoint.load_network('shapes').layers[2]).__name__)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env=dict(os.environ, PYTHONPATH=ROOT))
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-2:] == ["FusedBatchNormalization"] * 2


def test_the_epoch_views_of_a_network_in_training_show_its_batch_norm_layers_as_batch_norm():
    from model.network.inference import Predictor

    network = build_model(get_recipe("quick").architecture, 3)  # as a training's epoch_end receives it
    prediction = Predictor(network, ["a", "b", "c"]).run(np.zeros((28, 28), np.float32))
    kinds = {layer.name: layer.kind for layer in prediction.layers}
    assert [kinds[f"conv{k}_bn"] for k in (1, 2, 3)] == ["batchnorm"] * 3
