"""Live inference: every layer's output and the probabilities from one compiled call."""

from __future__ import annotations

import numpy as np
import pytest

from model.network.architecture import CLASSIC, build_model
from model.network.inference import LAYER_KINDS, Predictor, load_predictor
from model.network.model_store import ModelInfo, save_model
from model.training.recipes import BEST_ARCHITECTURE
from model.training.training import assemble_ensemble

LABELS = ("circle", "square", "triangle")


def _image(seed=0):
    return np.random.default_rng(seed).random((28, 28)).astype(np.float32)


def _single(architecture=CLASSIC, seed=0, name="cnn"):
    import keras

    keras.utils.set_random_seed(seed)
    return build_model(architecture, len(LABELS), name=name)


def _ensemble():
    return assemble_ensemble([_single(seed=index, name=f"member{index + 1}") for index in range(3)])


def test_run_layer_outputs_match_the_models_own_layers():
    import keras

    model = _single()
    prediction = Predictor(model, LABELS).run(_image())
    names = [layer.name for layer in prediction.layers]
    assert names == ["input", "conv1", "pool1", "conv2", "pool2", "flatten", "dense1", "dropout1", "output"]
    probe = keras.Model(model.input, [model.get_layer("conv2").output, model.output])
    conv2, output = (np.asarray(value)[0] for value in probe(_image()[None, :, :, None]))
    np.testing.assert_allclose(prediction.layers[3].values, conv2, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(prediction.layers[-1].values, output, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(prediction.probabilities, output, rtol=1e-4, atol=1e-6)
    assert all(layer.kind in LAYER_KINDS for layer in prediction.layers)


def test_layer_config_describes_what_a_teaching_ui_shows():
    layers = {layer.name: layer for layer in Predictor(_single(), LABELS).run(_image()).layers}
    conv1 = layers["conv1"].config
    assert (conv1["kernel_size"], conv1["strides"], conv1["padding"], conv1["activation"], conv1["filters"]) == (
        (3, 3), (1, 1), "same", "relu", 32)
    assert conv1["output_shape"] == (28, 28, 32) and layers["conv1"].values.shape == (28, 28, 32)
    assert layers["pool1"].kind == "pool" and layers["pool1"].config["pool_size"] == (2, 2)
    assert layers["dense1"].config["units"] == 128 and layers["output"].kind == "output"


def test_batch_norm_blocks_get_their_kinds():
    kinds = {layer.name: layer.kind for layer in Predictor(_single(BEST_ARCHITECTURE), LABELS).run(_image()).layers}
    assert (kinds["conv1"], kinds["conv1_bn"], kinds["conv1_relu"]) == ("conv", "batchnorm", "activation")


def test_ensemble_averages_members_and_shows_the_chosen_member():
    ensemble = _ensemble()
    predictor = Predictor(ensemble, LABELS)
    image = _image(3)
    batch = image[None, :, :, None]
    members = [np.asarray(ensemble.get_layer(f"member{k}")(batch))[0] for k in (1, 2, 3)]
    assert predictor.members == 3
    for member in range(3):
        prediction = predictor.run(image, member=member)
        np.testing.assert_allclose(prediction.probabilities, np.mean(members, axis=0), rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(prediction.layers[-1].values, members[member], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(predictor.predict(image), np.mean(members, axis=0), rtol=1e-4, atol=1e-6)
    with pytest.raises(ValueError, match="member must be in 0..2"):
        predictor.run(image, member=3)


def test_predict_accepts_one_image_or_a_batch():
    predictor = Predictor(_single(), LABELS)
    images = np.stack([_image(1), _image(2)])
    batch = predictor.predict(images)
    assert batch.shape == (2, 3)
    np.testing.assert_allclose(predictor.predict(images[1]), batch[1], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(batch.sum(axis=1), 1.0, rtol=1e-5)


def test_layer_weights_give_kernel_and_bias_even_without_bias():
    model = _single()
    kernel, bias = Predictor(model, LABELS).layer_weights("conv2")
    np.testing.assert_array_equal(kernel, np.asarray(model.get_layer("conv2").kernel))
    assert kernel.shape == (3, 3, 32, 64) and bias.shape == (64,)
    kernel, bias = Predictor(_single(BEST_ARCHITECTURE), LABELS).layer_weights("conv1")
    assert kernel.shape == (3, 3, 1, 32) and not bias.any()
    with pytest.raises(ValueError, match="No layer named 'conv9'"):
        Predictor(model, LABELS).layer_weights("conv9")


def test_wrong_input_and_label_count_are_explained():
    with pytest.raises(ValueError, match="3 outputs but 2 labels"):
        Predictor(_single(), ("a", "b"))
    with pytest.raises(ValueError, match="28x28"):
        Predictor(_single(), LABELS).run(np.zeros((32, 32), np.float32))


def test_load_predictor_is_none_until_a_model_is_saved():
    assert load_predictor("shapes") is None
    save_model(_single(), ModelInfo("shapes", list(LABELS)))
    predictor = load_predictor("shapes")
    assert predictor.labels == LABELS and predictor.members == 1
