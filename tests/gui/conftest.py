"""GUI test set-up: offscreen Qt, the app's names and look, settings kept in each test's tmp_path."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from gui.app import configure_application


@pytest.fixture(autouse=True)
def isolated_settings(qapp, tmp_path):
    """Points QSettings at tmp_path, so no test reads or writes the user's window layout or preferences."""
    configure_application(qapp)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    folder = str(tmp_path / "qsettings")
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, folder)
    yield folder


@pytest.fixture
def window(qtbot):
    """A main window without automatic training (tests that want a model get `shapes_model`)."""
    from gui.main_window import MainWindow

    main = MainWindow("shapes", auto_train=False)
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    yield main
    main.close()
