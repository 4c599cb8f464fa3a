"""What a key-press save and the data set browser cost the GUI thread with thousands of saved drawings, old vs new.

Makes data sets of N saved Shapes drawings (default 5,000 and 50,000: hard links to a few real saved drawings, so
50,000 take seconds), then, for the code of this tree and for an older revision (`--old-rev`, unpacked with
`git archive` into a temporary folder) in turn, runs a child process that
- opens the Data set browser on the drawings in a bare window and paints its first screen (a fresh process: the
  new code lists the drawings in a thread first, as the window does at start, and that time is printed apart; the
  old code lists them on the GUI thread within the first screen), then scrolls it a third of a page per frame (cold
  thumbnails: each row read the first time it shows; then warm) and reports the resident memory it added;
- opens the real main window (no model, so no prediction runs) and saves drawings with the label keys, timing each
  key press on the GUI thread: the key's handlers (wall and thread CPU time), the canvas clear within them apart
  (the window's docks react to the empty canvas as after any clear: not the save's own cost), and until the
  window is idle again (the deferred list layout and repaints included). Queued writes are drained between saves,
  untimed, as a person saves one drawing every second or two.

Usage: nice -n 10 python benchmarks/saving.py [--sizes 5000 50000] [--saves 30] [--old-rev 8868302]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parents[1]
LABELS = ("circle", "square", "triangle")
OLD_REV = "8868302"  # main before the in-memory index and the writer thread


def make_drawings(data_dir: Path, count: int) -> float:
    """Saves 12 real drawings with `SampleStore.add`, then links `count` copies under new ids; returns seconds."""
    sys.path.insert(0, str(ROOT))
    import numpy as np

    from model.collection.sample_format import new_id
    from model.collection.samples import SampleStore
    from model.core.strokes import Stroke, render_strokes

    started = time.perf_counter()
    templates = SampleStore("templates", root=data_dir / "templates")
    rng = np.random.default_rng(0)
    for index in range(12):
        strokes = [Stroke(rng.uniform(20, 280, size=(6, 2)), 8.0)]
        templates.add(LABELS[index % 3], render_strokes(strokes, 300, 300), strokes)
    sources = templates.samples()
    root = data_dir / "drawings" / "shapes"
    for label in LABELS:
        (root / label).mkdir(parents=True, exist_ok=True)
    for index in range(count):
        source, label, sample_id = sources[index % len(sources)], LABELS[index % 3], new_id()
        os.link(source.file, root / label / f"{sample_id}.png")
        os.link(source.file[:-4] + ".json", root / label / f"{sample_id}.json")
    return time.perf_counter() - started


def stats(values) -> dict:
    import numpy as np

    array = np.asarray(values, float)
    return {"median": float(np.median(array)), "p95": float(np.percentile(array, 95)), "max": float(array.max())}


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# ----- the child: runs with the tree under test first on sys.path ---------------------------------------------

def list_in_background() -> float | None:
    """As the window does at start (gui.collect): lists the drawings in a thread; returns how long that took (ms).
    None for code that lists on the GUI thread when the browser opens."""
    import threading

    from model.collection.samples import SampleStore

    index = getattr(SampleStore("shapes"), "index", None)
    if index is None:
        return None
    done, started = threading.Event(), time.perf_counter()
    index.load_in_background(done.set)
    done.wait()
    return (time.perf_counter() - started) * 1000


def measure_browser(app, frames: int) -> dict:
    from PySide6.QtCore import QObject, Signal
    from PySide6.QtWidgets import QMainWindow

    from gui.docks.dataset import DatasetDock
    from gui.toast import Toast
    from model.core.tasks import Task, get_task

    class Session(QObject):
        task_changed = Signal(object)

    class Saver(QObject):
        samples_changed = Signal(object)

        def save(self, label):
            return None

    window = QMainWindow()
    window.resize(520, 900)
    session, saver = Session(), Saver()
    # The dock starts on a task with no drawings, as after a start on another task: creating and first showing
    # widgets is not the browser's cost at 50,000 drawings; switching to the task of many drawings is.
    session.task, saver.toast = Task("empty", LABELS, None, "Empty"), Toast(window)
    dock = DatasetDock(session, saver, window)
    window.setCentralWidget(dock)
    window.show()
    app.processEvents()
    memory = rss_mb()
    listing = list_in_background()
    started, started_cpu = time.perf_counter(), time.thread_time()
    session.task = get_task("shapes")
    session.task_changed.emit(session.task)
    dock.view.viewport().repaint()
    app.processEvents()
    first_screen = ((time.perf_counter() - started) * 1000, (time.thread_time() - started_cpu) * 1000)
    bar = dock.view.verticalScrollBar()
    app.processEvents()
    result = {"first_screen_ms": first_screen, "rows": dock.model.rowCount(), "listing_ms": listing}
    for kind in ("cold", "warm"):
        times, cpu = [], []
        for frame in range(frames):
            started, started_cpu = time.perf_counter(), time.thread_time()
            bar.setValue((frame * max(1, bar.pageStep() // 3)) % max(1, bar.maximum()))
            dock.view.viewport().repaint()
            app.processEvents()
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - started_cpu) * 1000)
        result[f"scroll_{kind}"], result[f"scroll_{kind}_cpu"] = stats(times), stats(cpu)
        bar.setValue(0)
        app.processEvents()
        time.sleep(0.5)  # thumbnails still being read in the background land before the warm pass
        app.processEvents()
    result["memory_mb"] = rss_mb() - memory
    window.close()
    dock.deleteLater()
    app.processEvents()
    return result


def measure_saves(app, saves: int) -> dict:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from gui.main_window import MainWindow
    from model.core.strokes import Stroke

    try:
        from model.collection.sample_writer import shared_writer
        drain = shared_writer().drain
    except ImportError:  # the old code writes on the GUI thread
        def drain():
            return True

    window = MainWindow("shapes", auto_train=False)
    window.show()
    deadline = time.time() + 300
    while window.session.phase.value == "loading" and time.time() < deadline:
        app.processEvents()
        time.sleep(0.02)
    import numpy as np

    canvas_clear, clear_times = window.canvas.clear, []

    def timed_clear():
        started, started_cpu = time.perf_counter(), time.thread_time()
        canvas_clear()
        clear_times.append(((time.perf_counter() - started) * 1000, (time.thread_time() - started_cpu) * 1000))

    window.canvas.clear = timed_clear  # the save calls it: timed apart, as it is any clear's cost, not the save's
    angles = np.linspace(0, 2 * np.pi, 60)
    handler, handler_cpu, idle = [], [], []
    for index in range(saves):
        points = np.stack([300 + 120 * np.cos(angles), 250 + 120 * np.sin(angles), np.arange(60) * 8.0], 1)
        window.canvas.set_strokes([Stroke(points.astype(np.float32), 8.0)])
        for _ in range(3):
            app.processEvents()
        time.sleep(0.05)
        app.processEvents()
        started, started_cpu = time.perf_counter(), time.thread_time()
        QTest.keyClick(window, Qt.Key.Key_1 + index % 3)
        handler.append((time.perf_counter() - started) * 1000)
        handler_cpu.append((time.thread_time() - started_cpu) * 1000)
        app.processEvents()
        app.processEvents()
        idle.append((time.perf_counter() - started) * 1000)
        drain()
    window.close()
    save = [total - clear for total, (clear, _) in zip(handler, clear_times)]
    save_cpu = [total - clear for total, (_, clear) in zip(handler_cpu, clear_times)]
    return {"handler": stats(handler), "handler_cpu": stats(handler_cpu), "until_idle": stats(idle),
            "clear": stats([wall for wall, _ in clear_times]), "clear_cpu": stats([cpu for _, cpu in clear_times]),
            "save": stats(save), "save_cpu": stats(save_cpu)}


# What this file imports, and where a tree from before issue 17 (model/ flat) keeps it.
FLAT_NAMES = {"model.collection.samples": "model.samples", "model.collection.sample_writer": "model.sample_writer",
              "model.core.strokes": "model.strokes", "model.core.tasks": "model.tasks"}


def name_flat_modules_by_package_paths() -> None:
    """In an old tree with model/ flat, lets this file's `model.<package>.<module>` imports find its modules."""
    import importlib
    import importlib.util
    import types

    if importlib.util.find_spec("model.core") is not None:
        return
    for new, old in FLAT_NAMES.items():
        try:
            module = importlib.import_module(old)
        except ImportError:
            continue  # the oldest code has no writer thread: its import fails as before
        package = new.rsplit(".", 1)[0]
        sys.modules.setdefault(package, types.ModuleType(package))
        sys.modules[new] = module


