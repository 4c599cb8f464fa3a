"""The user's saved drawings for one task: a folder per label, a PNG and a stroke file per sample.

On disk, under `model.core.paths.drawings_dir(task)`::

    <label>/<id>.png      the drawing as drawn, dark ink on light, square (reads with
                          keras.utils.image_dataset_from_directory and any ImageFolder loader)
    <label>/<id>.json     its strokes as one Quick, Draw! object: {"key_id", "word", "drawing": [[xs], [ys], [ts]],
                          "timestamp", "countrycode", "recognized", "pen_widths"}
    strokes.ndjson        every sample's object, one per line, rebuilt from the .json files by `write_ndjson()`

On disk, a sample exists exactly when its PNG exists. Each file is written atomically (`model.core.storage`), the .json
before the .png, so a crash leaves at worst an orphan .json that no listing sees and the next `cleanup()` removes.
Deleted samples go to `<data_dir>/trash/<task>/` (outside the label folders, so image loaders never see them) and
`restore()` brings them back.

In the app, listings, counts and lookups come from an in-memory index (`model.collection.sample_index`) that one scan
builds and every change made here keeps up to date; nothing on disk but the files themselves. `add_later` saves without
waiting for the disk: the sample is indexed at once and the one writer thread (`model.collection.sample_writer`) writes
it.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.collection import sample_cache
from model.collection.sample_files import forget_png, set_aside_drawing
from model.collection.sample_format import (  # noqa: F401
    SAVED_IMAGE_SIZE,
    drawing_image,
    new_id,
    quickdraw_record,
    quickdraw_to_strokes,
    strokes_to_quickdraw,
    validate_label,
    write_sample_files,
)
from model.collection.sample_index import PendingSample, Sample, SamplesChange, index_for
from model.collection.sample_writer import QueuedWrites
from model.core import damaged, names, paths, storage
from model.core.preprocessing import load_image, preprocess
from model.core.strokes import Stroke


@dataclass(frozen=True)
class RemovedSample:
    """What `SampleStore.remove` returns: enough to put the sample back with `restore`.

    A sample whose write had failed has no files in the trash; `kept` holds its snapshot instead.
    """

    id: str
    label: str
    trash_png: Path | None
    trash_json: Path | None
    kept: PendingSample | None = None


class SampleStore(QueuedWrites):
    """The saved drawings of one task.

    Args:
        task_name: the task; its folder is `model.core.paths.drawings_dir(task_name)` unless `root` is given.
        root: another folder to use (an export, an import source).
    """

    def __init__(self, task_name: str, root: str | os.PathLike | None = None):
        self.task_name = task_name
        self.root = Path(root) if root is not None else paths.drawings_dir(task_name)
        self.trash_dir = paths.trash_dir(task_name)
        self.cache_path = paths.cache_dir(task_name) / "arrays.npz"
        self.index = index_for(self.root)

    # -- reading (from the shared in-memory index: no folder is scanned) ----------------------------------

    def labels(self) -> list[str]:
        """Returns the label folders, sorted."""
        return self.index.labels()

    def samples(self, label: str | None = None) -> list[Sample]:
        """Returns the samples of `label` (or of every label), oldest first."""
        result = []
        for name in [label] if label is not None else self.labels():
            folder = f"{self.root}{os.sep}{name}{os.sep}"
            result.extend(Sample(sample_id, name, f"{folder}{sample_id}.png") for sample_id in self.index.ids(name))
        return result

    def counts(self) -> dict[str, int]:
        """Returns {label: number of samples} for every label folder."""
        return self.index.counts()

    def change(self, added=(), removed=(), everything: bool = False) -> SamplesChange:
        """Returns a `SamplesChange` for listeners: these samples came and went, and the counts now."""
        return SamplesChange(self.task_name, self.counts(), tuple(added), tuple(removed), everything)

    def rescan(self) -> None:
        """Lists the folders again, for changes made outside the app."""
        self.index.rescan()

    def find(self, sample_id: str) -> Sample:
        """Returns the sample with this id.

        Raises:
            KeyError: no such sample.
        """
        label = self.index.label_of(sample_id)
        if label is None:
            raise KeyError(f"No sample {sample_id!r} in task {self.task_name!r} ({self.root}).")
        return Sample(sample_id, label, f"{self.root}{os.sep}{label}{os.sep}{sample_id}.png")

    def strokes(self, sample_id: str) -> list[Stroke]:
        """Returns the strokes of a sample ([] if it was imported from an image)."""
        record = self.record(sample_id)
        return quickdraw_to_strokes(record.get("drawing", []), record.get("pen_widths"))

    def record(self, sample_id: str) -> dict:
        """Returns the sample's Quick, Draw! object (a minimal one if its .json is missing or unreadable)."""
        sample = self.find(sample_id)
        pending = self.index.pending.get(sample_id)
        try:
            record = dict(pending.record()) if pending else json.loads(sample.strokes_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            record = {"drawing": []}
        record.update(key_id=sample.id, word=sample.label)
        return record

    def image(self, sample_id: str) -> np.ndarray:
        """Returns the sample's saved PNG as a uint8 array."""
        pending = self.index.pending.get(sample_id)
        return pending.image().copy() if pending else load_image(self.find(sample_id).path)

    # -- writing --------------------------------------------------------------------------------------------

    def add(self, label: str, image: np.ndarray, strokes: list[Stroke] | None = None, *, crop: bool = True,
            **extra) -> str:
        """Saves a drawing under `label` now (written before this returns) and returns its id.

        Args:
            label: the class; its folder is created if needed.
            image: the drawing's raster (any size, any ink polarity).
            strokes: the drawing as strokes, if known.
            crop: crop and scale the drawing to the saved size (`drawing_image`); False saves a uint8 image
                that is already dark on light as it is (imports of saved samples and 28x28 bitmaps).
            **extra: more fields for the Quick, Draw! record (for example "recognized").

        Raises:
            ValueError: the label cannot name a folder, or the image holds no ink.
        """
        pending = self._snapshot(label, image, strokes, crop, extra)
        write_sample_files(pending.sample.file, pending.image(), pending.record())
        self.index.add(pending.sample.label, pending.sample.id)
        return pending.sample.id

    def _snapshot(self, label, image, strokes, crop, extra) -> PendingSample:
        label = self._new_label(label)
        sample_id = new_id()
        extra = {"timestamp": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), **extra}
        sample = Sample(sample_id, label, str(self._folder(label) / f"{sample_id}.png"))
        return PendingSample(sample, image, list(strokes or []), crop, extra)

    def remove(self, sample_id: str) -> RemovedSample:
        """Moves a sample to the trash and returns what `restore` needs to bring it back."""
        sample = self.find(sample_id)
        kept = self._settle(sample_id)
        if kept is not None:
            with self.index.lock:
                self.index.pending.pop(sample_id, None)
                self.index.discard(sample_id)
            return RemovedSample(sample.id, sample.label, None, None, kept)
        folder = self.trash_dir / sample.label
        folder.mkdir(parents=True, exist_ok=True)
        trash_png, trash_json = folder / sample.path.name, folder / sample.strokes_path.name
        # The PNG goes first: once it has left, the sample is gone as a whole.
        os.replace(sample.path, trash_png)
        self.index.discard(sample_id)
        if sample.strokes_path.exists():
            os.replace(sample.strokes_path, trash_json)
        os.utime(trash_png)  # its age in the trash counts from now (`model.collection.tidy` empties old trash)
        return RemovedSample(sample.id, sample.label, trash_png, trash_json)

    def restore(self, removed: RemovedSample) -> Sample:
        """Puts a removed sample back in its label folder and returns it."""
        if removed.kept is not None:
            with self.index.lock:
                self.index.pending[removed.id] = removed.kept
                self.index.add(removed.label, removed.id)
            self._queue(removed.kept)
            return removed.kept.sample
        folder = self.root / removed.label
        folder.mkdir(parents=True, exist_ok=True)
        if removed.trash_json.exists():
            os.replace(removed.trash_json, folder / removed.trash_json.name)
        os.replace(removed.trash_png, folder / removed.trash_png.name)
        self.index.add(removed.label, removed.id)
        return Sample(removed.id, removed.label, str(folder / removed.trash_png.name))

    def relabel(self, sample_id: str, new_label: str) -> Sample:
        """Moves a sample to another label's folder and returns it."""
        new_label = self._new_label(new_label)
        sample = self.find(sample_id)
        if sample.label == new_label:
            return sample
        folder = self._folder(new_label)
        moved = Sample(sample_id, new_label, str(folder / sample.path.name))
        kept = self._settle(sample_id)
        if kept is not None:
            self.remove(sample_id)
            self.restore(RemovedSample(sample_id, new_label, None, None, kept.moved_to(moved)))
            return moved
        record = self.record(sample_id)
        record["word"] = new_label
        # New record first, then the PNG (the move that makes it real), then the old record.
        storage.atomic_write_text(folder / sample.strokes_path.name, json.dumps(record) + "\n")
        os.replace(sample.path, folder / sample.path.name)
        with self.index.lock:
            self.index.discard(sample_id)
            self.index.add(new_label, sample_id)
        sample.strokes_path.unlink(missing_ok=True)
        return moved

    def rename_label(self, old: str, new: str) -> None:
        """Renames a label folder (one atomic rename) and rewrites its records' "word"."""
        new = validate_label(new)
        source, target = self._folder(old), self._folder(new)
        if target.exists():
            raise ValueError(f"Label {new!r} already has a folder in {self.root}; pick another name.")
        self.wait_for_writes()
        kept = [sample.id for sample in self.failed_writes() if sample.label == old]
        if source.is_dir():
            os.replace(source, target)
            self.index.drop_label(old)
            self.index.reload_label(new)
            for sample in self.samples(new):
                if sample.id not in self.index.pending:
                    record = self.record(sample.id)
                    storage.atomic_write_text(sample.strokes_path, json.dumps(record) + "\n")
        for sample_id in kept:
            self.relabel(sample_id, new)

    def remove_label(self, label: str) -> Path | None:
        """Moves a whole label folder to the trash; returns where it went (None if it had no folder)."""
        source = self.root / label
        if not source.is_dir():
            return None
        self.wait_for_writes()
        target = self.trash_dir / f"{label}.{new_id()}"
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
        with self.index.lock:
            for sample_id in self.index.ids(label):
                self.index.pending.pop(sample_id, None)
            self.index.drop_label(label)
        os.utime(target)  # its age in the trash counts from now (`model.collection.tidy` empties old trash)
        return target

    def restore_label(self, label: str, trashed: Path) -> None:
        """Puts back a label folder that `remove_label` moved to `trashed`."""
        target = self.root / label
        if target.exists():
            raise ValueError(f"Label {label!r} already has a folder again; cannot restore it over {target}.")
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(trashed, target)
        self.index.reload_label(label)

    def _folder(self, label: str) -> Path:
        """The folder of a label, after checking its name and that it stays inside the task's folder."""
        return names.inside(self.root, validate_label(label))

    def _new_label(self, label: str) -> str:
        """Checks a label to save under: valid, and not another spelling of an existing folder ("Star", "star")."""
        label = validate_label(label)
        for existing in self.labels():
            if existing != label and names.same_name(existing, label):
                raise ValueError(f"Label {label!r} differs from the existing label {existing!r} only in case; "
                                 f"use {existing!r}.")
        return label

    def cleanup(self, older_than: float | None = None) -> int:
        """Removes orphan records (a .json without its .png, left by a crash) and stray temporary files.

        Args:
            older_than: only files last changed before this time (seconds since 1970): another process may be
                between writing a record and its drawing (`model.collection.tidy` passes its own start time).

        Returns:
            How many files were removed.
        """
        self.wait_for_writes()
        removed = 0
        for label in self.labels():
            for entry in os.scandir(self.root / label):
                path = Path(entry.path)
                orphan = path.suffix == ".json" and not path.with_suffix(".png").exists()
                leftover = orphan or (entry.name.startswith(".") and ".part" in entry.name)
                if leftover and (older_than is None or entry.stat().st_mtime < older_than):
                    path.unlink(missing_ok=True)
                    removed += 1
        return removed

    def write_ndjson(self, path: str | os.PathLike | None = None) -> Path:
        """Writes every sample's Quick, Draw! record, one per line (default: `<task>/strokes.ndjson`)."""
        target = Path(path) if path is not None else self.root / "strokes.ndjson"
        self.wait_for_writes()
        lines = [json.dumps(self.record(sample.id)) for sample in self.samples()]
        return storage.atomic_write_text(target, "".join(line + "\n" for line in lines))

    # -- arrays for training --------------------------------------------------------------------------------

    def load_arrays(self, labels: list[str] | tuple[str, ...] | None = None):
        """Returns every sample as the network sees it.

        Preprocessed images are cached by file size and modification time, so loading thousands of samples a
        second time costs only a directory listing.

        Args:
            labels: the class order; samples of other labels are left out. Default: `labels()`.

        Returns:
            (x, y, ids): x (N, 28, 28) float32 white on black, y (N,) int64 indices into `labels`, ids (N,) str.
        """
        labels = list(labels) if labels is not None else self.labels()
        index = {label: i for i, label in enumerate(labels)}
        self.wait_for_writes()
        cache = sample_cache.read_cache(self.cache_path)
        fresh: dict[str, tuple[tuple, np.ndarray]] = {}
        images, targets, ids = [], [], []
        for sample in self.samples():
            if sample.label not in index:
                continue
            kept = self.index.pending.get(sample.id)
            if kept is not None:  # its write failed; it is still a sample
                images.append(preprocess(kept.image()))
                targets.append(index[sample.label])
                ids.append(sample.id)
                continue
            stat = os.stat(sample.file)
            key = (stat.st_size, stat.st_mtime_ns)
            cached = cache.get(f"{sample.label}/{sample.id}")
            array = cached[1] if cached is not None and cached[0] == key else _preprocess_file(sample.path)
            fresh[f"{sample.label}/{sample.id}"] = (key, array)
            if array is None:
                if not os.path.exists(sample.file):  # set aside as damaged: no longer a sample
                    self.index.discard(sample.id)
                continue
            images.append(array)
            targets.append(index[sample.label])
            ids.append(sample.id)
        if fresh.keys() != cache.keys() or any(fresh[k][0] != cache[k][0] for k in fresh):
            sample_cache.try_write_cache(self.cache_path, fresh)
        x = np.stack(images).astype(np.float32) if images else np.zeros((0, 28, 28), np.float32)
        return x, np.asarray(targets, np.int64), np.asarray(ids, dtype=str)


def _preprocess_file(path: Path) -> np.ndarray | None:
    try:
        return preprocess(load_image(path))
    except ValueError as error:  # whole on disk but not decodable: set aside, so counts() no longer shows it
        forget_png(path)
        set_aside_drawing(Path(path), f"not a readable image: {error}")
    except OSError as error:
        damaged.notice(f"{path} cannot be read ({error.strerror or error}); it is left out of training.")
    return None
