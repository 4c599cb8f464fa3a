"""Import drawings into a task's sample store from the formats people already have.

- a folder per label: `my_images/<label>/*.png|jpg|bmp` (any ink polarity, any size);
- Quick, Draw! ndjson stroke files (raw or simplified: `{"word", "drawing": [[xs], [ys](, [ts])], ...}` per line);
- Quick, Draw!'s 28x28 bitmaps: a `.npy` of (N, 784) or (N, 28, 28) uint8, white on black, one file per label
  named by the label (`cat.npy`, `full_numpy_bitmap_cat.npy`);
- an `.npz` with images and labels (as `model.exporters.export_npz` writes, or Keras' MNIST layout).

Every image is saved as a sample (`SampleStore.add`), so it reaches training through the same `preprocess` as
canvas drawings. A corrupt or unreadable file, line or image is skipped and reported by name; nothing else is lost.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from model.preprocessing import load_image
from model.samples import SAVED_IMAGE_SIZE, SampleStore, quickdraw_to_strokes, validate_label
from model.strokes import drawing_bounds, render_strokes

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
_QUICKDRAW_PREFIX = "full_numpy_bitmap_"


@dataclass
class ImportReport:
    """What an import did.

    Attributes:
        added: {label: number of samples added}.
        skipped: (name, reason) for every file, line or image left out.
        sample_ids: ids of the samples added, in order.
    """

    added: dict[str, int] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    sample_ids: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.added.values())

    def summary(self) -> str:
        """Returns one line for the user: what was added and how many items were skipped."""
        added = ", ".join(f"{count} {label}" for label, count in self.added.items()) or "nothing"
        text = f"Imported {added}."
        if self.skipped:
            names = ", ".join(name for name, _ in self.skipped[:5])
            more = f" and {len(self.skipped) - 5} more" if len(self.skipped) > 5 else ""
            text += f" Skipped {len(self.skipped)}: {names}{more}."
        return text


class _Importer:
    def __init__(self, store: SampleStore, labels, limit):
        self.store, self.labels, self.limit = store, list(labels) if labels is not None else None, limit
        self.report = ImportReport()

    def accepts(self, label: str, name: str) -> bool:
        if self.labels is not None and label not in self.labels:
            self.report.skipped.append((name, f"label {label!r} is not one of {', '.join(self.labels)}"))
            return False
        return self.limit is None or self.report.added.get(label, 0) < self.limit

    def add(self, label: str, image: np.ndarray, name: str, strokes=None, **extra) -> None:
        try:
            sample_id = self.store.add(label, image, strokes, **extra)
        except ValueError as error:
            self.report.skipped.append((name, str(error)))
            return
        self.report.added[label] = self.report.added.get(label, 0) + 1
        self.report.sample_ids.append(sample_id)


def import_path(path, store: SampleStore, labels=None, limit: int | None = None) -> ImportReport:
    """Imports whatever `path` is: a folder of label folders, an .ndjson, an .npy or an .npz file.

    Args:
        path: the file or folder.
        store: the `SampleStore` to add to.
        labels: the labels to accept (others are skipped and reported); None accepts any.
        limit: at most this many samples per label (Quick, Draw! files hold over 100,000 drawings each).

    Raises:
        ValueError: `path` is none of these.
    """
    path = Path(path)
    if path.is_dir():
        return import_folder(path, store, labels, limit)
    suffix = path.suffix.lower()
    readers = {".ndjson": import_ndjson, ".npy": import_npy, ".npz": import_npz}
    if suffix not in readers:
        raise ValueError(f"{path}: cannot import a {suffix or 'file without extension'}; expected a folder of "
                         "label folders, a Quick, Draw! .ndjson or .npy file, or an .npz of images and labels.")
    return readers[suffix](path, store, labels, limit)


def import_folder(folder, store: SampleStore, labels=None, limit: int | None = None) -> ImportReport:
    """Imports `folder/<label>/<image>` files; the subfolder's name is the label."""
    importer = _Importer(store, labels, limit)
    for label_dir in sorted(p for p in Path(folder).iterdir() if p.is_dir() and not p.name.startswith(".")):
        if not _valid_label(label_dir.name, label_dir.name, importer) or not importer.accepts(label_dir.name, label_dir.name):
            continue
        for file in sorted(p for p in label_dir.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES):
            if not importer.accepts(label_dir.name, file.name):
                break
            try:
                image = load_image(file)
            except (OSError, ValueError) as error:
                importer.report.skipped.append((f"{label_dir.name}/{file.name}", str(error)))
                continue
            strokes = _sidecar_strokes(file)
            # A sample exported by ConvCanvas (square, with its strokes) is kept exactly as it was saved.
            as_saved = strokes is not None and image.ndim == 2 and image.shape == (SAVED_IMAGE_SIZE, SAVED_IMAGE_SIZE)
            importer.add(label_dir.name, image, f"{label_dir.name}/{file.name}", strokes, crop=not as_saved)
    return importer.report


