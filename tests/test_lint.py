"""The repository passes `ruff check` with the rules in pyproject.toml, so style and bug-prone patterns are checked."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_finds_nothing():
    assert importlib.util.find_spec("ruff"), "ruff is missing: install the test extras, pip install -e '.[test]'"
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise", "."],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, f"ruff check found problems (ruff check --fix . mends the safe ones):\n" \
                                   f"{result.stdout}{result.stderr}"
