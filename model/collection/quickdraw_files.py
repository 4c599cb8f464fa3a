"""Several Quick, Draw! files imported at scale in one go, as the window does it: what each file holds, then the
import of all of them with one progress, one cancel and one report (`model.collection.import_report.ImportReport`).

Each file becomes its own shard set (`model.collection.quickdraw`),
committed whole when the file is done: a cancel or a full
disk keeps the files finished before it, whole, and nothing of the file it interrupted (that file's previous set,
if any, stays).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from model.collection import import_checks as checks
from model.collection.import_report import ImportReport
from model.collection.quickdraw import folder_name, import_quickdraw, label_of, open_bitmaps, set_folder
from model.collection.shards import RECORD_BYTES
from model.core import disk

SUFFIXES = (".npy", ".ndjson")
# Lines read from an .ndjson to find its category and the size of a line (for the estimate of its drawings).
_SAMPLE_LINES = 50


@dataclass(frozen=True)
class QuickDrawFile:
    """What a Quick, Draw! file holds, found cheaply: its category and how many drawings (an .ndjson's estimated
    from its first lines' length; `exact` says which)."""

    path: Path
    category: str
    total: int
    exact: bool

    def describe_total(self) -> str:
        return f"{self.total:,}" if self.exact else f"about {self.total:,}"


@dataclass(frozen=True)
class ImportProgress:
    """How far an import of several files is: the file (0-based) of how many, its name, its fraction done, and the
    images added so far in all."""

    file_index: int
    files: int
    name: str
    fraction: float
    added: int

    @property
    def overall(self) -> float:
        return min(1.0, (self.file_index + self.fraction) / max(1, self.files))


def inspect_file(path) -> QuickDrawFile:
    """Returns what a Quick, Draw! `.npy` or `.ndjson` holds, reading only its header or first lines.

    Raises:
        ValueError: it is neither, cannot be read as one, or its name cannot name its set's folder (one line: what
            was wrong and what was expected).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"{path.name}: expected a Quick, Draw! .npy or .ndjson file, received "
                         f"{suffix or 'a file without extension'}.")
    folder_name(path)
    if suffix == ".npy":
        return QuickDrawFile(path, label_of(path), len(open_bitmaps(path)), True)
    try:
        with open(path, "rb") as handle:
            lines = [line for _, line in zip(range(_SAMPLE_LINES), handle)]
        size = path.stat().st_size
    except OSError as error:
        raise ValueError(f"{path.name}: cannot be read ({error.strerror or error}).") from None
    return QuickDrawFile(path, _first_word(lines) or label_of(path), _estimate_lines(lines, size), False)


def _first_word(lines) -> str | None:
    for line in lines:
        try:
            return str(json.loads(line)["word"])
        except (ValueError, KeyError, TypeError):
            continue
    return None


def _estimate_lines(lines, size: int) -> int:
    if not lines:
        return 0
    average = sum(len(line) for line in lines) / len(lines)
    return max(len(lines), round(size / max(1.0, average)))


def import_files(files, task, *, limit: int | None, rename: dict | None = None, progress=None,
                 should_stop=None) -> ImportReport:
    """Imports Quick, Draw! files into the task's shard sets, one after another.

    Args:
        files: `.npy` / `.ndjson` paths.
        task: a `model.core.tasks.Task` that has every label the files' drawings get (after `rename`).
        limit: at most this many images per label, all files together (None: all).
        rename: {category in a file: label of the task}.
        progress: called with an `ImportProgress` after every chunk of every file.
        should_stop: polled every few dozen drawings; True stops after the files already finished.

    Returns:
        An `ImportReport`: added, skipped per reason and left over the limit, summed over the files finished;
        `stopped` says why it stopped early (a cancel or a full disk) and what of it was kept. A file that cannot
        be read is skipped (named, with the reason) and the others are imported.
    """
    files = [Path(file) for file in files]
    report, done = ImportReport(limit=limit, into=task.display_name), []
    update = progress or (lambda value: None)
    for index, path in enumerate(files):
        def progressed(fraction, added, index=index, path=path):
            update(ImportProgress(index, len(files), path.name, fraction, report.total + added))

        try:
            _check_room(path, task, limit)
            result = import_quickdraw(path, task, limit=limit, rename=rename, counted=report.added,
                                      progress=progressed, should_stop=should_stop)
        except ValueError as error:
            report.skip(path.name, checks.UNREADABLE, str(error))
            continue
        except OSError as error:
            if not disk.is_disk_error(error):
                raise
            report.stopped = f"{disk.describe(error)} {_kept(done, path)}"
            break
        if result is None:
            report.stopped = f"cancelled during {path.name}. {_kept(done, path)}"
            break
        report.merge(result.as_report(limit, path.name))
        done.append(path.name)
    return report


def _kept(done: list, interrupted: Path) -> str:
    before = f"{', '.join(done)} {'is' if len(done) == 1 else 'are'} imported whole; " if done else ""
    return f"{before}nothing of {interrupted.name} was kept (a set imported from it before stays as it was)."


def _check_room(path: Path, task, limit: int | None) -> None:
    """Fails before a file starts, in one line, if its set could not fit on the disk (an overestimate)."""
    if path.suffix.lower() == ".npy":
        count = len(open_bitmaps(path))
    else:
        count = path.stat().st_size // 200  # a simplified Quick, Draw! line is 200 bytes or more
    if limit is not None:
        count = min(count, limit * len(task.labels))
    disk.ensure_writable(set_folder(path, task).parent, count * RECORD_BYTES)