def child(args) -> None:
    sys.path.insert(0, args.tree)
    name_flat_modules_by_package_paths()
    os.environ["CONVCANVAS_DATA_DIR"] = args.data
    os.environ["XDG_CONFIG_HOME"] = str(Path(args.data) / "config")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from gui.app import configure_application

    configure_application(app)
    result = {"browser": measure_browser(app, args.frames), "saves": measure_saves(app, args.saves)}
    print("RESULT " + json.dumps(result))


# ----- the parent ---------------------------------------------------------------------------------------------

def run_child(tree: Path, data: Path, saves: int, frames: int) -> dict:
    command = [sys.executable, __file__, "--child", "--tree", str(tree), "--data", str(data), "--saves", str(saves),
               "--frames", str(frames)]
    output = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(tree)},
                            timeout=3600)
    lines = [line for line in output.stdout.splitlines() if line.startswith("RESULT ")]
    if not lines:
        raise SystemExit(f"The child for {tree} failed:\n{output.stdout[-2000:]}\n{output.stderr[-4000:]}")
    return json.loads(lines[-1][len("RESULT "):])


def old_tree(revision: str, folder: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def fmt(values: dict) -> str:
    return f"median {values['median']:7.2f} ms · p95 {values['p95']:7.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 50000])
    parser.add_argument("--saves", type=int, default=30)
    parser.add_argument("--frames", type=int, default=120)
    parser.add_argument("--old-rev", default=OLD_REV)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--tree", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    work = Path(tempfile.mkdtemp(prefix="convcanvas-saving-"))
    trees = {"old": old_tree(args.old_rev, Path(tempfile.mkdtemp(prefix="convcanvas-old-"))), "new": ROOT}
    print(f"old = {args.old_rev}, new = this tree; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    for size in args.sizes:
        results = {}
        for name, tree in trees.items():
            data = work / f"{name}-{size}"
            seconds = make_drawings(data, size)
            results[name] = run_child(tree, data, args.saves, args.frames)
            print(f"  ({name}: made {size} drawings in {seconds:.1f} s)", flush=True)
        print(f"\n{size} saved drawings, {args.saves} key-press saves each:")
        for name, result in results.items():
            saves, browser = result["saves"], result["browser"]
            print(f"  {name}: key press, the save (handlers less the clear), GUI-thread CPU: {fmt(saves['save_cpu'])}")
            print(f"  {name}: key press, the save (handlers less the clear), wall:           {fmt(saves['save'])}")
            print(f"  {name}: key press, the canvas clear alone, GUI-thread CPU:             {fmt(saves['clear_cpu'])}")
            print(f"  {name}: key press, all handlers, GUI-thread CPU:                       "
                  f"{fmt(saves['handler_cpu'])}")
            print(f"  {name}: key press, all handlers, wall:                                 {fmt(saves['handler'])}")
            print(f"  {name}: key press until the window is idle again, wall:                "
                  f"{fmt(saves['until_idle'])}")
            listing = browser["listing_ms"]
            where = "on the GUI thread, in the first screen" if listing is None else f"in a thread: {listing:.0f} ms"
            wall, cpu = browser["first_screen_ms"]
            print(f"  {name}: browser first screen {wall:7.1f} ms wall, {cpu:6.1f} ms GUI-thread CPU "
                  f"({browser['rows']} rows; listing {where}), memory +{browser['memory_mb']:.0f} MB")
            for kind in ("cold", "warm"):
                print(f"  {name}: browser scroll per frame, {kind} thumbnails, wall: {fmt(browser[f'scroll_{kind}'])}; "
                      f"GUI-thread CPU: {fmt(browser[f'scroll_{kind}_cpu'])}")
    print(f"\nload average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
