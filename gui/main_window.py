"""The main window: composes the canvas, the toolbar and the docks, and wires them to the model session.

Other docks plug in through `add_dock(dock, area)` and listen to `prediction_ready` (or to `session`'s
signals); see gui/extensions.py for where to register them.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QPoint, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QDockWidget, QFrame, QLabel, QMainWindow, QMessageBox, QVBoxLayout

from gui import extensions
from gui.canvas import DrawingCanvas
from gui.docks.prediction import PredictionDock, drawing_hint
from gui.docks.preview import PreviewDock
from gui.docks.training import TrainingDock
from gui.notices import FileNotices
from gui.progress_text import model_summary, progress_fraction
from gui.session import ModelSession, Phase
from gui.toolbar import DrawingToolBar
from model.core.preprocessing import preprocess
from model.core.tasks import all_tasks, get_task

# Bump when the docks change, so an old saved layout is not forced onto a new set of docks.
LAYOUT_VERSION = 1
DEFAULT_SIZE = (1280, 800)
RIGHT_COLUMN_WIDTH = 380
# What is left of a 800 px window's right column below the prediction and the network input.
SIDE_DOCK_MAX_HEIGHT = 250


class MainWindow(QMainWindow):
    """ConvCanvas' window.

    Args:
        task_name: the task to open with; default: the last one used.
        auto_train: train Shapes in the background when it has no model yet (tests may turn this off).

    Signals:
        prediction_ready(prediction): a `model.network.inference.Prediction` for the drawing on the canvas, or None
            when there is nothing to predict (same as `session.prediction_ready`).
        layout_reset(): "Reset layout" put the docks back; docks added later re-place themselves.
    """

    prediction_ready = Signal(object)
    layout_reset = Signal()

    def __init__(self, task_name: str | None = None, *, auto_train: bool = True) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("ConvCanvas")
        self.notices = FileNotices(self)
        self.notices.noticed.connect(self._on_notices_noticed)
        task_name = task_name or _remembered_task()
        self.session = ModelSession(task_name, auto_train=auto_train, parent=self)
        self.session.prediction_ready.connect(self.prediction_ready)
        self.canvas = DrawingCanvas(self)
        self._docks: list[QDockWidget] = []
        self._build_central()
        self.toolbar = DrawingToolBar(self, self.canvas, self.session)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)
        self._build_menus()
        self._build_docks()
        self._build_status_bar()
        self._connect()
        self._keep_parts(*extensions.install_all(self))
        self._tidy_default_layout()
        self._default_state = self.saveState(LAYOUT_VERSION)
        self.resize(*DEFAULT_SIZE)
        self._using_default_layout = not self.restore_layout()
        self._first_show = True
        self.persist_layout = True
        self._on_session_task_changed(self.session.task)
        if self.extension_errors:
            self.statusBar().showMessage("Some panels could not be loaded: " + "; ".join(self.extension_errors))
        self.notices.start_tidy()

    # ----- public surface for docks ---------------------------------------------------------------------

    def add_dock(self, dock: QDockWidget, area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea,
                 *, visible: bool = True) -> QDockWidget:
        """Adds a dock, lists it in the View menu and includes it in the saved layout.

        The dock needs a stable objectName (the saved layout finds docks by it); its title is used if unset.
        """
        if not dock.objectName():
            dock.setObjectName(dock.windowTitle().lower().replace(" ", "_") + "_dock")
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        # A dock created after restoreState() (layer docks appear once a model loads) takes its saved place.
        restored = self.restoreDockWidget(dock)
        if not restored:
            self.addDockWidget(area, dock)
            dock.setVisible(visible)
        dock.setProperty("layout_restored", restored)
        self._docks.append(dock)
        self.docks_menu.addAction(dock.toggleViewAction())
        return dock

    def remove_dock(self, dock: QDockWidget) -> None:
        """Takes a dock added with add_dock out of the window, the View menu and the layout, and deletes it."""
        if dock in self._docks:
            self._docks.remove(dock)
        self.removeDockWidget(dock)
        dock.deleteLater()

    def docks(self) -> list[QDockWidget]:
        return list(self._docks)

    # ----- building -------------------------------------------------------------------------------------

    def _build_central(self) -> None:
        frame = QFrame(self, objectName="canvasFrame")
        layout = QVBoxLayout(frame)
        layout.setContentsMargins(14, 14, 14, 14)
        layout.addWidget(self.canvas)
        self.setCentralWidget(frame)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        edit_menu = bar.addMenu("&Edit")
        for action in self.toolbar.edit_actions():
            edit_menu.addAction(action)
        model_menu = bar.addMenu("&Model")
        self.train_action = QAction("&Train current task", self, shortcut=QKeySequence("Ctrl+T"))
        self.train_action.triggered.connect(lambda: self.training_dock.start_training())
        model_menu.addAction(self.train_action)
        self.view_menu = bar.addMenu("&View")
        self.docks_menu = self.view_menu.addMenu("&Panels")
        self.view_menu.addSeparator()
        reset = QAction("&Reset layout", self)
        reset.setToolTip("Put every panel back where it started")
        reset.triggered.connect(self.reset_layout)
        self.view_menu.addAction(reset)
        help_menu = bar.addMenu("&Help")
        about = QAction("&About ConvCanvas", self)
        about.triggered.connect(self._on_about_triggered)
        help_menu.addAction(about)

    def _build_docks(self) -> None:
        # The right column runs the full height, so docks along the bottom never push the window taller.
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.setCorner(Qt.Corner.TopRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.preview_dock = PreviewDock(self.session, self)
        self.prediction_dock = PredictionDock(self.session, self)
        self.training_dock = TrainingDock(self.session, self)
        right = Qt.DockWidgetArea.RightDockWidgetArea
        self.add_dock(self.prediction_dock, right)
        self.add_dock(self.preview_dock, right)
        self.add_dock(self.training_dock, right)
        self.resizeDocks([self.prediction_dock], [RIGHT_COLUMN_WIDTH], Qt.Orientation.Horizontal)

    def _keep_parts(self, parts: dict, errors: list[str]) -> None:
        """Keeps the parts other modules built (gui/extensions.py); a part whose installer failed is None."""
        self.layer_docks = parts.get("layer_docks")  # gui.docks.layers.LayerDocks
        self.playground_dock = parts.get("playground_dock")
        self.why_dock = parts.get("why_dock")
        self.why_action = getattr(self.why_dock, "view_action", None)  # View › Why this label? overlay
        self.collector = parts.get("collector")  # gui.collect.Collector: saving, Data set, Retrain, Tasks menu
        self.extension_errors = errors

    def _tidy_default_layout(self) -> None:
        # Docks that plug in on the left or right share tabs with Training in the right column, so the canvas
        # stays the largest thing in the window; docks along the bottom stay there.
        own = {self.prediction_dock, self.preview_dock, self.training_dock}
        sides = (Qt.DockWidgetArea.RightDockWidgetArea, Qt.DockWidgetArea.LeftDockWidgetArea)
        for dock in self._docks:
            if dock in own or self.dockWidgetArea(dock) not in sides or dock.isFloating():
                continue
            visible = not dock.isHidden()
            self.removeDockWidget(dock)  # tabifying alone leaves a dock of another area where it was
            self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
            self.tabifyDockWidget(self.training_dock, dock)
            dock.setVisible(visible)
        self.training_dock.raise_()

    def _hide_docks_too_wide(self) -> None:
        # A dock's true minimum size is known only once it is shown and styled. One too big for the right
        # column would stretch the window past the screen even as a background tab, so it starts hidden
        # and floating: View > Panels (or its own panel code) shows it as a window of its own.
        own = {self.prediction_dock, self.preview_dock, self.training_dock}
        right = Qt.DockWidgetArea.RightDockWidgetArea
        for dock in self._docks:
            if dock in own or self.dockWidgetArea(dock) != right or dock.isFloating():
                continue
            minimum = dock.minimumSizeHint()
            if minimum.width() > RIGHT_COLUMN_WIDTH + 80 or minimum.height() > SIDE_DOCK_MAX_HEIGHT:
                dock.hide()
                dock.setFloating(True)
                size = dock.sizeHint().expandedTo(minimum)
                dock.resize(size)
                dock.move(self.geometry().center() - QPoint(size.width() // 2, size.height() // 2))
        self.training_dock.raise_()

    def _restore_default_size(self) -> None:
        if not self.isMaximized() and not self.isFullScreen():
            self.resize(*DEFAULT_SIZE)
        self.resizeDocks([self.prediction_dock], [RIGHT_COLUMN_WIDTH], Qt.Orientation.Horizontal)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._first_show:
            self._first_show = False
            if self._using_default_layout:
                self._hide_docks_too_wide()
                # Minimum sizes measured before styling may have stretched the window past its default.
                QTimer.singleShot(0, self._restore_default_size)

    def _build_status_bar(self) -> None:
        self.model_label = QLabel(self, objectName="modelStatus")
        self.statusBar().addPermanentWidget(self.model_label)

    def _connect(self) -> None:
        self.canvas.drawing_changed.connect(self._on_canvas_drawing_changed)
        self.session.task_changed.connect(self._on_session_task_changed)
        self.session.state_changed.connect(self._refresh_status)
        self.session.model_changed.connect(self._refresh_status)
        self.session.training_progress.connect(self._refresh_status)
        self.session.training_finished.connect(self._on_session_training_finished)
        self.session.training_failed.connect(self._on_session_training_failed)
        self.prediction_dock.train_requested.connect(lambda: self.training_dock.start_training())

    # ----- slots ----------------------------------------------------------------------------------------

    def _on_canvas_drawing_changed(self) -> None:
        self.session.set_input(preprocess(self.canvas.to_array()) if not self.canvas.is_empty() else None)

    def _on_session_task_changed(self, task) -> None:
        QSettings().setValue("task", task.name)
        self.canvas.set_hint(drawing_hint(task))
        self.setWindowTitle(f"ConvCanvas · {task.display_name}")
        self._refresh_status()
        # The new model answers for the drawing already on the canvas.
        QTimer.singleShot(0, self._on_canvas_drawing_changed)

    def _on_session_training_finished(self, task_name: str, result) -> None:
        cancelled = bool(getattr(result, "cancelled", False))
        word = "cancelled (last good model kept)" if cancelled else "finished"
        self.statusBar().showMessage(f"Training {_title(task_name)} {word}.", 8000)

    def _on_session_training_failed(self, task_name: str, kind: str, message: str) -> None:
        self.training_dock.show()
        self.training_dock.raise_()
        if kind == "not_enough_drawings":
            # Opened, not exec'd: the window stays usable for drawing the missing ones.
            box = QMessageBox(QMessageBox.Icon.Information, "Not enough drawings yet", message,
                              QMessageBox.StandardButton.Ok, self)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()
        elif kind != "mnist_unavailable":
            QMessageBox.warning(self, "Training failed", f"Training {task_name} failed.\n\n{message}")

    def _refresh_status(self, *_args) -> None:
        session = self.session
        if session.is_training() and session.last_progress is not None:
            percent = f" {100 * progress_fraction(session.last_progress):.0f}%"
        else:
            percent = ""
        training = f"  ·  Training {_title(session.training_task)}…{percent}" if session.is_training() else ""
        if session.phase == Phase.READY and session.info is not None:
            text = model_summary(session.task.display_name, session.info)
        elif session.phase == Phase.LOADING:
            text = f"{session.task.display_name} · {session.message or 'Loading…'}"
        else:
            text = f"{session.task.display_name} · no model yet" if session.phase != Phase.ERROR else session.message
        self.model_label.setText(text + training)

    def _on_notices_noticed(self, message: str) -> None:
        self.statusBar().showMessage(message, 20000)

    def _on_about_triggered(self) -> None:
        QMessageBox.about(self, "About ConvCanvas",
                          "<b>ConvCanvas</b><p>Draw a shape or a digit and watch a convolutional network, "
                          "trained right here, recognise it live.</p>")

    # ----- layout persistence ---------------------------------------------------------------------------

    def save_layout(self) -> None:
        settings = QSettings()
        settings.setValue("layout/version", LAYOUT_VERSION)
        settings.setValue("layout/geometry", self.saveGeometry())
        settings.setValue("layout/state", self.saveState(LAYOUT_VERSION))

    def restore_layout(self) -> bool:
        """Restores the saved geometry and docks; returns False (default layout) if none fits this version."""
        settings = QSettings()
        if int(settings.value("layout/version", 0) or 0) != LAYOUT_VERSION:
            return False
        geometry, state = settings.value("layout/geometry"), settings.value("layout/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        return isinstance(state, QByteArray) and self.restoreState(state, LAYOUT_VERSION)

    def reset_layout(self) -> None:
        """Puts every dock back in its default place, the window to its default size, and forgets the saved layout."""
        self.use_default_layout()
        QSettings().remove("layout")
        self.layout_reset.emit()

    def use_default_layout(self) -> None:
        """Arranges the docks and the window size as on a first start, without touching the saved layout."""
        for dock in self._docks:
            dock.setFloating(False)
        self.restoreState(self._default_state, LAYOUT_VERSION)
        self._using_default_layout = True
        if self.isVisible():
            self._hide_docks_too_wide()
        self._restore_default_size()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.persist_layout:
            self.save_layout()
        self.session.shutdown()
        self.notices.stop()
        super().closeEvent(event)


def _remembered_task() -> str:
    """The task used last, or Shapes when that task is gone (deleted, in another data folder given by
    --data-dir, or refused from a damaged tasks.json)."""
    remembered = str(QSettings().value("task", "shapes"))
    return remembered if remembered in all_tasks() else "shapes"


def _title(task_name: str) -> str:
    """Returns the name a task is shown by ("My doodles"), or `task_name` if it is no longer known."""
    try:
        return get_task(task_name).display_name
    except KeyError:
        return task_name
