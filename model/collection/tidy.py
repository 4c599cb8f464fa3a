"""Keeping the data folder tidy at start: what killed saves, trainings and retrains left, and the trash.

`tidy_data_folder()` removes temporary `.part` files and orphan stroke records (a `.json` whose drawing never got
written) and empties the trash of drawings deleted more than `TRASH_DAYS` days ago, and of the oldest beyond
`TRASH_MAX_BYTES`. It touches only files older than this process (`PROCESS_STARTED`), so a second ConvCanvas
running beside this one never loses a file it is writing, and nothing deleted during this run (which the window
can still undo) leaves the trash.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from model.core import paths

PROCESS_STARTED = time.time()
TRASH_DAYS = 30
TRASH_MAX_BYTES = 200 * 1024 * 1024
# `storage.atomic_path` names its temporary files ".<stem>.<random>.part<suffix>".
_TEMPORARY = re.compile(r"^\..+\.part(\.[^.]*)?$")
# `SampleStore.remove_label` moves a label's folder to "<label>.<sample id>".
_TRASHED_LABEL = re.compile(r"\.\d{13}-[0-9a-f]{6}$")


@dataclass
class TidyReport:
    """What `tidy_data_folder` removed."""

    temporary_files: int = 0
    orphan_records: int = 0
    trash_items: int = 0
    trash_bytes: int = 0

    def summary(self) -> str:
        """One line for the user, or "" when nothing was removed."""
        parts = []
        if self.temporary_files or self.orphan_records:
            count = self.temporary_files + self.orphan_records
            parts.append(f"removed {count} file{'s' if count != 1 else ''} left by an interrupted save")
        if self.trash_items:
            parts.append(f"emptied {self.trash_items} old item{'s' if self.trash_items != 1 else ''} "
                         f"({self.trash_bytes / 1e6:.1f} MB) from the trash")
        return ("Tidied the data folder: " + "; ".join(parts) + ".") if parts else ""


def tidy_data_folder(started: float | None = None, trash_days: float = TRASH_DAYS,
                     trash_max_bytes: int = TRASH_MAX_BYTES) -> TidyReport:
    """Removes leftovers older than `started` (default: when this process started) from the data folder.

    Args:
        started: only files last changed before this time (seconds since 1970) are touched.
        trash_days: trashed drawings older than this many days are deleted.
        trash_max_bytes: beyond this size, the oldest trashed drawings are deleted too.

    Returns:
        A `TidyReport`. Files that cannot be removed (a read-only folder) are left as they are.
    """
    started = PROCESS_STARTED if started is None else started
    report = TidyReport()
    root = paths.data_dir()
    if not root.is_dir():
        return report
    for folder, _, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            if _TEMPORARY.match(name) and _older(path, started) and _remove(path):
                report.temporary_files += 1
    report.orphan_records = _remove_orphan_records(root / "drawings", started)
    _empty_trash(root / "trash", started, trash_days, trash_max_bytes, report)
    return report


def _remove_orphan_records(drawings: Path, started: float) -> int:
    from model.collection.samples import SampleStore
    from model.core.names import is_valid_name

    removed = 0
    for task_folder in _subfolders(drawings, depth=1):
        if is_valid_name(task_folder.name):
            try:
                removed += SampleStore(task_folder.name).cleanup(older_than=started)
            except OSError:
                pass  # a read-only folder keeps its leftovers, which no listing shows
    return removed


def _empty_trash(trash: Path, started: float, days: float, max_bytes: int, report: TidyReport) -> None:
    items = sorted(_trash_items(trash), key=lambda item: item[0])  # (trashed at, size, paths), oldest first
    total = sum(size for _, size, _ in items)
    limit = started - days * 86400
    for trashed_at, size, item_paths in items:
        if trashed_at >= started or (trashed_at >= limit and total <= max_bytes):
            continue
        if all(_remove(path) for path in item_paths):
            report.trash_items += 1
            report.trash_bytes += size
            total -= size


def _trash_items(trash: Path):
    """Yields (when it was trashed, bytes, paths) for each drawing and each whole label in the trash."""
    for task_folder in _subfolders(trash, depth=1):
        for entry in os.scandir(task_folder):
            if not entry.is_dir(follow_symlinks=False):
                continue
            if _TRASHED_LABEL.search(entry.name):
                size = sum(file.stat().st_size for file in Path(entry.path).rglob("*") if file.is_file())
                yield entry.stat().st_mtime, size, [Path(entry.path)]
                continue
            for file in os.scandir(entry.path):
                if file.name.endswith(".png"):
                    png = Path(file.path)
                    strokes = png.with_suffix(".json")
                    size = file.stat().st_size + (strokes.stat().st_size if strokes.exists() else 0)
                    yield file.stat().st_mtime, size, [png, strokes]


def _subfolders(root: Path, depth: int) -> list[Path]:
    folders = [root] if root.is_dir() else []
    for _ in range(depth):
        folders = [Path(entry.path) for folder in folders for entry in os.scandir(folder)
                   if entry.is_dir(follow_symlinks=False) and not entry.name.startswith(".")]
    return folders


def _older(path: Path, started: float) -> bool:
    try:
        return path.stat().st_mtime < started
    except OSError:
        return False


def _remove(path: Path) -> bool:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
        return True
    except OSError:
        return False
