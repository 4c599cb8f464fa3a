"""Training a task's model from a recipe, with progress, cooperative cancel, checkpoints and resume.

`train_task` is what the window's training worker and `python main.py train` call. The pieces it is
made of (`load_task_data`, `build_member`, `compile_model`, `make_train_dataset`, `make_callback`,
`assemble_ensemble`) are small public functions so that fine-tuning on the user's drawings
(model/training/retrain.py) reuses them. TensorFlow is imported inside functions: call from a worker thread.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from model.core.training_progress import (  # noqa: F401  (API)
    ProgressTracker,
    TrainingCancelled,
    TrainingProgress,
    make_callback,
    stop_if_asked,
)
from model.network.inference import probabilities_in_batches
from model.training import checkpoints, distributed, training_checks
from model.training.batch_norm import recalibrate_batch_norm
from model.training.checkpoints import CheckpointState, has_checkpoint  # noqa: F401  (part of this module's API)
from model.training.imported_data import add_imported, imported_metrics
from model.training.recipes import Recipe, get_recipe
from model.training.schedule import schedule_callback
from model.training.temperature import fold_temperature

LOG = logging.getLogger(__name__)
SHAPES_VALIDATION_PER_LABEL = 150
# Share of Shapes' training set that is drawings of none of its labels (model.datasets.not_shapes).
NOT_SHAPES_SHARE = 0.15


@dataclass
class TrainingResult:
    """How a training ended. `status` is "completed" or "cancelled"; a cancelled run saved nothing."""

    status: str
    model_path: Path | None = None
    info: object = None
    metrics: dict = field(default_factory=dict)
    elapsed_s: float = 0.0

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"


@dataclass
class TaskData:
    """Training and validation arrays: x (N, 28, 28) float32 in [0, 1], y (N,) int64.

    `x_train_source`, when given, holds the same training images as their source has them (MNIST's own
    rendering, before `preprocess`); a recipe's `source_share` of each batch is drawn from it instead.
    `stream`, when given (a `model.training.streaming.StreamSource`), is what trains: read from disk, never held whole;
    x_train is then only a sample of it (for batch-norm recalibration).
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    validation: str = "held-out"
    x_train_source: np.ndarray | None = None
    last_sample_id: str = ""
    stream: object = None
    # A built-in task's imported drawings (model.training.imported_data): how many train, and their held-out images.
    imported_count: int = 0
    x_imported_val: np.ndarray | None = None
    y_imported_val: np.ndarray | None = None

    @property
    def train_count(self) -> int:
        return int(self.stream.count if self.stream is not None else len(self.y_train))


def load_task_data(task, recipe: Recipe, mnist_path=None, seed: int = 0, should_stop=None) -> TaskData:
    """Loads a task's training data: generated Shapes, MNIST for Digits (both ways, see `TaskData`), each with a
    sample of the Quick, Draw! files imported into it (`model.training.imported_data`), or for a task of the user's
    own, their saved drawings in memory (`model.training.drawings_data`). (`train_task` streams a user's task from
    disk instead when it has imported sets or more than `training_checks.STREAM_ABOVE` drawings.)

    `should_stop` is polled per drawing or image made (None: never).

    Raises:
        MnistUnavailableError: Digits without MNIST (the message says how to get it).
        NotEnoughDrawingsError: a task of the user's own has too few drawings of some label (named).
        TrainingCancelled: `should_stop()` turned True.
    """
    if task.base_data is None:
        from model.training.drawings_data import load_drawings_data

        x_train, y_train, x_val, y_val, last = load_drawings_data(task, recipe.min_epoch_size)
        return TaskData(x_train, y_train, x_val, y_val, "your held-out drawings", last_sample_id=last)
    return add_imported(_builtin_data(task, recipe, mnist_path, seed, should_stop), task, seed)


