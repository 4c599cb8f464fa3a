"""Quick, Draw! files imported in the real window: how long Cancel takes, and whether the window stays smooth.

Makes a `.npy` of N 28x28 bitmaps (default 20,000) and an `.ndjson` of M stroke drawings (default 3,000) in a
temporary data folder, opens the main window offscreen on a task of its own, and in one run:

- new (Tasks › Import Quick, Draw! files…, `gui.quickdraw_import`): the whole .npy imported at scale on a worker,
  with a 5 ms timer on the GUI thread recording the gaps between its ticks (a smooth window: no gap much over
  5 ms); then Cancel pressed 0.5-1.5 s into an import of each file, several times, timing the press to the report;
- old (Tasks › Import drawings (files)…, `Collector.import_paths`): the same .npy, up to 5,000 per label, saved as
  drawings, with the same timer; it has no Cancel.

Usage: nice -n 10 python benchmarks/quickdraw_window.py [--bitmaps 20000] [--strokes 3000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402


def make_files(folder: Path, bitmaps: int, strokes: int) -> tuple[Path, Path]:
    from tests.model.training_data import bars

    x, _ = bars(bitmaps, 0)
    npy = folder / "full_numpy_bitmap_circle.npy"
    np.save(npy, (x * 255).astype(np.uint8).reshape(bitmaps, 784))
    rng = np.random.default_rng(0)
    lines = []
    for _ in range(strokes):
        xs, ys = rng.integers(0, 255, 12).tolist(), rng.integers(0, 255, 12).tolist()
        lines.append(json.dumps({"word": "square", "drawing": [[xs[:6], ys[:6]], [xs[6:], ys[6:]]]}))
    ndjson = folder / "full_simplified_square.ndjson"
    ndjson.write_text("\n".join(lines) + "\n")
    return npy, ndjson


class Probe:
    """A 5 ms timer on the GUI thread; `gaps()` are the times between its ticks (ms) since `start()`."""

    def __init__(self):
        from PySide6.QtCore import QTimer

        self.timer, self.ticks = QTimer(interval=5), []
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))

    def start(self):
        self.ticks = [time.perf_counter()]
        self.timer.start()

    def gaps(self) -> list[float]:
        self.timer.stop()
        return [1000 * (b - a) for a, b in zip(self.ticks, self.ticks[1:])]


def wait_for(app, condition, timeout_s=600.0):
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the import did not end")
        app.processEvents()
        time.sleep(0.001)


def describe_gaps(gaps: list[float]) -> str:
    ordered = sorted(gaps)
    p95 = ordered[int(0.95 * (len(ordered) - 1))] if ordered else float("nan")
    return (f"GUI-thread tick gaps median {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms, "
            f"longest {max(ordered):.0f} ms, {sum(gap > 50 for gap in ordered)} over 50 ms")


def new_import(app, window, files, limit, probe, cancel_after_s=None):
    """Imports through the window's Quick, Draw! importer; returns (seconds, report, seconds from Cancel to report)."""
    from gui.quickdraw_dialog import ImportChoice

    importer, ended = window.collector.quickdraw, []
    importer.import_finished.connect(ended.append)
    choice = ImportChoice([Path(file) for file in files], {}, limit, window.session.task.name, "", [])
    started = time.perf_counter()
    probe.start()
    importer.start(choice)
    pressed = None
    if cancel_after_s is not None:
        wait_for(app, lambda: ended or time.perf_counter() - started > cancel_after_s)
        pressed = time.perf_counter()
        importer.progress_dialog.cancel_button.click()
    wait_for(app, lambda: ended)
    importer.import_finished.disconnect()
    finished = time.perf_counter()
    return finished - started, ended[0], (finished - pressed) if pressed else None


def old_import(app, window, npy, probe):
    from model.collection.samples import SampleStore

    collector = window.collector
    probe.start()
    started = time.perf_counter()
    job = collector.import_paths([npy], limit=5000)
    wait_for(app, lambda: not job.is_running())
    app.processEvents()
    return time.perf_counter() - started, SampleStore(window.session.task.name).counts()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bitmaps", type=int, default=20_000)
    parser.add_argument("--strokes", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        os.environ["CONVCANVAS_DATA_DIR"] = str(Path(temporary) / "data")
        run(args, Path(temporary))


def run(args, folder: Path) -> None:
    from PySide6.QtWidgets import QApplication

    from gui.app import configure_application
    from gui.main_window import MainWindow
    from model.collection import user_tasks

    app = QApplication.instance() or QApplication([])
    configure_application(app)
    npy, ndjson = make_files(folder, args.bitmaps, args.strokes)
    task = user_tasks.create_task("Bench", ["circle", "square"])
    window = MainWindow(task.name, auto_train=False)
    window.persist_layout = False
    window.show()
    wait_for(app, lambda: window.session.task.name == task.name, 30)
    probe = Probe()
    seconds, report, _ = new_import(app, window, [npy], None, probe)
    print(f"new, whole .npy of {args.bitmaps:,}: {seconds:.1f} s, {report.total / seconds:,.0f} drawings/s; "
          f"{describe_gaps(probe.gaps())}")
    seconds, report, _ = new_import(app, window, [npy], 5000, probe)
    print(f"new, .npy capped at 5,000: {seconds:.1f} s; {describe_gaps(probe.gaps())}")
    for file in (npy, ndjson):
        latencies = []
        for number in range(args.runs):
            _, report, latency = new_import(app, window, [file], None, probe, cancel_after_s=0.5 + number / 4)
            if latency is not None and report.stopped:
                latencies.append(1000 * latency)
        probe.gaps()
        if latencies:
            print(f"new, Cancel during {file.suffix}: press to report median {statistics.median(latencies):.0f} ms, "
                  f"worst {max(latencies):.0f} ms over {len(latencies)} presses")
    seconds, counts = old_import(app, window, npy, probe)
    print(f"old (Import drawings (files), 5,000 saved as drawings): {seconds:.1f} s, {sum(counts.values()):,} "
          f"drawings; {describe_gaps(probe.gaps())}; no Cancel")
    window.close()


if __name__ == "__main__":
    main()
