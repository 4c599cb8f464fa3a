"""Import whole Quick, Draw! category files at scale, streaming, into a task's shard sets.

Quick, Draw! publishes per category a `.npy` of 28x28 bitmaps ((N, 784) uint8, white on black) and an `.ndjson`
of strokes, each 100,000+ drawings.
`model.collection.importers` saves every drawing as a sample (a PNG and a record each,
shown in the browser); that suits hundreds, not a whole category. Here a file becomes one shard set,
`<data>/datasets/<task>/<name>/` (`model.collection.shards`), read in chunks (the .npy through mmap, the .ndjson line by
line) and preprocessed once by `preprocess`, so neither memory nor the sample browser grows with it.
`model.training.streaming` trains on it with the task's drawings (Shapes and Digits, which take files of their own
labels only, mix a sample of it into their built-in data: `model.training.imported_data`). Cancelling keeps the set it
would have replaced.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from model.collection import import_checks as checks
from model.collection.import_report import ImportReport, describe_added
from model.collection.shards import ShardWriter
from model.core import names, paths, storage

_PREFIXES = ("full_numpy_bitmap_", "full_simplified_", "full_raw_")
_CHUNK = 1024
# Cancel is polled every this many drawings (an .ndjson line takes ~2 ms to draw and preprocess, a bitmap ~0.6 ms).
_POLL_EVERY = 32


@dataclass
class QuickDrawImport:
    """What an import at scale did: images added per label, records skipped (name, reason) and counted per kind,
    records left over the per-label limit, where the set is, and the name of the task it went into."""

    folder: Path
    into: str = ""
    added: dict = field(default_factory=dict)
    records: list = field(default_factory=list)
    skip_kinds: dict = field(default_factory=dict)
    left_out: dict = field(default_factory=dict)

    @property
    def skipped(self) -> int:
        return len(self.records)

    @property
    def reasons(self) -> list[str]:
        """The first 20 skipped records, as "name: reason"."""
        return [f"{name}: {reason}" for name, reason in self.records[:20]]

    def summary(self) -> str:
        """Returns one line: "Imported 5 drawings of 'circle' into Shapes.", then the first records skipped."""
        skipped = f" Skipped {self.skipped}: {'; '.join(self.reasons[:3])}." if self.skipped else ""
        return f"Imported {describe_added(self.added)}{f' into {self.into}' if self.into else ''}.{skipped}"

    def skip(self, name: str, kind: str, reason: str) -> None:
        self.records.append((name, reason))
        self.skip_kinds[kind] = self.skip_kinds.get(kind, 0) + 1

    def leave_out(self, label: str, count: int = 1) -> None:
        if count > 0:
            self.left_out[label] = self.left_out.get(label, 0) + count

    def as_report(self, limit: int | None, file_name: str = "") -> ImportReport:
        """Returns the same counts as a `model.collection.import_report.ImportReport`, records named "<file> <name>"."""
        prefix = f"{file_name} " if file_name else ""
        return ImportReport(added=dict(self.added), skipped=[(prefix + name, reason) for name, reason in self.records],
                            skip_kinds=dict(self.skip_kinds), left_out=dict(self.left_out), limit=limit, into=self.into)


def label_of(path) -> str:
    """Returns the category a Quick, Draw! file is named after: `full_numpy_bitmap_cat.npy` -> "cat"."""
    stem = Path(path).stem
    for prefix in _PREFIXES:
        if stem.startswith(prefix):
            return stem[len(prefix):]
    return stem


def refusal(task, label: str) -> str:
    """Returns the one line refusing drawings of `label` for a built-in task that lacks the label."""
    return (f"{task.display_name} has no label '{label}'; import into a task of your own, or add the label with "
            "Tasks › Labels…")


def set_folder(path, task) -> Path:
    """Returns where the set imported from `path` lives: one per category, so importing a file again (or the
    category's other format: its bitmaps are drawn from its strokes) replaces it.

    Raises:
        ValueError: the file's name cannot name a folder (see `folder_name`).
    """
    return names.inside(paths.data_dir() / "datasets" / task.name, folder_name(path))


def folder_name(path) -> str:
    """Returns the name of the set's folder, from the category the file is named after, checked as every label
    is (`model.core.names.check_name`: no "..", device names such as CON, bidi or control characters).

    Raises:
        ValueError: the name is refused; one line saying why and to rename the file.
    """
    path = Path(path)
    try:
        category = names.check_name(label_of(path), "label")
    except ValueError as error:
        raise ValueError(f"{names.shown(path.name)}: cannot be imported under its own name. {error} Rename the file "
                         "after its category (for example full_numpy_bitmap_cat.npy).") from None
    return re.sub(r"[^\w.-]", "_", category)


def import_quickdraw(path, task, *, limit: int | None = None, rename: dict | None = None, counted: dict | None = None,
                     progress=None, should_stop=None):
    """Imports a Quick, Draw! `.npy` or `.ndjson` file into the task's set named after the file.

    Args:
        path: the file; a `.npy`'s label is its name (`cat.npy`, `full_numpy_bitmap_cat.npy`), an `.ndjson`
            line's is its "word".
        task: a `model.core.tasks.Task`; drawings of labels it lacks are skipped.
        limit: at most this many images per label (None: all).
        rename: {label in the file: label of the task} ("kitten": "cat"); labels not in it keep their name.
        counted: {label: images already imported from other files this time}, counted against `limit`.
        progress: called with (fraction done in [0, 1], images added so far) after every chunk.
        should_stop: polled every few dozen drawings; True abandons the import.

    Returns:
        A `QuickDrawImport`, or None if cancelled (the task's sets are as before).

    Raises:
        ValueError: the file is neither, or a `.npy` is named after no label of the task, or any file's category
            is no label of a built-in task (says how to fix it).
        OSError: the disk refused a shard (nothing of this file is kept).
    """
    path = Path(path)
    readers = {".npy": _read_npy, ".ndjson": _read_ndjson}
    if path.suffix.lower() not in readers:
        raise ValueError(f"{path.name}: expected a Quick, Draw! .npy or .ndjson file, received "
                         f"{path.suffix or 'a file without extension'}.")
    if task.base_data is not None:
        _refuse_other_category(path, task, rename or {})
    report = QuickDrawImport(set_folder(path, task), task.display_name)
    reading = _Reading(task, report, limit, rename or {}, counted or {}, should_stop or (lambda: False))
    writer = ShardWriter(report.folder, list(task.labels), source={"file": path.name, "limit": limit})
    report_progress = progress or (lambda fraction, added: None)
    try:
        for fraction, images, labels in readers[path.suffix.lower()](path, reading):
            if reading.should_stop():
                break
            if images:
                writer.add(np.stack(images), [task.labels.index(label) for label in labels])
            report_progress(fraction, sum(report.added.values()))
        if reading.should_stop():
            writer.abort()
            return None
        writer.close()
    except BaseException:
        writer.abort()
        raise
    return report


def _refuse_other_category(path: Path, task, rename: dict) -> None:
    """Shapes and Digits take files of their own labels only (a whole file of another is refused, not skipped line
    by line): their training mixes the imports in by label (`model.training.imported_data`)."""
    from model.collection.quickdraw_files import inspect_file

    category = inspect_file(path).category
    if rename.get(category, category) not in task.labels:
        raise ValueError(refusal(task, rename.get(category, category)))


@dataclass
class _Reading:
    """What a reader needs: the task, the report, the limit, the renames, the images counted before, whether to stop."""

    task: object
    report: QuickDrawImport
    limit: int | None
    rename: dict
    counted: dict
    should_stop: object

    def label(self, name: str) -> str:
        return self.rename.get(name, name)

    def full(self, label: str) -> bool:
        """True if `label` is at the limit already (the record is then counted as left out)."""
        if self.limit is not None and self._count(label) >= self.limit:
            self.report.leave_out(label)
            return True
        return False

    def _count(self, label: str) -> int:
        return self.counted.get(label, 0) + self.report.added.get(label, 0)

    def add(self, label: str) -> None:
        self.report.added[label] = self.report.added.get(label, 0) + 1

    def all_full(self) -> bool:
        """True once every label of the task is at the limit (an .ndjson may hold any of them)."""
        return self.limit is not None and all(self._count(label) >= self.limit for label in self.task.labels)


def _read_npy(path: Path, reading: _Reading):
    from model.core.preprocessing import preprocess

    task, report = reading.task, reading.report
    label = reading.label(label_of(path))
    if label not in task.labels:
        raise ValueError(f"{path.name} holds drawings of {label!r}, which is not a label of {task.display_name} "
                         f"({', '.join(task.labels)}); add the label first, or rename the file after one.")
    bitmaps = open_bitmaps(path)
    for start in range(0, len(bitmaps), _CHUNK):
        images, labels = [], []
        chunk = np.asarray(bitmaps[start:start + _CHUNK]).reshape(-1, 28, 28)
        for number, bitmap in enumerate(chunk, start):
            if number % _POLL_EVERY == 0 and reading.should_stop():
                return
            if reading.full(label):  # the rest of the file is left out unread
                report.leave_out(label, len(bitmaps) - number - 1)
                yield 1.0, images, labels
                return
            image = preprocess(bitmap, ink="light")
            if image is None:
                report.skip(f"#{number}", checks.EMPTY, "no ink")
                continue
            reading.add(label)
            images.append(image)
            labels.append(label)
        yield min(1.0, (start + _CHUNK) / len(bitmaps)), images, labels


def open_bitmaps(path) -> np.ndarray:
    """Opens a Quick, Draw! `.npy` of 28x28 bitmaps through mmap, (N, 784) or (N, 28, 28) uint8.

    Raises:
        ValueError: it is no such file (one line: what was found).
    """
    path = Path(path)
    try:
        bitmaps = storage.load_npy(path, mmap_mode="r")
    except (OSError, ValueError) as error:
        raise ValueError(f"{path.name}: not a .npy of 28x28 bitmaps ({error}).") from None
    if bitmaps.ndim not in (2, 3) or np.prod(bitmaps.shape[1:]) != 784:
        raise ValueError(f"{path.name}: expected (N, 784) or (N, 28, 28) bitmaps, received shape {bitmaps.shape}.")
    return bitmaps


def _read_ndjson(path: Path, reading: _Reading):
    size = max(1, path.stat().st_size)
    with open(path, "rb") as handle:
        images, labels = [], []
        for number, line in enumerate(handle, start=1):
            if number % _POLL_EVERY == 0 and reading.should_stop():
                return
            image, label = _ndjson_image(line, number, reading)
            if image is not None:
                images.append(image)
                labels.append(label)
            if len(images) == _CHUNK or number % _CHUNK == 0:
                yield handle.tell() / size, images, labels
                images, labels = [], []
                if reading.all_full():
                    return
        yield 1.0, images, labels


def _ndjson_image(line: bytes, number: int, reading: _Reading):
    """Returns (image, label) of one .ndjson line, or (None, None) when skipped, left out or blank."""
    from model.collection.importers import render_drawing
    from model.collection.sample_format import quickdraw_to_strokes
    from model.core.preprocessing import preprocess

    report, name = reading.report, f"line {number}"
    if not line.strip():
        return None, None
    try:
        record = json.loads(line)
        label = reading.label(str(record["word"]))
        strokes = quickdraw_to_strokes(record["drawing"])
    except (ValueError, KeyError, TypeError, IndexError) as error:
        report.skip(name, checks.NOT_A_RECORD, f"not a Quick, Draw! record ({error})")
        return None, None
    if label not in reading.task.labels:
        report.skip(name, checks.OTHER_LABEL, f"label {label!r} not in task")
        return None, None
    if reading.full(label):  # counted, never drawn: a 100,000-line file costs a parse per line past the limit
        return None, None
    problem = checks.coordinates_problem(strokes)
    if problem:
        report.skip(name, checks.BAD_COORDINATES, problem)
        return None, None
    drawing = render_drawing(strokes)
    image = preprocess(drawing) if drawing is not None else None
    if image is None:
        report.skip(name, checks.EMPTY, "no ink")
        return None, None
    reading.add(label)
    return image, label
