"""The data a retrain mixes: a subsample of a task's base data (with the Quick, Draw! files imported into it) and
the user's saved drawings.

Both come as (N, 28, 28) float32 images, white on black, as `preprocess` makes them, with labels as indices into
`task.labels`; base labels the task no longer has are dropped, and labels the user added have no base images.
"""

from __future__ import annotations

import numpy as np


def user_data(task, store=None):
    """Returns (x, y, ids) of the user's saved drawings for `task`'s labels (see `SampleStore.load_arrays`)."""
    from model.collection.samples import SampleStore

    store = store or SampleStore(task.name)
    return store.load_arrays(task.labels)


def base_data(task, per_label: int, seed: int = 0):
    """Returns (x, y) of `base_and_imported`, without the count."""
    x, y, _ = base_and_imported(task, per_label, seed)
    return x, y


def base_and_imported(task, per_label: int, seed: int = 0):
    """Returns (x, y, imported): up to `per_label` base images per label, then as many imported training images of
    each label (`model.training.imported_data`; never their held-out ones), `imported` of them; or empty arrays
    for a task without base data.

    Args:
        task: a `model.core.tasks.Task`; `task.base_data` is "shapes", "mnist" or None.
        per_label: images per label to draw (a random subsample, repeatable with `seed`).
        seed: the subsample's seed.

    Raises:
        model.datasets.mnist.MnistUnavailableError: Digits' MNIST cannot be found or downloaded (its message says how to
            get it).
    """
    if task.base_data is None or per_label <= 0:
        return np.zeros((0, 28, 28), np.float32), np.zeros((0,), np.int64), 0
    if task.base_data == "shapes":
        from model.core.tasks import SHAPE_LABELS
        from model.datasets.shapes import make_dataset

        x, y = make_dataset(per_label, seed)
        source_labels = SHAPE_LABELS
    elif task.base_data == "mnist":
        from model.core.tasks import DIGIT_LABELS
        from model.datasets.mnist import load_mnist, preprocess_images

        (x_all, y_all), _ = load_mnist()
        chosen = _per_label_subsample(y_all, per_label, seed)
        x, y = preprocess_images(x_all[chosen], drop_faint=True), y_all[chosen]  # as Digits was trained
        source_labels = DIGIT_LABELS
    else:
        raise ValueError(f"Task {task.name!r} has unknown base data {task.base_data!r}; expected 'shapes' or 'mnist'.")
    x, y = remap_labels(np.asarray(x, np.float32), np.asarray(y), source_labels, task.labels)
    return _with_imported(task, x, y, per_label, seed)


def _with_imported(task, x, y, per_label: int, seed: int):
    from model.training.imported_data import imported_source, read_per_label

    source = imported_source(task)
    if source is None:
        return x, y, 0
    x_imported, y_imported = read_per_label(source, "train", per_label, seed)
    return np.concatenate([x, x_imported]), np.concatenate([y, y_imported]), len(x_imported)


def remap_labels(x, y, source_labels, target_labels):
    """Keeps the images whose label name is in `target_labels` and renumbers their labels to its order."""
    mapping = np.full(len(source_labels), -1, np.int64)
    for index, label in enumerate(source_labels):
        if label in target_labels:
            mapping[index] = list(target_labels).index(label)
    mapped = mapping[np.asarray(y, np.int64)]
    keep = mapped >= 0
    return x[keep], mapped[keep]


def _per_label_subsample(y, per_label: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    chosen = []
    for label in np.unique(y):
        members = np.nonzero(y == label)[0]
        chosen.append(rng.choice(members, size=min(per_label, len(members)), replace=False))
    return np.sort(np.concatenate(chosen))
