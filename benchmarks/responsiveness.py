"""Responsiveness, new path beside the old in one run: the live path, a frame of the docks, and the start.

1. Live path: input -> every layer's output, `Predictor.run` by LiteRT (new) and by tf.function (old).
2. Draw-to-painted docks: `Predictor.run` + every layer dock updated + Qt painting them, offscreen window
   1600x900, for the Quick and the Best recipe (the Best figures use an untrained ensemble of three unless
   --best-model is given: the weights do not change the timing).
3. Start: the real window launched in a fresh process, an event-loop probe (a 5 ms QTimer recording every
   interval) until the first prediction of a drawing; old = $CONVCANVAS_LIVE_RUNTIME=tensorflow, the
   path before LiteRT (TensorFlow imported and the Keras model loaded at start). Then a first start on an
   empty data folder, where the shipped model (model/network/shipped_models.py) is installed.
4. Saving (key-press save, data set browser): benchmarks/saving.py, run as it is.
5. Jobs start: the real window's event loop for the first seconds of its first training, retrain and export of
   a run (benchmarks/training_probe.py); old = the job on the window's own training thread, new = in the jobs'
   child process (`model.training.job_process`).

    nice -n 10 python benchmarks/responsiveness.py [--model SHAPES_QUICK.keras] [--best-model M.keras]
        [--runs 300] [--frames 150] [--starts 3] [--trainings 3] [--sections 1,2,3,4,5]

Figures are medians and 95th percentiles in milliseconds unless said; the machine's 2 cores are shared,
so compare the columns of one run, not runs of different days.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402

# The key-press save path and the data set browser at 50,000 drawings are measured by benchmarks/saving.py
# (section 4 runs it).
SAVING_SCRIPT = HERE / "saving.py"
GAP_LIMIT_MS = 50.0


def stats(values) -> str:
    values = np.asarray(values, float)
    return f"median {np.median(values):7.2f}   p95 {np.percentile(values, 95):7.2f}"


def line(name: str, old, new) -> None:
    ratio = np.median(old) / max(np.median(new), 1e-9)
    print(f"  {name:<34} old {stats(old)}   new {stats(new)}   old/new {ratio:4.1f}x")


def frames(count: int):
    """A stroke that grows and moves, so every frame has a new image (as benchmarks/activation_frame.py)."""
    for index in range(count):
        image = np.zeros((28, 28), np.float32)
        x = 6 + index % 16
        image[6:22, x:x + 3] = 1.0
        image[12:15, 6:6 + index % 18] = 1.0
        yield image


def predictors(model_path: Path):
    """Returns (old, new) predictors of one saved model: tf.function over Keras, and LiteRT."""
    from model.network.inference import Predictor, open_predictor
    from model.network.model_store import load_model

    keras_model, info = load_model(path=model_path)
    new, _ = open_predictor(path=model_path)
    if new.runtime != "litert":
        raise SystemExit("LiteRT did not open the model (see the warning above); nothing to compare.")
    return Predictor(keras_model, info.labels), new


def untrained_model(recipe_name: str, folder: Path) -> Path:
    """Saves an untrained Shapes network of a recipe and returns its path."""
    from model.core.tasks import SHAPES
    from model.network.model_store import ModelInfo, save_model
    from model.training.recipes import get_recipe
    from model.training.training import assemble_ensemble, build_member

    recipe = get_recipe(recipe_name)
    members = [build_member(recipe, SHAPES.num_classes, index) for index in range(recipe.members)]
    keras_model = members[0] if len(members) == 1 else assemble_ensemble(members)
    return save_model(keras_model, ModelInfo("shapes", list(SHAPES.labels), recipe_name, recipe.members),
                      folder / f"untrained-{recipe_name}.keras")


def timed_pair(old, new, inputs) -> tuple[list[float], list[float]]:
    """Times two functions on each input, alternating, so both see the same load on a shared machine."""
    times = ([], [])
    for value in inputs:
        for function, record in ((old, times[0]), (new, times[1])):
            start = time.perf_counter()
            function(value)
            record.append((time.perf_counter() - start) * 1000.0)
    return times


def live_path(old, new, runs: int) -> None:
    images = list(frames(runs))
    for image in images[:10]:
        old.run(image), new.run(image)
    worst = max(float(np.abs(a.values - b.values).max()) for image in images[:20]
                for a, b in zip(old.run(image).layers, new.run(image).layers))
    line("Predictor.run (every layer)", *timed_pair(old.run, new.run, images))
    print(f"  largest difference of any layer output, old vs new, 20 inputs: {worst:.1e}")


def docks_frame(old, new, count: int) -> dict:
    """Times inference + docks + paint per frame for both predictors in one offscreen window."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    from gui.docks.layers import LayerDocks

    app = QApplication.instance() or QApplication([])
    _quiet_qt()

    class Window(QMainWindow):
        def add_dock(self, dock, area):
            self.addDockWidget(area, dock)
            dock.show()
            return dock

    window = Window()
    window.setCentralWidget(QLabel("canvas"))
    window.resize(1600, 900)
    docks = LayerDocks(window, Qt.DockWidgetArea.BottomDockWidgetArea)
    window.show()
    result = {}
    for name, predictor in (("old", old), ("new", new)):
        docks.set_predictor(predictor)
        for image in list(frames(5)):
            docks.show_prediction(predictor.run(image))
            app.processEvents()
        times = []
        for image in frames(count):
            start = time.perf_counter()
            docks.show_prediction(predictor.run(image))
            app.processEvents()
            times.append((time.perf_counter() - start) * 1000.0)
        result[name] = times
    window.close()
    return result


