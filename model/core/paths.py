"""Where ConvCanvas keeps its files.

The data directory is Qt's AppDataLocation for the application "ConvCanvas" of the organisation
"ConvCanvas", computed here without Qt so that the command line and the window agree
(`tests/gui/test_paths.py` checks that they do). `CONVCANVAS_DATA_DIR` moves it (tests use this).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from model.core.names import check_name, inside

APP_NAME = "ConvCanvas"
ORGANIZATION_NAME = "ConvCanvas"
DATA_DIR_ENV = "CONVCANVAS_DATA_DIR"
MNIST_ENV = "CONVCANVAS_MNIST"


def default_data_dir() -> Path:
    """Returns the platform's per-user application data directory, as Qt's AppDataLocation names it."""
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA", home / "AppData" / "Roaming"))
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    return base / ORGANIZATION_NAME / APP_NAME


def data_dir() -> Path:
    """Returns the data directory in force: `$CONVCANVAS_DATA_DIR` if set, else `default_data_dir()`."""
    override = os.environ.get(DATA_DIR_ENV)
    return Path(override).expanduser() if override else default_data_dir()


def models_dir(task_name: str) -> Path:
    """Returns the folder that holds a task's trained model, its previous model and its checkpoints."""
    return task_folder("models", task_name)


def drawings_dir(task_name: str) -> Path:
    """Returns the folder of a task's saved drawings: `<task>/<label>/<id>.png`."""
    return task_folder("drawings", task_name)


def trash_dir(task_name: str) -> Path:
    """Returns the folder that deleted drawings of a task wait in until the trash is emptied."""
    return task_folder("trash", task_name)


def cache_dir(task_name: str) -> Path:
    """Returns the folder of a task's caches (preprocessed drawings), which can always be rebuilt."""
    return task_folder("cache", task_name)


def task_folder(kind: str, task_name: str) -> Path:
    """Returns `<data_dir>/<kind>/<task>`, after checking the task's name (`model.core.names`) and that the folder
    stays inside the data directory.

    Raises:
        ValueError: the name cannot be a folder name, or would lead outside the data directory.
    """
    return inside(data_dir() / kind, check_name(task_name, "task"))
