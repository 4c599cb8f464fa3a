"""Damaged files: every file ConvCanvas reads is checked, and a bad one is set aside, named, and the app goes on.

`set_aside(path, problem)` renames a file that cannot be used to `<name>.corrupt` (kept for the user to look at,
never read again), optionally writes what could be rebuilt in its place, and records a one-line notice naming the
file. The command line prints the notices on stderr; the window shows them in its status bar
(`add_listener`). `read_checked_json` is the reader for the app's own JSON files.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from model.core import storage

CORRUPT_SUFFIX = ".corrupt"

_lock = threading.Lock()
_notices: list[str] = []
_listeners: list[Callable[[str], None]] = []


class FileCheckError(ValueError):
    """A file's content is valid JSON (or bytes) but not what the app expects; the message says what."""


def set_aside(path: str | os.PathLike, problem: str, replacement: Any = None) -> str:
    """Moves a damaged file out of the way and records a one-line notice about it.

    Args:
        path: the damaged file.
        problem: what is wrong with it, as a short phrase ("not valid JSON", "labels must be a list").
        replacement: a JSON value rebuilt from what was readable, written atomically in the file's place;
            None writes nothing, so the file is simply missing from now on.

    Returns:
        The notice: what was wrong, where the file went, and what happens now ("" if the file was gone already).
    """
    path = Path(path)
    kept = _free_corrupt_name(path)
    try:
        os.replace(path, kept)
        where = f"set aside as {kept.name}"
    except FileNotFoundError:
        return ""  # another thread read the same file and set it aside first; it said so
    except OSError as error:
        where = f"left in place (cannot rename it: {error.strerror or error})"
    rebuilt = ""
    if replacement is not None:
        try:
            storage.atomic_write_json(path, replacement)
            rebuilt = "; rebuilt from what was readable"
        except OSError:
            rebuilt = "; using what was readable"
    return notice(f"{path} was damaged ({problem}): {where}{rebuilt}.")


def notice(message: str) -> str:
    """Records a one-line notice for the user (the same line twice is recorded once) and returns it."""
    with _lock:
        if message in _notices:
            return message
        _notices.append(message)
        listeners = list(_listeners)
    for listener in listeners:
        listener(message)
    return message


def take_notices() -> list[str]:
    """Returns the notices recorded so far and forgets them."""
    with _lock:
        taken = list(_notices)
        _notices.clear()
    return taken


def add_listener(listener: Callable[[str], None]) -> Callable[[], None]:
    """Calls `listener(message)` for each new notice (from any thread); returns a function that stops it."""
    with _lock:
        _listeners.append(listener)

    def remove() -> None:
        with _lock:
            if listener in _listeners:
                _listeners.remove(listener)

    return remove


def read_checked_json(path: str | os.PathLike, check: Callable[[Any], Any], default: Any = None) -> Any:
    """Reads one of the app's JSON files and checks it; a damaged file is set aside and `default` returned.

    Args:
        path: the file.
        check: takes the parsed value and returns it cleaned (or something rebuilt from it); raises
            `FileCheckError` (or ValueError/TypeError) saying what is wrong when nothing can be used. A check
            may return a `Rebuilt(value, problem)` to keep part of a file: the file is then set aside and the
            value written in its place.
        default: returned when the file does not exist, or is damaged beyond use.

    Returns:
        The checked value, or `default`.
    """
    path = Path(path)
    try:
        value = json.loads(path.read_bytes().decode("utf-8"))
    except (FileNotFoundError, NotADirectoryError):
        return default
    except UnicodeDecodeError:
        set_aside(path, "not text: it holds binary data")
        return default
    except ValueError as error:
        set_aside(path, f"not valid JSON: {error}")
        return default
    except OSError as error:
        notice(f"{path} cannot be read ({error.strerror or error}); using defaults.")
        return default
    try:
        checked = check(value)
    except (FileCheckError, ValueError, TypeError, KeyError, AttributeError) as error:
        set_aside(path, str(error) or type(error).__name__)
        return default
    if isinstance(checked, Rebuilt):
        set_aside(path, checked.problem, replacement=checked.value)
        return checked.value
    return checked


class Rebuilt:
    """What a check returns when part of a file was usable: the usable value, and what was wrong with the rest."""

    def __init__(self, value: Any, problem: str) -> None:
        self.value, self.problem = value, problem


def expect_type(value: Any, expected: type | tuple, what: str) -> Any:
    """Returns `value` if it is of the `expected` type (bool is not an int here), else raises FileCheckError."""
    wrong_bool = isinstance(value, bool) and expected in (int, float, (int, float))
    if value is None and expected is not type(None):
        raise FileCheckError(f"{what} is missing or null")
    if wrong_bool or not isinstance(value, expected):
        names = " or ".join(t.__name__ for t in (expected if isinstance(expected, tuple) else (expected,)))
        raise FileCheckError(f"{what} must be {_article(names)}, not {type(value).__name__} {value!r:.40}")
    return value


def _article(names: str) -> str:
    return {"dict": "an object", "list": "a list", "str": "a string", "int": "a whole number",
            "float": "a number", "int or float": "a number"}.get(names, names)


def _free_corrupt_name(path: Path) -> Path:
    candidate = path.with_name(path.name + CORRUPT_SUFFIX)
    number = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.{number}{CORRUPT_SUFFIX}")
        number += 1
    return candidate
