"""Batch-normalisation statistics set from clean images after training (augmented batches skew the moving averages)."""

from __future__ import annotations

import numpy as np

from model.core.training_progress import stop_if_asked


def recalibrate_batch_norm(keras_model, x, samples: int = 5000, batch_size: int = 500, should_stop=None) -> None:
    """Sets every batch-normalisation layer's statistics to those of clean (unaugmented) images.

    The moving averages of training follow the last augmented batches; the app classifies
    preprocessed drawings, which look like clean data. Layers are set in order, so each sees inputs
    already normalised by the recalibrated layers before it. Fine-tuning should call this too.

    Args:
        keras_model: a single CNN or an ensemble (every member is recalibrated).
        x: (N, 28, 28) float images from the training data.
        samples: how many of them to use.
        should_stop: polled per batch; True raises `TrainingCancelled`, leaving the statistics half set.
    """
    import keras

    from model.network.inference import member_models

    images = np.asarray(x[:samples], np.float32)[..., None]
    for network in member_models(keras_model):
        for layer in network.layers:
            if isinstance(layer, keras.layers.BatchNormalization):
                probe = keras.Model(network.input, layer.input)
                mean, variance = _channel_statistics(probe, images, batch_size, should_stop)
                layer.moving_mean.assign(mean)
                layer.moving_variance.assign(variance)


def _channel_statistics(probe, images, batch_size, should_stop=None):
    # Summed batch by batch: the first layer's inputs for 5,000 images would take half a gigabyte.
    count, total, squares = 0, 0.0, 0.0
    for start in range(0, len(images), batch_size):
        stop_if_asked(should_stop)
        values = np.asarray(probe(images[start:start + batch_size], training=False), np.float64)
        values = values.reshape(-1, values.shape[-1])
        count, total, squares = count + len(values), total + values.sum(axis=0), squares + (values ** 2).sum(axis=0)
    mean = total / count
    return mean.astype(np.float32), np.maximum(squares / count - mean ** 2, 0.0).astype(np.float32)
