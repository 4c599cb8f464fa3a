"""Import drawings into a task's sample store from the formats people already have.

- a folder per label: `my_images/<label>/*.png|jpg|bmp` (any ink polarity, any size);
- Quick, Draw! ndjson stroke files (raw or simplified: `{"word", "drawing": [[xs], [ys](, [ts])], ...}` per line);
- Quick, Draw!'s 28x28 bitmaps: a `.npy` of (N, 784) or (N, 28, 28) uint8, white on black, one file per label
  named by the label (`cat.npy`, `full_numpy_bitmap_cat.npy`);
- an `.npz` with images and labels (as `model.collection.exporters.export_npz` writes, or Keras' MNIST layout).

Every image is saved as a sample (`SampleStore.add`), so it reaches training through the same `preprocess` as
canvas drawings. A corrupt or unreadable file, line or image (NaN or absurd coordinates, a label index out of range,
a fractional label...) is skipped and reported by name and reason (`model.collection.import_checks`); the rest is
imported. In a folder, files outside label folders, nested folders and links leading out of the folder are skipped too.
Records over the per-label `limit` are counted, and a full disk stops the import with what was saved so far kept.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from model.collection import import_checks as checks
from model.collection.import_report import ImportReport
from model.collection.samples import SAVED_IMAGE_SIZE, SampleStore, quickdraw_to_strokes, validate_label
from model.core import disk, storage
from model.core.preprocessing import load_image
from model.core.strokes import drawing_bounds, render_strokes

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
_QUICKDRAW_PREFIX = "full_numpy_bitmap_"
# What ConvCanvas writes beside the label folders of an export: not drawings, so not reported as skipped.
_EXPORT_COMPANIONS = ("strokes.ndjson", "labels.json", "README.md")


class _Importer:
    def __init__(self, store: SampleStore, labels, limit):
        self.store, self.labels, self.limit = store, list(labels) if labels is not None else None, limit
        self.report = ImportReport(limit=limit)

    @property
    def stopped(self) -> bool:
        return bool(self.report.stopped)

    def accepts(self, label: str, name: str) -> bool:
        """True if a record of `label` is to be imported: a label of the task, under the limit (else counted)."""
        if self.labels is not None and label not in self.labels:
            self.report.skip(name, checks.OTHER_LABEL, f"label {label!r} is not one of {', '.join(self.labels)}")
            return False
        if self.stopped:
            return False
        if self.limit is not None and self.report.added.get(label, 0) >= self.limit:
            self.report.left_out[label] = self.report.left_out.get(label, 0) + 1
            return False
        return True

    def add(self, label: str, image: np.ndarray, name: str, strokes=None, **extra) -> None:
        try:
            sample_id = self.store.add(label, image, strokes, **extra)
        except ValueError as error:
            self.report.skip(name, checks.EMPTY if "empty" in str(error) else checks.BAD_LABEL, str(error))
            return
        except OSError as error:
            if not disk.is_disk_error(error):
                raise
            # A full or read-only disk: what was saved stays saved; the rest waits for room.
            self.report.stopped = disk.describe(error, self.store.root)
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
        model.core.disk.DiskError: the task's drawings folder cannot take them (full, read-only, not writable).
    """
    path = Path(path)
    if path.is_dir():
        reader = import_folder
    else:
        suffix = path.suffix.lower()
        readers = {".ndjson": import_ndjson, ".npy": import_npy, ".npz": import_npz}
        if suffix not in readers:
            raise ValueError(f"{path}: cannot import a {suffix or 'file without extension'}; expected a folder of "
                             "label folders, a Quick, Draw! .ndjson or .npy file, or an .npz of images and labels.")
        reader = readers[suffix]
    disk.ensure_writable(store.root, disk.samples_bytes(_expected_records(path, labels, limit)))
    return reader(path, store, labels, limit)


