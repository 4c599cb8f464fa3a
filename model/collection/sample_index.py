"""The in-memory index of a task's saved drawings: which ids each label folder holds.

`model.collection.samples.SampleStore` reads counts, listings and lookups from here and keeps the index up to date with
its own adds, removals and moves, so none of them rescans the folders (a scan of 50,000 files costs tenths of a second,
a lookup here microseconds). Every `SampleStore` of the same folder shares one index (`index_for`), so an import
in a background thread, the browser and the saving keys all see the same samples. Ids sort by time of saving
(`model.collection.samples.new_id`), so each label's ids are kept as a sorted list: newest last, counts by bisection.

The index also holds the drawings that are saved but still on their way to disk (`pending`): they are listed and
counted at once, and their snapshot serves their image and strokes until the writer thread has written them.
Only whole PNGs are listed: a damaged drawing found while scanning is set aside (`model.collection.sample_files`), and
one found undecodable while training is dropped from the index, so counts always agree with the readable drawings.
"""

from __future__ import annotations

import bisect
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from model.collection.sample_files import whole_png
from model.collection.sample_format import quickdraw_record, saved_image


@dataclass(frozen=True)
class Sample:
    """One saved drawing.

    Attributes:
        id: unique name, also the file stem.
        label: the folder it lives in.
        file: its PNG, as a string (a listing of thousands stays cheap); `path` gives it as a Path.
    """

    id: str
    label: str
    file: str

    @property
    def path(self) -> Path:
        return Path(self.file)

    @property
    def strokes_path(self) -> Path:
        return Path(self.file[:-4] + ".json")


@dataclass(frozen=True)
class SamplesChange:
    """What one change did to a task's drawings, for listeners that update without listing the store again.

    Attributes:
        task_name: the task.
        counts: {label: number of samples} for every label folder after the change.
        added: samples that appeared (a moved sample appears under its new label).
        removed: samples that went (a moved sample goes from its old label).
        everything: too much changed to list (an import, a renamed label): list the store again.
    """

    task_name: str
    counts: dict = field(default_factory=dict)
    added: tuple = ()
    removed: tuple = ()
    everything: bool = False


class PendingSample:
    """A saved drawing not yet written: the frozen snapshot that the writer thread writes.

    The snapshot is what the save key had at hand (the canvas raster and the strokes); the saved image and the
    Quick, Draw! record are made from it once, when first needed (normally in the writer thread).

    Args:
        sample: where it will be.
        raster: the drawing's raster (a copy nobody changes); `crop` as for `SampleStore.add`.
        strokes: its strokes (or None); `extra`: more record fields, with the time of saving.
        on_failed: called (from the writer thread) with (sample, message) if writing it fails.
    """

    def __init__(self, sample: Sample, raster, strokes, crop: bool, extra: dict, on_failed=None) -> None:
        self.sample, self.raster, self.strokes, self.crop, self.extra = sample, raster, strokes, crop, extra
        self.on_failed = on_failed
        self.failed: str | None = None
        self._lock = threading.Lock()
        self._image = self._record = None

    def image(self):
        """Returns the image as the PNG holds it (uint8, dark on light). Raises ValueError for a drawing of no ink."""
        with self._lock:
            if self._image is None:
                self._image = saved_image(self.raster, self.crop)
            return self._image

    def record(self) -> dict:
        with self._lock:
            if self._record is None:
                self._record = quickdraw_record(self.sample.id, self.sample.label, self.raster.shape, self.strokes,
                                                dict(self.extra))
            return self._record

    def moved_to(self, sample: Sample) -> PendingSample:
        """Returns the same snapshot saved as `sample` (another label)."""
        return PendingSample(sample, self.raster, self.strokes, self.crop, self.extra, self.on_failed)


