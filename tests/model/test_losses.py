"""The training loss: labelled drawings by cross-entropy, drawings of no label pushed to an even answer."""

from __future__ import annotations

import numpy as np
import pytest

from model.training.losses import NOT_ANY_LABEL, SmoothedLabelsOrNone, labels_or_none, training_loss


def test_a_labelled_drawing_costs_its_cross_entropy_and_one_of_no_label_its_distance_from_even():
    probabilities = np.array([[0.7, 0.2, 0.1], [0.7, 0.2, 0.1], [1 / 3, 1 / 3, 1 / 3]], np.float32)
    labels = np.array([0, NOT_ANY_LABEL, NOT_ANY_LABEL])
    losses = np.asarray(labels_or_none(labels, probabilities))
    assert losses[0] == pytest.approx(-np.log(0.7), rel=1e-5)
    assert losses[1] == pytest.approx(-np.mean(np.log([0.7, 0.2, 0.1])), rel=1e-5)
    # An even answer is the cheapest a drawing of no label can get.
    assert losses[2] == pytest.approx(np.log(3), rel=1e-5) and losses[2] < losses[1]


def test_shapes_training_data_holds_a_share_of_drawings_of_no_label():
    from model.core.tasks import SHAPES
    from model.training import recipes, training

    recipe = recipes.get_recipe("quick").with_overrides(shapes_per_label=20)
    data = training.load_task_data(SHAPES, recipe)
    others = data.y_train == NOT_ANY_LABEL
    assert others.sum() == int(training.NOT_SHAPES_SHARE * 60)
    assert np.allclose(data.x_train[others].max(axis=(1, 2)), 1.0)  # each holds a drawing
    assert NOT_ANY_LABEL not in data.y_val


def test_smoothing_spreads_a_share_of_a_labelled_drawings_target_and_leaves_no_label_alone():
    probabilities = np.array([[0.7, 0.2, 0.1], [0.7, 0.2, 0.1]], np.float32)
    labels = np.array([0, NOT_ANY_LABEL])
    plain = np.asarray(labels_or_none(labels, probabilities))
    smoothed = np.asarray(labels_or_none(labels, probabilities, smoothing=0.1))
    even = -np.mean(np.log([0.7, 0.2, 0.1]))
    assert smoothed[0] == pytest.approx(0.9 * -np.log(0.7) + 0.1 * even, rel=1e-5)
    assert smoothed[1] == pytest.approx(plain[1], rel=1e-6)
    # The cheapest answer is now short of certain: (1 - s) on the label plus s spread over all three.
    target = np.array([[0.9 + 0.1 / 3, 0.1 / 3, 0.1 / 3]], np.float32)
    near_certain = np.array([[0.998, 0.001, 0.001]], np.float32)
    assert float(labels_or_none([0], target, 0.1)[0]) < float(labels_or_none([0], near_certain, 0.1)[0])
    assert float(labels_or_none([0], target)[0]) > float(labels_or_none([0], near_certain)[0])


def test_a_compiled_checkpoint_loads_again_with_its_smoothing(tmp_path):
    import keras

    from model.training.training import compile_model

    network = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    compile_model(network, 1e-3, label_smoothing=0.2)
    network.save(tmp_path / "member.keras")
    loaded = keras.models.load_model(tmp_path / "member.keras")
    assert isinstance(loaded.loss, SmoothedLabelsOrNone) and loaded.loss.smoothing == pytest.approx(0.2)
    probabilities = np.array([[0.7, 0.2, 0.1]], np.float32)
    assert float(loaded.loss([0], probabilities)) == pytest.approx(float(labels_or_none([0], probabilities, 0.2)[0]))


@pytest.mark.parametrize("smoothing", [-0.1, 1.0])
def test_a_smoothing_outside_zero_to_one_is_refused_with_the_value(smoothing):
    with pytest.raises(ValueError, match=str(smoothing)):
        training_loss(smoothing)
