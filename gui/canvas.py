"""The drawing canvas: smooth freehand strokes from mouse, tablet pen or touch, kept as strokes and pixels."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QElapsedTimer, QEvent, QPointF, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen, QPointingDevice
from PySide6.QtWidgets import QSizePolicy, QWidget

from gui.image_convert import qimage_to_gray
from model.core.strokes import Stroke, drawing_bounds

PAPER = QColor("#fdfdfb")
INK = QColor("#1c2230")
HINT = QColor("#a4aab6")
MIN_PEN_WIDTH, MAX_PEN_WIDTH = 2, 64
DEFAULT_PEN_WIDTH = 14
# The eraser is wider than the pen so that rubbing out feels quick.
ERASER_FACTOR = 2.5
# During a stroke, listeners hear about the drawing at most this often (live prediction stays smooth).
CHANGE_INTERVAL_MS = 60
# Pointer jitter below this distance (pixels) adds points without adding shape.
MIN_POINT_DISTANCE = 0.75


def stroke_path(points: np.ndarray) -> QPainterPath:
    """Returns a smooth path through stroke points: quadratic curves through the midpoints of segments."""
    path = QPainterPath(QPointF(float(points[0, 0]), float(points[0, 1])))
    if len(points) == 1:
        return path
    for index in range(1, len(points) - 1):
        x, y = float(points[index, 0]), float(points[index, 1])
        mid_x, mid_y = (x + float(points[index + 1, 0])) / 2, (y + float(points[index + 1, 1])) / 2
        path.quadTo(x, y, mid_x, mid_y)
    path.lineTo(float(points[-1, 0]), float(points[-1, 1]))
    return path


def paint_stroke(painter: QPainter, stroke: Stroke) -> None:
    """Paints one stroke antialiased with round caps and joins; the eraser paints paper."""
    if len(stroke.points) == 0:
        return
    color = PAPER if stroke.eraser else INK
    if len(stroke.points) == 1:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        radius = stroke.width / 2
        painter.drawEllipse(QPointF(float(stroke.points[0, 0]), float(stroke.points[0, 1])), radius, radius)
        return
    pen = QPen(color, stroke.width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawPath(stroke_path(stroke.points))


def render_to_image(strokes: list[Stroke], width: int, height: int, offset: QPointF | None = None) -> QImage:
    """Renders strokes onto paper in a new RGB32 image; `offset` (none by default) is added to every point."""
    image = QImage(max(1, width), max(1, height), QImage.Format.Format_RGB32)
    image.fill(PAPER)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.translate(offset if offset is not None else QPointF())
    for stroke in strokes:
        paint_stroke(painter, stroke)
    painter.end()
    return image


class DrawingCanvas(QWidget):
    """A sheet of paper to draw on.

    The drawing lives as `model.core.strokes.Stroke`s in widget coordinates (points with millisecond timestamps) and
    as a rendered image of them, re-rendered from the strokes on resize so nothing is ever lost; a resize
    keeps the drawing centred (its strokes move by half the change in size).

    Signals:
        drawing_changed: the drawing changed (at most every CHANGE_INTERVAL_MS during a stroke; at once on
            the end of a stroke, undo, redo, clear and set_strokes).
        stroke_finished: the pen was lifted.
        cleared: the canvas was cleared.
    """

    drawing_changed = Signal()
    stroke_finished = Signal()
    cleared = Signal()
    undo_state_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("drawingCanvas")
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMouseTracking(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 200)
        self._strokes: list[Stroke] = []
        self._undo: list[list[Stroke]] = []
        self._redo: list[list[Stroke]] = []
        self._current: list[tuple[float, float, float]] | None = None
        self._current_eraser = False
        self._pen_width = float(DEFAULT_PEN_WIDTH)
        self._eraser = False
        self._hint = ""
        self._hover: QPointF | None = None
        self._overlay: QImage | None = None
        self._overlay_rect: QRectF | None = None
        self._buffer = QImage()
        self._clock = QElapsedTimer()
        self._throttle = QTimer(self, singleShot=True, interval=CHANGE_INTERVAL_MS)
        self._throttle.timeout.connect(self.drawing_changed)

    # ----- public surface -------------------------------------------------------------------------------

    def strokes(self) -> list[Stroke]:
        """Returns the finished strokes of the drawing, oldest first."""
        return list(self._strokes)

    def set_strokes(self, strokes: list[Stroke]) -> None:
        """Replaces the drawing (undoable), for example to open a saved sample."""
        self._commit(list(strokes))

    def is_empty(self) -> bool:
        """Returns True when no ink is on the canvas, counting a stroke in progress (eraser strokes do not count)."""
        current = self._current_stroke()
        return drawing_bounds(self._strokes + ([current] if current is not None else [])) is None

    def to_array(self) -> np.ndarray:
        """Returns the drawing, including a stroke still being drawn, as uint8 grayscale: dark ink on light paper.

        The image covers the canvas and, if strokes reach outside it (the window was made smaller), them too.
        """
        current = self._current_stroke()
        strokes = self._strokes + ([current] if current is not None else [])
        area = QRectF(0, 0, self.width(), self.height())
        bounds = drawing_bounds(strokes)
        if bounds is not None:
            left, top, right, bottom = bounds
            area = area.united(QRectF(left, top, right - left, bottom - top))
        rect = area.toAlignedRect()
        if rect.size() == self._buffer.size() and self._buffer.devicePixelRatio() == 1:
            # The finished strokes are already painted: add the one in progress, skip re-rendering the rest.
            image = self._buffer.copy()
            if current is not None:
                painter = QPainter(image)
                painter.setRenderHint(QPainter.RenderHint.Antialiasing)
                paint_stroke(painter, current)
                painter.end()
        else:
            image = render_to_image(strokes, rect.width(), rect.height(), QPointF(-rect.left(), -rect.top()))
        return qimage_to_gray(image)

    def pen_width(self) -> float:
        return self._pen_width

    def set_pen_width(self, width: float) -> None:
        """Sets the pen width in pixels (clamped to MIN_PEN_WIDTH..MAX_PEN_WIDTH)."""
        self._pen_width = float(min(MAX_PEN_WIDTH, max(MIN_PEN_WIDTH, width)))
        self.update()

    def is_eraser(self) -> bool:
        return self._eraser

    def set_eraser(self, enabled: bool) -> None:
        """Switches between pen (False) and eraser (True) for the next strokes."""
        self._eraser = bool(enabled)
        self.update()

    def set_hint(self, text: str) -> None:
        """Sets the faint text shown on an empty canvas."""
        self._hint = text
        self.update()

    def set_overlay(self, image: QImage | None, rect: QRectF | None = None) -> None:
        """Shows `image` over the drawing, stretched to `rect` (canvas coordinates; default the whole canvas)."""
        self._overlay = image
        self._overlay_rect = rect
        self.update()

    def overlay_rect(self) -> QRectF | None:
        """Returns where the overlay is shown (canvas coordinates), or None when no overlay is shown."""
        if self._overlay is None:
            return None
        return self._overlay_rect or QRectF(self.rect())

    def can_undo(self) -> bool:
        return bool(self._undo)

    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo(self) -> None:
        """Undoes the last stroke, clear or set_strokes."""
        if self._undo:
            self._redo.append(self._strokes)
            self._replace(self._undo.pop())

    def redo(self) -> None:
        """Redoes what undo undid."""
        if self._redo:
            self._undo.append(self._strokes)
            self._replace(self._redo.pop())

    def clear(self) -> None:
        """Removes the whole drawing (undoable)."""
        if not self._strokes:
            return
        self._commit([])
        self.cleared.emit()

    # ----- strokes --------------------------------------------------------------------------------------

    def _commit(self, strokes: list[Stroke]) -> None:
        self._undo.append(self._strokes)
        self._redo.clear()
        self._replace(strokes)

    def _replace(self, strokes: list[Stroke]) -> None:
        self._strokes = strokes
        if not strokes:
            self._clock.invalidate()
        self._rebuild_buffer()
        self.undo_state_changed.emit()
        self.drawing_changed.emit()

    def _begin(self, position: QPointF, eraser: bool = False) -> None:
        if not self._clock.isValid():
            self._clock.start()
        self._current = []
        self._current_eraser = self._eraser or eraser
        self._extend(position)

    def _extend(self, position: QPointF) -> None:
        if self._current is None:
            return
        x, y = position.x(), position.y()
        if self._current:
            last_x, last_y, _ = self._current[-1]
            if abs(x - last_x) + abs(y - last_y) < MIN_POINT_DISTANCE:
                return
        self._current.append((x, y, self._clock.nsecsElapsed() / 1e6))
        self.update()
        if not self._throttle.isActive():
            self._throttle.start()

    def _end(self, position: QPointF | None = None) -> None:
        if self._current is None:
            return
        if position is not None:
            self._extend(position)
        width = self._pen_width * (ERASER_FACTOR if self._current_eraser else 1.0)
        stroke = Stroke(np.array(self._current, np.float32).reshape(-1, 3), width, self._current_eraser)
        self._current = None
        self._throttle.stop()
        self._commit(self._strokes + [stroke])
        self.stroke_finished.emit()

    def _current_stroke(self) -> Stroke | None:
        if not self._current:
            return None
        width = self._pen_width * (ERASER_FACTOR if self._current_eraser else 1.0)
        return Stroke(np.array(self._current, np.float32), width, self._current_eraser)

    # ----- input events ---------------------------------------------------------------------------------

    def mousePressEvent(self, event) -> None:
        if event.button() in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            # The right button erases without switching tools.
            self._begin(event.position(), eraser=event.button() == Qt.MouseButton.RightButton)

    def mouseMoveEvent(self, event) -> None:
        self._hover = event.position()
        if self._current is None:
            self.update()
        self._extend(event.position())

    def mouseReleaseEvent(self, event) -> None:
        self._end(event.position())

    def leaveEvent(self, event) -> None:
        self._hover = None
        self.update()

    def tabletEvent(self, event) -> None:
        kind = event.type()
        if kind == QEvent.Type.TabletPress:
            self._begin(event.position(), eraser=event.pointerType() == QPointingDevice.PointerType.Eraser)
        elif kind == QEvent.Type.TabletMove:
            self._hover = event.position()
            self._extend(event.position())
        elif kind == QEvent.Type.TabletRelease:
            self._end(event.position())
        event.accept()

    def event(self, event) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TouchEnd, QEvent.Type.TouchCancel):
            points = event.points()
            if points:
                position = points[0].position()
                if kind == QEvent.Type.TouchBegin:
                    self._begin(position)
                elif kind == QEvent.Type.TouchUpdate:
                    self._extend(position)
                else:
                    self._end(position)
            event.accept()
            return True
        return super().event(event)

    # ----- painting -------------------------------------------------------------------------------------

    def resizeEvent(self, event) -> None:
        old, new = event.oldSize(), event.size()
        if old.isValid() and old.width() > 0 and old.height() > 0:
            # Keep the drawing centred as the paper grows or shrinks, so a smaller window hides its
            # edges evenly instead of cutting off one side.
            self._translate_all((new.width() - old.width()) / 2, (new.height() - old.height()) / 2)
        self._rebuild_buffer()
        super().resizeEvent(event)

    def _translate_all(self, dx: float, dy: float) -> None:
        if not (dx or dy):
            return
        seen: set[int] = set()
        for strokes in [self._strokes, *self._undo, *self._redo]:
            for stroke in strokes:
                if id(stroke) not in seen:
                    seen.add(id(stroke))
                    stroke.points[:, 0] += dx
                    stroke.points[:, 1] += dy
        if self._current:
            self._current = [(x + dx, y + dy, t) for x, y, t in self._current]

    def _rebuild_buffer(self) -> None:
        ratio = self.devicePixelRatioF()
        self._buffer = render_to_image(
            [], max(1, round(self.width() * ratio)), max(1, round(self.height() * ratio))
        )
        painter = QPainter(self._buffer)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.scale(ratio, ratio)
        for stroke in self._strokes:
            paint_stroke(painter, stroke)
        painter.end()
        self._buffer.setDevicePixelRatio(ratio)
        self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.drawImage(0, 0, self._buffer)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        current = self._current_stroke()
        if current is not None:
            paint_stroke(painter, current)
        if self._overlay is not None:
            target = self._overlay_rect or QRectF(self.rect())
            painter.drawImage(target, self._overlay)
        if self._hint and not self._strokes and current is None:
            self._paint_hint(painter)
        if self._hover is not None and self.underMouse():
            self._paint_cursor(painter)
        painter.end()

    def _paint_hint(self, painter: QPainter) -> None:
        font = painter.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        painter.setFont(font)
        painter.setPen(HINT)
        painter.drawText(QRect(self.rect()), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._hint)

    def _paint_cursor(self, painter: QPainter) -> None:
        # A ring the size of the pen shows where ink will land and how wide it will be.
        width = self._pen_width * (ERASER_FACTOR if self._eraser else 1.0)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(QColor(90, 110, 140, 150), 1))
        painter.drawEllipse(self._hover, width / 2, width / 2)
