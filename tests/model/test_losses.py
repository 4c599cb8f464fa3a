"""The training loss: labelled drawings by cross-entropy, drawings of no label pushed to an even answer."""

from __future__ import annotations

import numpy as np
import pytest

from model.training.losses import NOT_ANY_LABEL, labels_or_none


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
