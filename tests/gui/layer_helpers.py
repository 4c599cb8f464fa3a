"""What the layer-dock tests share: a small network, the part of MainWindow the docks rely on, an input."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QMainWindow

SMALL = [
    {"type": "conv", "filters": 4},
    {"type": "pool"},
    {"type": "conv", "filters": 6, "strides": 2, "padding": "valid"},
    {"type": "pool", "mode": "average", "padding": "same"},
    {"type": "flatten"},
    {"type": "dense", "units": 10},
    {"type": "dropout", "rate": 0.5},
]


class Window(QMainWindow):
    """The part of MainWindow the docks rely on."""

    def add_dock(self, dock, area):
        restored = self.restoreDockWidget(dock)
        if not restored:
            self.addDockWidget(area, dock)
            dock.show()
        dock.setProperty("layout_restored", restored)
        return dock


def small_predictor(architecture=SMALL, labels=("circle", "square", "triangle"), seed=0):
    """A `Predictor` over a small untrained network (`SMALL`) with random biases."""
    import keras

    from model.network.architecture import build_model
    from model.network.inference import Predictor

    keras.utils.set_random_seed(seed)
    model = build_model(architecture, len(labels))
    # Random biases, so the hover arithmetic has a bias to add and ReLU has something to clip.
    for layer in model.layers:
        if getattr(layer, "bias", None) is not None:
            layer.bias.assign(np.random.default_rng(seed).normal(0, 0.1, layer.bias.shape).astype(np.float32))
    return Predictor(model, labels)


def bar_drawing(x=14):
    """A 28x28 input with one vertical bar centred at column `x`."""
    image = np.zeros((28, 28), np.float32)
    image[8:20, x - 2:x + 2] = 1.0
    return image