def _expected_records(path: Path, labels, limit) -> int:
    """Returns about how many samples importing `path` would add (for the free-space check; an overestimate)."""
    if path.is_dir():
        count = sum(1 for _ in path.glob("*/*"))
    else:
        # An .npy or .npz holds 28x28 bytes or more per image; an ndjson line is 500 bytes or more.
        count = path.stat().st_size // (784 if path.suffix.lower() in (".npy", ".npz") else 500)
    if limit is not None:
        count = min(count, limit * len(labels)) if labels is not None else count
    return int(count)


def import_folder(folder, store: SampleStore, labels=None, limit: int | None = None) -> ImportReport:
    """Imports `folder/<label>/<image>` files; the subfolder's name is the label.

    Anything else is skipped and named: files beside the label folders, folders inside them, files that are not
    images, and links that lead out of `folder` (which are never followed).
    """
    importer = _Importer(store, labels, limit)
    root = Path(folder)
    for entry in sorted(root.iterdir()):
        if entry.name.startswith(".") or importer.stopped:
            continue
        if not checks.is_inside(entry, root):
            importer.report.skip(entry.name, checks.OUTSIDE_LINK, "a link that leads out of the folder; not followed")
        elif entry.is_dir():
            _import_label_folder(importer, entry, root)
        elif entry.name not in _EXPORT_COMPANIONS:
            importer.report.skip(entry.name, checks.LOOSE_FILE,
                                 "a file outside any label folder; put it in a folder named by its label")
    return importer.report


def _import_label_folder(importer: _Importer, label_dir: Path, root: Path) -> None:
    label = label_dir.name
    if not _valid_label(label, label, importer) or not importer.accepts(label, label):
        return
    files = [file for file in sorted(label_dir.iterdir()) if _is_image_file(importer, file, root)]
    for index, file in enumerate(files):
        if importer.stopped:
            return
        if not importer.accepts(label, file.name):
            importer.report.left_out[label] = importer.report.left_out.get(label, 0) + len(files) - index - 1
            return
        name = f"{label}/{file.name}"
        try:
            image = load_image(file)
        except (OSError, ValueError) as error:
            importer.report.skip(name, checks.UNREADABLE, str(error))
            continue
        strokes = _sidecar_strokes(file)
        # A sample exported by ConvCanvas (square, with its strokes) is kept exactly as it was saved.
        as_saved = strokes is not None and image.ndim == 2 and image.shape == (SAVED_IMAGE_SIZE, SAVED_IMAGE_SIZE)
        importer.add(label, image, name, strokes, crop=not as_saved)


def _is_image_file(importer: _Importer, file: Path, root: Path) -> bool:
    """True for an image to import; other entries of a label folder are reported (hidden ones and sidecars not)."""
    name = f"{file.parent.name}/{file.name}"
    if file.name.startswith("."):
        return False
    if not checks.is_inside(file, root):
        importer.report.skip(name, checks.OUTSIDE_LINK, "a link that leads out of the folder; not followed")
    elif file.is_dir():
        importer.report.skip(name, checks.NESTED_FOLDER, "a folder inside a label folder; only one level is read")
    elif file.suffix.lower() in IMAGE_SUFFIXES:
        return True
    elif not (file.suffix.lower() == ".json" and any(file.with_suffix(s).exists() for s in IMAGE_SUFFIXES)):
        importer.report.skip(name, checks.NOT_AN_IMAGE,
                             f"not an image; expected one of {', '.join(IMAGE_SUFFIXES)}")
    return False


def import_ndjson(path, store: SampleStore, labels=None, limit: int | None = None) -> ImportReport:
    """Imports a Quick, Draw! ndjson file: each line's "word" is the label, its "drawing" the strokes."""
    importer = _Importer(store, labels, limit)
    path = Path(path)
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            if importer.stopped:
                break
            name = f"{path.name} line {number}"
            try:
                record = json.loads(line)
                label = str(record["word"])
                with np.errstate(over="ignore", invalid="ignore"):  # huge numbers are refused just below
                    strokes = quickdraw_to_strokes(record["drawing"], record.get("pen_widths"))
            except (ValueError, KeyError, TypeError, OverflowError) as error:
                importer.report.skip(name, checks.NOT_A_RECORD, f"not a Quick, Draw! record ({error})")
                continue
            problem = checks.coordinates_problem(strokes)
            if problem is not None:
                importer.report.skip(name, checks.BAD_COORDINATES, problem)
                continue
            if not _valid_label(label, name, importer) or not importer.accepts(label, name):
                continue
            image = render_drawing(strokes)
            if image is None:
                importer.report.skip(name, checks.EMPTY, "the drawing has no points")
                continue
            importer.add(label, image, name, _shifted(strokes), recognized=bool(record.get("recognized", False)))
    return importer.report


