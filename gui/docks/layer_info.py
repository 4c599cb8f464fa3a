"""What each layer dock shows: a Prediction's layers grouped into the parts a learner reads about.

A convolution with batch normalisation is three Keras layers (conv1, conv1_bn, conv1_relu) but one
idea, so they become one group whose maps are the last layer's output. Flatten and dropout change
nothing to look at and get no dock. No Qt here: plain data for the docks to paint.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SHOWN_KINDS = ("input", "conv", "pool", "dense", "output")


@dataclass
class LayerGroup:
    """One dock's worth of a Prediction.

    Attributes:
        name: the main layer's name (conv1, pool1, dense1, output, input).
        kind: "input", "conv", "pool", "dense" or "output".
        values: what the dock shows: the group's last output, batch dimension removed.
        raw: the main layer's own output (for a convolution: before BN/ReLU if those are separate).
        config: the main layer's configuration (Keras names: kernel_size, strides, padding, ...).
        input_values: the values that flow into the main layer (the previous group's output), or None.
        parts: names of every Keras layer in the group.
    """

    name: str
    kind: str
    values: np.ndarray
    raw: np.ndarray
    config: dict
    input_values: np.ndarray | None = None
    parts: list[str] = field(default_factory=list)

    @property
    def object_name(self) -> str:
        """Stable across restarts and retraining, so saved dock layouts find their dock again."""
        return f"layer_dock_{self.name}"

    @property
    def shape_text(self) -> str:
        return "×".join(str(size) for size in self.values.shape)

    @property
    def title(self) -> str:
        """The dock's title and tab text: the layer's name alone, short enough for a tab in a narrow row
        (the header gives the shape)."""
        return self.name

    @property
    def applies_relu_itself(self) -> bool:
        return _activation(self.config) == "relu"

    def details(self, labels: tuple[str, ...] | list[str] = ()) -> str:
        """One line saying what the layer does, in the words a course would use."""
        config = self.config
        if self.kind == "conv":
            kernel = _pair(config.get("kernel_size", 3))
            after = " → ".join(_part_word(part) for part in self.parts[1:]) or _activation_word(config)
            filters = config.get("filters", self.values.shape[-1])
            return (f"{filters} filters {kernel[0]}×{kernel[1]} · stride {_pair(config.get('strides', 1))[0]} · "
                    f"'{config.get('padding', 'valid')}' padding · {after}")
        if self.kind == "pool":
            size = _pair(config.get("pool_size", 2))
            return (f"{size[0]}×{size[1]} {pool_mode(self)} pool · stride "
                    f"{_pair(config.get('strides') or size)[0]} · '{config.get('padding', 'valid')}' padding")
        if self.kind == "dense":
            after = " → ".join(_part_word(part) for part in self.parts[1:]) or _activation_word(config)
            return f"{self.values.shape[-1]} units · {after}"
        if self.kind == "output":
            return f"softmax over {len(labels) or self.values.shape[-1]} labels"
        return "what the network sees"


def pool_mode(group: LayerGroup) -> str:
    text = f"{group.config.get('mode', '')} {group.config.get('class_name', '')} {group.config.get('kind', '')}".lower()
    return "average" if "av" in text else "max"


def kind_of(name: str, kind: str) -> str:
    """Sorts a LayerOutput into a dock kind, or "" for layers that belong to the group before them."""
    text = f"{kind} {name}".lower()
    if name == "output" or "output" in kind.lower() or "softmax" in text:
        return "output"
    for word, result in (("input", "input"), ("conv", "conv"), ("pool", "pool"), ("dense", "dense")):
        if word in kind.lower():
            return result
    for word, result in (("input", "input"), ("conv", "conv"), ("pool", "pool"), ("dense", "dense")):
        if name.startswith(word) and "_" not in name:
            return result
    return ""


def group_layers(layers, image28: np.ndarray | None = None) -> list[LayerGroup]:
    """Groups a Prediction's `layers` (LayerOutput: name, kind, values, config) for the docks.

    Args:
        layers: the Prediction's layer outputs, in network order.
        image28: the network's input, used when `layers` does not include it.
    """
    groups: list[LayerGroup] = []
    previous: np.ndarray | None = None
    for layer in layers:
        values = _squeeze_batch(np.asarray(layer.values))
        config = dict(layer.config or {})
        config.setdefault("kind", layer.kind)
        kind = kind_of(layer.name, str(layer.kind))
        if kind == "input" and values.ndim == 3 and values.shape[-1] == 1:
            values = values[:, :, 0]
        if kind in SHOWN_KINDS:
            inputs = previous if kind != "input" else None
            groups.append(LayerGroup(layer.name, kind, values, values, config, inputs, [layer.name]))
        elif groups and groups[-1].kind in ("conv", "dense") and layer.name.startswith(groups[-1].name + "_"):
            groups[-1].values = values
            groups[-1].parts.append(layer.name)
        previous = values
    if groups and groups[0].kind != "input" and image28 is not None:
        image = np.asarray(image28, dtype=np.float32)
        groups.insert(0, LayerGroup("input", "input", image, image, {"kind": "input"}, None, ["input"]))
    for group in groups:
        if group.kind == "conv" and group.input_values is None and groups[0].kind == "input":
            group.input_values = groups[0].values
    return groups


def signature(groups: list[LayerGroup]) -> tuple:
    """What must match for existing docks to be reused: names, kinds and shapes."""
    return tuple((group.name, group.kind, group.values.shape) for group in groups)


def _squeeze_batch(values: np.ndarray) -> np.ndarray:
    return values[0] if values.ndim in (2, 4) and values.shape[0] == 1 else values


def _pair(value) -> tuple[int, int]:
    if isinstance(value, (list, tuple)):
        return int(value[0]), int(value[-1])
    return int(value), int(value)


def _activation(config: dict) -> str:
    activation = config.get("activation", "linear")
    return activation if isinstance(activation, str) else str(activation.get("config", {}).get("name", "linear"))


def _activation_word(config: dict) -> str:
    return {"relu": "ReLU", "linear": "no activation", "softmax": "softmax"}.get(_activation(config),
                                                                               _activation(config))


def _part_word(part: str) -> str:
    suffix = part.rsplit("_", 1)[-1]
    return {"bn": "batch norm", "relu": "ReLU"}.get(suffix, suffix)
