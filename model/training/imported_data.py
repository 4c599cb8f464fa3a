"""A built-in task's imported Quick, Draw! drawings, held in memory beside its built-in data.

Shapes and Digits train in memory on generated drawings and MNIST (`model.training.training.load_task_data`).
Files imported into them
(`<data>/datasets/<task>/<file>/`, `model.collection.quickdraw`) join that data here: a random sample of
each label's imported training images, at most as many as the built-in data holds of its largest label, so memory
stays bounded however large the files. Their held-out images (every 50th, `model.collection.shards`) are never
trained on: `train_task` measures the model on them apart (`imported_val_accuracy`), and the built-in validation
(generated held-out drawings, the MNIST test set) stays as it was. Retrain mixes imported images into its base data
the same way (`model.training.retrain_data.base_data`).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np


def imported_source(task):
    """Returns a `model.training.streaming.StreamSource` of the task's imported sets holding any of its labels,
    or None."""
    from model.training.streaming import StreamSource, imported_sets

    source = StreamSource(imported_sets(task.name), list(task.labels))
    source.sets = [shard_set for shard_set in source.sets if _labels_held(source, shard_set)]
    return source if source.sets else None


def read_per_label(source, part: str, per_label: int, seed: int = 0):
    """Returns (x (n, 28, 28) float32, y (n,) int64 indices into the source's labels) of up to `per_label` images of
    each label from `part` ("train" or "validation") of the source's sets, drawn at random, repeatably with `seed`."""
    xs, ys = [np.zeros((0, 28, 28), np.float32)], [np.zeros((0,), np.int64)]
    for shard_set in source.sets if per_label > 0 else []:
        # Reading only as many as its labels could keep: a set of 100,000 circles never comes into memory whole.
        x, y = shard_set.read(part, per_label * len(_labels_held(source, shard_set)), seed)
        mapped = source.mapping(shard_set)[y] if len(y) else y
        xs.append(x[mapped >= 0])
        ys.append(mapped[mapped >= 0])
    x, y = np.concatenate(xs), np.concatenate(ys)
    rng = np.random.default_rng(seed)
    kept = [rng.permutation(np.nonzero(y == label)[0])[:per_label] for label in np.unique(y)]
    chosen = np.sort(np.concatenate(kept)) if kept else np.zeros((0,), np.int64)
    return x[chosen], y[chosen]


def add_imported(data, task, seed: int = 0):
    """Returns `data` (a `model.training.TaskData` of built-in data) with the task's imported drawings added.

    Up to as many imported training images per label as `data` holds of its largest label join `x_train` (and
    `x_train_source`, as they are: they have no other form); the imported held-out images go to `x_imported_val`.
    `x_val` is left as it is. Without imported sets, `data` is returned unchanged.
    """
    source = imported_source(task)
    if source is None:
        return data
    known = data.y_train[data.y_train >= 0]
    per_label = int(np.bincount(known).max()) if len(known) else 0
    x, y = read_per_label(source, "train", per_label, seed)
    x_val, y_val = read_per_label(source, "validation", per_label, seed)
    source_images = None if data.x_train_source is None else np.concatenate([data.x_train_source, x])
    return replace(data, x_train=np.concatenate([data.x_train, x]), y_train=np.concatenate([data.y_train, y]),
                   x_train_source=source_images, x_imported_val=x_val, y_imported_val=y_val,
                   imported_count=len(y))


def imported_metrics(keras_model, data, should_stop=None) -> dict:
    """Returns {"imported_val_accuracy", "imported_validation_samples", "imported_train_samples"} of a model
    trained on `data`, or {} when it holds no imported drawings."""
    if data.y_imported_val is None:
        return {}
    figures = {"imported_train_samples": int(data.imported_count),
               "imported_validation_samples": len(data.y_imported_val)}
    if len(data.y_imported_val):
        from model.training.training import evaluate

        measured = evaluate(keras_model, data.x_imported_val, data.y_imported_val, should_stop=should_stop)
        figures["imported_val_accuracy"] = measured["val_accuracy"]
    return figures


def _labels_held(source, shard_set) -> list[int]:
    """The task's labels (indices) that the set holds images of."""
    counts = shard_set.manifest.get("label_counts", [])
    mapping = source.mapping(shard_set)
    return [int(mapped) for mapped, count in zip(mapping, counts) if mapped >= 0 and count > 0]
