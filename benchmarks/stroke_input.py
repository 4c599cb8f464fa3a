"""What a stroke in progress costs the GUI thread before inference: the canvas's image, made grey, preprocessed to
28x28 and handed to the session (and the Playground), in the real window with the shipped Shapes model.

A circle is drawn with real mouse events, pausing after each move so the canvas's throttled `drawing_changed`
fires; the window's handler for it is timed (GUI-thread CPU and wall). The run is made twice in one process: once
with the canvas's grey image made by Qt's own conversion to Grayscale8 (the code before 2026-12-06) and once with
the code of this tree (OpenCV), so the two are compared on the same machine at the same moment.

Usage: nice -n 10 python benchmarks/stroke_input.py [--strokes 6] [--size 1280x800]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402


def qt_gray(image):
    """The conversion the canvas used before: Qt's gamma-correct Grayscale8."""
    from PySide6.QtGui import QImage

    from gui.image_convert import qimage_to_array

    return qimage_to_array(image.convertToFormat(QImage.Format.Format_Grayscale8))


def draw_and_time(app, window, strokes: int) -> tuple[list[float], list[float]]:
    """Draws `strokes` circles move by move; returns the handler's CPU and wall times in ms, one per call."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    from gui.canvas import CHANGE_INTERVAL_MS

    cpu, wall = [], []
    handler = window._on_canvas_drawing_changed

    def timed() -> None:
        started, started_cpu = time.perf_counter(), time.thread_time()
        handler()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)

    window.canvas.drawing_changed.disconnect(handler)
    window.canvas.drawing_changed.connect(timed)
    canvas = window.canvas
    centre_x, centre_y = canvas.width() / 2, canvas.height() / 2
    radius = 0.35 * min(canvas.width(), canvas.height())
    for _ in range(strokes):
        points = [QPoint(round(centre_x + radius * math.cos(a)), round(centre_y + radius * math.sin(a)))
                  for a in np.linspace(0, 2 * math.pi, 40)]
        QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, points[0])
        for point in points[1:]:
            QTest.mouseMove(canvas, point)
            deadline = time.perf_counter() + (CHANGE_INTERVAL_MS + 5) / 1000
            while time.perf_counter() < deadline:
                app.processEvents()
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, points[-1])
        app.processEvents()
        canvas.clear()
        app.processEvents()
    window.canvas.drawing_changed.disconnect(timed)
    window.canvas.drawing_changed.connect(handler)
    return cpu, wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strokes", type=int, default=6, help="circles drawn per variant")
    parser.add_argument("--size", default="1280x800", help="window size, WIDTHxHEIGHT")
    args = parser.parse_args()
    width, height = (int(value) for value in args.size.lower().split("x"))
    os.environ["CONVCANVAS_DATA_DIR"] = tempfile.mkdtemp(prefix="convcanvas-stroke-")

    from PySide6.QtWidgets import QApplication

    from gui import canvas as canvas_module
    from gui.app import configure_application
    from gui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    configure_application(app)
    window = MainWindow("shapes", auto_train=False)
    window.resize(width, height)
    window.show()
    while window.session.phase.value == "loading":
        app.processEvents()
        time.sleep(0.02)
    print(f"canvas {window.canvas.width()}x{window.canvas.height()} in a {width}x{height} window, offscreen, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    new_gray = canvas_module.qimage_to_gray
    draw_and_time(app, window, 1)  # warm up
    for name, gray in (("old (Qt's Grayscale8)", qt_gray), ("new (this tree)", new_gray)):
        canvas_module.qimage_to_gray = gray
        cpu, wall = draw_and_time(app, window, args.strokes)
        print(f"  {name:<22} {len(cpu)} updates: GUI-thread CPU median {np.median(cpu):5.2f} ms, "
              f"p95 {np.percentile(cpu, 95):5.2f} ms; wall median {np.median(wall):5.2f} ms, "
              f"p95 {np.percentile(wall, 95):5.2f} ms")
    canvas_module.qimage_to_gray = new_gray
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
