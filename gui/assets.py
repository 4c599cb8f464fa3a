"""The one way to reach files shipped in assets/: icons and the stylesheet."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtGui import QIcon

ASSETS_DIR = Path(__file__).resolve().parents[1] / "assets"


def asset_path(name: str) -> Path:
    """Returns the path of `name` inside assets/ (for example "style.qss" or "icons/pen.svg").

    Raises:
        FileNotFoundError: naming the missing file and the folder searched, since a missing asset is an
            installation problem the user should hear about.
    """
    path = ASSETS_DIR / name
    if not path.exists():
        raise FileNotFoundError(f"Asset {name!r} not found in {ASSETS_DIR}; reinstall ConvCanvas or restore the file.")
    return path


@cache
def icon(name: str) -> QIcon:
    """Returns the icon assets/icons/<name>.svg."""
    return QIcon(str(asset_path(f"icons/{name}.svg")))


def stylesheet() -> str:
    """Returns the application stylesheet, with icon URLs resolved to the installed assets folder."""
    text = asset_path("style.qss").read_text(encoding="utf-8")
    return text.replace("@ASSETS@", ASSETS_DIR.as_posix())
