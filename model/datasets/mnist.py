"""MNIST for the Digits task: found on disk or downloaded by Keras, validated, preprocessed once.

Where `load_mnist` looks, in order: an explicit path, `$CONVCANVAS_MNIST`, the "mnist_path" setting in
`data_dir()/settings.json`, Keras' cache `~/.keras/datasets/mnist.npz`, then Keras' download (which
fills that cache). Offline with none of these, `MnistUnavailableError` says how to get the file.

For training, every image goes through `model.core.preprocessing.preprocess`, like any drawing, and the
training set gains MNIST's 1s written with a flag and some digits redrawn with a fat pen
(`model.datasets.digit_styles`); the result is cached under
`data_dir()/cache/`, keyed by the file and the code that made it, so it is done once.

The training images are rendered with `drop_faint` (thin strokes lose their faintest ink before they are
widened); the test set, like every drawing, keeps it. Networks trained so read MNIST's test set better with
faint ink kept, and drawings as well or better; training on faint ink as well gained nothing and taught Quick
to read a Z-shaped 2 as 1 (docs/experiments.md has the figures).
"""

from __future__ import annotations

import hashlib
import inspect
import io
import os
import sys
import zipfile
from pathlib import Path

import numpy as np

from model.core import settings as user_settings
from model.core.paths import MNIST_ENV, data_dir
from model.core.storage import atomic_write_bytes, open_npz
from model.core.training_progress import stop_if_asked
from model.core.workers import default_workers, run_chunks
from model.datasets.digit_styles import add_fat_pen_copies, add_flagged_ones
from model.datasets.pen_digits import add_pen_copies
from model.datasets.scan_digits import add_scan_copies

MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
# The share of the flagged 1s also redrawn as a tablet records them, and the share also scanned coarsely.
_FLAGGED_COPIES_SHARE = 0.3
# Images per unit of work handed to a process, and the set size from which processes pay off.
_CHUNK = 1000
_CHUNK_BYTES = 64 << 20
_POOL_IMAGE_BYTES = 64 * 64
_POOL_MINIMUM = 4000
_KEYS = {"x_train": (60000, 28, 28), "y_train": (60000,), "x_test": (10000, 28, 28), "y_test": (10000,)}


class MnistUnavailableError(RuntimeError):
    """MNIST is neither on disk nor downloadable."""


def keras_cache_path() -> Path:
    """Returns where Keras keeps its downloaded copy: ~/.keras/datasets/mnist.npz."""
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets" / "mnist.npz"


def find_mnist(path: str | os.PathLike | None = None) -> Path | None:
    """Returns the first MNIST file found in the search order, or None (no download attempted).

    Raises:
        MnistUnavailableError: an explicitly given path (argument, variable or setting) does not exist.
    """
    explicit = [(path, "the given path"), (os.environ.get(MNIST_ENV), f"${MNIST_ENV}"),
                (user_settings.get(user_settings.MNIST_PATH), "the mnist_path setting")]
    for candidate, source in explicit:
        if candidate:
            candidate = Path(candidate).expanduser()
            if not candidate.is_file():
                raise MnistUnavailableError(
                    f"MNIST file not found: {candidate} (from {source}). Point it at an existing mnist.npz. "
                    f"{_how_to_get()}"
                )
            return candidate
    cached = keras_cache_path()
    return cached if cached.is_file() else None


def load_mnist(path: str | os.PathLike | None = None):
    """Loads MNIST as uint8 images and int64 labels.

    Args:
        path: an `mnist.npz` (Keras' format: x_train, y_train, x_test, y_test); None searches.

    Returns:
        `((x_train, y_train), (x_test, y_test))`: (60000, 28, 28) and (10000, 28, 28) uint8 arrays, labels int64.

    Raises:
        MnistUnavailableError: not found and not downloadable, or the file is not MNIST.
    """
    found = find_mnist(path)
    if found is None:
        found = _download()
    return _read_npz(found)


def load_mnist_for_training(path: str | os.PathLike | None = None, should_stop=None):
    """Loads what Digits trains on: the preprocessed training set, the same images as MNIST has them, and the test set.

    A recipe with a `source_share` shows each training digit sometimes one way, sometimes the other, so
    the network learns MNIST's own pen widths, blur and framing as well as the app's.

    Returns:
        `((x_train, x_train_source, y_train), (x_test, y_test))`: `x_train`, `y_train`, `x_test` and `y_test`
        as from `load_mnist_preprocessed`; `x_train_source` the training images before `preprocess`
        (MNIST's 60,000 as published; the flagged and fat-pen copies, having no other 28x28 form, as
        preprocessed). Images float32 (N, 28, 28) in [0, 1].

    Raises:
        TrainingCancelled: `should_stop()` turned True while the preprocessed copy was being made.
    """
    (x_train, y_train), test = load_mnist_preprocessed(path, should_stop)
    (published, _), _ = load_mnist(path)
    x_source = x_train.copy()
    x_source[:len(published)] = published * np.float32(1 / 255)
    return (x_train, x_source, y_train), test


