"""Fixtures for the reliability suite: damaged files, unsafe names, leftovers and hostile images."""

from __future__ import annotations

import pytest

from tests.reliability.helpers import SHAPE_LABELS, TINY


@pytest.fixture(autouse=True)
def fresh_notices():
    """Each test starts with no recorded notices (they are process-wide)."""
    try:
        from model.core import damaged
    except ImportError:  # the code before this suite: its tests must fail on their own assertions
        yield
        return
    damaged.take_notices()
    yield
    damaged.take_notices()


@pytest.fixture
def shapes_model():
    """Saves a tiny Shapes model (and its model.json) in the test's data folder and returns its path."""
    from model.network.architecture import build_model
    from model.network.model_store import ModelInfo, save_model

    return save_model(build_model(TINY, 3), ModelInfo("shapes", list(SHAPE_LABELS)))


@pytest.fixture
def qsettings_in_tmp(qapp, tmp_path):
    """Points QSettings at tmp_path (as tests/gui/conftest.py does), so no test touches the user's settings."""
    from PySide6.QtCore import QSettings

    from gui.app import configure_application

    configure_application(qapp)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(tmp_path / "qsettings"))
    return QSettings()
