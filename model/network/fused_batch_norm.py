"""Batch normalisation that trains through TensorFlow's fused kernel, and models saved without it.

Keras 3's `BatchNormalization` computes a batch's mean and variance and then the normalisation as separate
TensorFlow ops, and training differentiates them op by op: on two CPU cores the Quick network's three such layers
took a third of every training step. TensorFlow's fused kernel (`FusedBatchNormV3`, with its own gradient, run by
oneDNN on the CPU) does the same sums in one op each way: the Quick network trains about 1.4 times as fast with it
(`benchmarks/training_speed.py`). At inference both layers are the same code.

`build_model` (model/network/architecture.py) builds networks with `FusedBatchNormalization`; `with_plain_batch_norm`
turns a trained network back into plain Keras layers with the same weights, so that a saved model, its live copy and
an exported model load in any Keras without this module. Training checkpoints keep the fused layer: they are read
only by `model.training.checkpoints` and `model.training.retrain_checkpoint`, which import this module.
"""

from __future__ import annotations

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="convcanvas")
class FusedBatchNormalization(keras.layers.BatchNormalization):
    """`keras.layers.BatchNormalization` whose training step on NHWC float32 maps runs TensorFlow's fused kernel.

    Everything else (inference, other ranks or dtypes, masks, renormalisation, synchronised statistics, no scale
    or no offset) is Keras' own code. The moving statistics are updated as Keras updates them, from the batch's
    variance as Keras computes it (without Bessel's correction, which the kernel applies to what it returns).
    """

    def call(self, inputs, training=None, mask=None):
        if not (training and self.trainable and self._fusable(inputs, mask)):
            return super().call(inputs, training=training, mask=mask)
        outputs, mean, corrected = tf.compat.v1.nn.fused_batch_norm(
            inputs, self.gamma, self.beta, epsilon=self.epsilon, data_format="NHWC", is_training=True)
        count = tf.cast(tf.reduce_prod(tf.shape(inputs)[:-1]), inputs.dtype)
        variance = corrected * (count - 1.0) / tf.maximum(count, 1.0)
        self.moving_mean.assign(self.moving_mean * self.momentum + mean * (1.0 - self.momentum))
        self.moving_variance.assign(self.moving_variance * self.momentum + variance * (1.0 - self.momentum))
        return outputs

    def _fusable(self, inputs, mask) -> bool:
        return (mask is None and len(inputs.shape) == 4 and self.axis in (-1, 3) and inputs.dtype == tf.float32
                and self.center and self.scale and not self.renorm and not self.synchronized
                and self.epsilon >= 1.001e-5)  # the kernel's smallest epsilon


def with_plain_batch_norm(keras_model):
    """Returns `keras_model` with every `FusedBatchNormalization` replaced by a `keras.layers.BatchNormalization` of
    the same settings and weights (the model itself when it has none); nested models are converted too."""
    if not isinstance(keras_model, keras.Model) or not any(
            isinstance(layer, FusedBatchNormalization) for layer in keras_model._flatten_layers(include_self=False)):
        return keras_model

    def plain(layer):
        kind = keras.layers.BatchNormalization if isinstance(layer, FusedBatchNormalization) else layer.__class__
        return kind.from_config(layer.get_config())

    converted = keras.models.clone_model(keras_model, clone_function=plain, recursive=True)
    converted.set_weights(keras_model.get_weights())
    return converted
