"""Training on several GPUs or machines with tf.distribute, chosen from the machine and the environment.

- `TF_CONFIG` set with two or more workers (the standard variable every tf.distribute launcher writes):
  `MultiWorkerMirroredStrategy`; each worker runs the same `python main.py train ...` and they train one model
  together, all-reducing gradients every batch.
- else several GPUs (or several logical CPU devices, as tests configure): `MirroredStrategy` over them.
- else TensorFlow's default strategy: plain single-device training, exactly as before.

The batch size stays the recipe's (the global batch, split across replicas), so a recipe trains the same on one
device or many. Only the chief (worker 0, or the task of type "chief") writes the model; every worker keeps its
own checkpoint (`model.training.checkpoints`) so a restarted worker resumes with the others from the last finished
epoch. The role functions read `TF_CONFIG` only and do not import TensorFlow.
"""

from __future__ import annotations

import json
import os

TF_CONFIG = "TF_CONFIG"
_strategy = None


def cluster_config() -> dict | None:
    """Returns `TF_CONFIG` as a dict, or None when it is unset or empty.

    Raises:
        ValueError: it is set but is not JSON with a "cluster" and a "task" (the message says what to fix).
    """
    text = os.environ.get(TF_CONFIG, "").strip()
    if not text:
        return None
    try:
        config = json.loads(text)
        config["cluster"], config["task"]["type"], int(config["task"]["index"])
    except (ValueError, KeyError, TypeError) as error:
        example = '{"cluster": {"worker": ["host1:port", "host2:port"]}, "task": {"type": "worker", "index": 0}}'
        raise ValueError(f"TF_CONFIG must be JSON like {example}; received {text[:80]!r} ({error}).") from None
    return config


def worker_count() -> int:
    """Returns how many processes train together (1 without `TF_CONFIG`)."""
    config = cluster_config()
    if config is None:
        return 1
    return sum(len(config["cluster"].get(kind, [])) for kind in ("chief", "worker"))


def is_multi_worker() -> bool:
    return worker_count() > 1


def is_chief() -> bool:
    """Returns True for the process that writes the model: the "chief" task, else worker 0, else the only one."""
    config = cluster_config()
    if config is None:
        return True
    kind, index = config["task"]["type"], int(config["task"]["index"])
    has_chief = bool(config["cluster"].get("chief"))
    return kind == "chief" or (kind == "worker" and index == 0 and not has_chief)


def worker_name() -> str:
    """Returns "" for the chief, else "<type><index>" (e.g. "worker1"), naming this worker's own checkpoint folder."""
    if is_chief():
        return ""
    task = cluster_config()["task"]
    return f"{task['type']}{int(task['index'])}"


def strategy():
    """Returns this process's tf.distribute strategy (made once; see the module docstring).

    Under `TF_CONFIG` this must run before any other TensorFlow operation, as `MultiWorkerMirroredStrategy`
    requires: `python main.py train` calls it first.
    """
    global _strategy
    if _strategy is None:
        _strategy = _make_strategy()
    return _strategy


def describe() -> str:
    """Returns one line saying how training is spread, e.g. "2 workers, 2 replicas (MultiWorkerMirroredStrategy)"."""
    import tensorflow as tf

    chosen = strategy()
    if isinstance(chosen, tf.distribute.MultiWorkerMirroredStrategy):
        name = "MultiWorkerMirroredStrategy"  # its class is still called CollectiveAllReduceStrategy
    elif isinstance(chosen, tf.distribute.MirroredStrategy):
        name = "MirroredStrategy"
    else:
        return "one device"
    workers = f"{worker_count()} workers, " if is_multi_worker() else ""
    return f"{workers}{chosen.num_replicas_in_sync} replicas ({name})"


def _make_strategy():
    import tensorflow as tf

    if is_multi_worker():
        return _reduce_nested_values(tf.distribute.MultiWorkerMirroredStrategy())
    gpus = tf.config.list_logical_devices("GPU")
    if len(gpus) > 1:
        return _reduce_nested_values(tf.distribute.MirroredStrategy())
    cpus = tf.config.list_logical_devices("CPU")
    if not gpus and len(cpus) > 1:
        return _reduce_nested_values(tf.distribute.MirroredStrategy([device.name for device in cpus]))
    return tf.distribute.get_strategy()


def _reduce_nested_values(chosen):
    """Lets this strategy's `reduce` take what Keras 3's `fit` hands it, and returns the strategy.

    Keras 3 (up to 3.15 at least, keras-team/keras#20585) calls `strategy.reduce` with a whole (x, y) batch, only
    to learn its shapes for building the model: that fails whenever replicas hold batches of different sizes (a
    validation set that does not split evenly), and MultiWorkerMirroredStrategy refuses nested values at all.
    Keras also passes `axis=0` with scalar metrics, which MultiWorkerMirroredStrategy refuses. A nested batch gets
    this replica's own values, which carry the shapes; a scalar is reduced over replicas. Only this object changes.
    """
    import tensorflow as tf

    original = chosen.reduce

    def reduce(reduce_op, value, axis=None):
        if tf.nest.is_nested(value):
            return tf.nest.map_structure(lambda item: chosen.experimental_local_results(item)[0], value)
        rank = chosen.experimental_local_results(value)[0].shape.rank
        return original(reduce_op, value, axis=None if rank == 0 else axis)

    chosen.reduce = reduce
    return chosen