def import_npy(path, store: SampleStore, labels=None, limit: int | None = None) -> ImportReport:
    """Imports a Quick, Draw! bitmap file: (N, 784) or (N, 28, 28), white on black; the file name is the label."""
    path = Path(path)
    importer = _Importer(store, labels, limit)
    label = path.stem[len(_QUICKDRAW_PREFIX):] if path.stem.startswith(_QUICKDRAW_PREFIX) else path.stem
    try:
        images = _as_images(storage.load_npy(path))
    except (OSError, ValueError) as error:
        importer.report.skip(path.name, checks.UNREADABLE, f"not a .npy of 28x28 images ({error})")
        return importer.report
    if _valid_label(label, path.name, importer):
        _add_arrays(importer, images, [(label, None)] * len(images), path.name)
    return importer.report


def import_npz(path, store: SampleStore, labels=None, limit: int | None = None) -> ImportReport:
    """Imports an .npz with "x" (or "images", "x_train") and "y" (or "labels", "y_train"), plus optional
    "label_names" when y holds indices."""
    path = Path(path)
    importer = _Importer(store, labels, limit)
    try:
        with storage.open_npz(path) as data:
            images = _as_images(data[_first_key(data, ("x", "images", "x_train"))])
            targets = np.asarray(data[_first_key(data, ("y", "labels", "y_train"))])
            names = [str(n) for n in data["label_names"]] if "label_names" in data else None
        if len(targets) != len(images):
            raise ValueError(f"{len(images)} images but {len(targets)} labels")
        words = checks.record_labels(targets, names)
    except (OSError, ValueError, KeyError) as error:
        importer.report.skip(path.name, checks.UNREADABLE, f"not an .npz of images and labels ({error})")
        return importer.report
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


def _add_arrays(importer: _Importer, images: np.ndarray, words: list[tuple], source: str) -> None:
    """Adds each image under its (label, problem): a record with a problem is skipped with it as the reason."""
    for index, (image, (label, problem)) in enumerate(zip(images, words)):
        if importer.stopped:
            break
        name = f"{source} #{index}"
        if problem is not None:
            importer.report.skip(name, checks.BAD_LABEL, problem)
            continue
        if not _valid_label(label, name, importer) or not importer.accepts(label, name):
            continue
        if not np.isfinite(image).all():
            importer.report.skip(name, checks.BAD_PIXELS, "the image holds NaN or infinite values")
            continue
        # Bitmaps are white ink on black and already framed: saved as they are, dark on light like every sample.
        gray = np.clip(image.astype(np.float64) / (255.0 if image.max() > 1.0 else 1.0), 0, 1).astype(np.float32)
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
        importer.report.skip(name, checks.BAD_LABEL, str(error))
        return False
    return True


def _sidecar_strokes(image_path: Path):
    """Returns the strokes in a Quick, Draw! .json beside an image (as this app exports), or None."""
    sidecar = image_path.with_suffix(".json")
    if not sidecar.exists():
        return None
    try:
        record = json.loads(sidecar.read_text(encoding="utf-8"))
        with np.errstate(over="ignore", invalid="ignore"):
            strokes = quickdraw_to_strokes(record.get("drawing", []), record.get("pen_widths"))
    except (OSError, ValueError, TypeError, AttributeError, OverflowError):
        return None
    return strokes if checks.coordinates_problem(strokes) is None else None



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
            with storage.open_npz(path) as data:
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
