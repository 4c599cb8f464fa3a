"""The user's preferences, in `<data_dir>/settings.json`: the one module that reads and writes that file.

Known settings and their types are listed in `KNOWN`; a value of the wrong type is dropped (the file is set aside
as settings.json.corrupt and rewritten with the rest), a file that is not a JSON object is set aside whole.
Settings this version does not know are kept as they are, so an older and a newer ConvCanvas can share a folder.
Every change rewrites the file atomically.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from model.core import damaged, paths, storage

SETTINGS_FILE = "settings.json"
MNIST_PATH = "mnist_path"
AUTO_RETRAIN_EVERY = "auto_retrain_every"
# Each known setting's type, and a check of its value (None: any value of the type).
KNOWN: dict[str, tuple[type, Any]] = {
    MNIST_PATH: (str, lambda value: bool(value.strip())),
    AUTO_RETRAIN_EVERY: (int, lambda value: value >= 0),
}


def settings_path() -> Path:
    """Returns where the settings live: `<data_dir>/settings.json`."""
    return paths.data_dir() / SETTINGS_FILE


def load() -> dict[str, Any]:
    """Returns every setting, checked; {} when there is no file or it was damaged beyond use."""
    return dict(damaged.read_checked_json(settings_path(), _check, default={}))


def get(key: str, default: Any = None) -> Any:
    """Returns one setting, or `default` when it is not set."""
    return load().get(key, default)


def update(**values: Any) -> dict[str, Any]:
    """Sets settings (a value of None removes that setting), keeping the others, and returns them all.

    Raises:
        ValueError: a known setting of the wrong type or out of range, with what was received.
    """
    settings = load()
    for key, value in values.items():
        if value is None:
            settings.pop(key, None)
            continue
        problem = _problem(key, value)
        if problem:
            raise ValueError(f"Setting {key!r}: {problem}.")
        settings[key] = value
    storage.atomic_write_json(settings_path(), settings)
    return settings


def _check(value: Any) -> dict | damaged.Rebuilt:
    damaged.expect_type(value, dict, "the file")
    kept = {key: item for key, item in value.items() if not _problem(key, item)}
    dropped = [f"{key}: {_problem(key, item)}" for key, item in value.items() if _problem(key, item)]
    return damaged.Rebuilt(kept, "; ".join(dropped)) if dropped else kept


def _problem(key: str, value: Any) -> str:
    if key not in KNOWN:
        return ""
    expected, valid = KNOWN[key]
    if isinstance(value, bool) or not isinstance(value, expected):
        return f"expected {'a string' if expected is str else 'a whole number'}, received {value!r:.40}"
    if not valid(value):
        return f"{value!r:.40} is not allowed"
    return ""
