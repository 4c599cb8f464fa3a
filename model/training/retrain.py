"""Retrain a task's model on the user's own drawings, mixed with the task's base data.

`retrain` fine-tunes the current model (or trains one from scratch for a task with no model, or whose model
cannot be adapted), on a subsample of the base data plus the user's samples, oversampled and varied so that a few
dozen of them matter next to thousands of base images. A fixed, stratified part of the user's samples is held out:
accuracy on it before and after, per-epoch curves, and a confusion matrix whose cells list the sample ids behind
them. The new model replaces the old one atomically and the old one is kept (`model.network.model_store`). A cancelled
retrain saves nothing.

`correct` is the short version for one drawing the model got wrong ("Correct me").

TensorFlow is imported inside functions, so importing this module is cheap.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass, field

import numpy as np

from model.core import disk
from model.core.paths import models_dir
from model.network import model_store
from model.network.inference import member_models, probabilities_in_batches
from model.training import retrain_checkpoint
from model.training.fitting import EpochLogs, RetrainProgress, fit
from model.training.retrain_data import base_and_imported, user_data


@dataclass(frozen=True)
class RetrainSettings:
    """How a retrain runs.

    Attributes:
        epochs: epochs when fine-tuning an existing model.
        scratch_epochs: epochs when training a new model.
        batch_size: samples per batch.
        base_per_label: base images per label mixed in (built-in tasks).
        user_share: the share of each epoch made of (varied copies of) the user's samples.
        validation_fraction: share of each label's samples held out for before/after accuracy.
        learning_rate: Adam's learning rate for fine-tuning (a new model uses four times this).
        min_epoch_size: an epoch has at least this many samples (small user-only sets are repeated).
        seed: makes the subsample and the shuffling repeatable.
    """

    epochs: int = 4
    scratch_epochs: int = 12
    batch_size: int = 64
    base_per_label: int = 400
    user_share: float = 0.4
    validation_fraction: float = 0.2
    learning_rate: float = 5e-4
    min_epoch_size: int = 768
    seed: int = 0


@dataclass
class RetrainResult:
    """What a retrain did.

    Attributes:
        task: the task's name.  labels: its labels, in output order.
        before_accuracy / after_accuracy: on the held-out samples (None when none are held out).
        history: one `EpochLogs` per finished epoch.
        confusion: (K, K) counts, rows true labels, columns predicted, on the held-out samples after training.
        confusion_ids: the same grid of lists of sample ids.
        train_ids / validation_ids: which user samples trained and which were held out.
        num_base / num_imported: built-in images and images of imported Quick, Draw! files mixed in.
        from_scratch: True if a new network was trained.  cancelled: True if stopped early (nothing saved).
        saved: True if the new model replaced the old one.  elapsed_s: wall time.
    """

    task: str
    labels: list[str]
    before_accuracy: float | None = None
    after_accuracy: float | None = None
    history: list[EpochLogs] = field(default_factory=list)
    confusion: np.ndarray | None = None
    confusion_ids: list = field(default_factory=list)
    train_ids: list[str] = field(default_factory=list)
    validation_ids: list[str] = field(default_factory=list)
    num_base: int = 0
    num_imported: int = 0
    from_scratch: bool = False
    cancelled: bool = False
    saved: bool = False
    elapsed_s: float = 0.0


def split_validation(ids, y, fraction: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """Splits samples into train and validation indices, per label, the same way every time.

    Each label's samples are ordered by a hash of their id and the first `round(n * fraction)` are held out (at
    least one when a label has three or more samples, none below that). Adding samples never moves an old one
    from validation to training or back unless its label's count crosses a rounding step.

    Returns:
        (train_indices, validation_indices), each sorted.
    """
    ids, y = np.asarray(ids), np.asarray(y)
    train, validation = [], []
    for label in np.unique(y):
        members = np.nonzero(y == label)[0]
        ordered = sorted(members, key=lambda i: hashlib.sha1(str(ids[i]).encode()).hexdigest())
        count = len(ordered)
        held = 0 if count < 3 else max(1, round(count * fraction))
        validation.extend(ordered[:held])
        train.extend(ordered[held:])
    return np.array(sorted(train), np.int64), np.array(sorted(validation), np.int64)


def confusion_matrix(y_true, y_pred, ids, num_classes: int) -> tuple[np.ndarray, list]:
    """Returns (counts (K, K), ids grid): rows are true labels, columns predicted labels."""
    counts = np.zeros((num_classes, num_classes), np.int64)
    grid = [[[] for _ in range(num_classes)] for _ in range(num_classes)]
    for true, predicted, sample_id in zip(y_true, y_pred, ids):
        counts[int(true), int(predicted)] += 1
        grid[int(true)][int(predicted)].append(str(sample_id))
    return counts, grid


def prepare_model(task, *, architecture=None):
    """Returns (keras_model, old_labels, from_scratch) ready to train for `task.labels`.

    The current model is used as it is when its labels match; when labels were added, removed or reordered, its
    output layer is rebuilt for the new labels, keeping every other weight (and the output weights of labels that
    stayed). With no usable model, a new network is built.
    """
    from model.network.architecture import build_model
    from model.training.recipes import get_recipe

    try:
        keras_model, info = model_store.load_model(task.name)
    except (model_store.ModelNotFoundError, model_store.ModelMismatchError):
        architecture = architecture or get_recipe("quick").architecture
        return build_model(architecture, task.num_classes, name=f"{task.name}_cnn"), None, True
    if list(info.labels) == list(task.labels):
        return keras_model, list(info.labels), False
    return adapt_output(keras_model, list(info.labels), list(task.labels)), list(info.labels), False


def adapt_output(keras_model, old_labels: list[str], new_labels: list[str]):
    """Returns a model with a new softmax output for `new_labels`, sharing every other layer with `keras_model`.

    Output weights of labels present in both lists are copied, so the model still knows them. An ensemble is
    reduced to its first member.
    """
    import keras

    network = member_models(keras_model)[0]
    old_output = network.get_layer("output")
    features = old_output.input
    new_output = keras.layers.Dense(len(new_labels), activation="softmax", name="output")
    outputs = new_output(features)
    adapted = keras.Model(network.input, outputs, name=network.name)
    old_kernel, old_bias = old_output.get_weights()
    kernel, bias = new_output.get_weights()
    for new_index, label in enumerate(new_labels):
        if label in old_labels:
            kernel[:, new_index] = old_kernel[:, old_labels.index(label)]
            bias[new_index] = old_bias[old_labels.index(label)]
    new_output.set_weights([kernel, bias])
    return adapted


def retrain(task, settings: RetrainSettings | None = None, *, progress=None, should_stop=None, epoch_end=None,
            store=None, resume: bool = False) -> RetrainResult:
    """Retrains `task`'s model on its base data plus the user's samples; see the module docstring.

    Args:
        task: a `model.core.tasks.Task`.
        settings: a `RetrainSettings` (defaults if None).
        progress: called with a `RetrainProgress` per batch and epoch.
        should_stop: returns True to cancel; checked after every batch.
        epoch_end: called with an `EpochLogs` after each epoch.
        store: the `SampleStore` to read (default: the task's).
        resume: continue the task's unfinished retrain (`model.training.retrain_checkpoint`) from its last finished
            epoch, if it can be; else start over. A retrain that does not finish stays resumable.

    Returns:
        A `RetrainResult`.

    Raises:
        ValueError: there is nothing to train on (no base data and fewer than two labels with samples).
        model.core.disk.DiskError: the model's folder cannot take the new model (checked before training).
    """
    started = time.monotonic()
    settings = settings or RetrainSettings()
    progress = progress or (lambda value: None)
    # The new model must be saveable, or the whole retrain is wasted: say so before it starts.
    disk.ensure_writable(models_dir(task.name), model_store.expected_save_bytes(task.name))
    x_user, y_user, ids = user_data(task, store)
    train_index, val_index = split_validation(ids, y_user, settings.validation_fraction)
    x_base, y_base, num_imported = base_and_imported(task, settings.base_per_label, settings.seed)
    _check_enough(task, y_user[train_index], len(x_base))
    progress(RetrainProgress("loading"))
    keras_model, old_labels, from_scratch = prepare_model(task)
    state = _starting_state(task, settings, from_scratch, resume)
    if state.epoch:
        keras_model = retrain_checkpoint.load_network(task.name)
    from_scratch = state.from_scratch
    result = RetrainResult(task.name, list(task.labels), train_ids=ids[train_index].tolist(),
                           validation_ids=ids[val_index].tolist(), num_base=len(x_base) - num_imported,
                           num_imported=num_imported, from_scratch=from_scratch)
    x_val, y_val = x_user[val_index], y_user[val_index]
    if len(x_val) and old_labels is not None:
        result.before_accuracy = _accuracy_by_name(keras_model_before(task.name), old_labels, task.labels, x_val, y_val)
    rate = settings.learning_rate * (4 if from_scratch else 1)
    x_train, y_train = _mix(x_base, y_base, x_user[train_index], y_user[train_index], settings)

    def after_epoch(logs) -> None:
        state.epoch = logs.epoch
        retrain_checkpoint.save_state(state, keras_model)
        if epoch_end is not None:
            epoch_end(logs)

    history, cancelled = fit(keras_model, x_train, y_train, (x_val, y_val), epochs=state.epochs,
                             learning_rate=rate, batch_size=settings.batch_size, seed=settings.seed,
                             progress=progress, should_stop=should_stop, epoch_end=after_epoch,
                             initial_epoch=state.epoch)
    result.history, result.cancelled = history, cancelled
    progress(RetrainProgress("saving"))
    if len(x_val):
        predicted = np.argmax(probabilities_in_batches(keras_model, x_val, 256), axis=1)
        result.after_accuracy = float(np.mean(predicted == y_val))
        result.confusion, result.confusion_ids = confusion_matrix(y_val, predicted, ids[val_index], task.num_classes)
    if not cancelled:
        _save(keras_model, task, result, "scratch" if from_scratch else "finetune", ids)
        retrain_checkpoint.clear(task.name)
        result.saved = True
    result.elapsed_s = time.monotonic() - started
    return result


def _starting_state(task, settings: RetrainSettings, from_scratch: bool, resume: bool):
    """The unfinished retrain to continue (when resuming and it still fits), else a new one, recorded at once."""
    state = retrain_checkpoint.unfinished_retrain(task) if resume else None
    if state is None:
        retrain_checkpoint.clear(task.name)
        epochs = settings.scratch_epochs if from_scratch else settings.epochs
        state = retrain_checkpoint.RetrainState(task.name, list(task.labels), epochs, from_scratch,
                                                retrain_checkpoint.saved_model_stamp(task.name))
        retrain_checkpoint.save_state(state)
    return state


def keras_model_before(task_name: str):
    """Loads the task's current model afresh (so 'before' is measured on what is saved, untouched by training)."""
    keras_model, _ = model_store.load_model(task_name)
    return keras_model


def _mix(x_base, y_base, x_user, y_user, settings: RetrainSettings):
    """Repeats the user's samples so they make `user_share` of an epoch, and repeats small sets to a minimum size."""
    if len(x_user) and len(x_base):
        wanted = settings.user_share * len(x_base) / (1 - settings.user_share)
        repeats = int(np.clip(round(wanted / len(x_user)), 1, 50))
    else:
        repeats = 1
    x = np.concatenate([x_base, np.repeat(x_user, repeats, axis=0)]) if len(x_user) else x_base
    y = np.concatenate([y_base, np.repeat(y_user, repeats, axis=0)]) if len(y_user) else y_base
    if 0 < len(x) < settings.min_epoch_size:
        times = math.ceil(settings.min_epoch_size / len(x))
        x, y = np.tile(x, (times, 1, 1)), np.tile(y, times)
    return x.astype(np.float32), y.astype(np.int64)


def _check_enough(task, y_train, num_base: int) -> None:
    if num_base:
        return
    present = {int(label) for label in y_train}
    if len(present) < task.num_classes:
        missing = [task.labels[i] for i in range(task.num_classes) if i not in present]
        from model.training.drawings_data import NotEnoughDrawingsError

        raise NotEnoughDrawingsError(
            f"Task {task.name!r} has no built-in data, and these labels have too few drawings to train on: "
            f"{', '.join(missing)}. Save a few drawings of each (ten is a good start), then retrain."
        )


def _accuracy_by_name(keras_model, old_labels, new_labels, x, y) -> float:
    predicted = np.argmax(probabilities_in_batches(keras_model, x, 256), axis=1)
    names = [old_labels[i] for i in predicted]
    return float(np.mean([name == new_labels[int(true)] for name, true in zip(names, y)]))


def _save(keras_model, task, result: RetrainResult, recipe: str, ids) -> None:
    metrics = {"before_accuracy": result.before_accuracy, "after_accuracy": result.after_accuracy,
               "user_samples": len(ids), "last_sample_id": max(ids.tolist()) if len(ids) else "",
               "validation_samples": len(result.validation_ids)}
    # A fine-tuned ensemble is still an ensemble (adapt_output reduces one to a single network when labels change).
    info = model_store.ModelInfo(task=task.name, labels=list(task.labels), recipe=recipe,
                                 members=len(member_models(keras_model)), metrics=metrics)
    model_store.save_model(keras_model, info)
