"""The "Why this label?" dock: its Detail chooser asks for that method and the overlay changes with it."""

from __future__ import annotations

from tests.gui.drawing import drag, line_points


def _triangle(window):
    size = window.canvas.size()
    width, height = size.width(), size.height()
    corners = [(0.25 * width, 0.2 * height), (0.4 * width, 0.55 * height), (0.1 * width, 0.55 * height)]
    points = []
    for start, end in zip(corners, corners[1:] + corners[:1]):
        points += line_points(start, end)
    drag(window.canvas, points)


def test_the_detail_chooser_asks_for_its_method_and_redraws_the_overlay(ready_window, qtbot, monkeypatch):
    window = ready_window
    why = window.why_dock
    requests = []
    worker = window.session._explanations_worker()
    asked = worker.request

    def record(*args):
        requests.append(args[-1])
        asked(*args)

    monkeypatch.setattr(worker, "request", record)
    assert why.method() == "gradient"
    window.why_action.trigger()
    with qtbot.waitSignal(window.session.explanation_ready, timeout=30000,
                          check_params_cb=lambda explanation: explanation is not None):
        _triangle(window)
    qtbot.waitUntil(lambda: window.canvas.overlay_rect() is not None)
    assert requests[-1] == "gradient" and why.explanation.method == "gradient"
    fine_canvas, fine_view = window.canvas.grab().toImage(), why.view.image().copy()

    why.method_box.setCurrentIndex(why.method_box.findData("grad-cam"))
    assert requests[-1] == "grad-cam"
    qtbot.waitUntil(lambda: why.explanation is not None and why.explanation.method == "grad-cam", timeout=30000)
    assert why.explanation.cells.shape == (7, 7)
    assert "Grad-CAM" in why.caption.text() and "7×7" in why.caption.text()
    assert "beside a thin line" in why.method_box.toolTip()
    assert window.canvas.grab().toImage() != fine_canvas
    assert why.view.image() != fine_view

    # The choice holds for the next drawing.
    with qtbot.waitSignal(window.session.explanation_ready, timeout=30000,
                          check_params_cb=lambda explanation: explanation is not None):
        drag(window.canvas, line_points((300, 60), (360, 120)))
    assert requests[-1] == "grad-cam" and why.explanation.method == "grad-cam"


def test_the_heat_map_process_ends_when_idle_and_a_later_request_starts_it_again(ready_window, qtbot, monkeypatch):
    from gui import explanations

    monkeypatch.setattr(explanations, "IDLE_CLOSE_MS", 300)
    window = ready_window
    window.why_action.trigger()
    with qtbot.waitSignal(window.session.explanation_ready, timeout=60000,
                          check_params_cb=lambda explanation: explanation is not None):
        _triangle(window)
    worker = window.session._explanations_worker()
    qtbot.waitUntil(lambda: not worker.is_running(), timeout=10000)  # ~700 MB given back
    with qtbot.waitSignal(window.session.explanation_ready, timeout=60000,
                          check_params_cb=lambda explanation: explanation is not None):
        drag(window.canvas, line_points((300, 60), (360, 120)))
