"""Shapes as people draw them in the app: scripted mouse strokes on the real window, read off the Prediction panel.

Opens the window offscreen with the Shapes model (the app's, or one given) and draws circles, squares and
triangles with the hand of benchmarks/people_shapes_hand.py (its own simulator, not the app's training
generator) as three kinds of people: a mouse user with a thin pen, a stylus user, a finger on a touch screen
with a thick pen; small and large, in the middle and in the corners. Each stroke is sent to the canvas as
mouse press, move and release events, so the canvas records, renders and preprocesses it as it would a
person's; the answer is the label the Prediction panel shows ("Not sure" counts as not read).

    QT_QPA_PLATFORM=offscreen nice -n 10 python benchmarks/window_shapes.py [--model M.keras] [--per-cell 1]
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
from collections import Counter
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from people_shapes_hand import LABELS, stroke_paths  # noqa: E402
from people_shapes_sets import place_paths  # noqa: E402
from window_model import use_model  # noqa: E402

# Each kind of person: the hand of people_shapes_hand and the pen width set in the toolbar, in px.
PENS = {"mouse": ("mouse", 3), "pen": ("pen", 8), "finger": ("finger", 20)}
# Sizes as shares of the canvas's shorter side.
SIZES = {"small": 0.25, "large": 0.85}
PLACES = {"middle": (0.5, 0.5), "top left": (0.0, 0.0), "bottom right": (1.0, 1.0)}
# Pen ticks between two mouse events: a mouse reports about every 8-16 ms.
_TICKS_PER_EVENT = 3
# People start a drawing in a corner a few pixels in from the canvas's edge.
_MARGIN = 8


def _send(canvas, kind, point, buttons) -> None:
    """Sends one mouse event at `point` (canvas pixels) to the canvas, as Qt delivers a real one."""
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    position = QPointF(float(point[0]), float(point[1]))
    button = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else Qt.MouseButton.LeftButton
    event = QMouseEvent(kind, position, canvas.mapToGlobal(position), button, buttons,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(canvas, event)


def draw_with_mouse(canvas, paths: list[np.ndarray]) -> None:
    """Draws each path as one press-drag-release of the left button."""
    from PySide6.QtCore import QEvent, Qt

    held, free = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    for path in paths:
        events = np.vstack([path[::_TICKS_PER_EVENT], path[-1:]])
        _send(canvas, QEvent.Type.MouseButtonPress, events[0], held)
        for point in events[1:]:
            _send(canvas, QEvent.Type.MouseMove, point, held)
        _send(canvas, QEvent.Type.MouseButtonRelease, events[-1], free)


def _open_window():
    """The main window on the Shapes task, shown offscreen, once its model is loaded."""
    from PySide6.QtWidgets import QApplication

    from gui.app import configure_application
    from gui.main_window import MainWindow
    from gui.session import Phase

    app = QApplication.instance() or QApplication([])
    configure_application(app)
    _quiet_qt()
    window = MainWindow("shapes", auto_train=False)
    window.persist_layout = False
    window.resize(1400, 900)
    window.show()
    _wait_until(lambda: window.session.phase == Phase.READY, 120_000,
                "no Shapes model loaded: train one first, or pass --model")
    # The layout settles once the first prediction is shown: draw once so the canvas keeps its size after.
    _predict_drawing(app, window, [np.array([[20.0, 20.0], [60.0, 60.0]])])
    window.canvas.clear()
    _wait_until(lambda: False, 300, "", quiet=True)
    return app, window


def _quiet_qt() -> None:
    """Drops the offscreen platform's notice about size hints, printed once per layout change."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(_kind, _context, message: str) -> None:
        if "propagateSizeHints" not in message:
            print(message, file=sys.stderr)

    qInstallMessageHandler(handler)


def _predict_drawing(app, window, paths: list[np.ndarray]):
    """Clears the canvas, draws the paths and returns the panel's label and the prediction behind it."""
    from PySide6.QtCore import QEventLoop, QTimer

    window.canvas.clear()
    draw_with_mouse(window.canvas, paths)
    answer = []
    loop = QEventLoop()

    def take(prediction) -> None:
        answer.append(prediction)
        loop.quit()

    window.prediction_ready.connect(take)
    QTimer.singleShot(10_000, loop.quit)
    loop.exec()
    window.prediction_ready.disconnect(take)
    app.processEvents()
    return window.prediction_dock.top_label(), (answer[0] if answer else None)


def run(per_cell: int, seed: int) -> list[dict]:
    """Draws every case in the window and returns one record per drawing."""
    app, window = _open_window()
    canvas = window.canvas
    labels = list(window.session.predictor.labels)
    rng = np.random.default_rng(seed)
    records = []
    cases = itertools.product(LABELS, PENS.items(), SIZES.items(), PLACES.items(), range(per_cell))
    for label, (pen_name, (device, pen)), (size_name, size), (place_name, anchor), _ in cases:
        paths, style = stroke_paths(label, device, rng)
        extent = size * min(canvas.width(), canvas.height())
        canvas.set_pen_width(pen)
        room = (canvas.width() - 2 * _MARGIN, canvas.height() - 2 * _MARGIN)
        placed = [path + _MARGIN for path in place_paths(paths, room, extent, pen, anchor)]
        shown, prediction = _predict_drawing(app, window, placed)
        top = labels[prediction.top_index] if prediction is not None else ""
        records.append({"label": label, "shown": shown, "top": top, "pen": pen_name, "size": size_name,
                        "place": place_name, "style": style})
    window.close()
    return records


def _wait_until(condition, timeout_ms: int, message: str, quiet: bool = False) -> None:
    """Runs the event loop until `condition()` holds; past the timeout, exits with `message` (or returns if quiet)."""
    from PySide6.QtCore import QDeadlineTimer, QEventLoop
    from PySide6.QtWidgets import QApplication

    deadline = QDeadlineTimer(timeout_ms)
    while not condition():
        if deadline.hasExpired():
            if quiet:
                return
            raise SystemExit(f"error: {message}.")
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def report(records: list[dict]) -> None:
    """Prints accuracy overall and per label, pen, size and place, and the misreadings."""
    right = np.array([r["shown"] == r["label"] for r in records])
    top = np.array([r["top"] == r["label"] for r in records])
    unsure = sum(r["shown"] == "Not sure" for r in records)
    print(f"shapes drawn on the window's canvas: {right.mean():.1%} of {len(records)} read right "
          f"({unsure} 'Not sure'; top bar right {top.mean():.1%})")
    for key, values in (("label", LABELS), ("pen", PENS), ("size", SIZES), ("place", PLACES)):
        parts = []
        for value in values:
            chosen = np.array([r[key] == value for r in records])
            parts.append(f"{value} {right[chosen].mean():.1%}")
        print(f"  by {key}: " + ", ".join(parts))
    wrong = Counter((r["label"], r["shown"]) for r, ok in zip(records, right) if not ok)
    pairs = ", ".join(f"{a} -> {b} x{n}" for (a, b), n in wrong.most_common())
    print("  misread (true -> shown): " + (pairs or "none"))
    for r, ok in zip(records, right):
        if not ok:
            print(f"    {r['pen']}, {r['size']}, {r['place']}: shown {r['shown']!r}; {r['style']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a Shapes model (.keras, with its .json); default: the app's")
    parser.add_argument("--per-cell", type=int, default=1, help="drawings per label, pen, size and place")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.model:
        use_model(args.model, "shapes")
    report(run(args.per_cell, args.seed))


if __name__ == "__main__":
    main()