def _builtin_data(task, recipe: Recipe, mnist_path, seed: int, should_stop) -> TaskData:
    if task.base_data == "shapes":
        from model.datasets.shapes import make_dataset, make_not_shapes
        from model.training.losses import NOT_ANY_LABEL

        x_train, y_train = make_dataset(recipe.shapes_per_label, seed, should_stop=should_stop)
        # Drawings of none of the shapes, taught to get no convincing label (so "Not sure" means something).
        others = make_not_shapes(int(NOT_SHAPES_SHARE * len(y_train)), seed, should_stop)
        x_train = np.concatenate([x_train, others])
        y_train = np.concatenate([y_train, np.full(len(others), NOT_ANY_LABEL, np.int64)])
        x_val, y_val = make_dataset(SHAPES_VALIDATION_PER_LABEL, seed + 10_007, should_stop=should_stop)
        return TaskData(x_train, y_train, x_val, y_val, "generated held-out drawings")
    if task.base_data == "mnist":
        from model.datasets.mnist import load_mnist_for_training, load_mnist_preprocessed

        if recipe.source_share <= 0:
            (x_train, y_train), (x_test, y_test) = load_mnist_preprocessed(mnist_path, should_stop)
            return TaskData(x_train, y_train, x_test, y_test, "MNIST test set")
        (x_train, x_source, y_train), (x_test, y_test) = load_mnist_for_training(mnist_path, should_stop)
        return TaskData(x_train, y_train, x_test, y_test, "MNIST test set", x_train_source=x_source)
    raise ValueError(f"Task {task.name!r} has unknown built-in data {task.base_data!r}; expected 'shapes' or 'mnist'.")


def build_member(recipe: Recipe, num_classes: int, index: int = 0):
    """Builds one uncompiled network of the recipe, named "member<k>" in an ensemble, else "cnn"."""
    from model.network.architecture import build_model

    name = f"member{index + 1}" if recipe.members > 1 else "cnn"
    return build_model(recipe.architecture, num_classes, name=name)


def compile_model(keras_model, learning_rate: float, weight_averaging: float = 0.0,
                  label_smoothing: float = 0.0) -> None:
    """Compiles for integer labels (-1: fits no label, see `model.training.losses`) with Adam, reporting accuracy.

    With `weight_averaging` (an EMA momentum, e.g. 0.999), Adam keeps a moving average of the weights,
    which replaces them when `fit` ends; checkpoints carry it in the optimizer's state. `label_smoothing` spreads
    that share of each labelled sample's target evenly over the labels.
    """
    import keras

    from model.training.losses import training_loss

    averaging = {"use_ema": True, "ema_momentum": weight_averaging} if weight_averaging else {}
    keras_model.compile(
        optimizer=keras.optimizers.Adam(learning_rate, **averaging),
        loss=training_loss(label_smoothing),
        metrics=["accuracy"],
    )


def make_train_dataset(x, y, *, batch_size: int, augmentation: dict | None = None, seed: int = 0,
                       sample_weight=None, source=None, source_share: float = 0.0):
    """Returns a shuffled, batched, augmented tf.data pipeline of (images (B, 28, 28, 1), labels[, weights]).

    Images are held as uint8 (a quarter of the memory) and shuffled by index, so no shuffle buffer
    copies them; each batch is varied on the fly by `model.training.augment.augment_batch`. With `source` (the
    same images another way, e.g. before preprocessing), each sample is taken from it with probability
    `source_share`, afresh every epoch.
    """
    import tensorflow as tf

    from model.training.augment import augment_batch
    from model.training.pipelines import without_autotuning

    images = tf.constant(_to_uint8(x)[..., None])
    others = tf.constant(_to_uint8(source)[..., None]) if source is not None and source_share > 0 else None
    labels = tf.constant(np.asarray(y, np.int64))
    weights = None if sample_weight is None else tf.constant(np.asarray(sample_weight, np.float32))

    def gather(indices):
        batch = tf.gather(images, indices)
        if others is not None:
            chosen = tf.random.uniform(tf.shape(indices)) < source_share
            batch = tf.where(chosen[:, None, None, None], tf.gather(others, indices), batch)
        batch = tf.cast(batch, tf.float32) / 255.0
        if augmentation:
            batch = augment_batch(batch, **augmentation)
        items = (batch, tf.gather(labels, indices))
        return items + (tf.gather(weights, indices),) if weights is not None else items

    count = len(y)
    dataset = tf.data.Dataset.range(count).shuffle(count, seed=seed, reshuffle_each_iteration=True)
    return without_autotuning(dataset.batch(batch_size).map(gather, num_parallel_calls=1).prefetch(2))


def _to_uint8(x, chunk: int = 10_000) -> np.ndarray:
    # In chunks: converting all of MNIST at once would hold several float copies of it at a time.
    result = np.empty(np.shape(x), np.uint8)
    for start in range(0, len(x), chunk):
        part = np.asarray(x[start:start + chunk], np.float32)
        result[start:start + chunk] = np.round(np.clip(part, 0.0, 1.0) * 255.0)
    return result


