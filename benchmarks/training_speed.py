"""How fast the Quick network trains on this machine, with and without its augmentation and this app's speed-ups, and
what that makes of a Quick Digits training (6 epochs of the training set, about 86,000 images).

Trains the Quick recipe's network on random 28x28 images through the app's own training pipeline
(`make_train_dataset`), in rounds that alternate the ways, so a shared machine's changing speed hits each alike;
prints each round and the medians, both per second of wall time and per second of the process's CPU time (which a
host that lends its cores out by turns changes less). The ways:
- "none": no augmentation (the network alone);
- "augmented": the recipe's augmentation, as the app trains;
- "Keras batch norm": the same with Keras' own BatchNormalization layer, not TensorFlow's fused kernel
  (`model.network.fused_batch_norm`), as before 2026-12-07's fourth session;
- "stroke step before": the same with every image's strokes made thinner and thicker at 56x56 and one of the two
  (or neither) chosen afterwards, as before the same session.

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
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

QUICK_DIGITS_IMAGES = 85_745  # the Digits training set with its copies (assets/models/digits/model.json)
WAYS = ("none", "augmented", "Keras batch norm", "stroke step before")


def stroke_step_before(images, *, probability: float = 0.5):
    """The stroke-width step as it was: every image eroded and dilated at 56x56, then one of the three chosen."""
    import tensorflow as tf

    from model.training.augment import grey_morphology

    batch = tf.shape(images)[0]
    large = tf.image.resize(images, (56, 56), method="bilinear")
    variants = tf.stack([large, grey_morphology(large, thicker=False), grey_morphology(large, thicker=True)], axis=1)
    choice = tf.random.uniform((batch,), 1, 3, dtype=tf.int32)
    keep = tf.random.uniform((batch,)) >= probability
    chosen = tf.gather(variants, tf.where(keep, tf.zeros_like(choice), choice), axis=1, batch_dims=1)
    varied = tf.nn.avg_pool2d(chosen, 2, 2, "VALID")
    vanished = tf.reduce_max(varied, axis=[1, 2, 3]) < 0.3
    return tf.where((keep | vanished)[:, None, None, None], images, varied)


@contextmanager
def way_in_force(way: str):
    """Puts the code of `way` in place of the app's for as long as the block runs."""
    import keras

    from model.network import fused_batch_norm
    from model.training import augment

    fused, stroke = fused_batch_norm.FusedBatchNormalization, augment.vary_stroke_width
    if way == "Keras batch norm":
        fused_batch_norm.FusedBatchNormalization = keras.layers.BatchNormalization
    if way == "stroke step before":
        augment.vary_stroke_width = stroke_step_before
    try:
        yield
    finally:
        fused_batch_norm.FusedBatchNormalization, augment.vary_stroke_width = fused, stroke


def samples_per_second(way: str, x, y, batches: int) -> tuple[float, float]:
    """Trains a fresh Quick network for `batches` batches (after 10 to warm up); returns samples per second of wall
    time and of CPU time."""
    from model.training.recipes import get_recipe
    from model.training.training import build_member, compile_model, make_train_dataset

    recipe = get_recipe("quick")
    with way_in_force(way):
        model = build_member(recipe, 10)
        compile_model(model, recipe.learning_rate, label_smoothing=recipe.label_smoothing_for("digits"))
        dataset = make_train_dataset(x, y, batch_size=recipe.batch_size,
                                     augmentation=None if way == "none" else recipe.augmentation)
        model.fit(dataset.take(10), verbose=0)
        started, cpu = time.perf_counter(), time.process_time()
        model.fit(dataset.take(batches), verbose=0)
        samples = batches * recipe.batch_size
        return samples / (time.perf_counter() - started), samples / (time.process_time() - cpu)


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
    figures: dict[str, list[tuple[float, float]]] = {way: [] for way in WAYS}
    for round_index in range(args.rounds):
        for way in WAYS:
            figures[way].append(samples_per_second(way, x, y, args.batches))
            wall, cpu = figures[way][-1]
            print(f"round {round_index + 1}, {way}: {wall:.0f} samples/s, {cpu:.0f} per CPU-second", flush=True)
    wall = {way: statistics.median(rate for rate, _ in figures[way]) for way in WAYS}
    cpu = {way: statistics.median(rate for _, rate in figures[way]) for way in WAYS}
    print(f"\nmedians over {args.rounds} rounds on {os.cpu_count()} cores:")
    for way in WAYS:
        minutes = 6 * QUICK_DIGITS_IMAGES / wall[way] / 60
        print(f"  {way}: {wall[way]:.0f} samples/s ({cpu[way]:.0f} per CPU-second); a Quick Digits training's "
              f"6 epochs would take {minutes:.1f} min")
    for before in WAYS[2:]:
        print(f"  augmented against {before}: {wall['augmented'] / wall[before]:.2f}x the samples per second, "
              f"{cpu['augmented'] / cpu[before]:.2f}x per CPU-second")
    return 0


if __name__ == "__main__":
    sys.exit(main())