def load_mnist_preprocessed(path: str | os.PathLike | None = None, should_stop=None):
    """Loads MNIST with every image passed through `preprocess`, from the cache when possible.

    The training set is MNIST's 60,000 images followed by flagged copies of some of its 1s and fat-pen
    copies of some of its digits (`model.datasets.digit_styles`), rendered with `drop_faint` (see the module's
    docstring), then thin-pen copies as a tablet records them (`model.datasets.pen_digits`) of MNIST's digits
    and of some flagged 1s, and coarse, soft copies as scanners and small bitmaps hold them
    (`model.datasets.scan_digits`) of MNIST's digits and of some flagged 1s, rendered as any drawing;
    the test set is MNIST's own 10,000, prepared as the app prepares any drawing.

    Args:
        path: an `mnist.npz`; None searches.
        should_stop: polled per image while the cache is made (minutes, once); True stops at once, writing
            no cache.

    Returns:
        `((x_train, y_train), (x_test, y_test))` with float32 (N, 28, 28) images in [0, 1].

    Raises:
        TrainingCancelled: `should_stop()` turned True.
    """
    found = find_mnist(path) or _download()
    cache = _cache_path(found)
    cached = _read_preprocessed(cache)
    if cached is not None:
        return cached
    # No cache yet, or a damaged one (a killed write cannot leave one: it is written atomically): build it.
    (x_train, y_train), (x_test, y_test) = _read_npz(found)
    flagged, flagged_labels = add_flagged_ones(x_train, y_train, should_stop=should_stop)
    fat, fat_labels = add_fat_pen_copies(x_train, y_train, should_stop=should_stop)
    pen, pen_labels = add_pen_copies(x_train, y_train, should_stop=should_stop)
    # A tablet's flagged 1 is as thin and angular as its 7, whose bar the flag resembles; in a coarse scan the
    # flag blurs into the stem as a 4's arm does. Each style is learned in each rendering.
    pen_flagged, pen_flagged_labels = add_pen_copies(flagged, flagged_labels, share=_FLAGGED_COPIES_SHARE, seed=1,
                                                     should_stop=should_stop)
    scans, scan_labels = add_scan_copies(x_train, y_train, should_stop=should_stop)
    scan_flagged, scan_flagged_labels = add_scan_copies(flagged, flagged_labels, share=_FLAGGED_COPIES_SHARE,
                                                        seed=1, should_stop=should_stop)
    # The pen copies and coarse scans are images like any the app reads: rendered as it renders them.
    x_train = np.concatenate(
        [_to_uint8(preprocess_images(images, drop_faint=True, should_stop=should_stop))
         for images in (x_train, flagged, fat)]
        + [_to_uint8(preprocess_images(images, should_stop=should_stop))
           for images in (pen, pen_flagged, scans, scan_flagged)])
    y_train = np.concatenate([y_train, flagged_labels, fat_labels, pen_labels, pen_flagged_labels, scan_labels,
                              scan_flagged_labels])
    # Stored as uint8 (a quarter of the size); training quantises to uint8 anyway.
    arrays = {"x_train": x_train, "y_train": y_train,
              "x_test": _to_uint8(preprocess_images(x_test, should_stop=should_stop)), "y_test": y_test}
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    atomic_write_bytes(cache, buffer.getvalue())
    _remove_stale_caches(cache)
    return _from_uint8(arrays)


def _read_preprocessed(cache: Path):
    """The preprocessed MNIST in `cache`, or None when there is none or it cannot be read (it is then rebuilt)."""
    try:
        with open_npz(cache) as data:
            return _from_uint8({key: data[key] for key in ("x_train", "y_train", "x_test", "y_test")})
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None


def _from_uint8(arrays: dict):
    x_train, x_test = (arrays[key].astype(np.float32) / 255.0 for key in ("x_train", "x_test"))
    return (x_train, arrays["y_train"]), (x_test, arrays["y_test"])


def _to_uint8(images: np.ndarray) -> np.ndarray:
    return np.round(np.clip(images, 0.0, 1.0) * 255.0).astype(np.uint8)


def _remove_stale_caches(current: Path) -> None:
    for old in current.parent.glob("mnist-preprocessed-*.npz"):
        if old != current:
            old.unlink(missing_ok=True)


