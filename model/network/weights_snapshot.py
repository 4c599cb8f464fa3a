"""A network's weights as plain arrays, for a view of a model that lives in another process.

A training job sends the window, after each epoch, the network in training run on the drawing (a `Prediction`).
The layer panels also read that network's kernels, biases and batch-norm scales through `Prediction.source`;
a `WeightsSnapshot` answers them as the `Predictor` would, from copies taken when the epoch ended, so the
Prediction can cross a process boundary (it pickles) and never changes under the view.
"""

from __future__ import annotations

import numpy as np


class WeightsSnapshot:
    """Answers `labels`, `layer_weights` and `batch_norm_affine` like a `Predictor`, from copied arrays.

    Args:
        labels: class names in output order.
        weights: {(layer name, member): (kernel, bias)}.
        affines: {(layer name, member): (scale, offset)} of batch normalisations.
    """

    def __init__(self, labels, weights: dict, affines: dict) -> None:
        self.labels = tuple(labels)
        self._weights = weights
        self._affines = affines

    @classmethod
    def of(cls, predictor, prediction) -> WeightsSnapshot:
        """Copies from `predictor` the weights behind every layer of `prediction` (one member's)."""
        weights, affines = {}, {}
        for layer in prediction.layers[1:]:
            key = (layer.name, prediction.member)
            for method, found in (("layer_weights", weights), ("batch_norm_affine", affines)):
                try:
                    found[key] = tuple(np.array(part, np.float32) for part in getattr(predictor, method)(*key))
                except ValueError:  # this layer has no such weights
                    pass
        return cls(predictor.labels, weights, affines)

    def layer_weights(self, name: str, member: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """(kernel, bias) of a layer; ValueError if the snapshot holds none for it."""
        return self._look_up(self._weights, name, member, "has no weights")

    def batch_norm_affine(self, name: str, member: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """(scale, offset) of a batch normalisation; ValueError if the layer is none."""
        return self._look_up(self._affines, name, member, "is not a batch normalisation")

    @staticmethod
    def _look_up(table: dict, name: str, member: int, missing: str):
        try:
            return table[(name, member)]
        except KeyError:
            raise ValueError(f"Layer {name!r} of member {member} {missing} in this snapshot.") from None
