"""A training cancels at once in every phase: making its data, building, fitting and saving; nothing is saved."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from model.core.tasks import SHAPES
from model.datasets import shapes
from model.network.model_store import ModelInfo, load_model, save_model
from model.training.recipes import get_recipe
from model.training.training import TrainingCancelled, train_task
from tests.model.training_data import bars_data

SMALL = [{"type": "conv", "filters": 8}, {"type": "pool"}, {"type": "flatten"}, {"type": "dense", "units": 16}]


def _small_recipe(**changes):
    options = dict(architecture=SMALL, batch_size=32, learning_rate=5e-3, augmentation=None)
    options.update(changes)
    return get_recipe("quick").with_overrides(**options)


class StopAfter:
    """A `should_stop` that answers True from its `count`-th call on, and counts the calls."""

    def __init__(self, count: int) -> None:
        self.count, self.calls = count, 0

    def __call__(self) -> bool:
        self.calls += 1
        return self.calls >= self.count


@pytest.fixture
def previous_model():
    from model.network.architecture import build_model

    save_model(build_model(SMALL, 3), ModelInfo("shapes", list(SHAPES.labels), recipe="previous"))


def test_cancel_while_shapes_are_drawn_stops_within_a_drawing_and_keeps_the_previous_model(monkeypatch,
                                                                                          previous_model):
    drawn = []
    original = shapes._training_image
    monkeypatch.setattr(shapes, "_training_image", lambda *args: drawn.append(1) or original(*args))
    # 900 drawings of shapes and 90 of none: made in this process, polled per drawing.
    recipe = _small_recipe(shapes_per_label=300)
    result = train_task(SHAPES, recipe, epochs=1, should_stop=StopAfter(20))
    assert result.cancelled and result.model_path is None
    assert len(drawn) == 19
    assert load_model("shapes")[1].recipe == "previous"


def test_cancel_while_a_pool_of_processes_draws_shapes_returns_without_waiting_for_it():
    stop = threading.Event()
    timer = threading.Timer(0.5, stop.set)
    started = time.monotonic()
    timer.start()
    # 6,000 drawings over two processes: several seconds of work, of which the cancel waits for none.
    with pytest.raises(TrainingCancelled):
        shapes.make_dataset(2000, workers=2, should_stop=stop.is_set)
    timer.cancel()
    assert stop.is_set() and time.monotonic() - started < 0.5 + 2.0


def test_cancel_while_building_stops_before_the_first_batch(previous_model):
    updates = []
    stop = StopAfter(1)
    result = train_task(SHAPES, _small_recipe(), epochs=1, data=bars_data(train=64), should_stop=stop,
                        progress=updates.append)
    assert result.cancelled and stop.calls == 1
    assert [update.phase for update in updates] == ["loading"]


def test_cancel_while_saving_saves_nothing_and_keeps_the_previous_model(previous_model):
    updates = []

    def should_stop():
        return any(update.phase == "saving" for update in updates)

    result = train_task(SHAPES, _small_recipe(), epochs=1, data=bars_data(train=64), should_stop=should_stop,
                        progress=updates.append)
    assert updates[-1].phase == "saving"
    assert result.cancelled and result.model_path is None
    assert load_model("shapes")[1].recipe == "previous"


def test_cancel_while_validating_stops_within_a_validation_batch():
    updates = []
    # Polls: after the data, after building, two training batches (64 / 32), then the validation's three
    # batches (1,500 / 500): the sixth is the validation's second batch.
    stop = StopAfter(6)
    result = train_task(SHAPES, _small_recipe(), epochs=2, data=bars_data(train=64, val=1500), should_stop=stop,
                        progress=updates.append)
    assert result.cancelled and stop.calls == 6
    # The epoch did not end: no report with validation figures, and no checkpoint of a cut-short epoch.
    assert not any("val_accuracy" in update.logs for update in updates)


def test_cancel_while_mnist_is_prepared_writes_no_cache(mnist_path, isolated_data_dir):
    from model.datasets.mnist import load_mnist_preprocessed

    stop = StopAfter(50)
    with pytest.raises(TrainingCancelled):
        load_mnist_preprocessed(mnist_path, should_stop=stop)
    assert stop.calls == 50
    assert not list((isolated_data_dir / "cache").glob("mnist-preprocessed-*"))


@pytest.mark.parametrize("step", ["flagged", "fat", "pen", "preprocess"])
def test_each_step_of_preparing_mnist_polls_per_image(mnist_path, step):
    from model.datasets.digit_styles import add_fat_pen_copies, add_flagged_ones
    from model.datasets.mnist import load_mnist, preprocess_images
    from model.datasets.pen_digits import add_pen_copies

    (images, labels), _ = load_mnist(mnist_path)
    images, labels = images[:400], labels[:400]
    run = {"flagged": lambda stop: add_flagged_ones(images, labels, should_stop=stop),
           "fat": lambda stop: add_fat_pen_copies(images, labels, share=0.5, should_stop=stop),
           "pen": lambda stop: add_pen_copies(images, labels, share=0.5, should_stop=stop),
           "preprocess": lambda stop: preprocess_images(images, should_stop=stop)}[step]
    stop = StopAfter(10)
    with pytest.raises(TrainingCancelled):
        run(stop)
    assert stop.calls == 10
    assert np.sum(labels == 1) > 10  # enough ones for the flagged copies to reach the tenth poll
