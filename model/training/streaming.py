"""Training data streamed from disk with tf.data, so memory stays flat however large the data set grows.

A task's streamed data is every shard set (`model.collection.shards`) it has:

- `<data>/cache/<task>/drawings/`: the saved drawings (`<data>/drawings/<task>/<label>/<id>.png`), each run
  through `preprocess` once and kept until the drawings folder changes (`refresh_drawings_cache`);
- `<data>/datasets/<task>/<name>/`: whole Quick, Draw! files imported at scale (`model.collection.quickdraw`), or any
  set written with `model.collection.shards.ShardWriter`.

`train_dataset` reads their shards with `FixedLengthRecordDataset` (a native reader: no Python in the loop, and
tf.distribute can split it across workers by file), interleaving a few shards at a time through a bounded
shuffle buffer. Memory is the buffer plus a few shards' read-ahead, whatever the number of images.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.collection.shards import HEADER_BYTES, PIXELS, RECORD_BYTES, VALIDATION_EVERY, ShardSet, ShardWriter
from model.core import paths

SHUFFLE_BUFFER = 20_000
MAX_VALIDATION = 10_000
RECALIBRATION_SAMPLES = 5000
_CHUNK = 512


@dataclass
class StreamSource:
    """The shard sets a task trains on, read with its labels (labels of a set the task lacks are left out)."""

    sets: list
    labels: list

    def mapping(self, shard_set: ShardSet) -> np.ndarray:
        """Returns, for each of the set's labels, its index in `labels` (-1: not one of them)."""
        return np.array([self.labels.index(name) if name in self.labels else -1 for name in shard_set.labels],
                        np.int64)

    @property
    def count(self) -> int:
        """Training images of the task's labels across all sets (the size of one epoch)."""
        total = 0
        for shard_set in self.sets:
            counts = np.asarray(shard_set.manifest.get("label_counts", []), np.float64)
            kept = counts[self.mapping(shard_set) >= 0].sum() / max(1.0, counts.sum())
            total += round(shard_set.count("train") * kept)
        return int(total)

    def read(self, part: str, limit: int, seed: int | None = None):
        """Returns (x, y) of up to `limit` images of `part`, shared evenly between sets, labels remapped."""
        xs, ys = [np.zeros((0, 28, 28), np.float32)], [np.zeros((0,), np.int64)]
        for shard_set in self.sets:
            x, y = shard_set.read(part, max(1, limit // len(self.sets)), seed)
            mapped = self.mapping(shard_set)[y] if len(y) else y
            xs.append(x[mapped >= 0])
            ys.append(mapped[mapped >= 0])
        return np.concatenate(xs), np.concatenate(ys)

    def train_dataset(self, *, batch_size: int, augmentation: dict | None = None, seed: int = 0,
                      shuffle_buffer: int = SHUFFLE_BUFFER):
        """Returns an endless tf.data pipeline of batches (images (B, 28, 28, 1) float32, labels (B,) int64).

        Shard order is reshuffled every pass; run it `count // batch_size` steps per epoch.
        """
        import tensorflow as tf

        from model.training.augment import augment_batch
        from model.training.pipelines import without_autotuning

        files, set_ids, tables = [], [], []
        width = max(len(shard_set.labels) for shard_set in self.sets)
        for set_id, shard_set in enumerate(self.sets):
            files += [str(file) for file in shard_set.files("train")]
            set_ids += [set_id] * len(shard_set.files("train"))
            mapping = self.mapping(shard_set)
            tables.append(np.pad(mapping, (0, width - len(mapping)), constant_values=-1))
        table = tf.constant(np.stack(tables))

        def decode(record, set_id):
            values = tf.io.decode_raw(record, tf.uint8)
            local = tf.cast(values[PIXELS], tf.int32) + 256 * tf.cast(values[PIXELS + 1], tf.int32)
            return tf.reshape(values[:PIXELS], (28, 28, 1)), tf.gather_nd(table, tf.stack([set_id, local]))

        def prepare(images, labels):
            images = tf.cast(images, tf.float32) / 255.0
            return (augment_batch(images, **augmentation) if augmentation else images), labels

        shards = tf.data.Dataset.from_tensor_slices((files, tf.constant(set_ids, tf.int32)))
        shards = shards.shuffle(len(files), seed=seed, reshuffle_each_iteration=True)
        records = shards.interleave(
            lambda file, set_id: tf.data.FixedLengthRecordDataset(
                file, RECORD_BYTES, header_bytes=HEADER_BYTES, buffer_size=1 << 20).map(
                lambda record: (record, set_id)),
            cycle_length=min(4, len(files)), block_length=16, num_parallel_calls=tf.data.AUTOTUNE)
        images = records.map(decode, num_parallel_calls=tf.data.AUTOTUNE).filter(lambda image, label: label >= 0)
        images = images.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True).repeat()
        return without_autotuning(images.batch(batch_size).map(prepare, num_parallel_calls=1).prefetch(2))


def drawings_cache(task_name: str) -> ShardSet:
    return ShardSet(paths.data_dir() / "cache" / task_name / "drawings")


def imported_sets(task_name: str) -> list[ShardSet]:
    """Returns the task's data sets imported at scale, by folder name."""
    root = paths.data_dir() / "datasets" / task_name
    folders = sorted(entry for entry in root.iterdir() if entry.is_dir()) if root.is_dir() else []
    return [shard_set for shard_set in map(ShardSet, folders) if shard_set.exists]


def imported_counts(task_name: str, labels) -> dict[str, int]:
    """Returns {label: images} of `labels` in the task's imported sets (training and held-out together)."""
    counts = {label: 0 for label in labels}
    for shard_set in imported_sets(task_name):
        for label, count in zip(shard_set.labels, shard_set.manifest.get("label_counts", [])):
            if label in counts:
                counts[label] += int(count)
    return counts


def refresh_drawings_cache(task, *, progress=None, should_stop=None) -> ShardSet | None:
    """Brings the drawings' shard set up to date, preprocessing every saved drawing once, streaming.

    Args:
        task: a `model.core.tasks.Task`; drawings of other labels are left out.
        progress: called with (drawings done, drawings in all) every few hundred drawings.
        should_stop: polled between chunks; True abandons the rebuild, keeping the previous cache.

    Returns:
        The up-to-date set; None if cancelled. A folder with no drawings gives an empty set.
    """
    cache = drawings_cache(task.name)
    folder = paths.drawings_dir(task.name)
    fingerprint = _fingerprint(folder, task.labels)
    if cache.exists and cache.manifest.get("source") == fingerprint:
        return cache
    report = progress or (lambda done, total: None)
    total = sum(entry["count"] for entry in fingerprint.values())
    writer = ShardWriter(cache.folder, task.labels, source=fingerprint)
    done = 0
    for index, files in enumerate(_label_files(folder, task.labels)):
        for start in range(0, len(files), _CHUNK):
            if should_stop is not None and should_stop():
                writer.abort()
                return None
            images = [_preprocessed(path) for path in files[start:start + _CHUNK]]
            kept = [image for image in images if image is not None]
            if kept:
                writer.add(np.stack(kept), [index] * len(kept))
            done += len(images)
            report(done, total)
    return writer.close()


def task_source(task, *, progress=None, should_stop=None) -> StreamSource | None:
    """Returns every shard set the task trains on (the drawings' cache refreshed first); None if cancelled."""
    drawings = refresh_drawings_cache(task, progress=progress, should_stop=should_stop)
    if drawings is None:
        return None
    sets = [shard_set for shard_set in [drawings, *imported_sets(task.name)] if shard_set.count("train")]
    return StreamSource(sets, list(task.labels))


def _fingerprint(folder: Path, labels) -> dict:
    """Per label: how many PNGs, their total size and newest modification; changes whenever a drawing does."""
    result = {}
    for label in labels:
        count = size = newest = 0
        try:
            entries = os.scandir(folder / label)
        except (FileNotFoundError, NotADirectoryError):
            entries = iter(())
        for entry in entries:
            if entry.name.endswith(".png") and not entry.name.startswith("."):
                stat = entry.stat()
                count, size, newest = count + 1, size + stat.st_size, max(newest, stat.st_mtime_ns)
        result[label] = {"count": count, "size": size, "newest": newest}
    return result


def _label_files(folder: Path, labels):
    for label in labels:
        try:
            yield [entry.path for entry in os.scandir(folder / label)
                   if entry.name.endswith(".png") and not entry.name.startswith(".")]
        except (FileNotFoundError, NotADirectoryError):
            yield []


def _preprocessed(path) -> np.ndarray | None:
    from model.core.preprocessing import load_image, preprocess

    try:
        return preprocess(load_image(path))
    except (OSError, ValueError):
        return None


def stream_task_data(task, seed: int = 0, *, progress=None, should_stop=None):
    """Returns a `model.training.training.TaskData` that streams the task's shard sets; None if cancelled.

    Its arrays are small samples: `x_train` up to `RECALIBRATION_SAMPLES` training images (for batch-norm
    recalibration), `x_val` up to `MAX_VALIDATION` held-out ones; `stream` is the `StreamSource` fit reads.

    Raises:
        ValueError: the task has no images of its labels yet (the message says how to add some).
    """
    from model.training.training import TaskData

    source = task_source(task, progress=progress, should_stop=should_stop)
    if source is None:
        return None
    if source.count == 0:
        raise ValueError(f"Task {task.name!r} has no saved drawings of its labels to train on yet: save a few drawings "
                         "of each label (ten is a good start) or import a Quick, Draw! file, then train.")
    x_train, y_train = source.read("train", RECALIBRATION_SAMPLES, seed)
    x_val, y_val = source.read("validation", MAX_VALIDATION)
    validation = f"held-out drawings (every {VALIDATION_EVERY}th)"
    if not len(y_val):
        x_val, y_val, validation = x_train, y_train, "training drawings (too few to hold any out)"
    return TaskData(x_train, y_train, x_val, y_val, validation, stream=source)
