"""The dock layout survives a restart, an old layout version is ignored, and Reset layout restores the default."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt

from gui.main_window import LAYOUT_VERSION, MainWindow

LEFT, RIGHT = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea


def open_window(qtbot) -> MainWindow:
    window = MainWindow("shapes", auto_train=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_layout_is_restored_after_a_restart_and_reset_restores_the_default(qtbot):
    first = open_window(qtbot)
    assert first.dockWidgetArea(first.preview_dock) == RIGHT
    first.addDockWidget(LEFT, first.preview_dock)
    first.training_dock.hide()
    first.close()

    second = open_window(qtbot)
    assert second.dockWidgetArea(second.preview_dock) == LEFT
    assert not second.training_dock.isVisible()
    second.reset_layout()
    assert second.dockWidgetArea(second.preview_dock) == RIGHT
    assert second.training_dock.isVisible()
    second.close()


def test_a_layout_saved_by_another_version_is_ignored(qtbot):
    first = open_window(qtbot)
    first.addDockWidget(LEFT, first.preview_dock)
    first.close()
    QSettings().setValue("layout/version", LAYOUT_VERSION + 1)
    second = open_window(qtbot)
    assert second.dockWidgetArea(second.preview_dock) == RIGHT
    second.close()


def test_every_dock_is_listed_in_the_view_menu(window):
    titles = {action.text() for action in window.docks_menu.actions()}
    assert {"Prediction", "Network input", "Training"} <= titles
    action = next(a for a in window.docks_menu.actions() if a.text() == "Training")
    action.trigger()
    assert not window.training_dock.isVisible()
    action.trigger()
    assert window.training_dock.isVisible()


def test_every_panel_installs_without_error(window):
    assert window.extension_errors == []
