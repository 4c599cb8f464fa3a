"""The one check for task and label names, which become folder names: wherever a name comes from (the window,
tasks.json, an import, the command line), it passes `check_name` before it touches a path.

A name is NFC-normalised and stripped, 1 to 40 characters, with no path separator or "..", no leading dot, no
control, format (bidi, zero-width) or line-breaking character, none of Windows' forbidden characters
(`: * ? " < > |`) or reserved device names (CON, NUL, COM1, ...), and no trailing dot. Names are compared
ignoring case (`same_name`), since Windows' and macOS' folders do. `inside` checks that a path built from names
stays inside the folder it was built in.
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

MAX_LENGTH = 40
_FORBIDDEN = re.compile(r'[\\/:*?"<>|]')
# Unicode categories that draw nothing or reorder text: controls, format characters (bidi overrides, zero-width
# joiners), line and paragraph separators, unassigned and private-use code points.
_INVISIBLE = {"Cc", "Cf", "Zl", "Zp", "Cn", "Co", "Cs"}
_RESERVED = {"con", "prn", "aux", "nul", "conin$", "conout$"} | {
    f"{device}{number}" for device in ("com", "lpt") for number in list("123456789") + ["¹", "²", "³"]
}


def check_name(name: object, kind: str = "label") -> str:
    """Returns the name, NFC-normalised and stripped, or raises ValueError saying what is wrong and what to do.

    Args:
        name: the name as received.
        kind: "label" or "task", for the message.
    """
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"A {kind} needs a name; received {name!r}. Type a word such as 'star'.")
    name = unicodedata.normalize("NFC", name.strip())
    problem = _problem(name)
    if problem:
        raise ValueError(f"{kind.capitalize()} {name!r} cannot be a folder name: {problem}.")
    return name


def is_valid_name(name: object) -> bool:
    """Returns True if `check_name` accepts the name as it is (already normalised)."""
    try:
        return check_name(name) == name
    except ValueError:
        return False


def name_key(name: str) -> str:
    """Returns what two names are compared by: NFC, case folded (so "Star" and "STAR" are the same folder)."""
    return unicodedata.normalize("NFC", name).casefold()


def same_name(first: str, second: str) -> bool:
    return name_key(first) == name_key(second)


def find_duplicate(names) -> str | None:
    """Returns the first name that repeats an earlier one ignoring case, or None."""
    seen = set()
    for name in names:
        key = name_key(name)
        if key in seen:
            return name
        seen.add(key)
    return None


def inside(base: str | os.PathLike, *parts: str) -> Path:
    """Returns `base / parts...`, after checking that it resolves inside `base` (no "..", link or drive escapes).

    Raises:
        ValueError: the path would leave `base`.
    """
    base = Path(base)
    path = base.joinpath(*parts)
    resolved_base = base.resolve()
    resolved = path.resolve()
    if resolved != resolved_base and resolved_base not in resolved.parents:
        raise ValueError(f"{path} leads outside {base}; refusing to read or write there. Rename the task or label.")
    return path


def shown(name: str) -> str:
    """Returns the name fit for a message: invisible, control and bidi characters written as \\uXXXX."""
    return "".join(f"\\u{ord(char):04x}" if unicodedata.category(char) in _INVISIBLE else char for char in name)


def _problem(name: str) -> str:
    if len(name) > MAX_LENGTH:
        return f"it is {len(name)} characters long; keep it to {MAX_LENGTH} or fewer"
    if _FORBIDDEN.search(name):
        return 'use letters, digits, spaces, "-" or "_" (no / \\ : * ? " < > |)'
    if name.startswith(".") or ".." in name:
        return 'it may not start with a dot or hold ".."'
    if name.endswith((".", " ")):
        return "it may not end with a dot"
    invisible = [char for char in name if unicodedata.category(char) in _INVISIBLE]
    if invisible:
        return f"it holds an invisible or control character (U+{ord(invisible[0]):04X}); retype it"
    if name.split(".")[0].strip().casefold() in _RESERVED:
        return f"{name.split('.')[0]!r} is a device name on Windows; choose another"
    return ""
