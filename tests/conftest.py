"""Shared test set-up: no display, no user files, the project's MNIST copy."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED_MNIST = ROOT.parent / "shared" / "datasets" / "mnist.npz"


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path, monkeypatch):
    """Every test gets its own data directory, so none reads or writes the user's drawings and models."""
    data = tmp_path / "convcanvas-data"
    monkeypatch.setenv("CONVCANVAS_DATA_DIR", str(data))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("CONVCANVAS_MNIST", raising=False)
    # No shipped models: a task has no model until a test trains or installs one (tests/model/test_shipped_models.py).
    monkeypatch.setenv("CONVCANVAS_SHIPPED_MODELS", "")
    return data


@pytest.fixture
def mnist_path() -> Path:
    """The MNIST copy shared with the project (../shared/datasets/mnist.npz)."""
    if not SHARED_MNIST.exists():
        pytest.skip(f"MNIST not found at {SHARED_MNIST}")
    return SHARED_MNIST
