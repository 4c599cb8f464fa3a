"""The window's event loop while its first training, retrain or export of a run starts; writes the figures.

Opens the real window on a data folder with a Shapes model, draws a circle, starts the job and records every
interval of a 5 ms QTimer for --seconds (or until the job ends), then closes. Jobs: "train" clicks Train (Quick
recipe, the first training of the run, so TensorFlow is not loaded yet); "retrain" clicks Retrain with --drawings
saved Shapes drawings; "export-folder" and "export-npz" export --drawings drawings from the Tasks menu's code
path. With --in-thread a training or retrain runs on the training thread of the window's own process, as before
jobs moved to a child process (`model.training.job_process`); that is the old path.

    python benchmarks/training_probe.py --out FIGURES.json [--job train] [--seconds 20] [--drawings N] [--in-thread]

The data folder is the environment's ($CONVCANVAS_DATA_DIR); benchmarks/responsiveness.py runs this. The figures
go to a file, not stdout: the shape generator's worker processes may outlive a cancelled training by a chunk, and
would hold a pipe open.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

TICK_MS = 5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="how long to probe after clicking Train")
    parser.add_argument("--out", required=True, help="where to write the figures (JSON)")
    parser.add_argument("--in-thread", action="store_true", help="the old path: train in the window's process")
    parser.add_argument("--job", default="train", choices=("train", "retrain", "export-folder", "export-npz"))
    parser.add_argument("--drawings", type=int, default=5000, help="saved drawings, for retrain and export")
    args = parser.parse_args()
    if args.job != "train":
        from saving import make_drawings

        make_drawings(Path(os.environ["CONVCANVAS_DATA_DIR"]), args.drawings)

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from start_probe import circle_image

    from gui.app import configure_application
    from gui.main_window import MainWindow
    from gui.session import ModelSession

    ModelSession.jobs_in_child_process = not args.in_thread
    app = QApplication.instance() or QApplication([])
    configure_application(app)
    window = MainWindow("shapes", auto_train=False)
    window.show()
    figures = {"intervals_ms": [], "first_progress_s": None, "epoch_snapshots": 0}
    clicked, last = [0.0], [0.0]

    def tick() -> None:
        now = time.perf_counter()
        if clicked[0]:
            figures["intervals_ms"].append((now - last[0]) * 1000.0)
            if figures["intervals_ms"][-1] > 50:  # when, in seconds after the click, and how long
                figures.setdefault("long_gaps", []).append((round(last[0] - clicked[0], 2),
                                                            round(figures["intervals_ms"][-1])))
        last[0] = now

    def on_progress(progress) -> None:
        if figures["first_progress_s"] is None and getattr(progress, "phase", "") == "training":
            figures["first_progress_s"] = time.perf_counter() - clicked[0]

    def click_train() -> None:
        clicked[0] = last[0] = time.perf_counter()
        if args.job == "train":
            window.training_dock.train_button.click()
        elif args.job == "retrain":
            window.collector.retrain_dock.start_retrain()
        else:
            kind = args.job.split("-")[1]
            target = Path(args.out).with_name("exported.npz" if kind == "npz" else "exported")
            export = window.collector.export(kind, target)
            export.finished.connect(lambda _: finish())
            export.failed.connect(lambda message: (figures.__setitem__("failed", message), finish()))
        QTimer.singleShot(int(args.seconds * 1000), finish)

    def finish() -> None:
        if probe.isActive():
            figures["seconds"] = time.perf_counter() - clicked[0]
        probe.stop()  # closing the window (which ends the training) is not part of the figures
        app.quit()

    def on_model(predictor, info) -> None:
        if predictor is not None and not clicked[0]:
            # The drawing first, as a person draws before clicking: its first prediction is not the job's cost.
            QTimer.singleShot(500, lambda: window.session.set_input(circle_image()))
            QTimer.singleShot(1500, click_train)

    probe = QTimer()
    probe.setInterval(TICK_MS)
    probe.timeout.connect(tick)
    probe.start()
    window.session.training_progress.connect(on_progress)
    window.session.training_epoch_ended.connect(lambda *_: figures.__setitem__(
        "epoch_snapshots", figures["epoch_snapshots"] + 1))
    window.session.model_changed.connect(on_model)
    window.session.training_finished.connect(lambda *_: finish())
    window.session.training_failed.connect(lambda task, kind, message: figures.__setitem__("failed", message))
    QTimer.singleShot(120_000, app.quit)  # no model came: give up
    app.exec()
    figures["tensorflow_imported"] = "tensorflow" in sys.modules
    figures["clicked"] = bool(clicked[0])
    window.session.shutdown()
    Path(args.out).write_text(json.dumps(figures))
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
