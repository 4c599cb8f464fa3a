"""The prediction dock: the top guess, large, and a probability bar per label; or what the model is doing."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QDockWidget, QLabel, QMenu, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from gui.progress_text import progress_fraction
from gui.saving import label_keys
from gui.session import ModelSession, Phase

BAR_COLOR = QColor("#3d7be0")
TOP_BAR_COLOR = QColor("#1f5fcc")
TRACK_COLOR = QColor("#e9edf3")
TEXT_COLOR = QColor("#283041")
MUTED_COLOR = QColor("#8a93a3")


class ProbabilityBars(QWidget):
    """One horizontal bar per label with its probability; the winner is drawn stronger."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("probabilityBars")
        self._labels: list[str] = []
        self._probabilities: np.ndarray | None = None
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def set_labels(self, labels: list[str]) -> None:
        self._labels = list(labels)
        self._probabilities = None
        self.updateGeometry()
        self.update()

    def set_probabilities(self, probabilities: np.ndarray | None) -> None:
        self._probabilities = None if probabilities is None else np.asarray(probabilities, np.float32)
        self.update()

    def probabilities(self) -> dict[str, float]:
        """Returns the probability shown for each label (empty when none are shown)."""
        if self._probabilities is None:
            return {}
        return {label: float(p) for label, p in zip(self._labels, self._probabilities)}

    def _row_height(self) -> int:
        return max(20, self.fontMetrics().height() + 8)

    def sizeHint(self) -> QSize:
        return QSize(240, self._row_height() * max(3, len(self._labels)) + 4)

    def minimumSizeHint(self) -> QSize:
        return QSize(160, 16 * max(3, len(self._labels)))

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if not self._labels:
            return
        row = min(self._row_height(), max(12, self.height() // len(self._labels)))
        metrics = self.fontMetrics()
        name_width = max(metrics.horizontalAdvance(label) for label in self._labels) + 12
        value_width = metrics.horizontalAdvance("100%") + 10
        track_width = max(10, self.width() - name_width - value_width - 4)
        top = int(np.argmax(self._probabilities)) if self._probabilities is not None else -1
        for index, label in enumerate(self._labels):
            y = index * row
            p = float(self._probabilities[index]) if self._probabilities is not None else 0.0
            painter.setPen(TEXT_COLOR if index == top else MUTED_COLOR if top >= 0 else TEXT_COLOR)
            painter.drawText(QRectF(0, y, name_width - 8, row),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
            bar = QRectF(name_width, y + row * 0.22, track_width, row * 0.56)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(TRACK_COLOR)
            painter.drawRoundedRect(bar, bar.height() / 2, bar.height() / 2)
            if p > 0.002:
                filled = QRectF(bar.left(), bar.top(), max(bar.height(), bar.width() * p), bar.height())
                painter.setBrush(TOP_BAR_COLOR if index == top else BAR_COLOR.lighter(135))
                painter.drawRoundedRect(filled, bar.height() / 2, bar.height() / 2)
            painter.setPen(TEXT_COLOR if index == top else MUTED_COLOR)
            text = f"{100 * p:.0f}%" if self._probabilities is not None else "–"
            painter.drawText(QRectF(name_width + track_width + 4, y, value_width, row),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)


class PredictionDock(QDockWidget):
    """Shows what the network thinks of the drawing, live.

    Signals:
        train_requested(): the user asked to train the current task (shown when it has no model).
        correction_requested(label): "Correct me": save the drawing as `label` and fine-tune on it.
    """

    train_requested = Signal()
    correction_requested = Signal(str)

    def __init__(self, session: ModelSession, parent: QWidget | None = None) -> None:
        super().__init__("Prediction", parent)
        self.setObjectName("predictionDock")
        self._session = session
        self._has_input = False
        body = QWidget(self)
        body.setObjectName("predictionBody")
        layout = QVBoxLayout(body)
        layout.setContentsMargins(14, 10, 14, 12)
        layout.setSpacing(4)
        self._headline = QLabel(body, objectName="topGuess", alignment=Qt.AlignmentFlag.AlignCenter)
        self._detail = QLabel(body, objectName="guessDetail", alignment=Qt.AlignmentFlag.AlignCenter)
        self._detail.setWordWrap(True)
        self._train_button = QPushButton("Train", body, objectName="trainFromPrediction")
        self._train_button.clicked.connect(self.train_requested)
        self._bars = ProbabilityBars(body)
        self.correct_button = QPushButton("Correct me…", body, objectName="correctMeButton")
        self.correct_button.setToolTip("Wrong guess? Pick the right label: the drawing is saved as that label "
                                       "and the model fine-tunes on it (Ctrl+the label's key)")
        self.correct_button.setMenu(QMenu(self.correct_button))
        self._note = QLabel(body, objectName="correctionNote", alignment=Qt.AlignmentFlag.AlignCenter,
                            wordWrap=True)
        self._note.hide()
        layout.addWidget(self._headline)
        layout.addWidget(self._detail)
        layout.addWidget(self.correct_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self._note)
        layout.addWidget(self._train_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(6)
        layout.addWidget(self._bars, 1)
        self.setWidget(body)
        session.task_changed.connect(self._on_session_task_changed)
        session.state_changed.connect(self._refresh_state)
        session.training_progress.connect(self._refresh_state)
        session.input_changed.connect(self._on_session_input_changed)
        session.prediction_ready.connect(self._on_session_prediction_ready)
        self._on_session_task_changed(session.task)

    # What a user sees, for tests and the screenshot.
    def top_label(self) -> str:
        """Returns the most likely label (named, or offered as a "maybe"), or "" when no guess is shown."""
        probabilities = self._bars.probabilities()
        return max(probabilities, key=probabilities.get) if probabilities else ""

    def headline(self) -> str:
        return self._headline.text()

    def detail(self) -> str:
        return self._detail.text()

    def probabilities(self) -> dict[str, float]:
        return self._bars.probabilities()

    def note(self) -> str:
        """Returns the line shown under the guess (what "Correct me" did), or "" when none is shown."""
        return self._note.text() if not self._note.isHidden() else ""

    def show_note(self, text: str) -> None:
        """Shows a line under the guess, until the next drawing starts (what "Correct me" is doing or did)."""
        self._note.setText(text)
        self._note.setVisible(bool(text))

    def _on_session_task_changed(self, task) -> None:
        self._bars.set_labels(list(task.labels))
        self._fill_correction_menu(task)
        self.show_note("")
        self._refresh_state()

    def _fill_correction_menu(self, task) -> None:
        menu = self.correct_button.menu()
        menu.clear()
        keys = label_keys(task)
        for label in task.labels:
            action = menu.addAction(f"It is {_article(label)}" + (f"\tCtrl+{keys[label]}" if label in keys else ""))
            action.setData(label)
            action.triggered.connect(lambda _=False, label=label: self.correction_requested.emit(label))

    def _on_session_input_changed(self, image28) -> None:
        if image28 is not None and not self._has_input:
            self.show_note("")  # a new drawing begins: the last correction's note has been seen
        self._has_input = image28 is not None
        if not self._has_input:
            self._bars.set_probabilities(None)
        self._refresh_state()

    def _on_session_prediction_ready(self, prediction) -> None:
        if prediction is None:
            self._bars.set_probabilities(None)
            self._refresh_state()
            return
        probabilities = np.asarray(prediction.probabilities, np.float32)
        labels = list(self._session.predictor.labels) if self._session.predictor is not None else []
        if labels and labels != self._bars._labels:
            self._bars.set_labels(labels)
        self._bars.set_probabilities(probabilities)
        top = int(np.argmax(probabilities))
        label, share = self._bars._labels[top], f"{100 * probabilities[top]:.0f}%"
        if prediction.sure:
            self._show(label, f"{share} sure", guess=True)
        else:
            second = int(np.argsort(probabilities)[-2]) if len(probabilities) > 1 else top
            self._show("Not sure", f"Maybe {label} ({share}) or {self._bars._labels[second]} "
                       f"({100 * probabilities[second]:.0f}%)", muted=True)

    def _refresh_state(self, *_args) -> None:
        session = self._session
        title = session.task.display_name
        self._train_button.setVisible(session.phase in (Phase.MISSING, Phase.ERROR) and not session.is_training())
        self._train_button.setText(f"Train {title}")
        # Without a model the bars would only take room from the message.
        self._bars.setVisible(session.phase == Phase.READY)
        self.correct_button.setVisible(session.phase == Phase.READY and self._has_input)
        self.correct_button.setEnabled(not session.is_training())
        if session.phase == Phase.READY:
            if not self._has_input:
                self._show("Draw something", drawing_hint(session.task))
            elif not self._bars.probabilities():
                self._show("…", "Thinking")
            return
        self._bars.set_probabilities(None)
        training_this_task = session.training_task == session.task.name and session.predictor is None
        if session.phase == Phase.TRAINING or training_this_task:
            self._show(f"Training {title}…{_training_percent(session)}", "You can draw meanwhile.", muted=True)
        elif session.phase == Phase.LOADING:
            self._show("Loading…", session.message, muted=True)
        elif session.phase == Phase.MISSING:
            own_message = session.message.strip() != f"No {title} model yet."
            self._show(f"No {title} model yet",
                       session.message if own_message else "Train one to start recognising drawings.", muted=True)
        else:
            self._show("Model unavailable", session.message, muted=True)

    def _show(self, headline: str, detail: str, *, guess: bool = False, muted: bool = False) -> None:
        self._headline.setText(headline)
        self._headline.setProperty("state", "guess" if guess else ("muted" if muted else "empty"))
        self._headline.style().unpolish(self._headline)
        self._headline.style().polish(self._headline)
        self._detail.setText(detail)


def _training_percent(session: ModelSession) -> str:
    if session.last_progress is None:
        return ""
    return f" {100 * progress_fraction(session.last_progress):.0f}%"


def _article(label: str) -> str:
    """Returns "a star", "an apple", or "7" for a digit."""
    if label.isdigit():
        return label
    return ("an " if label[:1].lower() in "aeiou" else "a ") + label


def drawing_hint(task) -> str:
    """Returns what to draw, in words: "Draw a circle, a square or a triangle." or "Draw a digit, 0 to 9."."""
    labels = list(task.labels)
    if task.name == "digits":
        return "Draw a digit, 0 to 9."
    shown = [f"a {label}" for label in labels[:4]]
    if len(shown) == 1:
        return f"Draw {shown[0]}."
    return f"Draw {', '.join(shown[:-1])} or {shown[-1]}."
