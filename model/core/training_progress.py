"""Training progress: what a progress bar and a log line show, and the Keras callback that reports it.

The callback turns Keras' batch and epoch events into `TrainingProgress` reports (throttled to a few
per second within an epoch, with an ETA over all members and epochs), polls `should_stop` every batch
(validation batches too) for a cancel within one batch, and hands each finished epoch on for checkpointing.
Outside Keras' loops (making the data, building, saving) the same `should_stop` is polled through
`stop_if_asked`, which raises `TrainingCancelled` for `train_task` to turn into a cancelled result.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

PROGRESS_INTERVAL_S = 0.25


class TrainingCancelled(Exception):
    """The user cancelled while a training prepared its data, built its networks or saved them."""


def stop_if_asked(should_stop: Callable[[], bool] | None) -> None:
    """Raises `TrainingCancelled` if `should_stop` (None: never) says the user asked to stop.

    Cheap enough to call once per drawing or image, so every phase of a training answers a cancel at once.
    """
    if should_stop is not None and should_stop():
        raise TrainingCancelled("Training was cancelled.")


@dataclass
class TrainingProgress:
    """One progress report. `member` and `epoch` are 1-based for display; `batch` counts within the epoch."""

    phase: str  # "loading", "training", "saving"
    member: int = 0
    members: int = 1
    epoch: int = 0
    epochs: int = 0
    batch: int = 0
    batches: int = 0
    logs: dict = field(default_factory=dict)
    elapsed_s: float = 0.0
    eta_s: float | None = None

    @property
    def fraction(self) -> float:
        """How much of the whole training is done, in [0, 1]."""
        total = max(1, self.members * self.epochs * max(1, self.batches))
        done = ((max(self.member, 1) - 1) * self.epochs + max(self.epoch, 1) - 1) * self.batches + self.batch
        return min(1.0, done / total) if self.phase == "training" else float(self.phase == "saving")



class ProgressTracker:
    """Turns Keras' batch and epoch events into throttled `TrainingProgress` reports with an ETA."""

    def __init__(self, report, started, members, epochs, batches, state):
        self.report, self.started, self.members, self.epochs, self.batches = report, started, members, epochs, batches
        self.total = members * epochs * batches
        self.done_before = (state.member * epochs + state.epoch) * batches
        self.done = self.done_before
        self.member, self.epoch, self.last_report, self.session_start = 0, 0, 0.0, None

    def start_member(self, member: int, initial_epoch: int) -> None:
        self.member, self.epoch = member, initial_epoch
        self.done = (member * self.epochs + initial_epoch) * self.batches

    def batch(self, batch: int, logs: dict, force: bool = False) -> None:
        now = time.monotonic()
        self.session_start = self.session_start or now
        self.done = (self.member * self.epochs + self.epoch) * self.batches + batch + 1
        if force or now - self.last_report >= PROGRESS_INTERVAL_S:
            self.last_report = now
            self._send(batch + 1, logs, now)

    def epoch_done(self, epoch: int, logs: dict) -> None:
        self.epoch = epoch
        self.done = (self.member * self.epochs + epoch + 1) * self.batches
        self._send(self.batches, logs, time.monotonic())
        self.epoch = epoch + 1

    def _send(self, batch: int, logs: dict, now: float) -> None:
        elapsed = now - self.started
        done_here = self.done - self.done_before
        spent = now - (self.session_start or now)
        eta = (self.total - self.done) * spent / done_here if done_here > 0 and spent > 0 else None
        clean = {key: round(float(value), 5) for key, value in (logs or {}).items() if np.ndim(value) == 0}
        self.report(TrainingProgress("training", self.member + 1, self.members, self.epoch + 1, self.epochs,
                                     batch, self.batches, clean, elapsed, eta))


def make_callback(tracker: ProgressTracker, should_stop: Callable | None, on_epoch: Callable | None = None):
    """Returns a Keras callback that reports progress, cancels within a batch and checkpoints per epoch."""
    import keras

    class _ProgressCallback(keras.callbacks.Callback):
        cancelled = False

        def on_train_batch_end(self, batch, logs=None):
            if should_stop is not None and should_stop():
                self.cancelled = True
                self.model.stop_training = True
                return
            tracker.batch(batch, logs or {})

        def on_test_batch_end(self, batch, logs=None):
            # The validation after an epoch (10,000 images for Digits) answers a cancel too.
            if should_stop is not None and should_stop():
                self.cancelled = True
                self.model.stop_evaluating = True
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            if self.cancelled:
                return  # A cut-short epoch is not a checkpoint: resume repeats it.
            tracker.epoch_done(epoch, logs or {})
            if on_epoch is not None:
                on_epoch(self.model, epoch)

    return _ProgressCallback()
