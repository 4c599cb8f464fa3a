"""The user's saved drawings for one task: a folder per label, a PNG and a stroke file per sample.

On disk, under `model.paths.drawings_dir(task)`::

    <label>/<id>.png      the drawing as drawn, dark ink on light, square (reads with
                          keras.utils.image_dataset_from_directory and any ImageFolder loader)
    <label>/<id>.json     its strokes as one Quick, Draw! object: {"key_id", "word", "drawing": [[xs], [ys], [ts]],
                          "timestamp", "countrycode", "recognized", "pen_widths"}
    strokes.ndjson        every sample's object, one per line, rebuilt from the .json files by `write_ndjson()`

A sample exists exactly when its PNG exists. Each file is written atomically (`model.storage`), the .json before
the .png, so a crash leaves at worst an orphan .json that no listing sees and the next `cleanup()` removes: there
is no separate index to break. Deleted samples go to `<data_dir>/trash/<task>/` (outside the label folders, so
image loaders never see them) and `restore()` brings them back.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from model import damaged, names, paths, sample_cache, storage
from model.sample_files import forget_png, set_aside_drawing, whole_png
from model.preprocessing import load_image, preprocess
from model.sample_format import (SAVED_IMAGE_SIZE, drawing_image, quickdraw_to_strokes,  # noqa: F401
                                 strokes_to_quickdraw)
from model.strokes import Stroke


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
class RemovedSample:
    """What `SampleStore.remove` returns: enough to put the sample back with `restore`."""

    id: str
    label: str
    trash_png: Path
    trash_json: Path


def validate_label(label: str) -> str:
    """Returns `label` stripped and NFC-normalised, or raises ValueError saying why it cannot name a folder
    (`model.names.check_name` holds the rules)."""
    return names.check_name(label, "label")


class SampleStore:
    """The saved drawings of one task.

    Args:
        task_name: the task; its folder is `model.paths.drawings_dir(task_name)` unless `root` is given.
        root: another folder to use (an export, an import source).
    """

    def __init__(self, task_name: str, root: str | os.PathLike | None = None):
        self.task_name = task_name
        self.root = Path(root) if root is not None else paths.drawings_dir(task_name)
        self.trash_dir = paths.trash_dir(task_name)
        self.cache_path = paths.cache_dir(task_name) / "arrays.npz"

    # -- reading --------------------------------------------------------------------------------------------

    def labels(self) -> list[str]:
        """Returns the label folders present on disk, sorted."""
        if not self.root.is_dir():
            return []
        return sorted(entry.name for entry in os.scandir(self.root) if entry.is_dir() and not entry.name.startswith("."))

    def samples(self, label: str | None = None) -> list[Sample]:
        """Returns the samples of `label` (or of every label), oldest first."""
        result = []
        for name in [label] if label is not None else self.labels():
            result.extend(Sample(entry.name[:-4], name, entry.path) for entry in self._pngs(name))
        return sorted(result, key=lambda sample: (sample.label, sample.id))

    def counts(self) -> dict[str, int]:
        """Returns {label: number of samples} for every label folder."""
        return {label: sum(1 for _ in self._pngs(label)) for label in self.labels()}

    def _pngs(self, label: str):
        try:
            entries = list(os.scandir(self.root / label))
        except (FileNotFoundError, NotADirectoryError):
            return []
        return [entry for entry in entries
                if entry.name.endswith(".png") and not entry.name.startswith(".") and whole_png(entry)]

    def find(self, sample_id: str) -> Sample:
        """Returns the sample with this id.

        Raises:
            KeyError: no such sample.
        """
        for label in self.labels():
            path = self.root / label / f"{sample_id}.png"
            if path.exists():
                return Sample(sample_id, label, str(path))
        raise KeyError(f"No sample {sample_id!r} in task {self.task_name!r} ({self.root}).")

    def strokes(self, sample_id: str) -> list[Stroke]:
        """Returns the strokes of a sample ([] if it was imported from an image)."""
        record = self.record(sample_id)
        return quickdraw_to_strokes(record.get("drawing", []), record.get("pen_widths"))

    def record(self, sample_id: str) -> dict:
        """Returns the sample's Quick, Draw! object (a minimal one if its .json is missing or unreadable)."""
        sample = self.find(sample_id)
        try:
            record = json.loads(sample.strokes_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            record = {"drawing": []}
        record.update(key_id=sample.id, word=sample.label)
        return record

    def image(self, sample_id: str) -> np.ndarray:
        """Returns the sample's saved PNG as a uint8 array."""
        return load_image(self.find(sample_id).path)

    # -- writing --------------------------------------------------------------------------------------------

    def add(self, label: str, image: np.ndarray, strokes: list[Stroke] | None = None, *, crop: bool = True,
            **extra) -> str:
        """Saves a drawing under `label` and returns its id.

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
        label = self._new_label(label)
        saved = drawing_image(image)
        if saved is not None and not crop:
            saved = np.asarray(image, np.uint8)
        if saved is None:
            raise ValueError("The drawing is empty; draw something before saving it.")
        sample_id = new_id()
        drawing, widths = strokes_to_quickdraw(strokes or [])
        record = {
            "key_id": sample_id, "word": label, "countrycode": "", "recognized": bool(extra.pop("recognized", False)),
            "timestamp": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "drawing": drawing,
            "pen_widths": widths, "image_size": [int(image.shape[1]), int(image.shape[0])], **extra,
        }
        folder = self._folder(label)
        ok, encoded = cv2.imencode(".png", saved)
        if not ok:
            raise ValueError(f"The drawing could not be encoded as a PNG (an image of {saved.shape} {saved.dtype}).")
        storage.atomic_write_text(folder / f"{sample_id}.json", json.dumps(record) + "\n")
        storage.atomic_write_bytes(folder / f"{sample_id}.png", encoded.tobytes())
        return sample_id

    def remove(self, sample_id: str) -> RemovedSample:
        """Moves a sample to the trash and returns what `restore` needs to bring it back."""
        sample = self.find(sample_id)
        folder = self.trash_dir / sample.label
        folder.mkdir(parents=True, exist_ok=True)
        trash_png, trash_json = folder / sample.path.name, folder / sample.strokes_path.name
        # The PNG goes first: once it has left, the sample is gone as a whole.
        os.replace(sample.path, trash_png)
        if sample.strokes_path.exists():
            os.replace(sample.strokes_path, trash_json)
        os.utime(trash_png)  # its age in the trash counts from now (`model.tidy` empties old trash)
        return RemovedSample(sample.id, sample.label, trash_png, trash_json)

    def restore(self, removed: RemovedSample) -> Sample:
        """Puts a removed sample back in its label folder and returns it."""
        folder = self.root / removed.label
        folder.mkdir(parents=True, exist_ok=True)
        if removed.trash_json.exists():
            os.replace(removed.trash_json, folder / removed.trash_json.name)
        os.replace(removed.trash_png, folder / removed.trash_png.name)
        return Sample(removed.id, removed.label, str(folder / removed.trash_png.name))

    def relabel(self, sample_id: str, new_label: str) -> Sample:
        """Moves a sample to another label's folder and returns it."""
        new_label = self._new_label(new_label)
        sample = self.find(sample_id)
        if sample.label == new_label:
            return sample
        folder = self._folder(new_label)
        record = self.record(sample_id)
        record["word"] = new_label
        # New record first, then the PNG (the move that makes it real), then the old record.
        storage.atomic_write_text(folder / sample.strokes_path.name, json.dumps(record) + "\n")
        os.replace(sample.path, folder / sample.path.name)
        sample.strokes_path.unlink(missing_ok=True)
        return Sample(sample_id, new_label, str(folder / sample.path.name))

    def rename_label(self, old: str, new: str) -> None:
        """Renames a label folder (one atomic rename) and rewrites its records' "word"."""
        new = validate_label(new)
        source, target = self._folder(old), self._folder(new)
        if target.exists():
            raise ValueError(f"Label {new!r} already has a folder in {self.root}; pick another name.")
        if source.is_dir():
            os.replace(source, target)
            for sample in self.samples(new):
                record = self.record(sample.id)
                storage.atomic_write_text(sample.strokes_path, json.dumps(record) + "\n")

    def remove_label(self, label: str) -> Path | None:
        """Moves a whole label folder to the trash; returns where it went (None if it had no folder)."""
        source = self.root / label
        if not source.is_dir():
            return None
        target = self.trash_dir / f"{label}.{new_id()}"
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
        os.utime(target)
        return target

    def restore_label(self, label: str, trashed: Path) -> None:
        """Puts back a label folder that `remove_label` moved to `trashed`."""
        target = self.root / label
        if target.exists():
            raise ValueError(f"Label {label!r} already has a folder again; cannot restore it over {target}.")
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(trashed, target)

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
                between writing a record and its drawing (`model.tidy` passes its own start time).

        Returns:
            How many files were removed.
        """
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
        cache = sample_cache.read_cache(self.cache_path)
        fresh: dict[str, tuple[tuple, np.ndarray]] = {}
        images, targets, ids = [], [], []
        for sample in self.samples():
            if sample.label not in index:
                continue
            stat = os.stat(sample.file)
            key = (stat.st_size, stat.st_mtime_ns)
            cached = cache.get(f"{sample.label}/{sample.id}")
            array = cached[1] if cached is not None and cached[0] == key else _preprocess_file(sample.path)
            fresh[f"{sample.label}/{sample.id}"] = (key, array)
            if array is None:
                continue
            images.append(array)
            targets.append(index[sample.label])
            ids.append(sample.id)
        if fresh.keys() != cache.keys() or any(fresh[k][0] != cache[k][0] for k in fresh):
            sample_cache.write_cache(self.cache_path, fresh)
        x = np.stack(images).astype(np.float32) if images else np.zeros((0, 28, 28), np.float32)
        return x, np.asarray(targets, np.int64), np.asarray(ids, dtype=str)


_id_lock = threading.Lock()
_last_id_ms = 0


def new_id() -> str:
    """Returns a new sample id: milliseconds since 1970 then random hex, so ids sort by time of saving.

    Ids made in one process are strictly increasing: a second id in the same millisecond (an import adds
    thousands a second) takes the next millisecond, else its random part would decide the order.
    """
    global _last_id_ms
    with _id_lock:
        _last_id_ms = max(int(time.time() * 1000), _last_id_ms + 1)
        stamp = _last_id_ms
    return f"{stamp:013d}-{secrets.token_hex(3)}"


def _preprocess_file(path: Path) -> np.ndarray | None:
    try:
        return preprocess(load_image(path))
    except ValueError as error:  # whole on disk but not decodable: set aside, so counts() no longer shows it
        forget_png(path)
        set_aside_drawing(Path(path), f"not a readable image: {error}")
    except OSError as error:
        damaged.notice(f"{path} cannot be read ({error.strerror or error}); it is left out of training.")
    return None
