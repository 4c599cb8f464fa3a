"""Training throughput (samples/s) with 1 and 2 workers under MultiWorkerMirroredStrategy, on this machine's CPUs.

A task of the user's ("bench", 3 labels, synthetic bars written as a shard set) trains with the quick recipe for
two epochs of --steps batches each, through `train_task` as `python main.py train` runs it. The first epoch
warms up (graph tracing, collectives' set-up); throughput is the second epoch's samples over its wall time, per
worker process launched with its own TF_CONFIG on localhost. Both runs use the recipe's global batch (128):
two workers each compute half of every batch and all-reduce the gradients.

    nice -n 10 python benchmarks/distributed.py [--steps 60] [--images 20000]

On one machine the workers share its cores, so this measures the machinery, not the gain of a second machine.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def worker(steps: int) -> None:
    from model.training import distributed
    from model.training.training import train_task

    distributed.strategy()  # before any other TensorFlow operation
    ends = []

    def progress(update):
        if update.phase == "training" and "val_loss" in update.logs:
            ends.append(time.perf_counter())

    result = train_task("bench", "quick", epochs=2, steps_per_epoch=steps, progress=progress)
    print(json.dumps({"seconds": ends[1] - ends[0], "replicas": distributed.strategy().num_replicas_in_sync,
                      "loss_ok": result.metrics["val_accuracy"]}), flush=True)


def launch(data_dir: Path, workers: int, steps: int) -> list[dict]:
    sockets = [socket.socket() for _ in range(workers)]
    for sock in sockets:
        sock.bind(("localhost", 0))
    cluster = {"worker": [f"localhost:{sock.getsockname()[1]}" for sock in sockets]}
    for sock in sockets:
        sock.close()
    processes = []
    for index in range(workers):
        env = dict(os.environ, CONVCANVAS_DATA_DIR=str(data_dir), CUDA_VISIBLE_DEVICES="", PYTHONPATH=str(ROOT))
        if workers > 1:
            env["TF_CONFIG"] = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})
        processes.append(subprocess.Popen([sys.executable, __file__, "--worker", "--steps", str(steps)], env=env,
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    results = []
    for process in processes:
        output, errors = process.communicate()
        if process.returncode != 0:
            raise SystemExit(f"a worker failed:\n{errors[-3000:]}")
        results.append(json.loads([line for line in output.splitlines() if line.startswith("{")][-1]))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--images", type=int, default=20_000)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.steps)
        return
    from benchmarks.streaming import LABELS, synthetic_chunks

    with tempfile.TemporaryDirectory(prefix="convcanvas-distributed-") as folder:
        os.environ["CONVCANVAS_DATA_DIR"] = folder
        from model.collection import user_tasks
        from model.collection.shards import ShardWriter

        user_tasks.create_task("Bench", LABELS)
        writer = ShardWriter(Path(folder) / "datasets" / "bench" / "synthetic", LABELS, shard_records=2048)
        for x, y in synthetic_chunks(args.images):
            writer.add(x, y)
        writer.close()
        print(f"{'workers':>7} {'replicas':>8} {'samples/s':>10}  (quick recipe, global batch 128, {args.steps} steps, "
              f"{os.cpu_count()} CPU cores)", flush=True)
        for workers in (1, 2):
            results = launch(Path(folder), workers, args.steps)
            slowest = max(result["seconds"] for result in results)
            print(f"{workers:>7} {results[0]['replicas']:>8} {args.steps * 128 / slowest:>10.0f}", flush=True)


if __name__ == "__main__":
    main()
