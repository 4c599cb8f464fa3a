"""The learning rate through a training: a warm-up over the first steps, then halved every few epochs."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from model.training.recipes import get_recipe
from model.training.schedule import learning_rate_at, schedule_callback


def test_the_quick_rate_rises_over_its_warmup_then_halves_every_epoch():
    recipe = get_recipe("quick")
    full = recipe.learning_rate
    steps = 135  # Quick Shapes' batches per epoch
    assert learning_rate_at(recipe, 0, 0, steps) == pytest.approx(full / recipe.warmup_steps)
    assert learning_rate_at(recipe, 0, recipe.warmup_steps // 2 - 1, steps) == pytest.approx(full / 2)
    assert learning_rate_at(recipe, 0, recipe.warmup_steps, steps) == pytest.approx(full)
    assert learning_rate_at(recipe, 1, 0, steps) == pytest.approx(full / 2)  # no warm-up after the first epoch
    assert learning_rate_at(recipe, 2, 5, steps) == pytest.approx(full / 4)


def test_a_small_task_warms_up_over_half_its_first_epoch_only():
    recipe = get_recipe("quick")
    assert learning_rate_at(recipe, 0, 7, 16) == pytest.approx(recipe.learning_rate)
    assert learning_rate_at(recipe, 0, 3, 16) == pytest.approx(recipe.learning_rate / 2)


def test_the_callback_sets_the_optimizer_rate_before_every_batch():
    recipe = get_recipe("quick").with_overrides(learning_rate=0.04, warmup_steps=4, halve_every=1)
    network = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    network.compile(optimizer=keras.optimizers.Adam(1.0), loss="sparse_categorical_crossentropy")
    seen = []

    class Record(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            seen.append(float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))

    x, y = np.zeros((80, 3), np.float32), np.zeros(80, np.int64)
    history = network.fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=[schedule_callback(recipe), Record()])
    assert seen[:6] == pytest.approx([0.01, 0.02, 0.03, 0.04, 0.04, 0.04])
    assert seen[10:] == pytest.approx([0.02] * 10)
    assert history.history["learning_rate"] == pytest.approx([0.04, 0.02])
