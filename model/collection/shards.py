"""Preprocessed images on disk in fixed-size shards, so a data set of any size trains with flat memory.

A shard set is a folder::

    manifest.json             labels, counts, and the shards that make the set (the set is what it lists)
    train-<run>-00000.npy     (n, 786) uint8 records: 784 pixels (28x28, white on black, as `preprocess`
    validation-<run>-00000.npy    makes them) and the label's index in `labels` as two bytes, little-endian

Each shard is a plain `.npy` (np.load reads it, with mmap) whose records also suit tf.data's
`FixedLengthRecordDataset` (`model.training.streaming`), a native reader that TensorFlow can split across workers by
file. Shards are written atomically and the manifest last, so a crash or a cancel leaves the previous set (or
none), never half of one; shards no manifest lists are removed by the next write.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.core import storage

PIXELS = 28 * 28
RECORD_BYTES = PIXELS + 2
# np.lib.format pads a version 1.0 header to 128 bytes for any (n, 786) uint8 array a shard can hold.
HEADER_BYTES = 128
SHARD_RECORDS = 16384
# Every this-many-th image is held out for validation (at most `MAX_VALIDATION` are ever read back).
VALIDATION_EVERY = 50
MAX_LABELS = 65536
_VERSION = 1


class ShardWriter:
    """Appends preprocessed images to a new shard set; `close()` commits it, `abort()` leaves the old one.

    Args:
        folder: the set's folder (created if needed).
        labels: the label names; images are added with indices into them.
        shard_records: records per shard file.
        validation_every: every n-th image added goes to the validation shards (0: none held out).
    """

    def __init__(self, folder, labels, *, shard_records: int = SHARD_RECORDS,
                 validation_every: int = VALIDATION_EVERY, source: dict | None = None):
        if len(labels) > MAX_LABELS:
            raise ValueError(f"A shard set holds at most {MAX_LABELS} labels; received {len(labels)}.")
        self.folder, self.labels = Path(folder), list(labels)
        self.shard_records, self.validation_every, self.source = shard_records, validation_every, source or {}
        self.run = secrets.token_hex(4)
        self.added = 0
        self.counts = np.zeros(len(self.labels), np.int64)
        self._parts = {"train": _Part(self, "train"), "validation": _Part(self, "validation")}

    def add(self, images: np.ndarray, label_indices) -> None:
        """Adds (n, 28, 28) images (uint8 0-255, or float in [0, 1]) with their label indices."""
        images = _as_uint8(images).reshape(-1, PIXELS)
        label_indices = np.asarray(label_indices, np.int64).reshape(-1)
        if len(images) != len(label_indices):
            raise ValueError(f"{len(images)} images but {len(label_indices)} labels.")
        if len(label_indices) and (label_indices.min() < 0 or label_indices.max() >= len(self.labels)):
            raise ValueError(f"Label indices must lie in [0, {len(self.labels)}); received {label_indices.min()}"
                             f"..{label_indices.max()}.")
        records = np.empty((len(images), RECORD_BYTES), np.uint8)
        records[:, :PIXELS] = images
        records[:, PIXELS] = label_indices & 0xFF
        records[:, PIXELS + 1] = label_indices >> 8
        positions = np.arange(self.added, self.added + len(records))
        held = (positions % self.validation_every == self.validation_every - 1) if self.validation_every else \
            np.zeros(len(records), bool)
        self._parts["train"].add(records[~held])
        self._parts["validation"].add(records[held])
        np.add.at(self.counts, label_indices, 1)
        self.added += len(records)

    def close(self) -> ShardSet:
        """Writes the last shards and the manifest, removes the previous set's shards, and returns the set."""
        for part in self._parts.values():
            part.flush()
        manifest = {"version": _VERSION, "labels": self.labels, "count": self.added,
                    "label_counts": self.counts.tolist(), "source": self.source,
                    "shards": {name: part.written for name, part in self._parts.items()}}
        storage.atomic_write_json(self.folder / "manifest.json", manifest)
        _remove_unlisted(self.folder, manifest)
        return ShardSet(self.folder)

    def abort(self) -> None:
        """Removes the shards written so far; the folder's previous set, if any, stays as it was."""
        for part in self._parts.values():
            for entry in part.written:
                (self.folder / entry["file"]).unlink(missing_ok=True)


