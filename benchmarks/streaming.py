"""Peak memory of training from disk as the data set grows: 10k, 100k and 1M images.

For each size, in a fresh temporary data folder holding a task of the user's ("bench", 3 labels) whose images
are synthetic bars written once as a shard set (as an import at scale writes them), each step runs in its own
process and its peak resident memory (ru_maxrss) is read when it ends:

- write:  generating the images and writing the shards, 10,000 at a time;
- stream: one full pass of the streamed tf.data pipeline over every image (batches of 512, no network);
- train:  `python main.py train --task bench --epochs 1 --steps-per-epoch 40` (the quick recipe: loading, 40
          batches, batch-norm recalibration, validation on up to 10,000 held-out images, saving);
- old:    the in-memory path used before, for comparison: every image as float32 arrays (as
          `SampleStore.load_arrays` returns them) fed through `make_train_dataset`, one pass; 1M is left out
          unless --old-1m (it needs over 4 GB).

    nice -n 10 python benchmarks/streaming.py [--sizes 10000,100000,1000000] [--old-1m]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

LABELS = ["across", "down", "slant"]
CHUNK = 10_000


def synthetic_chunks(count: int, seed: int = 0):
    """Yields (x uint8 (n, 28, 28), y) chunks: 3,000 bars drawings, each chunk shifted afresh, up to `count`."""
    from tests.model.training_data import bars

    x_base, y_base = bars(3000, seed)
    x_base = (x_base * 255).astype(np.uint8)
    rng = np.random.default_rng(seed)
    for start in range(0, count, CHUNK):
        size = min(CHUNK, count - start)
        chosen = rng.integers(0, len(x_base), size)
        shift = tuple(int(v) for v in rng.integers(-3, 4, 2))
        yield np.roll(x_base[chosen], shift, axis=(1, 2)), y_base[chosen]


def step_write(data_dir: Path, count: int) -> dict:
    from model.collection import user_tasks
    from model.collection.shards import ShardWriter

    user_tasks.create_task("Bench", LABELS)
    writer = ShardWriter(data_dir / "datasets" / "bench" / "synthetic", LABELS)
    for x, y in synthetic_chunks(count):
        writer.add(x, y)
    shard_set = writer.close()
    return {"train_images": shard_set.count("train"), "shards": len(shard_set.files("train"))}


def step_stream(data_dir: Path, count: int) -> dict:
    from model.core.tasks import get_task
    from model.training.streaming import task_source

    source = task_source(get_task("bench"))
    seen = 0
    for _, labels in source.train_dataset(batch_size=512).take(-(-source.count // 512)):
        seen += int(labels.shape[0])
    return {"images_seen": seen}


def step_old(data_dir: Path, count: int) -> dict:
    from model.training.training import make_train_dataset

    parts = list(synthetic_chunks(count))
    x = np.concatenate([part[0] for part in parts]).astype(np.float32) / 255.0
    y = np.concatenate([part[1] for part in parts])
    del parts
    seen = 0
    for _, labels in make_train_dataset(x, y, batch_size=512):
        seen += int(labels.shape[0])
    return {"images_seen": seen}


STEPS = {"write": step_write, "stream": step_stream, "old": step_old}


def run_step(step: str, data_dir: Path, count: int) -> dict:
    """Runs one step in a child process; returns its figures with peak RSS (MB) and wall seconds."""
    env = dict(os.environ, CONVCANVAS_DATA_DIR=str(data_dir), CUDA_VISIBLE_DEVICES="", PYTHONPATH=str(ROOT))
    if step == "train":
        command = [sys.executable, str(ROOT / "main.py"), "train", "--task", "bench", "--epochs", "1",
                   "--steps-per-epoch", "40"]
    else:
        command = [sys.executable, __file__, "--step", step, "--count", str(count)]
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(process.pid, 0)
    output, errors = process.stdout.read(), process.stderr.read()
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"{step} at {count} failed:\n{errors[-3000:]}")
    lines = [line for line in output.splitlines() if line.startswith("{")]
    figures = json.loads(lines[-1]) if lines else {}
    return {"peak_rss_mb": usage.ru_maxrss / 1024, "seconds": seconds, **figures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--old-1m", action="store_true")
    parser.add_argument("--step", choices=sorted(STEPS), help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(STEPS[args.step](Path(os.environ["CONVCANVAS_DATA_DIR"]), args.count)))
        return
    print(f"{'images':>9} {'step':>7} {'peak RSS MB':>12} {'seconds':>8}  notes", flush=True)
    for count in (int(size) for size in args.sizes.split(",")):
        with tempfile.TemporaryDirectory(prefix="convcanvas-streaming-") as folder:
            steps = ["write", "stream", "train"] + (["old"] if count < 1_000_000 or args.old_1m else [])
            for step in steps:
                figures = run_step(step, Path(folder), count)
                notes = ", ".join(f"{key} {value}" for key, value in figures.items()
                                  if key not in ("peak_rss_mb", "seconds", "task", "model"))
                print(f"{count:>9} {step:>7} {figures['peak_rss_mb']:>12.0f} {figures['seconds']:>8.1f}  {notes}",
                      flush=True)


if __name__ == "__main__":
    main()
