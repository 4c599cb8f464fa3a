"""Live inference: one compiled function returns every layer's output and the probabilities.

`model.predict` costs ~80 ms per image on 2 cores, `model(x)` ~8 ms; a `tf.function` traced once
for a fixed input shape ~1.4 ms. `Predictor.run` calls such a function, built per ensemble member,
that returns the chosen member's layer outputs and the whole model's (averaged) probabilities in
one go, so the activation docks cost nothing beyond the prediction itself.

TensorFlow is imported inside methods; build and use a `Predictor` from one worker thread at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

LAYER_KINDS = ("input", "conv", "pool", "dense", "dropout", "flatten", "batchnorm", "activation", "output")
_CLASS_KINDS = {
    "Conv2D": "conv",
    "MaxPooling2D": "pool",
    "AveragePooling2D": "pool",
    "Dense": "dense",
    "Dropout": "dropout",
    "Flatten": "flatten",
    "BatchNormalization": "batchnorm",
    "Activation": "activation",
    "ReLU": "activation",
    "InputLayer": "input",
}
_CONFIG_KEYS = ("filters", "units", "kernel_size", "strides", "padding", "activation", "pool_size", "rate")


@dataclass
class LayerOutput:
    """One layer's output for one image.

    Attributes:
        name: the layer's name ("conv1", "pool1", ..., "output").
        kind: one of `LAYER_KINDS`.
        values: float32 array without the batch axis: (H, W, C) for maps, (units,) for dense layers.
        config: what a teaching UI shows: output_shape and, where they apply, filters/units,
            kernel_size, strides, padding, activation, pool_size, rate.
    """

    name: str
    kind: str
    values: np.ndarray
    config: dict = field(default_factory=dict)


@dataclass
class Prediction:
    """The model's answer for one image.

    Attributes:
        probabilities: (num_labels,) float32; for an ensemble, its members' average.
        layers: the chosen member's `LayerOutput`s, input first, output last.
        member: the member whose layers these are.
        source: the `Predictor` that made it, so a view can read the weights behind these outputs
            (during training they are not the loaded model's).
    """

    probabilities: np.ndarray
    layers: list[LayerOutput]
    member: int = 0
    source: object = field(default=None, repr=False, compare=False)

    @property
    def top_index(self) -> int:
        return int(np.argmax(self.probabilities))

    @property
    def sure(self) -> bool:
        """Whether the top label is convincing (see `is_sure`)."""
        return is_sure(self.probabilities)


# Below this top probability no label is convincing: a scribble, or a shape the task has no label for.
SURE_PROBABILITY = 0.7


def is_sure(probabilities) -> bool:
    """Returns whether the most likely label is convincing enough to name without a "not sure".

    Args:
        probabilities: (num_labels,) probabilities summing to one.

    Returns:
        True when the top probability is at least `SURE_PROBABILITY`.
    """
    return float(np.max(probabilities)) >= SURE_PROBABILITY


class Predictor:
    """Runs a trained classifier (a single CNN or an ensemble) on 28x28 images.

    Args:
        keras_model: a model from `model.architecture.build_model`, or an ensemble whose members
            are nested models named member1, member2, ... averaged by a layer named "ensemble".
        labels: class names in the order of the model's outputs.
    """

    def __init__(self, keras_model, labels):
        self.model = keras_model
        self.labels = tuple(str(label) for label in labels)
        outputs = int(keras_model.output_shape[-1])
        if outputs != len(self.labels):
            raise ValueError(
                f"The model has {outputs} outputs but {len(self.labels)} labels were given ({', '.join(self.labels)})."
            )
        self._members = member_models(keras_model)
        self._run_functions: dict[int, object] = {}
        self._layer_specs: dict[int, list[tuple[str, str, dict]]] = {}
        self._predict_function = None
        self.blank: Prediction | None = None

    @property
    def members(self) -> int:
        """How many networks the model averages (1 for a single CNN)."""
        return len(self._members)

    def run(self, image28: np.ndarray, member: int = 0) -> Prediction:
        """Returns the probabilities and every layer's output of `member` for one image.

        Args:
            image28: (28, 28) float image in [0, 1], white ink on black (`preprocess`'s output).
            member: which ensemble member's layers to return (0-based); 0 for a single CNN.

        Returns:
            A `Prediction`.
        """
        if not 0 <= member < self.members:
            raise ValueError(f"member must be in 0..{self.members - 1}; received {member}.")
        batch = _as_batch(image28)[:1]
        function = self._run_function(member)
        outputs = [np.asarray(value)[0] for value in function(batch)]
        probabilities, layer_values = outputs[-1], outputs[:-1]
        layers = [LayerOutput("input", "input", batch[0], {"output_shape": (28, 28, 1)})]
        for (name, kind, config), values in zip(self._layer_specs[member], layer_values):
            layers.append(LayerOutput(name, kind, values, config))
        return Prediction(probabilities.astype(np.float32), layers, member, self)

    def warm_up(self) -> Prediction:
        """Traces the compiled function on a blank image and keeps that answer as `blank`.

        Returns:
            The `Prediction` for an empty 28x28 image: every layer's name and shape, so a view can lay
            itself out before the first drawing.
        """
        self.blank = self.run(np.zeros((28, 28), np.float32))
        return self.blank

    def predict(self, image28: np.ndarray) -> np.ndarray:
        """Returns the probabilities for one (28, 28) image, or (N, num_labels) for (N, 28, 28) images."""
        import tensorflow as tf

        if self._predict_function is None:
            self._predict_function = tf.function(
                lambda x: self.model(x, training=False),
                input_signature=[tf.TensorSpec((None, 28, 28, 1), tf.float32)],
                reduce_retracing=True,
            )
        single = np.asarray(image28).ndim == 2
        probabilities = np.asarray(self._predict_function(_as_batch(image28)))
        return probabilities[0] if single else probabilities

    def layer_weights(self, name: str, member: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Returns a layer's kernel and bias as numpy arrays.

        A layer without a bias (a convolution followed by batch normalisation) gets a zero bias, so
        the weighted sum a teaching panel shows still adds up.

        Raises:
            ValueError: the layer does not exist or has no kernel.
        """
        model = self._members[member]
        try:
            layer = model.get_layer(name)
        except ValueError:
            names = ", ".join(layer.name for layer in model.layers)
            raise ValueError(f"No layer named {name!r}; this model has: {names}.") from None
        if not hasattr(layer, "kernel"):
            raise ValueError(f"Layer {name!r} ({type(layer).__name__}) has no weights.")
        kernel = np.asarray(layer.kernel)
        bias = np.asarray(layer.bias) if getattr(layer, "bias", None) is not None else np.zeros(kernel.shape[-1])
        return kernel.astype(np.float32), bias.astype(np.float32)

    def batch_norm_affine(self, name: str, member: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Returns (scale, offset) with which a BatchNormalization layer maps x to x * scale + offset at inference.

        Raises:
            ValueError: the layer does not exist or is not a batch normalisation.
        """
        layer = self._members[member].get_layer(name)
        if not hasattr(layer, "moving_variance"):
            raise ValueError(f"Layer {name!r} ({type(layer).__name__}) is not a batch normalisation.")
        variance, mean = np.asarray(layer.moving_variance), np.asarray(layer.moving_mean)
        gamma = np.asarray(layer.gamma) if layer.gamma is not None else np.ones_like(variance)
        beta = np.asarray(layer.beta) if layer.beta is not None else np.zeros_like(variance)
        scale = gamma / np.sqrt(variance + layer.epsilon)
        return scale.astype(np.float32), (beta - mean * scale).astype(np.float32)

    def _run_function(self, member: int):
        if member not in self._run_functions:
            self._run_functions[member] = self._build_run_function(member)
        return self._run_functions[member]

    def _build_run_function(self, member: int):
        import keras
        import tensorflow as tf

        network = self._members[member]
        inner = [layer for layer in network.layers if _kind(layer, network) != "input"]
        self._layer_specs[member] = [(layer.name, _kind(layer, network), layer_config(layer)) for layer in inner]
        features = keras.Model(network.input, [layer.output for layer in inner])
        others = [model for index, model in enumerate(self._members) if index != member]

        def run(x):
            values = list(features(x, training=False))
            member_probabilities = [values[-1]] + [model(x, training=False) for model in others]
            probabilities = tf.add_n(member_probabilities) / float(len(member_probabilities))
            return values + [probabilities]

        return tf.function(run, input_signature=[tf.TensorSpec((1, 28, 28, 1), tf.float32)])


def member_models(keras_model) -> list:
    """Returns an ensemble's member models in order, or `[keras_model]` for a single CNN."""
    members = [layer for layer in keras_model.layers if layer.name.startswith("member") and hasattr(layer, "layers")]
    return sorted(members, key=lambda layer: int(layer.name[len("member"):] or 0)) or [keras_model]


def layer_config(layer) -> dict:
    """Returns the settings of a layer that a teaching UI shows, plus its output shape."""
    config = layer.get_config()
    shown = {key: config[key] for key in _CONFIG_KEYS if key in config}
    for key in ("kernel_size", "strides", "pool_size"):
        if isinstance(shown.get(key), list):
            shown[key] = tuple(shown[key])
    shown["output_shape"] = tuple(int(size) for size in layer.output.shape[1:])
    if "Pooling" in type(layer).__name__:
        shown["mode"] = "average" if "Average" in type(layer).__name__ else "max"
    return shown


def load_predictor(task_name: str):
    """Returns a `Predictor` for a task's trained model, or None if it has none yet."""
    from model.model_store import ModelNotFoundError, load_model

    try:
        keras_model, info = load_model(task_name)
    except ModelNotFoundError:
        return None
    return Predictor(keras_model, info.labels)


def _kind(layer, network) -> str:
    if layer.name == "output" or (layer is network.layers[-1] and type(layer).__name__ == "Dense"):
        return "output"
    return _CLASS_KINDS.get(type(layer).__name__, "activation")


def _as_batch(images: np.ndarray) -> np.ndarray:
    array = np.asarray(images, dtype=np.float32)
    if array.shape[-2:] != (28, 28) and array.shape[-3:-1] != (28, 28):
        raise ValueError(f"Expected a 28x28 image (as preprocess returns); received shape {array.shape}.")
    if array.shape[-1] != 1:
        array = array[..., np.newaxis]
    return array.reshape((-1, 28, 28, 1))
