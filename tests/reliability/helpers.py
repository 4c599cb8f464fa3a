"""Shared by the reliability tests."""

from __future__ import annotations

import os
import time
from pathlib import Path

TINY = [{"type": "conv", "filters": 2}, {"type": "pool"}, {"type": "flatten"}]
SHAPE_LABELS = ["circle", "square", "triangle"]
DAY = 86400


def notices_naming(path) -> list[str]:
    """The notices recorded since the last call that name `path`."""
    from model.core import damaged

    return [message for message in damaged.take_notices() if str(path) in message]


def age(path, days: float) -> Path:
    """Sets a file's modification time `days` ago, as if an earlier run had left it; returns the path."""
    path = Path(path)
    moment = time.time() - days * DAY
    os.utime(path, (moment, moment))
    return path


def files_under(folder) -> set[str]:
    """Every file and folder below `folder`, as relative paths."""
    folder = Path(folder)
    return {str(path.relative_to(folder)) for path in folder.rglob("*")}
