"""Small synthetic data for tests: bars whose direction is the label (28x28 arrays, trivially separable), and
drawings as strokes saved into a `SampleStore`, one shape per label."""

from __future__ import annotations

import numpy as np

from model.collection.samples import SampleStore
from model.core.strokes import Stroke, render_strokes
from model.training.training import TaskData


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


def shapes_network(per_label: int = 400, epochs: int = 4, seed: int = 0):
    """Returns a Keras network of the Quick recipe's architecture trained briefly on generated shapes.

    About 95% right on new generated shapes with the defaults: enough for saliency to have something to show.
    tests/model/test_saliency_alignment.py and benchmarks/why_on_ink.py both explain this one network.
    """
    import keras

    from model.datasets.shapes import make_dataset
    from model.network.architecture import build_model
    from model.training.recipes import QUICK_ARCHITECTURE

    keras.utils.set_random_seed(seed)
    x, y = make_dataset(per_label, seed=seed)
    network = build_model(QUICK_ARCHITECTURE, 3)
    network.compile(keras.optimizers.Adam(2e-3), "sparse_categorical_crossentropy")
    network.fit(x[..., None], y, epochs=epochs, batch_size=32, verbose=0)
    return network


def drawing(label: str, rng: np.random.Generator, size: int = 200) -> tuple[np.ndarray, list[Stroke]]:
    """Returns (image, strokes): one varied drawing on a `size` square, dark ink on light.

    "ring" and "circle" draw a ring, "bar" a near-vertical bar, "cross" two diagonals; any other label a random
    zigzag of four corners.
    """
    scale = size / 200
    cx, cy, r = rng.uniform(90, 110) * scale, rng.uniform(90, 110) * scale, rng.uniform(45, 70) * scale
    width = rng.uniform(5, 12)
    if label in ("ring", "circle"):
        angles = np.linspace(0, 2 * np.pi, 40)
        strokes = [Stroke(np.stack([cx + r * np.cos(angles), cy + r * np.sin(angles)], 1), width)]
    elif label == "bar":
        strokes = [Stroke(np.array([[cx, cy - r], [cx + rng.uniform(-8, 8) * scale, cy + r]]), width)]
    elif label == "cross":
        strokes = [Stroke(np.array([[cx - r, cy - r], [cx + r, cy + r]]), width),
                   Stroke(np.array([[cx + r, cy - r], [cx - r, cy + r]]), width)]
    else:
        strokes = [Stroke(rng.uniform(20, 180, size=(4, 2)) * scale, width)]
    return render_strokes(strokes, size, size), strokes


def fill_store(store: SampleStore | str, counts: dict[str, int], seed: int = 0) -> SampleStore:
    """Saves `counts[label]` drawings of each label (see `drawing`) into `store` (or the named task's store)."""
    store = SampleStore(store) if isinstance(store, str) else store
    rng = np.random.default_rng(seed)
    for label, count in counts.items():
        for _ in range(count):
            store.add(label, *drawing(label, rng))
    return store


def fail_png_writes(monkeypatch):
    """Makes every PNG write fail as a full disk does (records still write); returns the real writer to restore."""
    from model.core import storage

    real_write = storage.atomic_write_bytes

    def full_disk(path, data):
        if str(path).endswith(".png"):
            raise OSError(28, "No space left on device")
        return real_write(path, data)

    monkeypatch.setattr(storage, "atomic_write_bytes", full_disk)
    return real_write
