"""The window benchmarks' data folder: a model given on the command line, away from the user's own."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def use_model(model: str, task: str) -> Path:
    """Points the app at a new data folder holding `model` (and its .json) as `task`'s model.

    The user's models and settings are untouched. Returns the folder, for the caller to remove.
    """
    folder = Path(tempfile.mkdtemp(prefix=f"convcanvas-window-{task}-"))
    target = folder / "models" / task
    target.mkdir(parents=True)
    shutil.copy(model, target / "model.keras")
    info = Path(model).with_suffix(".json")
    if info.is_file():
        shutil.copy(info, target / "model.json")
    os.environ["CONVCANVAS_DATA_DIR"] = str(folder)
    os.environ["XDG_CONFIG_HOME"] = str(folder / "config")
    return folder
