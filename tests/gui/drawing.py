"""Helpers that draw on a widget with real mouse events, as a user would."""

from __future__ import annotations

import math

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest


def drag(widget, points, button=Qt.MouseButton.LeftButton) -> None:
    """Presses at the first point, moves through the rest and releases at the last."""
    points = [QPoint(round(x), round(y)) for x, y in points]
    QTest.mousePress(widget, button, Qt.KeyboardModifier.NoModifier, points[0])
    for point in points[1:]:
        QTest.mouseMove(widget, point)
    QTest.mouseRelease(widget, button, Qt.KeyboardModifier.NoModifier, points[-1])


def circle_points(center_x, center_y, radius, count=48):
    """Returns points around a circle, closing with a small overshoot as hands do."""
    return [(center_x + radius * math.cos(2 * math.pi * i / count - math.pi / 2),
             center_y + radius * math.sin(2 * math.pi * i / count - math.pi / 2)) for i in range(count + 3)]


def line_points(start, end, count=20):
    (x0, y0), (x1, y1) = start, end
    return [(x0 + (x1 - x0) * i / count, y0 + (y1 - y0) * i / count) for i in range(count + 1)]
