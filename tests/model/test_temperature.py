"""The temperature folded into the output layer after a smoothed training: fitted on held-out images, same argmax."""

from __future__ import annotations

import numpy as np
import pytest

from model.training.temperature import MIN_HELD_OUT, fit_temperature, fold_temperature, temper


def _softmax(logits):
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


def test_the_fitted_temperature_undoes_an_under_confident_answer():
    rng = np.random.default_rng(0)
    logits = rng.normal(scale=3.0, size=(20_000, 10))
    # Labels drawn from softmax(logits): those probabilities are calibrated; the model answers half as sharply.
    calibrated = _softmax(logits)
    labels = np.array([rng.choice(10, p=row) for row in calibrated])
    soft = _softmax(logits / 2.0)
    assert fit_temperature(soft, labels) == pytest.approx(0.5, abs=0.04)
    assert fit_temperature(calibrated, labels) == pytest.approx(1.0, abs=0.08)
    np.testing.assert_allclose(temper(soft, 0.5), calibrated, atol=1e-6)


def test_drawings_of_no_label_and_too_few_images_leave_the_temperature_at_one():
    probabilities = _softmax(np.tile([[2.0, 0.0, 0.0]], (MIN_HELD_OUT * 2, 1)))
    assert fit_temperature(probabilities, np.full(len(probabilities), -1)) == 1.0
    assert fit_temperature(probabilities[:MIN_HELD_OUT - 1], np.zeros(MIN_HELD_OUT - 1, int)) == 1.0
    assert fit_temperature(probabilities, np.zeros(len(probabilities), int)) < 1.0


def test_folding_sharpens_the_models_own_output_and_keeps_its_answers():
    import keras

    keras.utils.set_random_seed(0)
    network = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                                keras.layers.Dense(3, activation="softmax", name="output")])
    rng = np.random.default_rng(1)
    x = rng.random((300, 28, 28)).astype(np.float32)
    before = network.predict(x[..., None], verbose=0)
    # Labels that follow the model's own answers: a sharper temperature fits them better.
    labels = before.argmax(axis=1)
    (temperature,) = fold_temperature(network, x, labels)
    after = network.predict(x[..., None], verbose=0)
    assert temperature < 1.0
    np.testing.assert_allclose(after, temper(before, temperature), atol=1e-5)
    assert np.array_equal(after.argmax(axis=1), labels) and after.max(axis=1).mean() > before.max(axis=1).mean()
    assert fold_temperature(network, x[:10], labels[:10]) == [1.0]
