"""One worker of a distributed test training, run as its own process: `python -m tests.model.distributed_worker`.

It trains the user task "bars" (already created, with a shard set, in $CONVCANVAS_DATA_DIR) with a tiny recipe
through `train_task`, under whatever strategy `model.training.distributed` picks, and prints one JSON line: the
strategy, the replicas, each finished epoch's loss, a digest of the final weights and where the model was saved.
With LOGICAL_CPUS=n it first splits the CPU into n logical devices (before TensorFlow starts). With
STOP_AFTER_EPOCH=k it exits right after epoch k's checkpoint, as a crashed worker would.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np

SMALL = [{"type": "conv", "filters": 8, "batch_norm": True}, {"type": "pool"}, {"type": "flatten"},
         {"type": "dense", "units": 16}]


def main() -> None:
    import tensorflow as tf

    if os.environ.get("LOGICAL_CPUS"):
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * int(os.environ["LOGICAL_CPUS"]))
    from model.training import distributed
    from model.training.recipes import get_recipe
    from model.training.training import train_task

    strategy = distributed.strategy()
    recipe = get_recipe("quick").with_overrides(architecture=SMALL, batch_size=32, learning_rate=5e-3,
                                                augmentation=None)
    losses, stop_after = [], int(os.environ.get("STOP_AFTER_EPOCH", "0"))

    def progress(update):
        if update.phase == "training" and "val_loss" in update.logs:
            losses.append([update.epoch, update.logs["loss"]])

    def epoch_end(keras_model):
        if stop_after and len(losses) >= stop_after:
            print(json.dumps({"stopped_after": losses}), flush=True)
            os._exit(3)

    result = train_task("bars", recipe, epochs=int(os.environ.get("EPOCHS", "3")), progress=progress,
                        epoch_end=epoch_end, resume=True, seed=0)
    weights = result_weights(result)
    print(json.dumps({"strategy": distributed.describe(), "replicas": strategy.num_replicas_in_sync,
                      "chief": distributed.is_chief(), "losses": losses, "weights": weights,
                      "model": str(result.model_path) if result.model_path else None}), flush=True)


def result_weights(result) -> list[float]:  # noqa: ARG001
    """Per weight tensor, its sum and sum of squares: equal lists mean equal weights, for any practical purpose."""
    keras_model = _trained_model[0]
    return [round(float(value), 6) for array in keras_model.get_weights()
            for value in (np.sum(array), np.sum(np.square(array)))]


_trained_model = []


def _capture_final_model() -> None:
    # train_task saves (chief) or drops the model; keep the one it evaluated to compare weights across workers.
    from model.training import training

    original = training.evaluate

    def evaluate(keras_model, x, y, batch_size=500, **options):
        _trained_model[:] = [keras_model]
        return original(keras_model, x, y, batch_size, **options)

    training.evaluate = evaluate


if __name__ == "__main__":
    sys.path.insert(0, os.getcwd())
    _capture_final_model()
    main()
