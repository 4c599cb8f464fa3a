"""Issue #2's key GUI test: draw on the canvas with the mouse and watch the right label win, live."""

from __future__ import annotations

from drawing import circle_points, drag, line_points
from PySide6.QtWidgets import QPushButton

from gui.session import Phase


def center_box(canvas, fraction=0.6):
    side = fraction * min(canvas.width(), canvas.height())
    return (canvas.width() - side) / 2, (canvas.height() - side) / 2, side


def test_drawing_a_circle_makes_circle_win_in_the_probability_panel(ready_window, qtbot):
    canvas, panel = ready_window.canvas, ready_window.prediction_dock
    left, top, side = center_box(canvas)
    with qtbot.waitSignal(ready_window.prediction_ready, check_params_cb=lambda p: p is not None, timeout=10_000):
        drag(canvas, circle_points(left + side / 2, top + side / 2, side / 2))
    qtbot.waitUntil(lambda: panel.top_label() != "", timeout=10_000)
    probabilities = panel.probabilities()
    assert panel.top_label() == "circle", probabilities
    assert probabilities["circle"] == max(probabilities.values())
    assert not ready_window.preview_dock.is_empty()


def test_a_square_is_not_called_a_circle(ready_window, qtbot):
    canvas, panel = ready_window.canvas, ready_window.prediction_dock
    left, top, side = center_box(canvas)
    corners = [(left, top), (left + side, top), (left + side, top + side), (left, top + side), (left, top)]
    with qtbot.waitSignal(ready_window.prediction_ready, check_params_cb=lambda p: p is not None, timeout=10_000):
        drag(canvas, [point for start, end in zip(corners, corners[1:]) for point in line_points(start, end)])
    qtbot.waitUntil(lambda: panel.top_label() != "", timeout=10_000)
    assert panel.top_label() == "square", panel.probabilities()


def test_an_empty_canvas_shows_draw_something_never_a_guess(ready_window, qtbot):
    canvas, panel = ready_window.canvas, ready_window.prediction_dock
    assert panel.headline() == "Draw something" and panel.top_label() == "" and panel.probabilities() == {}
    assert ready_window.preview_dock.is_empty()
    drag(canvas, circle_points(200, 200, 80))
    qtbot.waitUntil(lambda: panel.top_label() != "", timeout=10_000)
    canvas.clear()
    qtbot.waitUntil(lambda: panel.headline() == "Draw something", timeout=5_000)
    assert panel.top_label() == "" and panel.probabilities() == {}
    assert ready_window.preview_dock.is_empty()
    qtbot.wait(300)  # a late answer for the old drawing must not bring a guess back
    assert panel.top_label() == ""


def test_without_a_model_the_panel_says_so_and_offers_training(window, qtbot):
    qtbot.waitUntil(lambda: window.session.phase == Phase.MISSING, timeout=60_000)
    drag(window.canvas, circle_points(200, 200, 80))
    assert window.prediction_dock.top_label() == ""
    assert "No Shapes model" in window.prediction_dock.headline()
    train = window.prediction_dock.findChild(QPushButton, "trainFromPrediction")
    assert train.isVisible() and train.text() == "Train Shapes"


def test_the_guess_follows_the_pen_before_it_lifts(ready_window, qtbot):
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    canvas = ready_window.canvas
    left, top, side = center_box(canvas)
    points = [QPoint(round(x), round(y)) for x, y in circle_points(left + side / 2, top + side / 2, side / 2)]
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, points[0])
    with qtbot.waitSignal(ready_window.prediction_ready, check_params_cb=lambda p: p is not None, timeout=10_000):
        for point in points[1:]:
            QTest.mouseMove(canvas, point)
    assert canvas.strokes() == [], "predicted while the stroke was still being drawn"
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, points[-1])


def test_an_unconvincing_answer_says_not_sure_and_names_the_likeliest_two(ready_window, qtbot):
    import numpy as np

    from model.network.inference import Prediction

    panel = ready_window.prediction_dock
    drag(ready_window.canvas, circle_points(200, 200, 80))
    qtbot.waitUntil(lambda: panel.top_label() != "", timeout=10_000)
    ready_window.session.prediction_ready.emit(Prediction(np.array([0.2, 0.45, 0.35], np.float32), []))
    assert panel.headline() == "Not sure"
    assert panel.detail() == "Maybe square (45%) or triangle (35%)"
    assert panel.top_label() == "square"
    ready_window.session.prediction_ready.emit(Prediction(np.array([0.05, 0.9, 0.05], np.float32), []))
    assert panel.headline() == "square" and panel.detail() == "90% sure"
