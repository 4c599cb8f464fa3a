"""The training loss: cross-entropy for labelled drawings, and "no label fits" for drawings of nothing.

A drawing labelled `NOT_ANY_LABEL` (-1: a scribble, a zigzag, a star in the Shapes task) is taught to
spread its probability evenly over the labels, so the network answers it with no convincing label and
the app says "Not sure" (`model.network.inference.is_sure`) instead of a confident wrong one (outlier exposure,
Hendrycks et al., 2019). Registered with Keras, so checkpoints that carry it load again.
"""

from __future__ import annotations

import keras
from keras import ops

NOT_ANY_LABEL = -1


@keras.saving.register_keras_serializable(package="convcanvas")
def labels_or_none(y_true, y_pred):
    """Sparse categorical cross-entropy; for `NOT_ANY_LABEL` samples, cross-entropy against a uniform answer.

    Args:
        y_true: (B,) or (B, 1) integer labels, `NOT_ANY_LABEL` for a drawing that fits no label.
        y_pred: (B, num_classes) probabilities.

    Returns:
        (B,) losses.
    """
    labels = ops.reshape(ops.cast(y_true, "int32"), (-1,))
    known = labels >= 0
    probabilities = ops.clip(y_pred, 1e-7, 1.0)
    labelled = keras.losses.sparse_categorical_crossentropy(ops.maximum(labels, 0), probabilities)
    spread = -ops.mean(ops.log(probabilities), axis=-1)
    return ops.where(known, labelled, spread)