def _quiet_qt() -> None:
    from PySide6.QtCore import qInstallMessageHandler

    # The offscreen platform warns on every dock resize; the figures are what this script prints.
    qInstallMessageHandler(lambda kind, context, message: None)


def start_once(data_folder: Path, runtime: str, seconds: float) -> dict:
    environment = dict(os.environ, CONVCANVAS_DATA_DIR=str(data_folder),
                       XDG_CONFIG_HOME=str(data_folder / "config"), CONVCANVAS_LIVE_RUNTIME=runtime)
    launched = time.time()
    finished = subprocess.run([sys.executable, str(HERE / "start_probe.py"), "--launched", str(launched),
                               "--seconds", str(seconds)], env=environment, capture_output=True, text=True)
    lines = [text for text in finished.stdout.splitlines() if text.startswith("{")]
    if not lines:
        raise SystemExit(f"the start probe failed:\n{finished.stderr[-2000:]}")
    return json.loads(lines[-1])


def start(model_path: Path, starts: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="convcanvas-start-"))
    target = folder / "models" / "shapes"
    target.mkdir(parents=True)
    for suffix in (".keras", ".json"):
        shutil.copy(model_path.with_suffix(suffix), target / f"model{suffix}")
    from model.network.litert_convert import ensure_live_files

    ensure_live_files(target / "model.keras")  # as a training leaves it: converted when saved
    runs = {"old": [], "new": []}
    for _ in range(starts):
        for name, runtime in (("old", "tensorflow"), ("new", "litert")):
            runs[name].append(start_once(folder, runtime, 30.0))
    shutil.rmtree(folder, ignore_errors=True)
    print(f"  (medians of {starts} starts each, alternating; seconds from launch unless said)")
    for key, label in (("shown_s", "window shown"), ("usable_s", "window answers input (usable)"),
                       ("first_prediction_s", "first prediction shown")):
        old = np.median([run[key] or np.nan for run in runs["old"]])
        new = np.median([run[key] or np.nan for run in runs["new"]])
        print(f"  {label:<34} old {old:6.2f} s   new {new:6.2f} s")
    for name in ("old", "new"):
        longest = [max(run["intervals_ms"], default=0.0) for run in runs[name]]
        over = [sum(1 for value in run["intervals_ms"] if value > GAP_LIMIT_MS) for run in runs[name]]
        every = np.concatenate([run["intervals_ms"] for run in runs[name]])
        print(f"  {name}: longest event-loop gap per start {', '.join(f'{value:.0f}' for value in longest)} ms; "
              f"gaps over {GAP_LIMIT_MS:.0f} ms per start {over}; probe interval {stats(every)} ms; "
              f"runtime {runs[name][0].get('runtime')}, TensorFlow imported: {runs[name][0]['tensorflow_imported']}")


def first_start(starts: int) -> None:
    """A first start on an empty data folder: the shipped Shapes model is installed and guesses at once."""
    runs = []
    for _ in range(starts):
        folder = Path(tempfile.mkdtemp(prefix="convcanvas-first-"))
        runs.append(start_once(folder, "litert", 30.0))
        shutil.rmtree(folder, ignore_errors=True)
    first = np.median([run["first_prediction_s"] or np.nan for run in runs])
    longest = [max(run["intervals_ms"], default=0.0) for run in runs]
    print(f"  empty data folder, shipped model: first prediction {first:.2f} s from launch (median of {starts}); "
          f"longest event-loop gap per start {', '.join(f'{value:.0f}' for value in longest)} ms "
          "(before shipped models: a Quick training first, 165 s on an idle machine)")


