"""Checks that keep one bad record from spoiling an import: each says what is wrong with a record, in words.

`model.collection.importers` skips a record these checks refuse, names it with the reason, and goes on with the rest.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

# Drawings are pixels or Quick, Draw!'s 0-255 box; anything beyond this is a broken file, not a big drawing.
MAX_COORDINATE = 1e6
MAX_PEN_WIDTH = 1e4

# Why a record was skipped: the report counts records per reason (see `ImportReport.skipped_by_reason`).
UNREADABLE = "unreadable"
NOT_A_RECORD = "not a Quick, Draw! record"
BAD_COORDINATES = "bad coordinates"
EMPTY = "empty drawing"
BAD_PIXELS = "NaN or infinite pixels"
BAD_LABEL = "bad label"
OTHER_LABEL = "label not in this task"
LOOSE_FILE = "file outside a label folder"
NESTED_FOLDER = "nested folder"
NOT_AN_IMAGE = "not an image"
OUTSIDE_LINK = "link out of the source"


def coordinates_problem(strokes) -> str | None:
    """Returns why strokes cannot be drawn (NaN, infinite or absurd coordinates, a bad pen width), or None."""
    for index, stroke in enumerate(strokes):
        points = np.asarray(stroke.points, np.float64)
        if not np.isfinite(points).all():
            return f"stroke {index} has NaN or infinite coordinates"
        if points.size and np.abs(points[:, :2]).max() > MAX_COORDINATE:
            return f"stroke {index} has coordinates beyond ±{MAX_COORDINATE:,.0f}"
        if not (np.isfinite(stroke.width) and 0 < stroke.width <= MAX_PEN_WIDTH):
            return f"stroke {index} has pen width {stroke.width}; expected a number from 0 to {MAX_PEN_WIDTH:,.0f}"
    return None


def record_labels(targets, names: list[str] | None) -> list[tuple[str | None, str | None]]:
    """Returns each record's (label, None), or (None, why it has no usable label), from an array of targets.

    Targets may be label names, whole-number indices (into `names` when given) or one-hot rows. A negative index,
    one past `names`, a fraction or NaN is refused for that record alone.

    Raises:
        ValueError: the targets as a whole are not labels (a 2-D array that is not one-hot, complex numbers...).
    """
    targets = np.asarray(targets)
    if targets.ndim == 2 and targets.shape[1] == 1:
        targets = targets[:, 0]
    elif targets.ndim == 2 and _is_one_hot(targets):
        targets = targets.argmax(axis=1)
    if targets.ndim != 1:
        raise ValueError(f"the labels have shape {targets.shape}; expected one label per image, shape (N,), "
                         "or one-hot rows, shape (N, number of labels)")
    if targets.dtype.kind in "US":
        return [(_text(target), None) for target in targets]
    if targets.dtype.kind not in "biuf":
        raise ValueError(f"the labels are of type {targets.dtype}; expected names or whole numbers")
    return [_indexed_label(value, names) for value in targets.tolist()]


def is_inside(path: Path, root: Path) -> bool:
    """Returns True if `path`, following any link, stays inside `root` (the import's source)."""
    try:
        return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(root))
    except (OSError, ValueError):
        return False


def _indexed_label(value, names) -> tuple[str | None, str | None]:
    if isinstance(value, float):
        if not np.isfinite(value):
            return None, f"label {value} is not a number"
        if value != int(value):
            return None, f"label {value} is not a whole number"
        value = int(value)
    value = int(value)
    if value < 0:
        return None, f"label {value} is negative; labels are 0 or more"
    if names is None:
        return str(value), None
    if value >= len(names):
        return None, f"label {value} is outside label_names (0 to {len(names) - 1})"
    return names[value], None


def _is_one_hot(targets: np.ndarray) -> bool:
    if targets.dtype.kind not in "biuf" or targets.size == 0:
        return False
    values = targets.astype(np.float64)
    return bool(np.isin(values, (0.0, 1.0)).all() and (values.sum(axis=1) == 1).all())


def _text(target) -> str:
    return target.decode("utf-8", "replace") if isinstance(target, bytes) else str(target)
