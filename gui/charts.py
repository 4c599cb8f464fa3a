"""Small QPainter charts for the retrain dock: loss/accuracy curves, a confusion matrix, before/after bars."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

TRAIN_COLOR = QColor("#2f6fde")
VALIDATION_COLOR = QColor("#e0672b")
GRID_COLOR = QColor("#d9dde5")
TEXT_COLOR = QColor("#3b4252")


class CurvesWidget(QWidget):
    """Loss (left) and accuracy (right) per epoch: training solid blue, validation orange."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("curves")
        self.setMinimumHeight(120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._history: list = []

    def set_history(self, history: list) -> None:
        """Takes a list of `model.training.retrain.EpochLogs` (or anything with loss/accuracy/val_* attributes)."""
        self._history = list(history)
        self.update()

    def add_epoch(self, logs) -> None:
        self._history.append(logs)
        self.update()

    def history(self) -> list:
        return list(self._history)

    def sizeHint(self) -> QSize:
        return QSize(340, 140)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        half = self.width() / 2
        self._panel(painter, QRectF(0, 0, half - 4, self.height()), "loss", ("loss", "val_loss"))
        self._panel(painter, QRectF(half + 4, 0, half - 4, self.height()), "accuracy", ("accuracy", "val_accuracy"),
                    fixed=(0.0, 1.0))
        painter.end()

    def _panel(self, painter: QPainter, rect: QRectF, title: str, keys, fixed=None) -> None:
        plot = rect.adjusted(36, 18, -6, -18)
        painter.setPen(TEXT_COLOR)
        painter.setFont(QFont(self.font().family(), 8))
        painter.drawText(QRectF(rect.left(), rect.top(), rect.width(), 16), Qt.AlignmentFlag.AlignCenter, title)
        series = [[getattr(entry, key, None) for entry in self._history] for key in keys]
        values = [v for line in series for v in line if v is not None]
        if fixed is not None:
            low, high = fixed
        elif values:
            low, high = 0.0, max(values) * 1.1 or 1.0
        else:
            low, high = 0.0, 1.0
        painter.setPen(QPen(GRID_COLOR, 1))
        for step in range(3):
            y = plot.bottom() - step / 2 * plot.height()
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(TEXT_COLOR)
            label = f"{low + step / 2 * (high - low):.2f}" if fixed is None else f"{100 * step / 2:.0f}%"
            painter.drawText(QRectF(rect.left(), y - 7, 33, 14), Qt.AlignmentFlag.AlignRight, label)
            painter.setPen(QPen(GRID_COLOR, 1))
        epochs = max(1, len(self._history))
        painter.setPen(TEXT_COLOR)
        painter.drawText(QRectF(plot.left(), plot.bottom() + 2, plot.width(), 14), Qt.AlignmentFlag.AlignCenter,
                         f"epochs 1–{epochs}" if self._history else "epochs")
        if title == "loss":
            self._legend(painter, QPointF(plot.left() + 4, plot.top() + 2))
        for line, color, dashed in ((series[0], TRAIN_COLOR, False), (series[1], VALIDATION_COLOR, True)):
            self._line(painter, plot, line, low, high, color, dashed)

    def _legend(self, painter: QPainter, origin: QPointF) -> None:
        for offset, (text, color, dashed) in enumerate((("training", TRAIN_COLOR, False),
                                                       ("validation", VALIDATION_COLOR, True))):
            y = origin.y() + 6 + offset * 12
            painter.setPen(QPen(color, 2, Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine))
            painter.drawLine(QPointF(origin.x() + 60, y), QPointF(origin.x() + 78, y))
            painter.setPen(TEXT_COLOR)
            painter.drawText(QRectF(origin.x() + 82, y - 6, 70, 12), Qt.AlignmentFlag.AlignVCenter, text)

    def _line(self, painter, plot, values, low, high, color, dashed) -> None:
        points = [(i, v) for i, v in enumerate(values) if v is not None]
        if not points:
            return
        span = max(1, len(values) - 1)
        path = QPainterPath()
        for n, (i, v) in enumerate(points):
            x = plot.left() + (i / span if len(values) > 1 else 0.5) * plot.width()
            y = plot.bottom() - (min(max(v, low), high) - low) / (high - low or 1) * plot.height()
            path.moveTo(x, y) if n == 0 else path.lineTo(x, y)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            painter.drawEllipse(QPointF(x, y), 2.5, 2.5)
        pen = QPen(color, 2, Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)


class ConfusionWidget(QWidget):
    """A confusion matrix (rows: true label, columns: predicted); clicking a cell asks for its drawings.

    Signals:
        cell_clicked(true_label, predicted_label, sample_ids).
    """

    cell_clicked = Signal(str, str, list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("confusion")
        self.setMinimumHeight(120)
        self.setMouseTracking(True)
        self._counts = np.zeros((0, 0), np.int64)
        self._ids: list = []
        self._labels: list[str] = []

    def set_matrix(self, counts, labels, ids) -> None:
        self._counts = np.asarray(counts if counts is not None else np.zeros((0, 0)), np.int64)
        self._labels, self._ids = list(labels), ids or []
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(340, 60 + 22 * max(3, len(self._labels)))

    def _geometry(self):
        count = max(1, len(self._labels))
        margin_left, margin_top = 52, 30
        side = max(12.0, min((self.width() - margin_left - 4) / count, (self.height() - margin_top - 4) / count, 48))
        return margin_left, margin_top, side

    def minimumSizeHint(self) -> QSize:
        count = max(3, len(self._labels))
        return QSize(52 + 20 * count, 34 + 20 * count)

    def cell_at(self, position: QPointF) -> tuple[int, int] | None:
        left, top, side = self._geometry()
        column, row = int((position.x() - left) // side), int((position.y() - top) // side)
        if 0 <= row < len(self._labels) and 0 <= column < len(self._labels) and position.x() >= left \
                and position.y() >= top:
            return row, column
        return None

    def cell_center(self, row: int, column: int) -> QPointF:
        left, top, side = self._geometry()
        return QPointF(left + (column + 0.5) * side, top + (row + 0.5) * side)

    def mousePressEvent(self, event) -> None:
        cell = self.cell_at(event.position())
        if cell is not None and self._ids:
            row, column = cell
            self.cell_clicked.emit(self._labels[row], self._labels[column], list(self._ids[row][column]))

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setFont(QFont(self.font().family(), 8))
        if not self._labels or self._counts.size == 0:
            painter.setPen(TEXT_COLOR)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             "The confusion matrix of the held-out drawings appears after a retrain.")
            return
        left, top, side = self._geometry()
        peak = max(1, int(self._counts.max()))
        painter.setPen(TEXT_COLOR)
        painter.drawText(QRectF(left, 0, side * len(self._labels), 14), Qt.AlignmentFlag.AlignCenter, "predicted")
        metrics = painter.fontMetrics()
        for index, label in enumerate(self._labels):
            column_label = metrics.elidedText(label, Qt.TextElideMode.ElideRight, int(side) - 2)
            row_label = metrics.elidedText(label, Qt.TextElideMode.ElideRight, left - 6)
            painter.drawText(QRectF(left + index * side, 14, side, 14), Qt.AlignmentFlag.AlignCenter, column_label)
            painter.drawText(QRectF(0, top + index * side, left - 4, side),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, row_label)
        for row in range(len(self._labels)):
            for column in range(len(self._labels)):
                self._cell(painter, QRectF(left + column * side, top + row * side, side, side),
                           int(self._counts[row, column]), peak, row == column)
        painter.end()

    def _cell(self, painter, rect, count, peak, diagonal) -> None:
        strength = count / peak
        base = QColor("#2e9d5b") if diagonal else QColor("#d9483b")
        fill = QColor(base)
        fill.setAlphaF(0.08 + 0.8 * strength if count else 0.03)
        painter.fillRect(rect.adjusted(1, 1, -1, -1), fill)
        painter.setPen(QColor("white") if strength > 0.55 else TEXT_COLOR)
        if count:
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, str(count))


class BeforeAfterBars(QWidget):
    """A drawing's probability per label before (grey) and after (blue) a correction."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("beforeAfter")
        self._labels: list[str] = []
        self._before = self._after = np.zeros(0)
        self._highlight = ""

    def set_values(self, labels, before, after, highlight: str = "") -> None:
        self._labels, self._highlight = list(labels), highlight
        self._before, self._after = np.asarray(before, float), np.asarray(after, float)
        self.setMinimumHeight(16 * len(self._labels) + 4)
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(300, 16 * max(1, len(self._labels)) + 4)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setFont(QFont(self.font().family(), 8))
        left, width = 70, max(10, self.width() - 120)
        for index, label in enumerate(self._labels):
            y = 2 + index * 16
            font = painter.font()
            font.setBold(label == self._highlight)
            painter.setFont(font)
            painter.setPen(TEXT_COLOR)
            painter.drawText(QRectF(0, y, left - 6, 14), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             label)
            painter.fillRect(QRectF(left, y + 1, width * self._before[index], 5), QColor("#a9b0bc"))
            painter.fillRect(QRectF(left, y + 7, width * self._after[index], 6), TRAIN_COLOR)
            painter.drawText(QRectF(left + width + 4, y, 50, 14), Qt.AlignmentFlag.AlignVCenter,
                             f"{100 * self._before[index]:.0f}→{100 * self._after[index]:.0f}%")
        painter.end()
