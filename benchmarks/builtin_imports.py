"""What a large Quick, Draw! import costs Shapes' training: time and memory of adding its sample to the built-in data.

In a fresh temporary data folder, Shapes gets one imported set of N synthetic circles (bars written as shards, as an
import at scale writes them). Shapes' Quick recipe holds 5,000 generated drawings per label; `add_imported` adds up
to as many imported circles (`model.training.imported_data`).
Printed: the time to add them (median and worst of --runs), the
peak of numpy memory it allocates (tracemalloc; the built-in arrays themselves excluded), and how many images joined.

    nice -n 10 python benchmarks/builtin_imports.py [--sizes 10000,100000] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

PER_LABEL = 5000  # Shapes' Quick recipe


def _write_circles(count: int) -> None:
    from model.collection.shards import ShardWriter
    from model.core import paths
    from model.core.tasks import SHAPE_LABELS
    from tests.model.training_data import bars

    x, _ = bars(3000, 0)
    writer = ShardWriter(paths.data_dir() / "datasets" / "shapes" / "circle", SHAPE_LABELS)
    rng = np.random.default_rng(0)
    for start in range(0, count, 10_000):
        size = min(10_000, count - start)
        writer.add(np.roll(x[rng.integers(0, len(x), size)], int(rng.integers(-3, 4)), axis=2), np.zeros(size, int))
    writer.close()


def measure(count: int, runs: int) -> str:
    from model.core.tasks import SHAPES
    from model.training.imported_data import add_imported
    from model.training.training import TaskData

    _write_circles(count)
    y = np.tile(np.arange(3), PER_LABEL)
    built_in = TaskData(np.zeros((len(y), 28, 28), np.float32), y, np.zeros((450, 28, 28), np.float32), y[:450])
    seconds = []
    for _ in range(runs):
        tracemalloc.start()
        started = time.perf_counter()
        data = add_imported(built_in, SHAPES)
        seconds.append(time.perf_counter() - started)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    added = len(data.y_train) - len(y)
    return (f"{count:>9,} imported: +{added:,} training and {len(data.y_imported_val):,} held-out images in "
            f"{1000 * statistics.median(seconds):.0f} ms median, {1000 * max(seconds):.0f} ms worst; "
            f"peak {peak / 2**20:.0f} MiB allocated (the built-in arrays: {built_in.x_train.nbytes / 2**20:.0f} MiB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for size in (int(value) for value in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as folder:
            os.environ["CONVCANVAS_DATA_DIR"] = folder
            print(measure(size, args.runs), flush=True)


if __name__ == "__main__":
    main()