class SampleIndex:
    """Ids by label for one drawings folder. Thread-safe; built by one scan on first use."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.lock = threading.RLock()
        self.pending: dict[str, PendingSample] = {}
        self._ids: dict[str, list[str]] | None = None
        self._label_of: dict[str, str] = {}

    def rescan(self) -> None:
        """Lists the folders again (for changes made outside the app); pending samples stay listed."""
        self._install(self._scan(), replace=True)

    def ready(self) -> bool:
        """Returns True once the index is built (reading it before builds it on the calling thread)."""
        return self._ids is not None

    def load_in_background(self, done=None) -> None:
        """Builds the index in a thread, unless built already; then calls `done()` (from that thread, or at once)."""
        with self.lock:
            if self._ids is None:
                threading.Thread(target=self._load, args=(done,), name="sample-index", daemon=True).start()
                return
        if done is not None:
            done()

    def _load(self, done) -> None:
        self._install(self._scan(), replace=False)
        if done is not None:
            done()

    def _scan(self) -> dict[str, list[str]]:
        ids: dict[str, list[str]] = {}
        if self.root.is_dir():
            for entry in os.scandir(self.root):
                if entry.is_dir() and not entry.name.startswith("."):
                    ids[entry.name] = sorted(_png_stems(entry.path))
        return ids

    def _install(self, ids: dict[str, list[str]], replace: bool) -> None:
        with self.lock:
            if self._ids is not None and not replace:  # built meanwhile, and maybe changed since: keep that one
                return
            for pending in self.pending.values():
                label_ids = ids.setdefault(pending.sample.label, [])
                if pending.sample.id not in label_ids:
                    bisect.insort(label_ids, pending.sample.id)
            self._ids = ids
            self._label_of = {sample_id: label for label, stems in ids.items() for sample_id in stems}

    def _table(self) -> dict[str, list[str]]:
        if self._ids is None:
            self._install(self._scan(), replace=False)
        return self._ids

    # -- reading ------------------------------------------------------------------------------------------

    def labels(self) -> list[str]:
        with self.lock:
            return sorted(self._table())

    def counts(self) -> dict[str, int]:
        with self.lock:
            return {label: len(ids) for label, ids in sorted(self._table().items())}

    def ids(self, label: str) -> list[str]:
        """Returns a copy of `label`'s ids, oldest first ([] for an unknown label)."""
        with self.lock:
            return list(self._table().get(label, ()))

    def label_of(self, sample_id: str) -> str | None:
        with self.lock:
            self._table()
            return self._label_of.get(sample_id)

    def count_after(self, sample_id: str, labels) -> int:
        """Returns how many samples of `labels` have an id greater than `sample_id` (saved after it)."""
        with self.lock:
            table = self._table()
            return sum(len(ids) - bisect.bisect_right(ids, sample_id) for ids in map(table.get, labels) if ids)

    # -- keeping up with the store ------------------------------------------------------------------------

    def add(self, label: str, sample_id: str) -> None:
        with self.lock:
            ids = self._table().setdefault(label, [])
            if ids and ids[-1] < sample_id:
                ids.append(sample_id)
            elif sample_id not in self._label_of:
                bisect.insort(ids, sample_id)
            self._label_of[sample_id] = label

    def discard(self, sample_id: str) -> None:
        with self.lock:
            self._table()
            label = self._label_of.pop(sample_id, None)
            ids = self._ids.get(label) if label is not None else None
            if ids:
                position = bisect.bisect_left(ids, sample_id)
                if position < len(ids) and ids[position] == sample_id:
                    del ids[position]

    def add_label(self, label: str) -> None:
        with self.lock:
            self._table().setdefault(label, [])

    def drop_label(self, label: str) -> None:
        with self.lock:
            for sample_id in self._table().pop(label, ()):
                self._label_of.pop(sample_id, None)

    def reload_label(self, label: str) -> None:
        """Lists one label folder again (after it was renamed or restored as a whole)."""
        folder = self.root / label
        stems = sorted(_png_stems(folder)) if folder.is_dir() else None
        with self.lock:
            self.drop_label(label)
            if stems is not None:
                self._ids[label] = stems
                self._label_of.update((sample_id, label) for sample_id in stems)


def _png_stems(folder) -> list[str]:
    """The ids of a label folder's whole PNGs; a damaged one is set aside (`sample_files.whole_png`)."""
    return [entry.name[:-4] for entry in os.scandir(folder)
            if entry.name.endswith(".png") and not entry.name.startswith(".") and whole_png(entry)]


_indexes: dict[str, SampleIndex] = {}
_indexes_lock = threading.Lock()


def index_for(root: str | os.PathLike) -> SampleIndex:
    """Returns the one index of the drawings folder `root`, shared by every store of that folder."""
    key = os.path.abspath(root)
    with _indexes_lock:
        index = _indexes.get(key)
        if index is None:
            index = _indexes[key] = SampleIndex(Path(key))
        return index


def all_indexes() -> list[SampleIndex]:
    """Returns the index of every drawings folder used so far in this process."""
    with _indexes_lock:
        return list(_indexes.values())
