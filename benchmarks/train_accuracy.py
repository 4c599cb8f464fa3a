"""Training time and accuracy of the app's own training, as the window and `python main.py train` run it.

Shapes: trains the quick recipe from scratch (data generation included in the time) and measures it on
freshly generated held-out drawings of another seed. Digits: trains the quick recipe on MNIST and
measures it on MNIST's test set (preprocessing of MNIST is cached once, outside the time shown).

    nice -n 10 python benchmarks/train_accuracy.py [--task shapes|digits|both] [--recipe quick]
        [--mnist PATH] [--held-out 1000]

Everything is written to a temporary data directory; the user's models are not touched.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "mnist.npz"


def train(task_name: str, recipe: str, mnist_path) -> tuple[object, float]:
    from model.training.training import train_task

    start = time.perf_counter()
    result = train_task(task_name, recipe, mnist_path=mnist_path)
    return result, time.perf_counter() - start


def accuracy(task_name: str, x: np.ndarray, y: np.ndarray) -> float:
    from model.network.inference import load_predictor

    predictor = load_predictor(task_name)
    probabilities = np.concatenate([predictor.predict(x[start:start + 500]) for start in range(0, len(x), 500)])
    return float((probabilities.argmax(axis=1) == y).mean())


def shapes(recipe: str, held_out: int) -> None:
    from model.core.tasks import SHAPES
    from model.datasets.shapes import make_dataset

    result, seconds = train("shapes", recipe, None)
    x, y = make_dataset(held_out // 3 + 1, seed=424_242)
    predictions = _predictions("shapes", x)
    score = float((predictions == y).mean())
    per_label = {label: float((predictions[y == index] == index).mean()) for index, label in enumerate(SHAPES.labels)}
    print(f"Shapes ({recipe}): trained in {seconds:.1f} s (data generation included) on "
          f"{result.metrics['train_samples']} drawings, {result.metrics['epochs']} epochs; "
          f"held-out generated accuracy {score:.2%} on {len(y)} drawings "
          f"({', '.join(f'{label} {value:.1%}' for label, value in per_label.items())})")


def _predictions(task_name: str, x: np.ndarray) -> np.ndarray:
    from model.network.inference import load_predictor

    return load_predictor(task_name).predict(x).argmax(axis=1)


def digits(recipe: str, mnist_path) -> None:
    from model.datasets.mnist import load_mnist_preprocessed

    start = time.perf_counter()
    _, (x_test, y_test) = load_mnist_preprocessed(mnist_path)
    print(f"MNIST loaded and preprocessed (or read from the cache) in {time.perf_counter() - start:.1f} s")
    result, seconds = train("digits", recipe, mnist_path)
    score = accuracy("digits", x_test, y_test)
    samples = result.metrics["train_samples"] * result.metrics["epochs"]
    print(f"Digits ({recipe}): trained in {seconds:.1f} s ({samples / seconds:.0f} samples/s, "
          f"{result.metrics['epochs']} epochs); MNIST test accuracy {score:.2%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", default="both", choices=("shapes", "digits", "both"))
    parser.add_argument("--recipe", default="quick", choices=("quick", "best"))
    parser.add_argument("--mnist", default=str(SHARED_MNIST) if SHARED_MNIST.exists() else None)
    parser.add_argument("--held-out", type=int, default=1500)
    args = parser.parse_args()
    os.environ["CONVCANVAS_DATA_DIR"] = tempfile.mkdtemp(prefix="convcanvas-bench-")
    print(f"{os.cpu_count()} CPUs (shared with other work: figures are what this run measured)")
    if args.task in ("shapes", "both"):
        shapes(args.recipe, args.held_out)
    if args.task in ("digits", "both"):
        digits(args.recipe, args.mnist)


if __name__ == "__main__":
    main()
