"""The training loss: cross-entropy for labelled drawings, and "no label fits" for drawings of nothing.

A drawing labelled `NOT_ANY_LABEL` (-1: a scribble, a zigzag, a star in the Shapes task) is taught to
spread its probability evenly over the labels, so the network answers it with no convincing label and
the app says "Not sure" (`model.network.inference.is_sure`) instead of a confident wrong one (outlier exposure,
Hendrycks et al., 2019). Registered with Keras, so checkpoints that carry it load again.

With label smoothing (Szegedy et al., 2016; `Recipe.label_smoothing`), a labelled drawing's target keeps a small
share of that even answer too: the network is never pushed towards a certainty of 100%, and reads hands unlike its
training data better (the Quick recipe's pen digits, docs/digits-accuracy.md).
"""

from __future__ import annotations

import keras
from keras import ops

NOT_ANY_LABEL = -1


@keras.saving.register_keras_serializable(package="convcanvas")
def labels_or_none(y_true, y_pred, smoothing: float = 0.0):
    """Sparse categorical cross-entropy; for `NOT_ANY_LABEL` samples, cross-entropy against a uniform answer.

    Args:
        y_true: (B,) or (B, 1) integer labels, `NOT_ANY_LABEL` for a drawing that fits no label.
        y_pred: (B, num_classes) probabilities.
        smoothing: share of a labelled sample's target spread evenly over the labels (0: its label alone).

    Returns:
        (B,) losses.
    """
    labels = ops.reshape(ops.cast(y_true, "int32"), (-1,))
    known = labels >= 0
    probabilities = ops.clip(y_pred, 1e-7, 1.0)
    labelled = keras.losses.sparse_categorical_crossentropy(ops.maximum(labels, 0), probabilities)
    spread = -ops.mean(ops.log(probabilities), axis=-1)
    if smoothing:
        labelled = (1.0 - smoothing) * labelled + smoothing * spread
    return ops.where(known, labelled, spread)


@keras.saving.register_keras_serializable(package="convcanvas")
class SmoothedLabelsOrNone(keras.losses.Loss):
    """`labels_or_none` with label smoothing, as a loss object: a compiled checkpoint saves its smoothing and a
    resumed training goes on with the same loss."""

    def __init__(self, smoothing: float = 0.1, name: str = "labels_or_none_smoothed", **kwargs):
        super().__init__(name=name, **kwargs)
        self.smoothing = float(smoothing)

    def call(self, y_true, y_pred):
        return labels_or_none(y_true, y_pred, self.smoothing)

    def get_config(self):
        return {**super().get_config(), "smoothing": self.smoothing}


def training_loss(smoothing: float = 0.0):
    """The loss `compile_model` trains with: `labels_or_none` itself, or its smoothed form when `smoothing` > 0."""
    if not 0.0 <= smoothing < 1.0:
        raise ValueError(f"Label smoothing must lie in [0, 1); received {smoothing}.")
    return SmoothedLabelsOrNone(smoothing) if smoothing else labels_or_none
