"""Digits as a new user would try them: drawn on the window's own canvas, thin or thick, small or large,
anywhere on it, read off the prediction panel.

Opens the real window offscreen with the Digits model (the app's, or one given), puts drawings of every
digit on the canvas (the simulated hand and styles of benchmarks/drawn_digits.py) at pen widths from 2
to 60 px, sizes from a tenth of the canvas to most of it, in the middle and in the corners, waits for
the live prediction and reads the panel's top label. This is the canvas -> preprocess -> network path of
the app itself, not a copy of it.

    QT_QPA_PLATFORM=offscreen nice -n 10 python benchmarks/window_digits.py [--model MODEL.keras] [--per-cell 2]
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

import numpy as np  # noqa: E402
from drawn_digits import STYLES, digit_paths  # noqa: E402
from window_model import use_model  # noqa: E402

from model.core.strokes import Stroke  # noqa: E402

PENS = (2, 6, 14, 30, 60)
SIZES = {"small": 0.12, "medium": 0.4, "large": 0.9}
PLACES = {"middle": (0.5, 0.5), "top left": (0.0, 0.0), "bottom right": (1.0, 1.0)}


def place(paths: list[np.ndarray], canvas_size: tuple[int, int], size: float, anchor: tuple[float, float],
          pen: float) -> list[Stroke]:
    """Scales the paths to `size` of the canvas's shorter side and puts them at `anchor` (0..1 each axis)."""
    width, height = canvas_size
    points = np.concatenate(paths)
    low, high = points.min(axis=0), points.max(axis=0)
    side = max(size * min(width, height), 3 * pen)
    scale = (side - pen) / float(max(high - low))
    extent = (high - low) * scale + pen
    margin = 8.0
    origin = margin + np.array(anchor) * (np.array([width, height]) - extent - 2 * margin) + pen / 2 - low * scale
    strokes, clock = [], 0.0
    for path in paths:
        xy = path * scale + origin
        times = clock + np.r_[0.0, np.cumsum(np.hypot(*np.diff(xy, axis=0).T))]
        strokes.append(Stroke(np.column_stack([xy, times]), pen))
        clock = times[-1] + 200.0
    return strokes


def run(model_path: str | None, per_cell: int, seed: int) -> list[dict]:
    """Draws every case in the window and returns one record per drawing."""
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from gui.app import configure_application
    from gui.main_window import MainWindow
    from gui.session import Phase

    app = QApplication.instance() or QApplication([])
    configure_application(app)
    window = MainWindow("digits", auto_train=False)
    window.persist_layout = False
    window.resize(1400, 900)
    window.show()
    _wait_until(lambda: window.session.phase == Phase.READY, 120_000,
                "no Digits model loaded: train one first, or pass --model")
    canvas, panel = window.canvas, window.prediction_dock
    rng = np.random.default_rng(seed)
    records = []
    cases = itertools.product(range(10), PENS, SIZES.items(), PLACES.items(), range(per_cell))
    for digit, pen, (size_name, size), (place_name, anchor), _ in cases:
        style = list(STYLES[str(digit)])[int(rng.integers(len(STYLES[str(digit)])))]
        strokes = place(digit_paths(str(digit), style, rng), (canvas.width(), canvas.height()), size, anchor, pen)
        loop = QEventLoop()
        window.prediction_ready.connect(loop.quit)
        QTimer.singleShot(10_000, loop.quit)
        canvas.set_strokes(strokes)
        loop.exec()
        window.prediction_ready.disconnect(loop.quit)
        app.processEvents()
        records.append({"digit": digit, "guess": panel.top_label(), "pen": pen, "size": size_name,
                        "place": place_name, "style": f"{digit} {style}"})
    window.close()
    return records


def _wait_until(condition, timeout_ms: int, message: str) -> None:
    from PySide6.QtCore import QDeadlineTimer, QEventLoop
    from PySide6.QtWidgets import QApplication

    deadline = QDeadlineTimer(timeout_ms)
    while not condition():
        if deadline.hasExpired():
            raise SystemExit(f"error: {message}.")
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def report(records: list[dict]) -> None:
    right = np.array([str(r["digit"]) == r["guess"] for r in records])
    print(f"digits drawn on the window's canvas: {right.mean():.2%} of {len(records)}")
    for key, values in (("pen", PENS), ("size", SIZES), ("place", PLACES), ("digit", range(10))):
        parts = []
        for value in values:
            chosen = np.array([r[key] == value for r in records])
            parts.append(f"{value}{' px' if key == 'pen' else ''} {right[chosen].mean():.1%}")
        print(f"  by {key}: " + ", ".join(parts))
    wrong = Counter((r["style"], r["guess"]) for r, ok in zip(records, right) if not ok)
    mistakes = ", ".join(f"{s} -> {g} x{n}" for (s, g), n in wrong.most_common(12))
    print("  wrong (style -> guess): " + (mistakes or "none"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a Digits model (.keras, with its .json); default: the app's")
    parser.add_argument("--per-cell", type=int, default=2, help="drawings per digit, pen, size and place")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.model:
        use_model(args.model, "digits")
    report(run(args.model, args.per_cell, args.seed))


if __name__ == "__main__":
    main()
