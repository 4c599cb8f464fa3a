"""The command line (no Qt) and the window (Qt) agree on where ConvCanvas keeps its files."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QStandardPaths

from model.core.paths import APP_NAME, ORGANIZATION_NAME, default_data_dir


def test_default_data_dir_is_qt_app_data_location(qapp, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    assert (QCoreApplication.organizationName(), QCoreApplication.applicationName()) == (ORGANIZATION_NAME, APP_NAME)
    qt_location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    assert Path(qt_location) == default_data_dir()
    assert str(tmp_path) in qt_location
