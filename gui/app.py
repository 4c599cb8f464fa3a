"""Starts the window: the QApplication, its names and look, and the `--screenshot` mode."""

from __future__ import annotations

import os
import sys

from model.core.paths import APP_NAME, ORGANIZATION_NAME


def configure_application(app) -> None:
    """Gives the application the names that QSettings and the data directory use, and its look."""
    from PySide6.QtGui import QIcon

    from gui.assets import asset_path, stylesheet

    app.setOrganizationName(ORGANIZATION_NAME)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setStyle("Fusion")
    app.setStyleSheet(stylesheet())
    app.setWindowIcon(QIcon(str(asset_path("icons/app.svg"))))


def run_app(args) -> int:
    """Opens ConvCanvas' window (or, with --screenshot, renders it to a PNG) and returns the exit code."""
    screenshot = getattr(args, "screenshot", None)
    if screenshot and "QT_QPA_PLATFORM" not in os.environ:
        # A screenshot needs no screen: render offscreen so it works over SSH and in CI.
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication

    from gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_application(app)
    task_name = getattr(args, "gui_task", None)
    drawing = getattr(args, "draw", None)
    if screenshot:
        from gui.screenshot import run_screenshot

        return run_screenshot(app, screenshot, drawing or "circle", task_name)
    try:
        window = MainWindow(task_name)
    except KeyError as error:  # an unknown --task
        print(f"error: {error.args[0]}", file=sys.stderr)
        return 2
    window.show()
    return app.exec()
