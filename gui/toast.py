"""A toast: a short message that floats over the bottom of a widget, then fades, with an optional action."""

from __future__ import annotations

from PySide6.QtCore import QEasingCurve, QEvent, QPropertyAnimation, Qt, QTimer, Signal
from PySide6.QtWidgets import QGraphicsOpacityEffect, QHBoxLayout, QLabel, QPushButton, QWidget

SHOW_MS = 4000


class Toast(QWidget):
    """A message over the bottom centre of `host` ("Saved as 'circle' (12 circles) — Ctrl+Z to undo").

    Signals:
        action_triggered(): the user clicked the action button (for example "Undo").
    """

    action_triggered = Signal()

    def __init__(self, host: QWidget) -> None:
        super().__init__(host)
        self.setObjectName("toast")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setStyleSheet("#toast { background: rgba(32, 36, 44, 235); border-radius: 8px; }"
                           "#toast QLabel { color: white; font-size: 13px; }"
                           "#toast QPushButton { color: #9cc8ff; background: transparent; border: none;"
                           " font-weight: bold; padding: 2px 6px; }")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 8, 10, 8)
        self.label = QLabel(self)
        self.button = QPushButton(self)
        self.button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.button.clicked.connect(self._on_button_clicked)
        layout.addWidget(self.label)
        layout.addWidget(self.button)
        self._opacity = QGraphicsOpacityEffect(self)
        self.setGraphicsEffect(self._opacity)
        self._fade = QPropertyAnimation(self._opacity, b"opacity", self)
        self._fade.setDuration(400)
        self._fade.setEasingCurve(QEasingCurve.Type.InQuad)
        self._fade.finished.connect(self._on_fade_finished)
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self._start_fade)
        self._action = None
        host.installEventFilter(self)
        self.hide()

    def show_message(self, text: str, action_text: str = "", action=None, duration_ms: int = SHOW_MS) -> None:
        """Shows `text` for `duration_ms`; with `action_text`, a button that calls `action` and closes the toast."""
        self.label.setText(text)
        self.button.setText(action_text)
        self.button.setVisible(bool(action_text))
        self._action = action
        self._fade.stop()
        self._opacity.setOpacity(1.0)
        self.adjustSize()
        self._place()
        self.show()
        self.raise_()
        self._timer.start(duration_ms)

    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""

    def dismiss(self) -> None:
        self._timer.stop()
        self.hide()

    def _on_button_clicked(self) -> None:
        action, self._action = self._action, None
        self.dismiss()
        if action is not None:
            action()
        self.action_triggered.emit()

    def _start_fade(self) -> None:
        self._fade.setStartValue(1.0)
        self._fade.setEndValue(0.0)
        self._fade.start()

    def _on_fade_finished(self) -> None:
        if self._opacity.opacity() < 0.05:
            self.hide()

    def _place(self) -> None:
        host = self.parentWidget()
        self.move(max(0, (host.width() - self.width()) // 2), max(0, host.height() - self.height() - 28))

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Resize and self.isVisible():
            self._place()
        return False