def assemble_ensemble(members):
    """Returns one model averaging its members' probabilities: input -> member1..k -> "ensemble"."""
    import keras

    inputs = keras.Input((28, 28, 1), name="input")
    outputs = keras.layers.Average(name="ensemble")([member(inputs) for member in members])
    return keras.Model(inputs, outputs, name="ensemble")


def train_task(task, recipe: str | Recipe = "quick", epochs: int | None = None, resume: bool = False, *,
               progress: Callable | None = None, should_stop: Callable | None = None,
               epoch_end: Callable | None = None, out_path=None, mnist_path=None, data: TaskData | None = None,
               seed: int = 0, steps_per_epoch: int | None = None) -> TrainingResult:
    """Trains a task's model and saves it (atomically, keeping the previous one).

    Args:
        task: a `model.core.tasks.Task` or its name.
        recipe: "quick", "best" or a `Recipe`.
        epochs: epochs per member; default: the recipe's for this task.
        resume: continue the task's unfinished training from its last checkpoint, if it matches.
        progress: called with a `TrainingProgress` per epoch and a few times a second per batch.
        should_stop: polled every batch, and per drawing or image while the data is made, between the
            steps of building and saving; True cancels at once, saving nothing new.
        epoch_end: called with the Keras model in training after each epoch (same thread).
        out_path: save the model here (`.keras`) instead of the task's model in the data directory.
        mnist_path: an mnist.npz for Digits (else the usual search).
        data: training arrays to use instead of the task's built-in data (tests, fine-tuning).
        seed: shuffling and generator seed.
        steps_per_epoch: end each epoch after this many batches (a quick try of a large set); default: all.

    Under `TF_CONFIG` or on several GPUs it trains with tf.distribute (`model.training.distributed`); only the chief
    saves the model (`model_path` is None on the other workers).

    Returns:
        A `TrainingResult`; `status` "cancelled" leaves the last good model and the checkpoint in place.
    """
    from model.core.tasks import get_task
    from model.network.model_store import ModelInfo, now_iso, save_model

    task = get_task(task) if isinstance(task, str) else task
    recipe = get_recipe(recipe) if isinstance(recipe, str) else recipe
    epochs = int(epochs or recipe.epochs_for(task.name))
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1; received {epochs}.")
    training_checks.ensure_room(task, recipe, out_path)
    started = time.monotonic()
    report = progress or (lambda update: None)
    try:
        report(TrainingProgress("loading", members=recipe.members, epochs=epochs))
        if data is None and task.base_data is None and training_checks.streams(task):  # large: streamed from disk
            from model.training.streaming import stream_task_data

            data = stream_task_data(task, seed, should_stop=should_stop)
            if data is None:
                return TrainingResult("cancelled", elapsed_s=time.monotonic() - started)
        data = data or load_task_data(task, recipe, mnist_path, seed, should_stop)
        stop_if_asked(should_stop)
        state = _starting_state(task, recipe, epochs, resume)
        steps = steps_per_epoch or _batches(data.train_count, recipe.batch_size)
        tracker = ProgressTracker(report, started, recipe.members, epochs, steps, state)
        members = []
        for index in range(recipe.members):
            keras_model, cancelled = _train_member(index, task, recipe, data, state, tracker, should_stop, epoch_end,
                                                   seed, steps)
            if cancelled:
                return TrainingResult("cancelled", elapsed_s=time.monotonic() - started)
            from model.network.fused_batch_norm import with_plain_batch_norm

            # Plain Keras layers from here on, as the saved model and its live copy have them.
            members.append(with_plain_batch_norm(keras_model))
        report(TrainingProgress("saving", recipe.members, recipe.members, epochs, epochs,
                                elapsed_s=time.monotonic() - started, eta_s=0.0))
        final = members[0] if len(members) == 1 else assemble_ensemble(members)
        sample = np.random.default_rng(seed).permutation(len(data.x_train))[:5000]
        recalibrate_batch_norm(final, data.x_train[np.sort(sample)], should_stop=should_stop)
        temperatures = fold_temperature(final, data.x_val, data.y_val, should_stop=should_stop) \
            if recipe.label_smoothing_for(task.name) else []
        metrics = evaluate(final, data.x_val, data.y_val, should_stop=should_stop)
        if temperatures:
            metrics.update(temperature=temperatures[0] if len(temperatures) == 1 else temperatures)
        metrics.update(imported_metrics(final, data, should_stop))
        metrics.update(validation=data.validation, epochs=epochs, train_seconds=round(time.monotonic() - started, 1),
                       train_samples=data.train_count)
        if data.last_sample_id:
            # The drawings this model has learned from, so "new drawings since" counts only those after them.
            metrics.update(last_sample_id=data.last_sample_id)
        info = ModelInfo(task.name, list(task.labels), recipe.name, recipe.members, now_iso(), metrics)
        # The last moment to cancel: from here the model is saved whole.
        stop_if_asked(should_stop)
        if not distributed.is_chief():  # only the chief of several workers writes the model
            checkpoints.clear_checkpoints(task.name)
            return TrainingResult("completed", None, info, metrics, time.monotonic() - started)
        path = save_model(final, info, out_path)
        training_checks.write_live_model(final, path)
        checkpoints.clear_checkpoints(task.name)
        return TrainingResult("completed", path, info, metrics, time.monotonic() - started)
    except TrainingCancelled:
        return TrainingResult("cancelled", elapsed_s=time.monotonic() - started)


