"""Digits recipes compared: MNIST test accuracy, training wall time, samples/s, peak memory, accuracy on
MNIST test digits re-rendered the way a canvas shows them (benchmarks/canvas_digits.py), and accuracy on
digits drawn by a simulated hand in styles MNIST rarely has (benchmarks/drawn_digits.py).

Each recipe trains in its own process (so peak memory is its own) in a temporary data directory.
A model trained earlier can be measured instead of training again (training time then comes from its
model.json), for example the best recipe left running in the background:

    nice -n 10 python benchmarks/digits_recipes.py [--recipes quick best] [--epochs N] [--canvas 2000]
    nice -n 10 python benchmarks/digits_recipes.py --model best=PATH/model.keras
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import numpy as np  # noqa: E402

SHARED_MNIST = ROOT.parent / "shared" / "datasets" / "mnist.npz"


def measure(recipe: str, model_path: str | None, epochs: int | None, canvas_count: int, mnist_path: str) -> dict:
    """Trains (or loads) one recipe's model and returns its figures."""
    from model.datasets.mnist import load_mnist, load_mnist_preprocessed
    from model.network.inference import Predictor
    from model.network.model_store import load_model
    from model.training.training import train_task

    _, (x_test, y_test) = load_mnist_preprocessed(mnist_path)
    if model_path:
        keras_model, info = load_model(path=model_path)
        metrics = info.metrics
        seconds = float(metrics.get("train_seconds", float("nan")))
    else:
        start = time.perf_counter()
        result = train_task("digits", recipe, epochs=epochs, mnist_path=mnist_path)
        seconds = time.perf_counter() - start
        keras_model, info = load_model("digits")
        metrics = result.metrics
    predictor = Predictor(keras_model, info.labels)
    samples = metrics.get("train_samples", 0) * metrics.get("epochs", 0) * info.members
    figures = {
        "recipe": recipe, "members": info.members, "epochs": metrics.get("epochs"),
        "mnist_test_accuracy": _accuracy(predictor, x_test, y_test),
        "train_seconds": round(seconds, 1), "samples_per_second": round(samples / seconds) if seconds else None,
        "peak_memory_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "memory_of": "evaluation only (model loaded)" if model_path else "training",
    }
    if predictor.members > 1:
        figures["member_accuracies"] = [_accuracy(Predictor(member, info.labels), x_test, y_test)
                                        for member in _members(keras_model)]
    _, (raw_test, raw_labels) = load_mnist(mnist_path)
    figures.update(_canvas_accuracy(predictor, raw_test, raw_labels, canvas_count))
    figures.update(_drawn_accuracy(predictor, canvas_count))
    return figures


def _members(keras_model):
    from model.network.inference import member_models

    return member_models(keras_model)


def _accuracy(predictor, x, y) -> float:
    predictions = np.concatenate([predictor.predict(x[start:start + 500]).argmax(axis=1)
                                  for start in range(0, len(x), 500)])
    return round(float((predictions == y).mean()), 5)


def _canvas_accuracy(predictor, images, labels, count: int) -> dict:
    from canvas_digits import PEN_GROUPS, rerender_digits

    from model.core.preprocessing import preprocess

    rng = np.random.default_rng(7)
    chosen = rng.choice(len(images), size=min(count, len(images)), replace=False)
    small, pens = [], []
    for start in range(0, len(chosen), 100):  # canvases are up to 800x800: keep only 100 at a time
        canvases, chunk_pens = rerender_digits(images[chosen[start:start + 100]], rng, return_pens=True)
        small.extend(preprocess(canvas) for canvas in canvases)
        pens.extend(chunk_pens)
    small, pens = np.stack(small), np.array(pens)
    right = predictor.predict(small).argmax(axis=1) == labels[chosen]
    groups = {name: round(float(right[(pens >= low) & (pens <= high)].mean()), 4)
              for name, (low, high) in PEN_GROUPS.items() if ((pens >= low) & (pens <= high)).any()}
    return {"canvas_accuracy": round(float(right.mean()), 4), "canvas_count": len(chosen), "canvas_by_pen": groups}


def _drawn_accuracy(predictor, count: int) -> dict:
    from drawn_digits import drawn_set

    x, y, styles, _ = drawn_set(max(1, count // 10), seed=2026)
    right = predictor.predict(x).argmax(axis=1) == y
    worst = min(set(styles), key=lambda style: right[np.array(styles) == style].mean())
    return {"drawn_accuracy": round(float(right.mean()), 4), "drawn_count": len(y),
            "drawn_worst_style": f"{worst} {right[np.array(styles) == worst].mean():.1%}"}


def _run_child(recipe: str, model_path: str | None, args) -> dict:
    command = [sys.executable, __file__, "--child", recipe, "--canvas", str(args.canvas), "--mnist", args.mnist]
    if model_path:
        command += ["--child-model", model_path]
    if args.epochs:
        command += ["--epochs", str(args.epochs)]
    environment = dict(os.environ, CONVCANVAS_DATA_DIR=tempfile.mkdtemp(prefix=f"convcanvas-{recipe}-"))
    output = subprocess.run(command, env=environment, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def _print(figures: dict) -> None:
    members = figures.get("member_accuracies")
    print(f"{figures['recipe']:>6}: MNIST test {figures['mnist_test_accuracy']:.2%}"
          f"{' (members ' + ', '.join(f'{value:.2%}' for value in members) + ')' if members else ''}; "
          f"trained {figures['train_seconds']} s for {figures['epochs']} epochs x {figures['members']} member(s), "
          f"{figures['samples_per_second']} samples/s; peak memory {figures['peak_memory_mib']} MiB "
          f"({figures['memory_of']}); "
          f"canvas-style digits {figures['canvas_accuracy']:.2%} of {figures['canvas_count']} "
          f"({', '.join(f'{name} {value:.1%}' for name, value in figures['canvas_by_pen'].items())}); "
          f"drawn digits {figures['drawn_accuracy']:.2%} of {figures['drawn_count']} "
          f"(worst style: {figures['drawn_worst_style']})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipes", nargs="+", choices=("quick", "best"),
                        help="recipes to train (default: both, or none when --model is given)")
    parser.add_argument("--model", action="append", default=[], metavar="RECIPE=PATH",
                        help="measure a model trained earlier instead of training that recipe")
    parser.add_argument("--epochs", type=int, help="override the recipes' epochs (a shorter run)")
    parser.add_argument("--canvas", type=int, default=2000, help="re-rendered test digits to classify")
    parser.add_argument("--mnist", default=str(SHARED_MNIST))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-model", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.child_model, args.epochs, args.canvas, args.mnist)))
        return
    models = dict(item.split("=", 1) for item in args.model)
    print(f"{os.cpu_count()} CPUs, shared with other work: the figures are what this run measured.", flush=True)
    recipes = args.recipes if args.recipes is not None else ([] if models else ["quick", "best"])
    for recipe in dict.fromkeys(list(models) + recipes):
        _print(_run_child(recipe, models.get(recipe), args))


if __name__ == "__main__":
    main()