class _Part:
    """The train or validation shards of a writer: fills a buffer, writes it out as one shard when full."""

    def __init__(self, writer: ShardWriter, name: str):
        self.writer, self.name = writer, name
        self.buffer, self.buffered, self.written = [], 0, []

    def add(self, records: np.ndarray) -> None:
        while len(records):
            room = self.writer.shard_records - self.buffered
            self.buffer.append(records[:room])
            self.buffered += len(self.buffer[-1])
            records = records[room:]
            if self.buffered == self.writer.shard_records:
                self.flush()

    def flush(self) -> None:
        if not self.buffered:
            return
        data = np.concatenate(self.buffer)
        file = f"{self.name}-{self.writer.run}-{len(self.written):05d}.npy"
        with storage.atomic_path(self.writer.folder / file) as temporary, open(temporary, "wb") as handle:
            np.lib.format.write_array(handle, data, version=(1, 0))
        self.written.append({"file": file, "count": int(len(data))})
        self.buffer, self.buffered = [], 0


@dataclass(frozen=True)
class ShardSet:
    """A committed shard set (see the module docstring); `exists` is False for a folder without one."""

    folder: Path

    @property
    def manifest(self) -> dict:
        try:
            return json.loads((Path(self.folder) / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    @property
    def exists(self) -> bool:
        return self.manifest.get("version") == _VERSION

    @property
    def labels(self) -> list[str]:
        return list(self.manifest.get("labels", []))

    def files(self, part: str = "train") -> list[Path]:
        """Returns the shard files of "train" or "validation"."""
        return [Path(self.folder) / entry["file"] for entry in self.manifest.get("shards", {}).get(part, [])]

    def count(self, part: str = "train") -> int:
        return sum(entry["count"] for entry in self.manifest.get("shards", {}).get(part, []))

    def read(self, part: str = "train", limit: int | None = None, seed: int | None = None):
        """Returns (x (n, 28, 28) float32 in [0, 1], y (n,) int64 indices into `labels`) of up to `limit` records.

        Records are read through mmap, shard by shard; with `seed`, `limit` records are drawn at random from the
        whole part, else the first ones are taken.
        """
        counts = [entry["count"] for entry in self.manifest.get("shards", {}).get(part, [])]
        total = sum(counts)
        wanted = total if limit is None else min(limit, total)
        chosen = np.arange(wanted) if seed is None else np.sort(
            np.random.default_rng(seed).choice(total, wanted, replace=False))
        x, y, start = [], [], 0
        for file, count in zip(self.files(part), counts):
            inside = chosen[(chosen >= start) & (chosen < start + count)] - start
            if len(inside):
                records = np.load(file, mmap_mode="r")[inside]
                x.append(records[:, :PIXELS].reshape(-1, 28, 28))
                y.append(records[:, PIXELS].astype(np.int64) + 256 * records[:, PIXELS + 1].astype(np.int64))
            start += count
        if not x:
            return np.zeros((0, 28, 28), np.float32), np.zeros((0,), np.int64)
        return np.concatenate(x).astype(np.float32) / 255.0, np.concatenate(y)


def _as_uint8(images) -> np.ndarray:
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return images
    return np.round(np.clip(images.astype(np.float32), 0.0, 1.0) * 255.0).astype(np.uint8)


def _remove_unlisted(folder: Path, manifest: dict) -> None:
    listed = {entry["file"] for part in manifest["shards"].values() for entry in part}
    for path in folder.glob("*.npy"):
        if path.name not in listed:
            path.unlink(missing_ok=True)