def preprocess_images(images: np.ndarray, *, drop_faint: bool = False, should_stop=None,
                      workers: int | None = None) -> np.ndarray:
    """Passes MNIST-style images (white on black, any size) through `preprocess`; (N, 28, 28) float32.

    `drop_faint=True` renders them as the training set is (see the module's docstring); `should_stop` is
    polled per image (True raises `TrainingCancelled`). `workers` processes share the work (by default one per
    core for large sets of small images: the training set's cache holds 95,745); the result is the same.
    """
    image_bytes = max(1, np.asarray(images[:1]).nbytes)
    # Chunks of at most _CHUNK_BYTES: a pen copy is 432x432 pixels, and each chunk in flight is a copy.
    size = int(max(1, min(_CHUNK, _CHUNK_BYTES // image_bytes)))
    chunks = [(images[start:start + size], drop_faint) for start in range(0, len(images), size)]
    if workers is None:
        # Sending a canvas-sized image to a process costs about what preprocessing it does: only small ones go.
        workers = default_workers(len(images), _POOL_MINIMUM) if image_bytes <= _POOL_IMAGE_BYTES else 1
    parts = run_chunks(_preprocess_chunk, chunks, workers, should_stop)
    return np.concatenate(parts) if parts else np.zeros((0, 28, 28), np.float32)


def _preprocess_chunk(images: np.ndarray, drop_faint: bool, should_stop=None) -> np.ndarray:
    from model.core.preprocessing import preprocess

    result = np.zeros((len(images), 28, 28), np.float32)
    for index, image in enumerate(images):
        stop_if_asked(should_stop)
        processed = preprocess(image, ink="light", drop_faint=drop_faint)
        if processed is not None:
            result[index] = processed
    return result


def _cache_path(source: Path) -> Path:
    import model.core.ink as ink
    import model.core.preprocessing as preprocessing
    import model.datasets.digit_styles as digit_styles
    import model.datasets.pen_digits as pen_digits
    import model.datasets.scan_digits as scan_digits

    # This module too: it chooses which copies the training set holds.
    modules = (sys.modules[__name__], preprocessing, ink, digit_styles, pen_digits, scan_digits)
    stat = source.stat()
    key = hashlib.sha1(b"".join(inspect.getsource(module).encode("utf-8") for module in modules))
    key.update(f"{source.resolve()}:{stat.st_size}:{int(stat.st_mtime)}".encode())
    return data_dir() / "cache" / f"mnist-preprocessed-{key.hexdigest()[:16]}.npz"


def _read_npz(path: Path):
    try:
        with open_npz(path) as data:
            missing = [key for key in _KEYS if key not in data.files]
            if missing:
                raise MnistUnavailableError(
                    f"{path}: not an MNIST file; it lacks {', '.join(missing)} (expected Keras' mnist.npz with "
                    f"x_train, y_train, x_test, y_test). {_how_to_get()}"
                )
            arrays = {key: data[key] for key in _KEYS}
    except (OSError, ValueError) as error:
        raise MnistUnavailableError(f"{path}: not a readable .npz file ({error}). {_how_to_get()}") from error
    for key, expected in _KEYS.items():
        if arrays[key].shape[1:] != expected[1:] or arrays[key].shape[0] == 0:
            raise MnistUnavailableError(
                f"{path}: {key} has shape {arrays[key].shape}; expected (N, {', '.join(map(str, expected[1:]))})"
                f" as in Keras' mnist.npz. {_how_to_get()}"
            )
    images = {key: np.asarray(arrays[key], np.uint8) for key in ("x_train", "x_test")}
    labels = {key: np.asarray(arrays[key], np.int64) for key in ("y_train", "y_test")}
    return (images["x_train"], labels["y_train"]), (images["x_test"], labels["y_test"])


def _download() -> Path:
    try:
        import keras

        keras.datasets.mnist.load_data()
    except Exception as error:  # Offline, a proxy, a full disk: all mean "not available".
        raise MnistUnavailableError(
            f"MNIST is not on this computer and could not be downloaded ({type(error).__name__}). {_how_to_get()}"
        ) from error
    cached = keras_cache_path()
    if not cached.is_file():
        raise MnistUnavailableError(f"Keras reported MNIST downloaded but {cached} is missing. {_how_to_get()}")
    return cached


def _how_to_get() -> str:
    return (
        f"To train Digits, download {MNIST_URL} and either pass it with --mnist PATH, set ${MNIST_ENV}, "
        f"put its path under \"mnist_path\" in {data_dir() / 'settings.json'}, or copy it to {keras_cache_path()}. "
        "Shapes works without it."
    )
