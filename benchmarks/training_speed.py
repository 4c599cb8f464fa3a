"""How fast the Quick network trains on this machine, with and without its augmentation, and what that makes of a
Quick Digits training (6 epochs of the training set, about 86,000 images).

Trains the Quick recipe's network on random 28x28 images through the app's own training pipeline
(`make_train_dataset`), in rounds that alternate the ways, so a shared machine's changing speed hits each alike;
prints each round and the medians. The ways:
- "none": no augmentation (the network alone);
- "augmented": the recipe's augmentation as the app runs it;
- "pool morphology": the same, with stroke widths changed by a 3x3 max pool, as before 2026-12-07.

With --cache, it first times what a first Digits training does before its first batch: preprocessing MNIST and its
copies into the cache (in a temporary data folder), in one process and on every core, alternated.

    nice -n 10 python benchmarks/training_speed.py [--rounds 3] [--batches 60] [--cache MNIST.npz]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

QUICK_DIGITS_IMAGES = 85_745  # the Digits training set with its copies (assets/models/digits/model.json)


def pool_morphology(images, *, thicker: bool):
    """The stroke-width step as it was: a 3x3 max pool of stride 1 (of the negated images for thinner)."""
    import tensorflow as tf

    pooled = tf.nn.max_pool2d(images if thicker else -images, 3, 1, "SAME")
    return pooled if thicker else -pooled


def samples_per_second(way: str, x, y, batches: int) -> float:
    """Trains a fresh Quick network for `batches` batches (after 10 to warm up) and returns samples/s."""
    from model.training import augment
    from model.training.recipes import get_recipe
    from model.training.training import build_member, compile_model, make_train_dataset

    recipe = get_recipe("quick")
    current = augment.grey_morphology
    augment.grey_morphology = pool_morphology if way == "pool morphology" else current
    try:
        model = build_member(recipe, 10)
        compile_model(model, recipe.learning_rate)
        dataset = make_train_dataset(x, y, batch_size=recipe.batch_size,
                                     augmentation=None if way == "none" else recipe.augmentation)
        model.fit(dataset.take(10), verbose=0)
        started = time.perf_counter()
        model.fit(dataset.take(batches), verbose=0)
        return batches * recipe.batch_size / (time.perf_counter() - started)
    finally:
        augment.grey_morphology = current


def cache_seconds(mnist_path: str, rounds: int) -> None:
    """Times building the preprocessed MNIST cache in one process and with the pool, alternated; prints medians."""
    from model.datasets import mnist

    pooled, data_dir = mnist.default_workers, os.environ.get("CONVCANVAS_DATA_DIR")
    figures: dict[str, list[float]] = {"one process": [], "every core": []}
    try:
        for _ in range(rounds):
            for way in figures:
                mnist.default_workers = pooled if way == "every core" else (lambda count, minimum: 1)
                with tempfile.TemporaryDirectory() as folder:
                    os.environ["CONVCANVAS_DATA_DIR"] = folder
                    started = time.perf_counter()
                    mnist.load_mnist_preprocessed(mnist_path)
                    figures[way].append(time.perf_counter() - started)
                print(f"MNIST cache, {way}: {figures[way][-1]:.1f} s", flush=True)
    finally:
        mnist.default_workers = pooled
        if data_dir is None:
            os.environ.pop("CONVCANVAS_DATA_DIR", None)
        else:
            os.environ["CONVCANVAS_DATA_DIR"] = data_dir
    print("medians: " + ", ".join(f"{way} {statistics.median(values):.1f} s" for way, values in figures.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every way, alternated")
    parser.add_argument("--batches", type=int, default=60, help="timed batches of 128 per measurement")
    parser.add_argument("--cache", metavar="MNIST.npz", help="also time building the preprocessed MNIST cache")
    args = parser.parse_args()
    if args.cache:
        cache_seconds(args.cache, args.rounds)
    rng = np.random.default_rng(0)
    count = 128 * (args.batches + 20)
    x = (rng.random((count, 28, 28)) > 0.8).astype(np.float32)
    y = rng.integers(0, 10, count)
    ways = ("none", "augmented", "pool morphology")
    figures: dict[str, list[float]] = {way: [] for way in ways}
    for round_index in range(args.rounds):
        for way in ways:
            figures[way].append(samples_per_second(way, x, y, args.batches))
            print(f"round {round_index + 1}, {way}: {figures[way][-1]:.0f} samples/s", flush=True)
    print(f"\nmedians over {args.rounds} rounds on {os.cpu_count()} cores:")
    for way in ways:
        rate = statistics.median(figures[way])
        minutes = 6 * QUICK_DIGITS_IMAGES / rate / 60
        print(f"  {way}: {rate:.0f} samples/s; a Quick Digits training's 6 epochs would take {minutes:.1f} min")
    ratio = statistics.median(figures["augmented"]) / statistics.median(figures["pool morphology"])
    print(f"  augmented with shifted slices / with the max pool: {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
