"""Networks described as data, built as Keras functional models with readable layer names.

An architecture is a list of block dicts, for example the classic recipe::

    CLASSIC = [
        {"type": "conv", "filters": 32},
        {"type": "pool"},
        {"type": "conv", "filters": 64},
        {"type": "pool"},
        {"type": "flatten"},
        {"type": "dense", "units": 128},
        {"type": "dropout", "rate": 0.5},
    ]

Block types and their options (defaults in brackets):
    conv: filters, kernel_size [3], strides [1], padding ["same"], activation ["relu"],
          batch_norm [False]. With batch_norm the block is Conv (no bias) -> BatchNorm -> ReLU.
    pool: pool_size [2], strides [pool_size], padding ["valid"], mode ["max" | "average"].
    flatten: no options.
    dense: units, activation ["relu"], batch_norm [False].
    dropout: rate.
The softmax output layer ("output") is added by `build_model`. Layers are named by type and
position: conv1, conv1_bn, conv1_relu, pool1, conv2, ..., flatten, dense1, dropout1, output.
"""

from __future__ import annotations

import copy

CLASSIC = [
    {"type": "conv", "filters": 32},
    {"type": "pool"},
    {"type": "conv", "filters": 64},
    {"type": "pool"},
    {"type": "flatten"},
    {"type": "dense", "units": 128},
    {"type": "dropout", "rate": 0.5},
]

INPUT_SHAPE = (28, 28, 1)
# Keras' default (0.99) leaves the initial variance of 1 in the moving statistics for hundreds of
# steps: a short training (Shapes, fine-tuning) would then predict from the wrong statistics.
BATCH_NORM_MOMENTUM = 0.9
_KNOWN_TYPES = ("conv", "pool", "flatten", "dense", "dropout")


def build_model(architecture: list[dict], num_classes: int, *, name: str = "cnn"):
    """Builds a Keras functional model from an architecture description.

    Args:
        architecture: list of block dicts (see the module docstring).
        num_classes: number of output labels.
        name: the model's name.

    Returns:
        An uncompiled `keras.Model` taking (batch, 28, 28, 1) floats and returning probabilities.

    Raises:
        ValueError: a block has an unknown type or a missing option.
    """
    import keras
    from keras import layers

    if num_classes < 2:
        raise ValueError(f"A classifier needs at least 2 labels; received num_classes={num_classes}.")
    counts: dict[str, int] = {}
    inputs = keras.Input(INPUT_SHAPE, name="input")
    x = inputs
    for block in copy.deepcopy(architecture):
        kind = block.pop("type", None)
        if kind not in _KNOWN_TYPES:
            raise ValueError(f"Unknown block type {kind!r}; expected one of {', '.join(_KNOWN_TYPES)}.")
        counts[kind] = counts.get(kind, 0) + 1
        x = _BUILDERS[kind](layers, x, f"{kind}{counts[kind]}" if kind != "flatten" else "flatten", block)
    outputs = layers.Dense(num_classes, activation="softmax", name="output")(x)
    return keras.Model(inputs, outputs, name=name)


def _conv(layers, x, name, options):
    batch_norm = options.pop("batch_norm", False)
    activation = options.pop("activation", "relu")
    conv = layers.Conv2D(
        options.pop("filters"),
        options.pop("kernel_size", 3),
        strides=options.pop("strides", 1),
        padding=options.pop("padding", "same"),
        activation=None if batch_norm else activation,
        use_bias=not batch_norm,
        name=name,
    )
    _reject_unknown(name, options)
    return _normalised(layers, conv(x), name, activation) if batch_norm else conv(x)



def _normalised(layers, x, name, activation):
    """Batch norm (trained by TensorFlow's fused kernel, see `model.network.fused_batch_norm`), then the activation
    the conv or dense layer before it left out (it has no bias either)."""
    from model.network.fused_batch_norm import FusedBatchNormalization

    x = FusedBatchNormalization(momentum=BATCH_NORM_MOMENTUM, name=f"{name}_bn")(x)
    return layers.Activation(activation, name=f"{name}_{activation}")(x)


def _pool(layers, x, name, options):
    pool_size = options.pop("pool_size", 2)
    mode = options.pop("mode", "max")
    layer_class = {"max": layers.MaxPooling2D, "average": layers.AveragePooling2D}.get(mode)
    if layer_class is None:
        raise ValueError(f"{name}: pool mode must be 'max' or 'average'; received {mode!r}.")
    pool = layer_class(
        pool_size, strides=options.pop("strides", pool_size), padding=options.pop("padding", "valid"), name=name
    )
    _reject_unknown(name, options)
    return pool(x)


def _flatten(layers, x, name, options):
    _reject_unknown(name, options)
    return layers.Flatten(name=name)(x)


def _dense(layers, x, name, options):
    batch_norm = options.pop("batch_norm", False)
    activation = options.pop("activation", "relu")
    dense = layers.Dense(
        options.pop("units"), activation=None if batch_norm else activation, use_bias=not batch_norm, name=name
    )
    _reject_unknown(name, options)
    return _normalised(layers, dense(x), name, activation) if batch_norm else dense(x)


def _dropout(layers, x, name, options):
    rate = options.pop("rate")
    _reject_unknown(name, options)
    return layers.Dropout(rate, name=name)(x)


def _reject_unknown(name: str, options: dict) -> None:
    if options:
        raise ValueError(f"{name}: unknown option(s) {', '.join(sorted(options))}; see model/network/architecture.py.")


_BUILDERS = {"conv": _conv, "pool": _pool, "flatten": _flatten, "dense": _dense, "dropout": _dropout}
