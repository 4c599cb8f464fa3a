"""Draw-to-prediction latency: a canvas-sized drawing -> preprocess -> Predictor.run, beside model.predict.

Prints, per drawing, the median and 95th percentile of the app's path (preprocessing plus one compiled
call returning every layer's output and the probabilities), of each part alone, and of plain
`model.predict` and `model(x)` on the same model, with the ratios.

    nice -n 10 python benchmarks/latency.py [--recipe quick|best] [--model MODEL.keras] [--runs 300]

The weights do not change the timing, so without --model an untrained network of the recipe is used.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from model.core.preprocessing import preprocess  # noqa: E402

CANVAS = (560, 720)  # height, width: the canvas of a typical window


def drawings(count: int, seed: int = 0) -> list[np.ndarray]:
    """Returns canvas-sized dark-on-light drawings of circles of varied size, place and pen."""
    rng = np.random.default_rng(seed)
    result = []
    for _ in range(count):
        canvas = np.full(CANVAS, 255, np.uint8)
        radius = int(rng.integers(30, 220))
        centre = (int(rng.integers(radius + 5, CANVAS[1] - radius - 5)),
                  int(rng.integers(radius + 5, CANVAS[0] - radius - 5)))
        cv2.circle(canvas, centre, radius, 0, int(rng.integers(2, 30)), cv2.LINE_AA)
        result.append(canvas)
    return result


def timed(function, inputs) -> np.ndarray:
    """Returns the milliseconds `function` took on each input."""
    times = []
    for value in inputs:
        start = time.perf_counter()
        function(value)
        times.append((time.perf_counter() - start) * 1000)
    return np.array(times)


def load(args):
    from model.network.architecture import build_model
    from model.network.model_store import load_model
    from model.training.recipes import get_recipe
    from model.training.training import assemble_ensemble

    if args.model:
        return load_model(path=args.model)[0]
    recipe = get_recipe(args.recipe)
    members = [build_model(recipe.architecture, 10, name=f"member{k + 1}" if recipe.members > 1 else "cnn")
               for k in range(recipe.members)]
    return members[0] if len(members) == 1 else assemble_ensemble(members)


def row(name: str, times: np.ndarray) -> str:
    return f"{name:<44} median {np.median(times):7.2f} ms   p95 {np.percentile(times, 95):7.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipe", default="quick", choices=("quick", "best"))
    parser.add_argument("--model", help="a saved .keras model (default: an untrained one of the recipe)")
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()

    from model.network.inference import Predictor

    keras_model = load(args)
    predictor = Predictor(keras_model, [str(k) for k in range(int(keras_model.output_shape[-1]))])
    images = drawings(args.runs)
    small = [preprocess(image) for image in images]
    batches = [image28[None, :, :, None] for image28 in small]
    for warm in small[:5]:  # tracing and first-call costs are paid once, at model load, in the app
        predictor.run(warm)
        keras_model.predict(warm[None, :, :, None], verbose=0)
        keras_model(warm[None, :, :, None], training=False)
    app = timed(lambda image: predictor.run(preprocess(image)), images)
    preprocessing = timed(preprocess, images)
    run = timed(predictor.run, small)
    predict = timed(lambda x: keras_model.predict(x, verbose=0), batches[: max(30, args.runs // 5)])
    direct = timed(lambda x: keras_model(x, training=False), batches)
    print(f"Model: {args.model or 'untrained ' + args.recipe} ({predictor.members} member(s), "
          f"{len(predictor.run(small[0]).layers)} layer outputs per run); canvas {CANVAS[1]}x{CANVAS[0]}; "
          f"{args.runs} drawings; {os.cpu_count()} CPUs (shared).")
    print(row("app path: preprocess + Predictor.run", app))
    print(row("  preprocess alone", preprocessing))
    print(row("  Predictor.run alone (all layers)", run))
    print(row("model(x) (probabilities only)", direct))
    print(row("model.predict(x) (probabilities only)", predict))
    print(f"model.predict / Predictor.run, medians: {np.median(predict) / np.median(run):.1f}x; "
          f"model.predict / app path: {np.median(predict) / np.median(app):.1f}x")


if __name__ == "__main__":
    main()
