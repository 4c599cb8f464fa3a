"""One start of the real window with an event-loop probe; prints one JSON line for benchmarks/responsiveness.py.

A 5 ms QTimer records the time between its ticks from the first turn of the event loop; every interval
over 5 ms beyond the timer's own is time the window could not answer (a freeze, if long). The run ends
once the first prediction of a drawing reaches the window (plus a short tail), or after --seconds.

    python benchmarks/start_probe.py --launched T [--seconds 20] [--draw]

T is the `time.time()` at which the parent started this process, so figures count from launch. The data
folder is the environment's ($CONVCANVAS_DATA_DIR); $CONVCANVAS_LIVE_RUNTIME=tensorflow runs the old path.
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

TICK_MS = 5
TAIL_S = 0.5


def circle_image():
    """A drawn circle as the network sees it."""
    import cv2
    import numpy as np

    from model.core.preprocessing import preprocess

    canvas = np.full((560, 720), 255, np.uint8)
    cv2.circle(canvas, (360, 280), 170, 0, 12, cv2.LINE_AA)
    return preprocess(canvas)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--launched", type=float, required=True)
    parser.add_argument("--seconds", type=float, default=20.0, help="give up (or, without a model, stop) after this")
    args = parser.parse_args()

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from gui.app import configure_application
    from gui.main_window import MainWindow

    def since_launch() -> float:
        return time.time() - args.launched

    figures = {"imported_s": since_launch(), "intervals_ms": [], "first_prediction_s": None}
    app = QApplication.instance() or QApplication([])
    configure_application(app)
    window = MainWindow("shapes")
    window.show()
    figures["shown_s"] = since_launch()
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        if "usable_s" not in figures:
            figures["usable_s"] = since_launch()  # the event loop answers: the window can be drawn on
        else:
            figures["intervals_ms"].append((now - last[0]) * 1000.0)
        last[0] = now

    def on_prediction(prediction) -> None:
        if prediction is not None and figures["first_prediction_s"] is None:
            figures["first_prediction_s"] = since_launch()
            figures["runtime"] = getattr(window.session.predictor, "runtime", "?")
            QTimer.singleShot(int(TAIL_S * 1000), app.quit)

    probe = QTimer()
    probe.setInterval(TICK_MS)
    probe.timeout.connect(tick)
    probe.start()
    image = circle_image()

    def on_model(predictor, info) -> None:
        # After the window's own start-up, which sets the (empty) canvas as the input.
        if predictor is not None and figures["first_prediction_s"] is None:
            figures["model_loaded_s"] = since_launch()
            QTimer.singleShot(100, lambda: window.session.set_input(image))

    window.session.prediction_ready.connect(on_prediction)
    window.session.model_changed.connect(on_model)
    QTimer.singleShot(int(args.seconds * 1000), app.quit)
    app.exec()
    figures["tensorflow_imported"] = "tensorflow" in sys.modules
    window.session.shutdown()
    print(json.dumps(figures))
    sys.stdout.flush()
    os._exit(0)  # a training thread still importing TensorFlow must not hold the exit


if __name__ == "__main__":
    sys.exit(main())
