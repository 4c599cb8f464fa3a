"""The toolbar: task switcher, pen and eraser, pen width, undo, redo and clear."""

from __future__ import annotations

from PySide6.QtCore import QSettings, QSize, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QComboBox, QLabel, QSlider, QToolBar, QWidget

from gui.assets import icon
from gui.canvas import DEFAULT_PEN_WIDTH, MAX_PEN_WIDTH, MIN_PEN_WIDTH, DrawingCanvas
from gui.session import ModelSession
from model.core.tasks import all_tasks


def _action(parent: QWidget, text: str, icon_name: str, shortcuts: list, tip: str) -> QAction:
    action = QAction(icon(icon_name), text, parent)
    action.setShortcuts([QKeySequence(shortcut) for shortcut in shortcuts])
    native = QKeySequence.SequenceFormat.NativeText
    keys = " or ".join(QKeySequence(shortcut).toString(native) for shortcut in shortcuts)
    action.setToolTip(f"{tip} ({keys})" if keys else tip)
    action.setStatusTip(tip)
    return action


class DrawingToolBar(QToolBar):
    """The window's main toolbar; its actions carry the drawing shortcuts."""

    def __init__(self, window: QWidget, canvas: DrawingCanvas, session: ModelSession) -> None:
        super().__init__("Tools", window)
        self.setObjectName("mainToolBar")
        self.setMovable(False)
        self.setIconSize(QSize(22, 22))
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self._canvas, self._session = canvas, session
        self._add_task_box()
        self.addSeparator()
        self._add_tools()
        self.addSeparator()
        self._add_width()
        self.addSeparator()
        self._add_history()
        canvas.undo_state_changed.connect(self._refresh_history)
        session.task_changed.connect(self._on_session_task_changed)
        self._refresh_history()

    def edit_actions(self) -> list[QAction]:
        """Returns the actions the Edit menu lists."""
        return [self.undo_action, self.redo_action, self.clear_action, self.pen_action, self.eraser_action,
                self.thinner_action, self.thicker_action]

    def _add_task_box(self) -> None:
        self.addWidget(QLabel(" Task ", self, objectName="toolbarLabel"))
        self.task_box = QComboBox(self, objectName="taskBox")
        for task in all_tasks().values():
            self.task_box.addItem(task.display_name, task.name)
        self.task_box.setToolTip("What to recognise: Shapes (circle, square, triangle) or Digits (0–9)")
        self.task_box.setCurrentIndex(max(0, self.task_box.findData(self._session.task.name)))
        self.task_box.currentIndexChanged.connect(self._on_task_box_changed)
        self.addWidget(self.task_box)

    def _add_tools(self) -> None:
        self.pen_action = _action(self, "Pen", "pen", ["Ctrl+B"], "Draw with the pen")
        self.eraser_action = _action(self, "Eraser", "eraser", ["Ctrl+E"],
                                     "Rub out with the eraser (or drag with the right mouse button)")
        group = QActionGroup(self)
        for action in (self.pen_action, self.eraser_action):
            action.setCheckable(True)
            group.addAction(action)
            self.addAction(action)
        self.pen_action.setChecked(True)
        self.eraser_action.toggled.connect(self._canvas.set_eraser)

    def _add_width(self) -> None:
        self.addWidget(QLabel(" Width ", self, objectName="toolbarLabel"))
        self.width_slider = QSlider(Qt.Orientation.Horizontal, self, objectName="penWidth")
        self.width_slider.setRange(MIN_PEN_WIDTH, MAX_PEN_WIDTH)
        self.width_slider.setFixedWidth(130)
        self.width_slider.setToolTip("Pen width in pixels (thinner: [, thicker: ])")
        self.width_value = QLabel(self, objectName="penWidthValue")
        self.width_value.setMinimumWidth(38)
        self.width_slider.valueChanged.connect(self._on_width_slider_changed)
        self.width_slider.setValue(int(QSettings().value("canvas/pen_width", DEFAULT_PEN_WIDTH)))
        self._on_width_slider_changed(self.width_slider.value())
        self.addWidget(self.width_slider)
        self.addWidget(self.width_value)
        self.thinner_action = _action(self, "Thinner pen", "pen", ["["], "Make the pen thinner")
        self.thicker_action = _action(self, "Thicker pen", "pen", ["]"], "Make the pen thicker")
        self.thinner_action.triggered.connect(lambda: self._step_width(-2))
        self.thicker_action.triggered.connect(lambda: self._step_width(2))
        # In the window (not shown as buttons) so their shortcuts work.
        self.parentWidget().addAction(self.thinner_action)
        self.parentWidget().addAction(self.thicker_action)

    def _add_history(self) -> None:
        self.undo_action = _action(self, "Undo", "undo", [QKeySequence.StandardKey.Undo], "Undo the last stroke")
        self.redo_action = _action(self, "Redo", "redo", ["Ctrl+Shift+Z", "Ctrl+Y"], "Redo")
        self.clear_action = _action(self, "Clear", "clear", ["Esc", "Delete"], "Clear the canvas")
        self.undo_action.triggered.connect(self._canvas.undo)
        self.redo_action.triggered.connect(self._canvas.redo)
        self.clear_action.triggered.connect(self._canvas.clear)
        for action in (self.undo_action, self.redo_action, self.clear_action):
            self.addAction(action)

    def _step_width(self, delta: int) -> None:
        self.width_slider.setValue(self.width_slider.value() + delta)

    def _on_width_slider_changed(self, value: int) -> None:
        self._canvas.set_pen_width(value)
        self.width_value.setText(f"{value} px")
        QSettings().setValue("canvas/pen_width", value)

    def _on_task_box_changed(self) -> None:
        self._session.set_task(self.task_box.currentData())

    def _on_session_task_changed(self, task) -> None:
        index = self.task_box.findData(task.name)
        if index != self.task_box.currentIndex():
            self.task_box.blockSignals(True)
            self.task_box.setCurrentIndex(index)
            self.task_box.blockSignals(False)

    def _refresh_history(self) -> None:
        self.undo_action.setEnabled(self._canvas.can_undo())
        self.redo_action.setEnabled(self._canvas.can_redo())
        self.clear_action.setEnabled(not self._canvas.is_empty() or bool(self._canvas.strokes()))
