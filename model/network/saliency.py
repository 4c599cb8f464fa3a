"""Why this label? Heat maps of the parts of a drawing that drove a prediction.

Grad-CAM (Selvaraju et al., 2017) weighs the last convolution's feature maps by how much the
chosen label's score rises with them; the weighted sum, through a ReLU and laid over the 28x28 input,
marks where the evidence for that label lies. The gradients are kept per cell (the HiResCAM form,
Draelos & Carin, 2020) rather than averaged over the map: ConvCanvas' networks flatten their maps, so
each place has its own weights, and an averaged weight warmed places the network does not read (the
paper beside a triangle's sides; benchmarks/why_on_ink.py measures it). The grid stays coarse (7x7
cells of 4 px for the Quick recipe) and each cell sees 18 px around it, so the warmest cell can be the
one beside a thin stroke. Gradient saliency (|gradient x input|: how much each inked pixel moves the
label's score) is the finer, noisier alternative, and warm only where there is ink.

Each cell of a feature map is laid over the input pixels it sits on (its centre and spacing worked out
from the layers' kernels, strides and padding), not stretched over the whole 28x28: a 3x3 map after
valid pooling covers the first 24 pixels only.

Scores are taken before the softmax, so a confident prediction still has gradients. TensorFlow
is imported inside functions; call these from a worker thread, never from the GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

METHODS = ("grad-cam", "gradient")
# The model `explain_saved` last loaded, and its file's identity: {"key": ..., "explainer": Explainer}.
_LOADED: dict = {}


@dataclass(frozen=True)
class Explanation:
    """A heat map for one label.

    Attributes:
        heatmap: (28, 28) float32 in [0, 1]; 1 where the evidence for the label is strongest.
        label_index: the label explained.
        method: "grad-cam" or "gradient".
        cells: the heat at the map's own resolution (Grad-CAM: one value per feature-map cell; gradient:
            the 28x28 heat itself), scaled like `heatmap`.
        cell_origin, cell_size: where cell (0, 0)'s centre lies and how far apart cells are, in pixels of
            the 28x28 input (pixel edges: the input's first pixel spans 0 to 1).
    """

    heatmap: np.ndarray
    label_index: int
    method: str
    cells: np.ndarray | None = None
    cell_origin: float = 0.5
    cell_size: float = 1.0

    def cell_box(self, row: int, column: int) -> tuple[int, int, int, int]:
        """Returns (top, left, bottom, right), bottom and right exclusive, of the input pixels nearer this cell's
        centre than any other's: the pixels the cell sits on, and for an outer cell those beyond it to the edge."""
        last = (self.cells.shape[0] - 1, self.cells.shape[1] - 1) if self.cells is not None else (27, 27)
        edges = []
        for index, final in zip((row, column), last):
            start = 0 if index == 0 else round(self.cell_origin + (index - 0.5) * self.cell_size)
            edges.append((start, 28 if index == final else round(self.cell_origin + (index + 0.5) * self.cell_size)))
        return edges[0][0], edges[1][0], edges[0][1], edges[1][1]


class Explainer:
    """Computes heat maps for a classifier built by `model.network.architecture.build_model`, or an ensemble.

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
            image28: (28, 28) float image, white ink on black, as `model.core.preprocessing.preprocess` gives.
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
        function, (origin, size) = self._functions[key]
        label = -1 if label_index is None else int(label_index)
        heat, chosen = function(image[None, :, :, None], label)
        cells = _normalised(np.asarray(heat))
        return Explanation(_on_input(cells, origin, size), int(chosen), method, cells, origin, size)

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
    """Returns (a tf.function (image batch, label or -1) -> (heat map at its own resolution, label),
    (cell origin, cell size) of that map on the input)."""
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
        # Per cell, not averaged over the map (see the module docstring).
        grads = tape.gradient(score, features)[0]
        return tf.nn.relu(tf.reduce_sum((features[0] - features[1]) * grads, axis=-1)), chosen

    return run, (0.5, 1.0) if method == "gradient" else _cell_geometry(network, features_layer)


def _cell_geometry(network, features_layer) -> tuple[float, float]:
    """Returns (centre of cell 0, distance between cells) of a layer's feature map, in input pixels.

    Receptive-field arithmetic: a layer with kernel k, stride s and p pixels of padding before the first
    row moves the first centre by ((k - 1) / 2 - p) of the previous spacing and multiplies the spacing by s.
    """
    import keras

    origin, spacing, size = 0.5, 1.0, network.input_shape[1]
    for layer in network.layers:
        if isinstance(layer, keras.layers.Conv2D):
            kernel = layer.kernel_size[0]
        elif isinstance(layer, (keras.layers.MaxPooling2D, keras.layers.AveragePooling2D)):
            kernel = layer.pool_size[0]
        else:
            kernel = None
        if kernel is not None:
            stride = layer.strides[0]
            if layer.padding == "same":
                out = -(-size // stride)
                before = max((out - 1) * stride + kernel - size, 0) // 2
            else:
                out, before = (size - kernel) // stride + 1, 0
            origin += ((kernel - 1) / 2 - before) * spacing
            spacing, size = spacing * stride, out
        if layer is features_layer:
            break
    return origin, spacing


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


def _normalised(heat: np.ndarray) -> np.ndarray:
    heat = np.maximum(heat.astype(np.float32), 0)
    peak = float(heat.max())
    return heat / peak if peak > 0 else np.zeros(heat.shape, np.float32)


def _on_input(cells: np.ndarray, origin: float, size: float) -> np.ndarray:
    """Lays a map of cells over the 28x28 input, each cell's value on the pixels it sits on, blended between centres."""
    if cells.shape == (28, 28) and (origin, size) == (0.5, 1.0):
        return cells
    # Input pixel x (centre x + 0.5) lies at cell (x + 0.5 - origin) / size; beyond the outer cells, their values.
    shift = (0.5 - origin) / size
    to_cells = np.array([[1 / size, 0, shift], [0, 1 / size, shift]], np.float32)
    heat = cv2.warpAffine(cells, to_cells, (28, 28), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_REPLICATE)
    return _normalised(heat)


def smooth(heat: np.ndarray, size: int = 112, *, spread: int = 0) -> np.ndarray:
    """Returns the heat map enlarged to size x size with smooth edges, for an overlay on a big canvas.

    Args:
        heat: a (28, 28) heat map.
        size: the side of the result.
        spread: how many input pixels each pixel's heat reaches around it. Gradient heat lies on the ink
            itself, where a translucent colour over a dark stroke hardly shows; spread, it glows beside the line.
    """
    heat = np.asarray(heat, np.float32)
    if spread > 0:
        heat = cv2.dilate(heat, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * spread + 1, 2 * spread + 1)))
    return np.clip(cv2.resize(heat, (size, size), interpolation=cv2.INTER_CUBIC), 0.0, 1.0)


def explain_saved(model_path, image28: np.ndarray, label_index: int | None = None, member: int = 0,
                  method: str = "grad-cam", **_job_callbacks) -> Explanation:
    """The heat map of one label from the model saved at `model_path`: the window's "Why this label?" job, run in a
    child process (`model.training.job_process`) so that TensorFlow never loads in the window's.

    The model and its traced functions are kept for the next call while the file is unchanged.
    """
    from pathlib import Path

    from model.network.model_store import load_model

    stat = Path(model_path).stat()
    key = (str(model_path), stat.st_mtime_ns, stat.st_size)
    if _LOADED.get("key") != key:
        _LOADED.clear()
        _LOADED.update(key=key, explainer=Explainer(load_model(path=model_path)[0]))
    return _LOADED["explainer"].explain(image28, label_index, member=member, method=method)
