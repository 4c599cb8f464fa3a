"""Per-frame cost of the live activation docks: inference for every layer plus repainting every dock.

The budget is one 60 Hz frame (16.7 ms) on a 2-core machine. For each frame the script moves a
stroke across a 28x28 image, runs `Predictor.run` (every layer's output in one compiled call), hands
the Prediction to the docks (numpy -> one QImage per dock) and renders the whole window offscreen
(`processEvents`, in which Qt paints the widgets the prediction made dirty, as on screen). For
comparison it also prints the cost of re-rendering the whole window (`QWidget.grab`), which no frame pays.

Usage: nice -n 10 python benchmarks/activation_frame.py [--frames 200] [--recipe quick|best] [--model PATH]
Prints median and p95 per phase and the whole frame, in milliseconds, and the load average (the
figures only mean something on an otherwise idle machine).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

FRAME_BUDGET_MS = 1000.0 / 60.0


def build_predictor(recipe_name: str, model_path: str | None):
    from model.core.tasks import SHAPES
    from model.network.inference import Predictor

    if model_path:
        from model.network.model_store import load_model

        keras_model, info = load_model(path=model_path)
        return Predictor(keras_model, info.labels)
    from model.training.recipes import RECIPES
    from model.training.training import assemble_ensemble, build_member

    recipe = RECIPES[recipe_name]
    members = [build_member(recipe, SHAPES.num_classes, index) for index in range(recipe.members)]
    keras_model = members[0] if len(members) == 1 else assemble_ensemble(members)
    return Predictor(keras_model, SHAPES.labels)


def frames(count: int):
    """A stroke that grows and moves, so every frame has a new image."""
    for index in range(count):
        image = np.zeros((28, 28), np.float32)
        x = 6 + index % 16
        image[6:22, x:x + 3] = 1.0
        image[12:15, 6:6 + index % 18] = 1.0
        yield image


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--recipe", default="quick", choices=("quick", "best"))
    parser.add_argument("--model", help="a saved .keras model instead of an untrained one of --recipe")
    args = parser.parse_args()

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    from gui.docks.layers import LayerDocks

    app = QApplication.instance() or QApplication([])

    class Window(QMainWindow):
        def add_dock(self, dock, area):
            self.addDockWidget(area, dock)
            dock.show()
            return dock

    predictor = build_predictor(args.recipe, args.model)
    window = Window()
    window.setCentralWidget(QLabel("canvas"))
    window.resize(1600, 900)
    docks = LayerDocks(window, Qt.DockWidgetArea.BottomDockWidgetArea)
    docks.set_predictor(predictor)
    window.show()
    warm = next(frames(1))
    docks.show_prediction(predictor.run(warm))
    app.processEvents()
    window.grab()

    timings = {"inference": [], "docks": [], "paint": [], "frame": [], "full grab": []}
    for image in frames(args.frames):
        start = time.perf_counter()
        prediction = predictor.run(image)
        inferred = time.perf_counter()
        docks.show_prediction(prediction)
        updated = time.perf_counter()
        # What the screen pays: Qt paints the widgets the new prediction made dirty into the backing store.
        app.processEvents()
        painted = time.perf_counter()
        for name, value in (("inference", inferred - start), ("docks", updated - inferred),
                            ("paint", painted - updated), ("frame", painted - start)):
            timings[name].append(value * 1000.0)
        # An upper bound, not part of the frame: re-rendering the whole window, every widget in it.
        grab_start = time.perf_counter()
        window.grab()
        timings["full grab"].append((time.perf_counter() - grab_start) * 1000.0)

    visible = sum(1 for dock in docks.docks() if dock.isVisible())
    print(f"activation frame, recipe {args.recipe}{' (model ' + args.model + ')' if args.model else ''}: "
          f"{len(docks.docks())} docks ({visible} visible), {args.frames} frames, window 1600x900 offscreen, "
          f"{os.cpu_count()} CPUs")
    for name, values in timings.items():
        print(f"  {name:<9} median {np.median(values):6.2f} ms   p95 {np.percentile(values, 95):6.2f} ms")
    print(f"  load average during the run: {os.getloadavg()[0]:.1f}")
    frame_p95 = float(np.percentile(timings["frame"], 95))
    print(f"  budget    {FRAME_BUDGET_MS:.1f} ms per 60 Hz frame: p95 uses {100 * frame_p95 / FRAME_BUDGET_MS:.0f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
