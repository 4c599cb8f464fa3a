"""How long `model.fit` takes to return after its last epoch, with tf.data's autotuning on (as before 2026-12-07's
fourth session) and off (as the app trains now, `model/training/pipelines.py`).

Trains a small network on the app's own training pipeline (`make_train_dataset`, 85,745 random images, the Quick
recipe's augmentation, batches of 128) for about a minute and a half per run, with validation as `train_task` has
it, and prints the time from the last callback (`on_train_end`) to `fit`'s return, and the CPU time spent in it.
The wait comes from the autotuning thread, which sleeps longer between rounds the longer a pipeline runs (up to a
minute): a short run does not show it.

    python benchmarks/fit_end.py [--rounds 1] [--epochs 36]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

IMAGES, STEPS = 85_745, 670  # a Quick Digits epoch


def wait_after_fit(autotuning: bool, x, y, epochs: int) -> tuple[float, float, float]:
    """Returns (training seconds, seconds from on_train_end to fit's return, CPU seconds in that wait)."""
    import keras

    from model.training import pipelines
    from model.training.recipes import get_recipe
    from model.training.training import make_train_dataset

    class End(keras.callbacks.Callback):
        def on_train_end(self, logs=None):
            self.wall, self.cpu = time.perf_counter(), time.process_time()

    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(8, 3, strides=2), keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    current = pipelines.without_autotuning
    pipelines.without_autotuning = current if not autotuning else (lambda dataset: dataset)
    try:
        dataset = make_train_dataset(x, y, batch_size=128, augmentation=get_recipe("quick").augmentation).repeat()
    finally:
        pipelines.without_autotuning = current
    end, started = End(), time.perf_counter()
    model.fit(dataset, epochs=epochs, steps_per_epoch=STEPS, verbose=0, callbacks=[end],
              validation_data=(x[:10_000, ..., None], y[:10_000]), validation_batch_size=500)
    return end.wall - started, time.perf_counter() - end.wall, time.process_time() - end.cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="runs of each way, alternated")
    parser.add_argument("--epochs", type=int, default=36, help="epochs of 670 batches per run")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = (rng.random((IMAGES, 28, 28)) > 0.8).astype(np.float32)
    y = rng.integers(0, 10, IMAGES)
    for round_index in range(args.rounds):
        for autotuning in (True, False):
            trained, wait, cpu = wait_after_fit(autotuning, x, y, args.epochs)
            way = "autotuning on (before)" if autotuning else "autotuning off (now)"
            print(f"round {round_index + 1}, {way}: trained {trained:.0f} s; fit returned {wait:.2f} s after its "
                  f"last callback, {cpu:.2f} s of CPU in that time", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
