"""The one wall: model/ never imports Qt, gui/ never imports TensorFlow or Keras itself."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _imported_roots(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(ROOT)))
    return found


@pytest.mark.parametrize(
    "package, forbidden",
    [("model", {"PySide6", "shiboken6", "PyQt5", "PyQt6"}), ("gui", {"tensorflow", "keras"})],
)
def test_package_does_not_import_across_the_wall(package, forbidden):
    crossings = {name: files for name, files in _imported_roots(package).items() if name in forbidden}
    assert not crossings, f"{package}/ imports {crossings}; see docs/ARCHITECTURE.md"


def test_import_linter_contracts_are_kept():
    result = subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command as c; sys.exit(c())"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