def training_start(runs: int, seconds: float = 30.0) -> None:
    """The event loop as a first training, retrain or export of a run starts: training and retrain by the old path
    (in the window's process) beside the new (the jobs' child process); exports have one path (a thread)."""
    print(f"  (first {seconds:.0f} s after the click, or until the job ended; {runs} runs each, alternating; "
          "5,000 saved drawings for retrain and export)")
    for job, paths in (("train", ("old", "new")), ("retrain", ("old", "new")), ("export-npz", ("new",)),
                       ("export-folder", ("new",))):
        results = {name: [] for name in paths}
        for _ in range(runs):
            for name in paths:
                results[name].append(_probe_job(job, seconds, in_thread=name == "old"))
        for name in paths:
            missed = sum(1 for run in results[name] if not run["clicked"])
            results[name] = [run for run in results[name] if run["clicked"]] or [{"intervals_ms": [0.0]}]
            if missed:
                print(f"  {job} {name}: {missed} run(s) never got a model to start from; left out")
            longest = [max(run["intervals_ms"], default=0.0) for run in results[name]]
            over = [sum(1 for value in run["intervals_ms"] if value > GAP_LIMIT_MS) for run in results[name]]
            every = np.concatenate([run["intervals_ms"] for run in results[name]])
            print(f"  {job} {name}: longest event-loop gap per run {', '.join(f'{value:.0f}' for value in longest)} "
                  f"ms; gaps over {GAP_LIMIT_MS:.0f} ms per run {over} (when, s after the click: "
                  f"{[gap[0] for run in results[name] for gap in run.get('long_gaps', [])]}); probe interval "
                  f"{stats(every)} ms; TensorFlow in the window's process: "
                  f"{results[name][0].get('tensorflow_imported')}")


def _probe_job(job: str, seconds: float, in_thread: bool) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="convcanvas-training-"))
    environment = dict(os.environ, CONVCANVAS_DATA_DIR=str(folder), XDG_CONFIG_HOME=str(folder / "config"))
    figures = folder / "figures.json"
    subprocess.run([sys.executable, str(HERE / "training_probe.py"), "--job", job, "--seconds", str(seconds),
                    "--out", str(figures), *(["--in-thread"] if in_thread else [])], env=environment,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not figures.is_file():
        raise SystemExit(f"the training probe wrote no figures; run it alone: {HERE / 'training_probe.py'}")
    result = json.loads(figures.read_text())
    shutil.rmtree(folder, ignore_errors=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a trained Shapes Quick model (.keras, its .json beside it); default: an "
                        "untrained one (the weights do not change the timing)")
    parser.add_argument("--best-model", help="a Best model (default: an untrained Best ensemble)")
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--frames", type=int, default=150)
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--trainings", type=int, default=3, help="runs of section 5 (training starts)")
    parser.add_argument("--sections", default="1,2,3,4,5", help="which sections to run, e.g. 1,2 or 5")
    args = parser.parse_args()
    sections = {int(part) for part in args.sections.split(",") if part.strip()}

    scratch = Path(tempfile.mkdtemp(prefix="convcanvas-responsiveness-"))
    local = scratch / "quick.keras"
    if args.model:
        quick = Path(args.model).resolve()
        shutil.copy(quick, local)
        shutil.copy(quick.with_suffix(".json"), local.with_suffix(".json"))
    elif sections & {1, 2, 3}:
        local = untrained_model("quick", scratch)
    print(f"Responsiveness, old path beside new; {os.cpu_count()} CPUs (shared), load {os.getloadavg()[0]:.1f}")
    if sections & {1, 2}:
        best = Path(args.best_model).resolve() if args.best_model else untrained_model("best", scratch)
        old_quick, new_quick = predictors(local)
        old_best, new_best = predictors(best)
    if 1 in sections:
        print("1. Live path, input -> every layer's output (ms); goal: new median <= 1 ms")
        print(" Quick:")
        live_path(old_quick, new_quick, args.runs)
        print(" Best (ensemble of 3):")
        live_path(old_best, new_best, args.runs // 2)
    if 2 in sections:
        print("2. Draw-to-painted docks per frame (ms); goal p95: Quick <= 8, Best <= 12")
        for name, (old, new) in (("Quick", (old_quick, new_quick)), ("Best", (old_best, new_best))):
            result = docks_frame(old, new, args.frames)
            line(f"{name}: run + docks + paint", result["old"], result["new"])
    if 3 in sections:
        print("3. Start with a saved model (real window, 5 ms event-loop probe); goal: no gap over 50 ms, "
              "usable <= 1 s")
        start(local, args.starts)
        first_start(args.starts)
    if 4 in sections:
        print("4. Saving a drawing and the data set browser at 50,000 drawings:")
        subprocess.run([sys.executable, str(SAVING_SCRIPT)], check=False)
    if 5 in sections:
        print("5. Training, retrain and export start (real window, 5 ms event-loop probe); goal: no gap over 50 ms")
        training_start(args.trainings)
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