def import_ndjson(path, store: SampleStore, labels=None, limit: int | None = None) -> ImportReport:
    """Imports a Quick, Draw! ndjson file: each line's "word" is the label, its "drawing" the strokes."""
    importer = _Importer(store, labels, limit)
    path = Path(path)
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            name = f"{path.name} line {number}"
            try:
                record = json.loads(line)
                label = str(record["word"])
                strokes = quickdraw_to_strokes(record["drawing"], record.get("pen_widths"))
            except (ValueError, KeyError, TypeError) as error:
                importer.report.skipped.append((name, f"not a Quick, Draw! record ({error})"))
                continue
            if not _valid_label(label, name, importer) or not importer.accepts(label, name):
                continue
            image = render_drawing(strokes)
            if image is None:
                importer.report.skipped.append((name, "the drawing has no points"))
                continue
            importer.add(label, image, name, _shifted(strokes), recognized=bool(record.get("recognized", False)))
    return importer.report


def import_npy(path, store: SampleStore, labels=None, limit: int | None = None) -> ImportReport:
    """Imports a Quick, Draw! bitmap file: (N, 784) or (N, 28, 28), white on black; the file name is the label."""
    path = Path(path)
    importer = _Importer(store, labels, limit)
    label = path.stem[len(_QUICKDRAW_PREFIX):] if path.stem.startswith(_QUICKDRAW_PREFIX) else path.stem
    try:
        images = _as_images(np.load(path, allow_pickle=False))
    except (OSError, ValueError) as error:
        importer.report.skipped.append((path.name, f"not a .npy of 28x28 images ({error})"))
        return importer.report
    if _valid_label(label, path.name, importer):
        _add_arrays(importer, images, [label] * len(images), path.name)
    return importer.report


def import_npz(path, store: SampleStore, labels=None, limit: int | None = None) -> ImportReport:
    """Imports an .npz with "x" (or "images", "x_train") and "y" (or "labels", "y_train"), plus optional
    "label_names" when y holds indices."""
    path = Path(path)
    importer = _Importer(store, labels, limit)
    try:
        with np.load(path, allow_pickle=False) as data:
            images = _as_images(data[_first_key(data, ("x", "images", "x_train"))])
            targets = np.asarray(data[_first_key(data, ("y", "labels", "y_train"))])
            names = [str(n) for n in data["label_names"]] if "label_names" in data else None
    except (OSError, ValueError, KeyError) as error:
        importer.report.skipped.append((path.name, f"not an .npz of images and labels ({error})"))
        return importer.report
    if len(targets) != len(images):
        importer.report.skipped.append((path.name, f"{len(images)} images but {len(targets)} labels"))
        return importer.report
    words = [names[int(t)] if names is not None else str(t) for t in targets]
    _add_arrays(importer, images, words, path.name)
    return importer.report


