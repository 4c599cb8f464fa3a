"""Import whole Quick, Draw! category files at scale, streaming, into a task's shard sets.

Quick, Draw! publishes per category a `.npy` of 28x28 bitmaps ((N, 784) uint8, white on black) and an `.ndjson`
of strokes, each 100,000+ drawings. `model.importers` saves every drawing as a sample (a PNG and a record each,
shown in the browser); that suits hundreds, not a whole category. Here a file becomes one shard set,
`<data>/datasets/<task>/<name>/` (`model.shards`), read in chunks (the .npy through mmap, the .ndjson line by
line) and preprocessed once by `preprocess`, so neither memory nor the sample browser grows with it.
`model.streaming` trains on it with the task's drawings. Cancelling keeps the set it would have replaced.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from model import paths
from model.shards import ShardWriter

_PREFIXES = ("full_numpy_bitmap_", "full_simplified_", "full_raw_")
_CHUNK = 1024


@dataclass
class QuickDrawImport:
    """What an import at scale did: images added per label, records skipped (with the first reasons), where."""

    folder: Path
    added: dict = field(default_factory=dict)
    skipped: int = 0
    reasons: list = field(default_factory=list)

    def summary(self) -> str:
        added = ", ".join(f"{count} {label}" for label, count in self.added.items()) or "nothing"
        skipped = f" Skipped {self.skipped}: {'; '.join(self.reasons[:3])}." if self.skipped else ""
        return f"Imported {added} into {self.folder.name}.{skipped}"

    def skip(self, reason: str) -> None:
        self.skipped += 1
        if len(self.reasons) < 20:
            self.reasons.append(reason)


def label_of(path) -> str:
    """Returns the category a Quick, Draw! file is named after: `full_numpy_bitmap_cat.npy` -> "cat"."""
    stem = Path(path).stem
    for prefix in _PREFIXES:
        if stem.startswith(prefix):
            return stem[len(prefix):]
    return stem


def import_quickdraw(path, task, *, limit: int | None = None, progress=None, should_stop=None):
    """Imports a Quick, Draw! `.npy` or `.ndjson` file into the task's set named after the file.

    Args:
        path: the file; a `.npy`'s label is its name (`cat.npy`, `full_numpy_bitmap_cat.npy`), an `.ndjson`
            line's is its "word".
        task: a `model.tasks.Task`; drawings of labels it lacks are skipped.
        limit: at most this many images per label (None: all).
        progress: called with (fraction done in [0, 1], images added so far) after every chunk.
        should_stop: polled between chunks; True abandons the import.

    Returns:
        A `QuickDrawImport`, or None if cancelled (the task's sets are as before).

    Raises:
        ValueError: the file is neither, or a `.npy` is named after no label of the task (says how to fix it).
    """
    path = Path(path)
    readers = {".npy": _read_npy, ".ndjson": _read_ndjson}
    if path.suffix.lower() not in readers:
        raise ValueError(f"{path.name}: expected a Quick, Draw! .npy or .ndjson file, received "
                         f"{path.suffix or 'a file without extension'}.")
    folder = paths.data_dir() / "datasets" / task.name / re.sub(r"[^\w.-]", "_", label_of(path))
    report = QuickDrawImport(folder)
    writer = ShardWriter(folder, list(task.labels), source={"file": path.name, "limit": limit})
    report_progress = progress or (lambda fraction, added: None)
    for fraction, images, labels in readers[path.suffix.lower()](path, task, report):
        if should_stop is not None and should_stop():
            writer.abort()
            return None
        kept = _within_limit(labels, report, limit)
        if len(kept):
            writer.add(np.stack([images[i] for i in kept]), [task.labels.index(labels[i]) for i in kept])
        report_progress(fraction, sum(report.added.values()))
        if limit is not None and _all_full(report, task.labels, limit, path):
            break
    writer.close()
    return report


def _within_limit(labels, report: QuickDrawImport, limit) -> list[int]:
    kept = []
    for index, label in enumerate(labels):
        if limit is None or report.added.get(label, 0) < limit:
            report.added[label] = report.added.get(label, 0) + 1
            kept.append(index)
    return kept


def _all_full(report: QuickDrawImport, labels, limit: int, path: Path) -> bool:
    wanted = [label_of(path)] if path.suffix.lower() == ".npy" else labels
    return all(report.added.get(label, 0) >= limit for label in wanted)


def _read_npy(path: Path, task, report: QuickDrawImport):
    from model.preprocessing import preprocess

    label = label_of(path)
    if label not in task.labels:
        raise ValueError(f"{path.name} holds drawings of {label!r}, which is not a label of {task.display_name} "
                         f"({', '.join(task.labels)}); add the label first, or rename the file after one.")
    try:
        bitmaps = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as error:
        raise ValueError(f"{path.name}: not a .npy of 28x28 bitmaps ({error}).") from None
    if bitmaps.ndim not in (2, 3) or np.prod(bitmaps.shape[1:]) != 784:
        raise ValueError(f"{path.name}: expected (N, 784) or (N, 28, 28) bitmaps, received shape {bitmaps.shape}.")
    for start in range(0, len(bitmaps), _CHUNK):
        images, labels = [], []
        for number, bitmap in enumerate(np.asarray(bitmaps[start:start + _CHUNK]).reshape(-1, 28, 28), start):
            image = preprocess(bitmap, ink="light")
            if image is None:
                report.skip(f"#{number}: no ink")
                continue
            images.append(image)
            labels.append(label)
        yield min(1.0, (start + _CHUNK) / len(bitmaps)), images, labels


def _read_ndjson(path: Path, task, report: QuickDrawImport):
    from model.importers import render_drawing
    from model.preprocessing import preprocess
    from model.sample_format import quickdraw_to_strokes

    size = max(1, path.stat().st_size)
    with open(path, "rb") as handle:
        images, labels = [], []
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                label = str(record["word"])
                image = render_drawing(quickdraw_to_strokes(record["drawing"]))
            except (ValueError, KeyError, TypeError) as error:
                report.skip(f"line {number}: not a Quick, Draw! record ({error})")
                continue
            image = preprocess(image) if image is not None and label in task.labels else None
            if image is None:
                report.skip(f"line {number}: " + ("no ink" if label in task.labels else f"label {label!r} not in task"))
                continue
            images.append(image)
            labels.append(label)
            if len(images) == _CHUNK:
                yield handle.tell() / size, images, labels
                images, labels = [], []
        yield 1.0, images, labels
