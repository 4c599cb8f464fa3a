"""How the data set browser copes with thousands of drawings.

Creates N saved drawings (default 5,000) in a temporary data directory, then measures:
- listing the store, and opening the Data set dock on it (model/view reset, first paint);
- scrolling: per frame, move the list one step and repaint its viewport, first with cold thumbnails (each
  row read from its PNG the first time it is shown) and again with warm ones; median and p95 per frame;
- loading every sample as 28x28 arrays for training, cold (preprocess each PNG) and warm (mtime cache).

Usage: nice -n 10 python benchmarks/browser.py [--samples 5000] [--frames 300] [--data DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

FRAME_BUDGET_MS = 1000.0 / 60.0


def make_samples(store, count: int, labels, seed: int = 0) -> float:
    from model.core.strokes import Stroke, render_strokes

    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    for index in range(count):
        points = rng.uniform(20, 280, size=(rng.integers(3, 7), 2))
        strokes = [Stroke(points, float(rng.uniform(4, 14)))]
        store.add(labels[index % len(labels)], render_strokes(strokes, 300, 300), strokes)
    return time.perf_counter() - started


def stub_window(task):
    """The two objects the dock listens to, without a model session or TensorFlow."""
    from PySide6.QtCore import QObject, Signal
    from PySide6.QtWidgets import QMainWindow

    from gui.toast import Toast

    class Session(QObject):
        task_changed = Signal(object)

    class Saver(QObject):
        samples_changed = Signal(object)

        def save(self, label):
            return None

    window = QMainWindow()
    window.resize(520, 900)
    session = Session()
    session.task = task
    saver = Saver()
    saver.toast = Toast(window)
    return window, session, saver


def scroll_frames(app, view, frames: int) -> tuple[list[float], list[float]]:
    """Returns (wall ms, CPU ms) per frame. CPU time is what the frame cost this process; on a shared machine
    the wall time also holds the time spent waiting for a core."""
    bar = view.verticalScrollBar()
    step = max(1, bar.pageStep() // 3)
    wall, cpu = [], []
    for frame in range(frames):
        started, started_cpu = time.perf_counter(), time.process_time()
        bar.setValue((frame * step) % max(1, bar.maximum()))
        view.viewport().repaint()
        app.processEvents()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return wall, cpu


def summary(values: list[float]) -> str:
    array = np.asarray(values)
    return f"median {np.median(array):6.2f} ms · p95 {np.percentile(array, 95):6.2f} ms · max {array.max():6.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=5000)
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--data", metavar="DIR", help="keep the samples in DIR and reuse them on the next run")
    args = parser.parse_args()
    os.environ["CONVCANVAS_DATA_DIR"] = args.data or tempfile.mkdtemp(prefix="convcanvas-browser-")

    from PySide6.QtWidgets import QApplication

    from gui.docks.dataset import DatasetDock
    from model.collection.samples import SampleStore
    from model.core.tasks import Task

    task = Task("bench", ("circle", "square", "triangle", "star", "heart"), None, "Bench")
    store = SampleStore(task.name)
    missing = args.samples - len(store.samples())
    if missing > 0:
        seconds = make_samples(store, missing, task.labels)
        print(f"created {missing} samples in {seconds:.1f} s ({1000 * seconds / missing:.2f} ms per save)")

    started = time.perf_counter()
    listed = len(store.samples())
    print(f"list the store ({listed} samples): {1000 * (time.perf_counter() - started):.1f} ms")

    app = QApplication.instance() or QApplication([])
    window, session, saver = stub_window(task)
    started = time.perf_counter()
    dock = DatasetDock(session, saver, window)
    window.setCentralWidget(dock)
    window.show()
    app.processEvents()
    dock.view.viewport().repaint()
    print(f"open the Data set dock and paint the first screen: {1000 * (time.perf_counter() - started):.1f} ms "
          f"({dock.model.rowCount()} rows, {dock.model.thumbnails.loads} thumbnails read)")

    cold, cold_cpu = scroll_frames(app, dock.view, args.frames)
    loads = dock.model.thumbnails.loads
    warm, warm_cpu = scroll_frames(app, dock.view, args.frames)
    print(f"scroll, cold thumbnails, wall: {summary(cold)}  ({loads} thumbnails read)")
    print(f"scroll, cold thumbnails, CPU:  {summary(cold_cpu)}")
    print(f"scroll, warm thumbnails, wall: {summary(warm)}")
    print(f"scroll, warm thumbnails, CPU:  {summary(warm_cpu)}")
    cold_share, warm_share = (np.mean(np.array(frames) < FRAME_BUDGET_MS) for frames in (cold, warm))
    print(f"frames within 60 Hz ({FRAME_BUDGET_MS:.1f} ms), wall: cold {cold_share:.0%}, "
          f"warm {warm_share:.0%}; load average now {os.getloadavg()[0]:.1f}")

    started = time.perf_counter()
    x, _, _ = store.load_arrays(task.labels)
    cold_load = time.perf_counter() - started
    started = time.perf_counter()
    store.load_arrays(task.labels)
    warm_load = time.perf_counter() - started
    print(f"load {len(x)} samples as 28x28 arrays: cold {cold_load:.2f} s, warm (cache) {warm_load:.2f} s "
          f"({cold_load / max(warm_load, 1e-9):.0f}x faster)")
    window.close()


if __name__ == "__main__":
    main()
