"""Distributed training without a cluster: two worker processes on CPU joined by TF_CONFIG, and MirroredStrategy
over logical CPU devices. Each worker is a subprocess (TensorFlow's devices and collectives are fixed at start)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from model.collection import user_tasks
from model.collection.shards import ShardWriter
from model.core import paths
from model.training import distributed
from tests.model.training_data import bars

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 240


@pytest.fixture
def bars_task(isolated_data_dir):
    """A user task "bars" with 768 training images in a shard set."""
    user_tasks.create_task("Bars", ["across", "down", "slant"])
    x, y = bars(784, seed=0)
    writer = ShardWriter(paths.data_dir() / "datasets" / "bars" / "synthetic", ["across", "down", "slant"],
                         shard_records=128)
    writer.add(x, y)
    writer.close()
    return isolated_data_dir


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("localhost", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def _worker_env(data_dir, **extra) -> dict:
    env = dict(os.environ, CONVCANVAS_DATA_DIR=str(data_dir), CUDA_VISIBLE_DEVICES="", TF_CPP_MIN_LOG_LEVEL="2",
               PYTHONPATH=str(ROOT))
    env.pop("TF_CONFIG", None)
    env.update({key: str(value) for key, value in extra.items()})
    return env


def _run_workers(data_dir, count: int, **extra) -> list[tuple[int, dict, str]]:
    """Starts `count` workers joined by TF_CONFIG; returns (exit code, last JSON line, output) per worker."""
    cluster = {"worker": [f"localhost:{port}" for port in _free_ports(count)]}
    processes = [
        subprocess.Popen([sys.executable, "-m", "tests.model.distributed_worker"], cwd=ROOT, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         env=_worker_env(data_dir, TF_CONFIG=json.dumps(
                             {"cluster": cluster, "task": {"type": "worker", "index": index}}), **extra))
        for index in range(count)]
    results = []
    try:
        for process in processes:
            output, _ = process.communicate(timeout=TIMEOUT_S)
            lines = [line for line in output.splitlines() if line.startswith("{")]
            results.append((process.returncode, json.loads(lines[-1]) if lines else {}, output))
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    return results


def test_two_workers_train_one_model_together_and_resume_after_a_crash(bars_task):
    stopped = _run_workers(bars_task, 2, STOP_AFTER_EPOCH=1)
    assert all(code == 3 for code, _, _ in stopped), [output[-2000:] for _, _, output in stopped]
    # Every worker kept its own checkpoint of epoch 1: the chief in checkpoints/, the other in its subfolder.
    checkpoints = paths.models_dir("bars") / "checkpoints"
    assert (checkpoints / "member1.keras").is_file() and (checkpoints / "worker1" / "member1.keras").is_file()

    finished = _run_workers(bars_task, 2)
    assert all(code == 0 for code, _, _ in finished), [output[-2000:] for _, _, output in finished]
    chief, other = (result for _, result, _ in finished)
    assert chief["strategy"] == "2 workers, 2 replicas (MultiWorkerMirroredStrategy)" and chief["replicas"] == 2
    assert [epoch for epoch, _ in chief["losses"]] == [2, 3]  # resumed after the last checkpoint
    np.testing.assert_allclose(chief["weights"], other["weights"], rtol=1e-6)
    first_loss = stopped[0][1]["stopped_after"][0][1]
    assert chief["losses"][-1][1] < first_loss < 1.0986  # below chance (ln 3) after one epoch, and falling
    assert chief["chief"] and not other["chief"]
    assert chief["model"] and Path(chief["model"]).is_file() and other["model"] is None
    assert not checkpoints.exists()


def test_mirrored_strategy_splits_each_batch_over_logical_cpu_devices(bars_task):
    process = subprocess.run([sys.executable, "-m", "tests.model.distributed_worker"], cwd=ROOT, text=True,
                             capture_output=True, timeout=TIMEOUT_S,
                             env=_worker_env(bars_task, LOGICAL_CPUS=2, EPOCHS=2))
    assert process.returncode == 0, process.stdout[-2000:] + process.stderr[-2000:]
    result = json.loads([line for line in process.stdout.splitlines() if line.startswith("{")][-1])
    assert result["strategy"] == "2 replicas (MirroredStrategy)" and result["replicas"] == 2
    assert result["losses"][1][1] < result["losses"][0][1] < 1.0986
    assert result["model"] and Path(result["model"]).is_file()


def test_tf_config_decides_the_role_of_each_worker(monkeypatch):
    cluster = {"worker": ["a:1", "b:2", "c:3"]}
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": cluster, "task": {"type": "worker", "index": 2}}))
    assert distributed.worker_count() == 3 and not distributed.is_chief() and distributed.worker_name() == "worker2"
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": {"chief": ["a:1"], **cluster},
                                                "task": {"type": "worker", "index": 0}}))
    assert distributed.worker_count() == 4 and not distributed.is_chief()
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": cluster, "task": {"type": "worker", "index": 0}}))
    assert distributed.is_chief() and distributed.worker_name() == ""
    monkeypatch.delenv("TF_CONFIG")
    assert distributed.worker_count() == 1 and distributed.is_chief() and not distributed.is_multi_worker()


def test_a_malformed_tf_config_is_explained(monkeypatch):
    monkeypatch.setenv("TF_CONFIG", "{cluster: workers}")
    with pytest.raises(ValueError, match="TF_CONFIG must be JSON like"):
        distributed.worker_count()
