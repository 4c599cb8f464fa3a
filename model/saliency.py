"""Why this label? Heat maps of the parts of a drawing that drove a prediction.

Grad-CAM (Selvaraju et al., 2017) weighs the last convolution's feature maps by how much the
chosen label's score rises with each of them; the weighted sum, through a ReLU and scaled up to
28x28, marks where the evidence for that label lies. Gradient saliency (|gradient x input|: how much
each inked pixel moves the label's score) is the finer, noisier alternative.

Scores are taken before the softmax, so a confident prediction still has gradients. TensorFlow
is imported inside functions; call these from a worker thread, never from the GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

METHODS = ("grad-cam", "gradient")


@dataclass(frozen=True)
class Explanation:
    """A heat map for one label.

    Attributes:
        heatmap: (28, 28) float32 in [0, 1]; 1 where the evidence for the label is strongest.
        label_index: the label explained.
        method: "grad-cam" or "gradient".
    """

    heatmap: np.ndarray
    label_index: int
    method: str


class Explainer:
    """Computes heat maps for a classifier built by `model.architecture.build_model`, or an ensemble.

    Args:
        keras_model: a single CNN, or an ensemble whose members are nested models `member1`, ...
    """

    def __init__(self, keras_model):
        self._model = keras_model
        self._functions: dict[tuple[int, str], object] = {}

    @property
    def members(self) -> int:
        return max(1, len(_member_models(self._model)))

    def explain(self, image28: np.ndarray, label_index: int | None = None, *, member: int = 0,
                method: str = "grad-cam") -> Explanation:
        """Returns the heat map of one label for one 28x28 image.

        Args:
            image28: (28, 28) float image, white ink on black, as `model.preprocessing.preprocess` gives.
            label_index: the label to explain; None explains the member's top label.
            member: which ensemble member to look into (0-based); 0 for a single model.
            method: "grad-cam" or "gradient".

        Returns:
            An `Explanation`.
        """
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}; received {method!r}.")
        image = np.asarray(image28, dtype=np.float32)
        if image.shape != (28, 28):
            raise ValueError(f"Expected a (28, 28) image from preprocess(); received shape {image.shape}.")
        key = (member, method)
        if key not in self._functions:
            self._functions[key] = _build_function(self._member(member), method)
        label = -1 if label_index is None else int(label_index)
        heat, chosen = self._functions[key](image[None, :, :, None], label)
        return Explanation(_finish(np.asarray(heat)), int(chosen), method)

    def _member(self, member: int):
        members = _member_models(self._model)
        if not members:
            if member != 0:
                raise ValueError(f"This model is a single network; received member={member}, expected 0.")
            return self._model
        if not 0 <= member < len(members):
            raise ValueError(f"member must be between 0 and {len(members) - 1}; received {member}.")
        return members[member]


def _member_models(keras_model) -> list:
    import keras

    return [layer for layer in keras_model.layers if isinstance(layer, keras.Model)]


def _build_function(network, method: str):
    """Returns a tf.function (image batch, label or -1) -> (heat map at its own resolution, label)."""
    import keras
    import tensorflow as tf

    features_layer = _last_convolution(network)
    output_layer = network.layers[-1]
    probe = keras.Model(network.inputs, [features_layer.output, output_layer.input])
    kernel, bias = output_layer.kernel, output_layer.bias

    # A fixed signature: one trace per model, whatever label is asked for.
    @tf.function(input_signature=[tf.TensorSpec([1, 28, 28, 1], tf.float32), tf.TensorSpec([], tf.int32)])
    def run(image, label):
        with tf.GradientTape() as tape:
            tape.watch(image)
            # The blank image rides along: Grad-CAM then measures feature maps against what the
            # network sees on an empty canvas, so paper with no ink gets no heat.
            features, hidden = probe(tf.concat([image, tf.zeros_like(image)], axis=0), training=False)
            logits = tf.matmul(hidden[:1], kernel) + bias
            chosen = tf.where(label < 0, tf.argmax(logits[0], output_type=tf.int32), label)
            score = logits[0, chosen]
        if method == "gradient":
            return tf.abs(tape.gradient(score, image) * image)[0, :, :, 0], chosen
        grads = tape.gradient(score, features)[0]
        weights = tf.reduce_mean(grads, axis=(0, 1))
        return tf.nn.relu(tf.reduce_sum((features[0] - features[1]) * weights, axis=-1)), chosen

    return run


def _last_convolution(network):
    """Returns the layer whose output is the last convolution's feature map (after BN and ReLU)."""
    import keras

    layers = network.layers
    convs = [i for i, layer in enumerate(layers) if isinstance(layer, keras.layers.Conv2D)]
    if not convs:
        raise ValueError(f"Model {network.name!r} has no convolution to explain; Grad-CAM needs one.")
    index = convs[-1]
    while index + 1 < len(layers) and isinstance(
            layers[index + 1], (keras.layers.BatchNormalization, keras.layers.Activation, keras.layers.ReLU)):
        index += 1
    return layers[index]


def _finish(heat: np.ndarray) -> np.ndarray:
    heat = np.maximum(heat.astype(np.float32), 0)
    if heat.shape != (28, 28):
        heat = cv2.resize(heat, (28, 28), interpolation=cv2.INTER_LINEAR)
    peak = float(heat.max())
    return heat / peak if peak > 0 else np.zeros((28, 28), np.float32)


def smooth(heat: np.ndarray, size: int = 112) -> np.ndarray:
    """Returns the heat map enlarged to size x size with smooth edges, for an overlay on a big canvas."""
    return np.clip(cv2.resize(np.asarray(heat, np.float32), (size, size), interpolation=cv2.INTER_CUBIC), 0.0, 1.0)
