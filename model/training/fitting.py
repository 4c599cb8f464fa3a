"""Fitting a Keras model on in-memory 28x28 images with on-the-fly variation, progress per batch, per-epoch logs
and cooperative cancel: the loop behind `model.training.retrain.retrain` and `model.training.correct.correct`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from model.core.training_progress import TrainingProgress


def RetrainProgress(phase: str, **fields) -> TrainingProgress:
    """Returns a `TrainingProgress` for a retrain, which always trains a single member."""
    return TrainingProgress(phase, member=1, **fields)


FINE_TUNE_AUGMENTATION = {"shift": 2.0, "rotation_degrees": 10.0, "shear": 0.15, "scale": 0.12,
                          "stroke_probability": 0.5}


@dataclass
class EpochLogs:
    """Loss and accuracy after one epoch; the val_* figures are None when no samples are held out."""

    epoch: int
    epochs: int
    loss: float
    accuracy: float
    val_loss: float | None = None
    val_accuracy: float | None = None


def fit(keras_model, x, y, validation, *, epochs, learning_rate, batch_size, seed, progress, should_stop=None,
        epoch_end=None, augmentation=FINE_TUNE_AUGMENTATION, initial_epoch: int = 0):
    """Compiles and trains `keras_model` on (x, y) with on-the-fly variation; returns (history, cancelled).

    `initial_epoch` epochs count as done already (a resumed retrain runs only the rest).
    """
    import keras
    import tensorflow as tf

    tf.random.set_seed(seed)
    keras_model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                        loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    dataset = train_dataset(x, y, batch_size=batch_size, seed=seed, augmentation=augmentation)
    x_val, y_val = validation
    batches = math.ceil(len(x) / batch_size)
    callback = _ProgressCallback(epochs, batches, progress, should_stop, epoch_end, initial_epoch)
    keras_model.fit(dataset, epochs=epochs, initial_epoch=initial_epoch, verbose=0, callbacks=[callback], shuffle=False,
                    validation_data=(x_val[..., np.newaxis], y_val) if len(x_val) else None)
    return callback.history, callback.cancelled


def train_dataset(x, y, *, batch_size, seed, augmentation):
    """Returns the shuffled, batched, varied tf.data pipeline of (images (B, 28, 28, 1), labels) `fit` trains on."""
    import tensorflow as tf

    from model.training.augment import augment_batch
    from model.training.pipelines import without_autotuning

    return without_autotuning(tf.data.Dataset.from_tensor_slices((x[..., np.newaxis].astype(np.float32), y))
                              .shuffle(len(x), seed=seed).batch(batch_size)
                              .map(lambda images, labels: (augment_batch(images, **augmentation), labels))
                              .prefetch(2))


def _progress_callback_class():
    import keras

    class ProgressCallback(keras.callbacks.Callback):
        def __init__(self, epochs, batches, progress, should_stop, epoch_end, initial_epoch=0):
            super().__init__()
            self.epochs, self.batches, self.initial_epoch = epochs, batches, initial_epoch
            self.report, self.should_stop, self.epoch_end = progress, should_stop, epoch_end
            self.history, self.cancelled, self.epoch = [], False, 0
            self.started = time.monotonic()

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            done = (self.epoch - self.initial_epoch) * self.batches + batch + 1
            elapsed = time.monotonic() - self.started
            eta = elapsed / done * ((self.epochs - self.initial_epoch) * self.batches - done)
            self.report(RetrainProgress("training", epoch=self.epoch + 1, epochs=self.epochs, batch=batch + 1,
                                        batches=self.batches, logs=dict(logs or {}), elapsed_s=elapsed, eta_s=eta))
            if self.should_stop is not None and self.should_stop():
                self.cancelled = True
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            value = lambda key: float(logs[key]) if key in logs else None  # noqa: E731
            entry = EpochLogs(epoch + 1, self.epochs, value("loss"), value("accuracy"),
                              value("val_loss"), value("val_accuracy"))
            if not self.cancelled:
                self.history.append(entry)
                if self.epoch_end is not None:
                    self.epoch_end(entry)

    return ProgressCallback


def _ProgressCallback(*args):
    return _progress_callback_class()(*args)
