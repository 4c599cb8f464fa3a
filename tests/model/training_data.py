"""Small synthetic data for model tests: bars whose direction is the label, trivially separable."""

from __future__ import annotations

import numpy as np

from model.training import TaskData


def bars(count: int, seed: int = 0, num_classes: int = 3):
    """Returns (x (count, 28, 28) float32, y int64): horizontal, vertical or diagonal bars at random places."""
    rng = np.random.default_rng(seed)
    x = np.zeros((count, 28, 28), np.float32)
    y = rng.integers(0, num_classes, count).astype(np.int64)
    for image, label in zip(x, y):
        offset, start = rng.integers(6, 22), rng.integers(3, 8)
        width = int(rng.integers(2, 4))
        for step in range(start, start + 16):
            if label == 0:
                image[offset:offset + width, step] = 1.0
            elif label == 1:
                image[step, offset:offset + width] = 1.0
            else:
                image[step, max(0, step - 2):step + width] = 1.0
    return x, y


def bars_data(train: int = 256, val: int = 96, seed: int = 0) -> TaskData:
    """Returns a `TaskData` of bars for three-label tasks such as Shapes."""
    x_train, y_train = bars(train, seed)
    x_val, y_val = bars(val, seed + 1)
    return TaskData(x_train, y_train, x_val, y_val)
