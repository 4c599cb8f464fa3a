"""Training data for a task of the user's own: their saved drawings, a few held out, the rest repeated.

A task the user created has no built-in data, so Train learns from its saved drawings alone: each label's
drawings are split the same way a retrain splits them (`model.training.retrain.split_validation`), and the training part
is repeated up to the recipe's `min_epoch_size`, each copy varied afresh by the recipe's augmentation.
"""

from __future__ import annotations

import math

import numpy as np

from model.training.dataset_health import MIN_SAMPLES, RECOMMENDED_SAMPLES

VALIDATION_FRACTION = 0.2


class NotEnoughDrawingsError(ValueError):
    """A task of the user's own has too few saved drawings of some label to train on."""


def check_enough_drawings(task, counts: dict[str, int], minimum: int = MIN_SAMPLES) -> None:
    """Raises `NotEnoughDrawingsError`, naming each short label and its count, unless every label has `minimum`."""
    short = [label for label in task.labels if counts.get(label, 0) < minimum]
    if short:
        listed = ", ".join(f"'{label}' has {counts.get(label, 0)}" for label in short)
        raise NotEnoughDrawingsError(
            f"{task.display_name} trains on your saved drawings, and it needs at least {minimum} of each label "
            f"({RECOMMENDED_SAMPLES} or more is better): {listed}. Draw and save more, then train again.")


def load_drawings_data(task, min_epoch_size: int, store=None):
    """Returns (x_train, y_train, x_val, y_val, last_sample_id) from the task's saved drawings.

    Args:
        task: a `model.core.tasks.Task` (normally one without built-in data).
        min_epoch_size: the training part is repeated until an epoch holds at least this many images.
        store: the `SampleStore` to read (default: the task's).

    Raises:
        NotEnoughDrawingsError: a label has fewer than `MIN_SAMPLES` drawings (the message names them).
    """
    from model.training.retrain import split_validation
    from model.training.retrain_data import user_data

    x, y, ids = user_data(task, store)
    check_enough_drawings(task, {label: int(np.sum(y == index)) for index, label in enumerate(task.labels)})
    train, validation = split_validation(ids, y, VALIDATION_FRACTION)
    x_train, y_train = x[train], y[train]
    times = max(1, math.ceil(min_epoch_size / max(1, len(y_train))))
    last_sample_id = str(max(ids.tolist())) if len(ids) else ""
    return (np.tile(x_train, (times, 1, 1)), np.tile(y_train, times), x[validation], y[validation],
            last_sample_id)
