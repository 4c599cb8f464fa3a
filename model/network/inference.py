"""Live inference: one call returns every layer's output and the probabilities.

`model.predict` is the slowest way to run one image; a `tf.function` traced once for a fixed input shape
is fast, and the same network converted to a LiteRT flatbuffer that returns every layer's output faster
still (`model.network.litert_runtime`; figures in docs/experiments.md and the README). `Predictor.run` makes one
such call, returning the chosen ensemble member's layer outputs and the whole model's (averaged)
probabilities, so the activation docks cost nothing beyond the prediction itself. The window opens its
predictor with `open_predictor` (LiteRT, no TensorFlow import); training's snapshots use the tf.function
path over the Keras model.

TensorFlow is imported inside methods; build and use a `Predictor` from one worker thread at a time.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

import numpy as np

LOG = logging.getLogger(__name__)
# Set to "tensorflow" to run the live path as before LiteRT (benchmarks compare the two this way).
RUNTIME_VARIABLE = "CONVCANVAS_LIVE_RUNTIME"

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

    Two runtimes give the same answers (within 1e-5): a `model.network.litert_runtime.LiveModel` (LiteRT, no
    TensorFlow; the window's, see `open_predictor`) or a tf.function over the Keras model (training's
    snapshots, and the fallback). `predict` and `model` always use Keras, imported on first use.

    Args:
        keras_model: a model from `model.network.architecture.build_model`, or an ensemble whose members
            are nested models named member1, member2, ... averaged by a layer named "ensemble".
            May be None with `live`: it is then loaded from `model_path` when first needed.
        labels: class names in the order of the model's outputs.
        live: a `LiveModel` of the same model, to run `run` with.
        model_path: the `.keras` file the model was loaded from.
    """

    def __init__(self, keras_model, labels, *, live=None, model_path=None):
        self._keras = keras_model
        self._live = live
        self.model_path = model_path
        self.labels = tuple(str(label) for label in labels)
        outputs = live.num_outputs if live is not None else int(keras_model.output_shape[-1])
        if outputs != len(self.labels):
            raise ValueError(
                f"The model has {outputs} outputs but {len(self.labels)} labels were given ({', '.join(self.labels)})."
            )
        self._members = member_models(keras_model) if keras_model is not None else None
        self._run_functions: dict[int, object] = {}
        self._layer_specs: dict[int, list[tuple[str, str, dict]]] = {}
        self._predict_function = None
        self.blank: Prediction | None = None

    @property
    def runtime(self) -> str:
        """"litert" when `run` uses LiteRT, else "tensorflow"."""
        return "litert" if self._live is not None else "tensorflow"

    @property
    def model(self):
        """The Keras model (for Grad-CAM and `predict`); loading it imports TensorFlow the first time."""
        if self._keras is None:
            import keras

            self._keras = keras.models.load_model(self.model_path, compile=False)
            self._members = member_models(self._keras)
        return self._keras

    @property
    def members(self) -> int:
        """How many networks the model averages (1 for a single CNN)."""
        return self._live.members if self._live is not None else len(self._members)

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
        if self._live is not None:
            layer_values, probabilities = self._live.run(batch, member)
            specs = self._live.layer_specs(member)
        else:
            outputs = [np.asarray(value)[0] for value in self._run_function(member)(batch)]
            probabilities, layer_values = outputs[-1], outputs[:-1]
            specs = self._layer_specs[member]
        layers = [LayerOutput("input", "input", batch[0], {"output_shape": (28, 28, 1)})]
        for (name, kind, config), values in zip(specs, layer_values):
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
            keras_model = self.model
            self._predict_function = tf.function(
                lambda x: keras_model(x, training=False),
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
        if self._live is not None:
            self._check_live_layer(name, member)
            try:
                return self._live.weights(member, name, "kernel", "bias")
            except KeyError:
                raise ValueError(f"Layer {name!r} has no weights.") from None
        layer = self._keras_layer(name, member)
        if not hasattr(layer, "kernel"):
            raise ValueError(f"Layer {name!r} ({type(layer).__name__}) has no weights.")
        return kernel_and_bias(layer)

    def batch_norm_affine(self, name: str, member: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Returns (scale, offset) with which a BatchNormalization layer maps x to x * scale + offset at inference.

        Raises:
            ValueError: the layer does not exist or is not a batch normalisation.
        """
        if self._live is not None:
            self._check_live_layer(name, member)
            try:
                return self._live.weights(member, name, "scale", "offset")
            except KeyError:
                raise ValueError(f"Layer {name!r} is not a batch normalisation.") from None
        layer = self._keras_layer(name, member)
        if not hasattr(layer, "moving_variance"):
            raise ValueError(f"Layer {name!r} ({type(layer).__name__}) is not a batch normalisation.")
        return batch_norm_affine(layer)

    def _check_live_layer(self, name: str, member: int) -> None:
        names = [spec[0] for spec in self._live.layer_specs(member)]
        if name not in names:
            raise ValueError(f"No layer named {name!r}; this model has: {', '.join(['input'] + names)}.")

    def _keras_layer(self, name: str, member: int):
        model = self._members[member]
        try:
            return model.get_layer(name)
        except ValueError:
            names = ", ".join(layer.name for layer in model.layers)
            raise ValueError(f"No layer named {name!r}; this model has: {names}.") from None

    def _run_function(self, member: int):
        if member not in self._run_functions:
            self._run_functions[member] = self._build_run_function(member)
        return self._run_functions[member]

    def _build_run_function(self, member: int):
        import keras
        import tensorflow as tf

        network = self._members[member]
        inner = network_layers(network)
        self._layer_specs[member] = [spec_of(layer, network) for layer in inner]
        features = keras.Model(network.input, [layer.output for layer in inner])
        others = [model for index, model in enumerate(self._members) if index != member]

        def run(x):
            values = list(features(x, training=False))
            member_probabilities = [values[-1]] + [model(x, training=False) for model in others]
            probabilities = tf.add_n(member_probabilities) / float(len(member_probabilities))
            return values + [probabilities]

        return tf.function(run, input_signature=[tf.TensorSpec((1, 28, 28, 1), tf.float32)])


def probabilities_in_batches(keras_model, x, batch_size: int = 500, should_stop=None) -> np.ndarray:
    """Returns a model's outputs for (N, 28, 28) images, a batch at a time (all at once would hold every layer's
    activations for the whole set); `should_stop` is polled per batch (True raises `TrainingCancelled`)."""
    from model.core.training_progress import stop_if_asked

    batches = []
    for start in range(0, len(x), batch_size):
        stop_if_asked(should_stop)
        images = np.asarray(x[start:start + batch_size], np.float32)[..., None]
        batches.append(np.asarray(keras_model(images, training=False)))
    return np.concatenate(batches) if batches else np.zeros((0, 0), np.float32)


def member_models(keras_model) -> list:
    """Returns an ensemble's member models in order, or `[keras_model]` for a single CNN."""
    members = [layer for layer in keras_model.layers if layer.name.startswith("member") and hasattr(layer, "layers")]
    return sorted(members, key=lambda layer: int(layer.name[len("member"):] or 0)) or [keras_model]


def network_layers(network) -> list:
    """Returns a network's layers after its input, in order: those whose outputs a `Prediction` carries."""
    return [layer for layer in network.layers if _kind(layer, network) != "input"]


def spec_of(layer, network) -> tuple[str, str, dict]:
    """Returns (name, kind, config) of a layer, as a `LayerOutput` names it."""
    return layer.name, _kind(layer, network), layer_config(layer)


def kernel_and_bias(layer) -> tuple[np.ndarray, np.ndarray]:
    """Returns a weighted layer's kernel and bias (zeros for a layer without one) as float32 arrays."""
    kernel = np.asarray(layer.kernel)
    bias = np.asarray(layer.bias) if getattr(layer, "bias", None) is not None else np.zeros(kernel.shape[-1])
    return kernel.astype(np.float32), bias.astype(np.float32)


def batch_norm_affine(layer) -> tuple[np.ndarray, np.ndarray]:
    """Returns (scale, offset) of a BatchNormalization layer at inference: x -> x * scale + offset."""
    variance, mean = np.asarray(layer.moving_variance), np.asarray(layer.moving_mean)
    gamma = np.asarray(layer.gamma) if layer.gamma is not None else np.ones_like(variance)
    beta = np.asarray(layer.beta) if layer.beta is not None else np.zeros_like(variance)
    scale = gamma / np.sqrt(variance + layer.epsilon)
    return scale.astype(np.float32), (beta - mean * scale).astype(np.float32)


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


def open_predictor(task_name: str | None = None, path=None):
    """Returns the window's `(Predictor, ModelInfo)` for a saved model: LiteRT, without importing TensorFlow.

    The model's live files (`model.network.litert_convert`) are made once and kept beside it. If LiteRT is not
    installed, or the model cannot be converted, the reason is logged and `run` uses TensorFlow instead.

    Args:
        task_name, path: which model, as for `model.network.model_store.load_model`.

    Raises:
        ModelNotFoundError, ModelMismatchError: as `model.network.model_store.load_model`.
    """
    from model.network import model_store

    target, info = model_store.checked_model_info(task_name, path)
    try:
        if os.environ.get(RUNTIME_VARIABLE, "litert") == "tensorflow":
            raise RuntimeError(f"{RUNTIME_VARIABLE}=tensorflow asks for it")
        from model.network.litert_convert import ensure_live_files
        from model.network.litert_runtime import LiveModel

        ensure_live_files(target)
        live = LiveModel(target)
    except Exception as error:  # any failure of the fast path leaves the TensorFlow one
        LOG.warning("Live predictions use TensorFlow instead of LiteRT: %s", error)
        live = None
    if live is None or live.num_outputs != len(info.labels):
        keras_model, info = model_store.load_model(task_name, path)  # raises the mismatch, if that is it
        return Predictor(keras_model, info.labels, model_path=target), info
    return Predictor(None, info.labels, live=live, model_path=target), info


def load_predictor(task_name: str):
    """Returns a `Predictor` for a task's trained model, or None if it has none yet."""
    from model.network.model_store import ModelNotFoundError, load_model

    try:
        keras_model, info = load_model(task_name)
    except ModelNotFoundError:
        return None
    return Predictor(keras_model, info.labels)


def _kind(layer, network) -> str:
    if layer.name == "output" or (layer is network.layers[-1] and type(layer).__name__ == "Dense"):
        return "output"
    # By the nearest class Keras names (a subclass, such as FusedBatchNormalization, is its base's kind).
    return next((_CLASS_KINDS[kind.__name__] for kind in type(layer).__mro__ if kind.__name__ in _CLASS_KINDS),
                "activation")


def _as_batch(images: np.ndarray) -> np.ndarray:
    array = np.asarray(images, dtype=np.float32)
    if array.shape[-2:] != (28, 28) and array.shape[-3:-1] != (28, 28):
        raise ValueError(f"Expected a 28x28 image (as preprocess returns); received shape {array.shape}.")
    if array.shape[-1] != 1:
        array = array[..., np.newaxis]
    return array.reshape((-1, 28, 28, 1))