def evaluate(keras_model, x, y, batch_size: int = 500, should_stop=None) -> dict:
    """Returns {"val_accuracy", "val_loss"} of a model on arrays, in batches, without `model.fit` machinery.

    `should_stop` is polled per batch (True raises `TrainingCancelled`).
    """
    probabilities = probabilities_in_batches(keras_model, x, batch_size, should_stop)
    labels = np.asarray(y, np.int64)
    accuracy = float((probabilities.argmax(axis=1) == labels).mean()) if len(x) else 0.0
    loss = float(-np.log(np.clip(probabilities[np.arange(len(labels)), labels], 1e-7, 1)).mean()) if len(x) else 0.0
    return {"val_accuracy": round(accuracy, 5), "val_loss": round(loss, 5)}


def _starting_state(task, recipe: Recipe, epochs: int, resume: bool) -> CheckpointState:
    fresh = CheckpointState(task.name, recipe.name, list(task.labels), recipe.members, epochs)
    saved = checkpoints.read_state(task.name) if resume else None
    if saved is None or not checkpoints.has_checkpoint(task.name):
        checkpoints.clear_checkpoints(task.name)
        return fresh
    matches = (saved.recipe, list(saved.labels), saved.members, saved.epochs) == (
        recipe.name, list(task.labels), recipe.members, epochs)
    if not matches:
        checkpoints.clear_checkpoints(task.name)
        return fresh
    return saved


def _train_member(index, task, recipe, data, state, tracker, should_stop, epoch_end, seed, steps):
    with distributed.strategy().scope():  # the default strategy's scope changes nothing
        if index < state.member:
            return checkpoints.load_member(task.name, index, compile=False), False
        initial_epoch = state.epoch if index == state.member else 0
        if initial_epoch > 0:
            keras_model = checkpoints.load_member(task.name, index)
        else:
            keras_model = build_member(recipe, task.num_classes, index)
            compile_model(keras_model, recipe.learning_rate, recipe.weight_averaging,
                          recipe.label_smoothing_for(task.name))
        stop_if_asked(should_stop)
    state.member, state.epoch = index, initial_epoch
    if initial_epoch >= state.epochs:
        return keras_model, False
    if data.stream is not None:
        dataset = data.stream.train_dataset(batch_size=recipe.batch_size, augmentation=recipe.augmentation,
                                            seed=seed + index)
    else:
        # Endless, so that every worker of a distributed run takes the same number of steps.
        dataset = make_train_dataset(data.x_train, data.y_train, batch_size=recipe.batch_size,
                                     augmentation=recipe.augmentation, seed=seed + index,
                                     source=data.x_train_source, source_share=recipe.source_share).repeat()
    callback = make_callback(tracker, should_stop, on_epoch=lambda model, epoch: _after_epoch(
        model, epoch, state, epoch_end))
    schedule = schedule_callback(recipe)
    tracker.start_member(index, initial_epoch)
    keras_model.fit(dataset, epochs=state.epochs, initial_epoch=initial_epoch, steps_per_epoch=steps, verbose=0,
                    shuffle=False,
                    validation_data=(data.x_val[..., None], data.y_val), validation_batch_size=500,
                    callbacks=[schedule, callback])
    return keras_model, callback.cancelled


def _after_epoch(keras_model, epoch: int, state: CheckpointState, epoch_end) -> None:
    state.epoch = epoch + 1
    checkpoints.save_checkpoint(keras_model, state)
    if epoch_end is not None:
        epoch_end(keras_model)


def _batches(count: int, batch_size: int) -> int:
    return max(1, -(-count // batch_size))
