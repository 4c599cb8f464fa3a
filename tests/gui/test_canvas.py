"""The canvas as a user meets it: strokes from the mouse, undo/redo, clear, eraser, resizes."""

from __future__ import annotations

import numpy as np
import pytest
from drawing import circle_points, drag, line_points
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from gui.canvas import DrawingCanvas
from model.core.strokes import drawing_bounds


@pytest.fixture
def canvas(qtbot):
    widget = DrawingCanvas()
    widget.resize(400, 300)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def ink_pixels(canvas) -> int:
    return int((canvas.to_array() < 128).sum())


def test_dragging_the_mouse_makes_a_timed_stroke_and_ink(canvas, qtbot):
    with qtbot.waitSignal(canvas.stroke_finished, timeout=1000):
        drag(canvas, circle_points(200, 150, 80))
    strokes = canvas.strokes()
    assert len(strokes) == 1
    points = strokes[0].points
    assert len(points) > 20
    assert np.all(np.diff(points[:, 2]) >= 0), "timestamps must not run backwards"
    assert points[:, 0].min() == pytest.approx(120, abs=3) and points[:, 0].max() == pytest.approx(280, abs=3)
    image = canvas.to_array()
    assert image.dtype == np.uint8 and image.shape == (300, 400)
    assert image[150, 120] < 100, "the stroke's path is inked"
    assert image[150, 200] > 240 and image[5, 5] > 240, "the inside and the corner stay paper"


def test_undo_redo_and_clear_work_per_stroke(canvas, qtbot):
    drag(canvas, line_points((50, 50), (350, 50)))
    drag(canvas, line_points((50, 250), (350, 250)))
    both = ink_pixels(canvas)
    canvas.undo()
    assert len(canvas.strokes()) == 1 and 0 < ink_pixels(canvas) < both
    canvas.redo()
    assert len(canvas.strokes()) == 2 and ink_pixels(canvas) == both
    with qtbot.waitSignal(canvas.cleared, timeout=1000):
        canvas.clear()
    assert canvas.strokes() == [] and ink_pixels(canvas) == 0 and canvas.is_empty()
    canvas.undo()  # a clear is undoable: no drawing is lost to a stray Esc
    assert len(canvas.strokes()) == 2


def test_keyboard_shortcuts_undo_redo_and_clear(window, qtbot):
    canvas = window.canvas
    drag(canvas, line_points((50, 50), (300, 60)))
    drag(canvas, line_points((50, 150), (300, 160)))
    QTest.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(canvas.strokes()) == 1
    QTest.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert len(canvas.strokes()) == 2
    QTest.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(canvas, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert len(canvas.strokes()) == 2
    QTest.keyClick(canvas, Qt.Key.Key_Escape)
    assert canvas.is_empty()
    QTest.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(canvas, Qt.Key.Key_Delete)
    assert canvas.is_empty()


def test_eraser_rubs_out_ink_and_new_strokes_follow_the_pen_width(canvas):
    canvas.set_pen_width(10)
    drag(canvas, line_points((50, 150), (350, 150)))
    before = ink_pixels(canvas)
    canvas.set_eraser(True)
    drag(canvas, line_points((200, 100), (200, 200)))
    assert canvas.strokes()[-1].eraser
    after = ink_pixels(canvas)
    assert after < before
    assert canvas.to_array()[150, 200] > 240, "the ink under the eraser is gone"
    assert canvas.to_array()[150, 80] < 100, "ink away from the eraser stays"
    canvas.set_eraser(False)
    canvas.set_pen_width(30)
    drag(canvas, line_points((50, 60), (350, 60)))
    assert canvas.strokes()[-1].width == 30 and not canvas.strokes()[-1].eraser
    assert canvas.to_array()[60 + 12, 200] < 128, "a 30 px pen inks 12 px off its centre line"


def test_a_resize_loses_nothing(canvas, qtbot):
    drag(canvas, circle_points(300, 200, 60))
    before = canvas.to_array()
    canvas.resize(200, 150)  # the drawing now lies partly outside the canvas
    qtbot.wait(10)
    assert len(canvas.strokes()) == 1
    left, top, right, bottom = drawing_bounds(canvas.strokes())
    expected = (300 - (400 - canvas.width()) / 2, 200 - (300 - canvas.height()) / 2)
    assert ((left + right) / 2, (top + bottom) / 2) == pytest.approx(expected, abs=1), \
        "the drawing keeps its place relative to the centre of the paper"
    shrunk = canvas.to_array()
    assert int((shrunk < 128).sum()) == int((before < 128).sum()), "strokes outside the canvas still count"
    canvas.resize(400, 300)
    qtbot.wait(10)
    np.testing.assert_array_equal(canvas.to_array(), before)
    assert canvas.grab().toImage().pixelColor(240, 200).lightness() < 100, "the drawing is painted again"


def test_drawing_changed_is_throttled_during_a_stroke(canvas, qtbot):
    heard = []
    canvas.drawing_changed.connect(lambda: heard.append(1))
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, _point(200, 70))
    for x, y in circle_points(200, 150, 80, count=200):
        QTest.mouseMove(canvas, _point(x, y))
    assert len(heard) <= 1, "200 moves in a burst must not cause 200 updates"
    qtbot.waitUntil(lambda: len(heard) >= 1, timeout=1000)
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, _point(200, 70))
    assert len(heard) >= 2, "the end of a stroke is always announced"


def _point(x, y):
    from PySide6.QtCore import QPoint

    return QPoint(round(x), round(y))


def test_a_finger_draws_like_the_mouse(canvas, qtbot):
    from PySide6.QtCore import QPoint

    device = QTest.createTouchDevice()
    QTest.touchEvent(canvas, device).press(0, QPoint(60, 60)).commit()
    for x in range(70, 300, 10):
        QTest.touchEvent(canvas, device).move(0, QPoint(x, 60 + x // 4)).commit()
    with qtbot.waitSignal(canvas.stroke_finished, timeout=1000):
        QTest.touchEvent(canvas, device).release(0, QPoint(300, 135)).commit()
    assert len(canvas.strokes()) == 1 and len(canvas.strokes()[0].points) > 10
    assert canvas.to_array()[60 + 150 // 4, 150] < 128


def test_the_stroke_being_drawn_is_part_of_the_drawing_before_the_pen_lifts(canvas, qtbot):
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, _point(50, 150))
    for x, y in line_points((50, 150), (350, 150)):
        QTest.mouseMove(canvas, _point(x, y))
    with qtbot.waitSignal(canvas.drawing_changed, timeout=1000):
        pass
    assert canvas.strokes() == [], "the pen has not lifted yet"
    assert canvas.to_array()[150, 200] < 100 and not canvas.is_empty()
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, _point(350, 150))
