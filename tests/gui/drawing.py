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


def _through(corners, steps=8):
    """Returns points along the straight lines between corners, as a pen moving at an even pace gives them."""
    points = []
    for (x0, y0), (x1, y1) in zip(corners, corners[1:]):
        points += [(x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps) for i in range(steps)]
    return points + [corners[-1]]


def star_points(center_x, center_y, radius, turn=0.0):
    """Returns a five-pointed star drawn in one stroke, its tips `radius` from the centre."""
    corners = [(center_x + (radius if i % 2 == 0 else 0.42 * radius) * math.cos(turn - math.pi / 2 + i * math.pi / 5),
                center_y + (radius if i % 2 == 0 else 0.42 * radius) * math.sin(turn - math.pi / 2 + i * math.pi / 5))
               for i in range(11)]
    return _through(corners)


def heart_points(center_x, center_y, radius, count=60):
    """Returns a heart drawn in one stroke, about 2 x `radius` wide."""
    scale = radius / 16
    return [(center_x + scale * 16 * math.sin(t) ** 3,
             center_y - scale * (13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t)))
            for t in (2 * math.pi * i / count for i in range(count + 1))]


def house_points(center_x, center_y, radius):
    """Returns a house in one stroke: walls, then the roof, about 2 x `radius` tall."""
    left, right = center_x - 0.8 * radius, center_x + 0.8 * radius
    top, bottom = center_y - 0.1 * radius, center_y + radius
    return _through([(left, top), (left, bottom), (right, bottom), (right, top), (center_x, center_y - radius),
                     (left, top), (right, top)])