def render_drawing(strokes, size: int = 256, margin: int = 12) -> np.ndarray | None:
    """Renders strokes of any coordinate range into a square image, dark on light; None if no points."""
    bounds = drawing_bounds(strokes)
    if bounds is None:
        return None
    left, top, right, bottom = bounds
    scale = (size - 2 * margin) / max(right - left, bottom - top, 1.0)
    return render_strokes(strokes, size, size, scale=scale, offset=(margin / scale - left, margin / scale - top))


def _shifted(strokes):
    """Moves strokes so the drawing starts at (0, 0), as the canvas would have them."""
    left, top, _, _ = drawing_bounds(strokes)
    for stroke in strokes:
        stroke.points[:, 0] -= left
        stroke.points[:, 1] -= top
    return strokes


def _add_arrays(importer: _Importer, images: np.ndarray, words: list[str], source: str) -> None:
    for index, (image, label) in enumerate(zip(images, words)):
        name = f"{source} #{index}"
        if not _valid_label(label, name, importer) or not importer.accepts(label, name):
            continue
        if not np.isfinite(image).all():
            importer.report.skipped.append((name, "the image holds NaN or infinite values"))
            continue
        # Bitmaps are white ink on black and already framed: saved as they are, dark on light like every sample.
        gray = np.clip(image.astype(np.float32) / (255.0 if image.max() > 1.0 else 1.0), 0, 1)
        importer.add(label, ((1.0 - gray) * 255 + 0.5).astype(np.uint8), name, crop=False)


def _as_images(array: np.ndarray) -> np.ndarray:
    array = np.asarray(array)
    if array.ndim == 2 and array.shape[1] == 784:
        array = array.reshape(-1, 28, 28)
    if array.ndim == 4 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim != 3 or array.shape[0] == 0:
        raise ValueError(f"expected (N, 784) or (N, H, W) images, received shape {array.shape}")
    return array


def _first_key(data, keys) -> str:
    for key in keys:
        if key in data:
            return key
    raise KeyError(f"none of {', '.join(keys)} in the file (it has {', '.join(data.files)})")


def _valid_label(label: str, name: str, importer: _Importer) -> bool:
    try:
        validate_label(label)
    except ValueError as error:
        importer.report.skipped.append((name, str(error)))
        return False
    return True


def _sidecar_strokes(image_path: Path):
    """Returns the strokes in a Quick, Draw! .json beside an image (as this app exports), or None."""
    sidecar = image_path.with_suffix(".json")
    if not sidecar.exists():
        return None
    try:
        record = json.loads(sidecar.read_text(encoding="utf-8"))
        return quickdraw_to_strokes(record.get("drawing", []), record.get("pen_widths"))
    except (OSError, ValueError, TypeError):
        return None



def exported_task(path) -> tuple[str, list[str]] | None:
    """Returns (suggested task title, labels) of a data set ConvCanvas exported, or None for anything else.

    A folder export holds `labels.json` (and a README titled "# ConvCanvas data set: <task>"); an .npz export
    holds `label_names`. The title is the exported task's name, else the file or folder name.
    """
    path = Path(path)
    try:
        if path.is_dir():
            labels = json.loads((path / "labels.json").read_text(encoding="utf-8"))
            heading = (path / "README.md").read_text(encoding="utf-8").splitlines()[:1] \
                if (path / "README.md").is_file() else []
            prefix = "# ConvCanvas data set: "
            name = heading[0][len(prefix):] if heading and heading[0].startswith(prefix) else path.name
            name = name[:-len("-drawings")] if name.endswith("-drawings") else name
        elif path.suffix.lower() == ".npz":
            with np.load(path, allow_pickle=False) as data:
                labels = [str(label) for label in data["label_names"]] if "label_names" in data else None
            name = path.stem
        else:
            return None
    except (OSError, ValueError, KeyError):
        return None
    if not isinstance(labels, list) or len(labels) < 2 or not all(isinstance(label, str) for label in labels):
        return None
    title = name.replace("-", " ").replace("_", " ").strip()
    return (title[:1].upper() + title[1:]) or "Imported", labels
