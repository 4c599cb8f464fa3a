"""Jobs the window tests run in the jobs' child process: the real Train job made small, and a drawing watcher."""

from __future__ import annotations

import os
import time

# How many epochs small_train_job trains; the fast_training fixture sets it (the child inherits it).
EPOCHS_VARIABLE = "CONVCANVAS_TEST_EPOCHS"


def small_train_job(task, recipe="quick", epochs=None, resume=False, **callbacks):
    """`model.training.jobs.train_job` on a few hundred bars with a small batch, for the epochs the test set."""
    from model.training import jobs
    from model.training.recipes import get_recipe
    from tests.model.training_data import bars_data

    small = get_recipe("quick").with_overrides(batch_size=32)
    return jobs.train_job(task, small, int(os.environ[EPOCHS_VARIABLE]), resume,
                          data=bars_data(train=384, val=96), **callbacks)


# Small enough that Train takes seconds on two cores, big enough to tell a star from a heart and a house.
TINY_ARCHITECTURE = [{"type": "conv", "filters": 16, "batch_norm": True}, {"type": "pool"},
                     {"type": "conv", "filters": 32, "batch_norm": True}, {"type": "pool"},
                     {"type": "flatten"}, {"type": "dense", "units": 64}]


def tiny_quick_recipe():
    """The Quick recipe with TINY_ARCHITECTURE, three epochs and small batches."""
    from model.training.recipes import get_recipe

    return get_recipe("quick").with_overrides(architecture=TINY_ARCHITECTURE, epochs=3, batch_size=32,
                                              min_epoch_size=320)


def tiny_quick_train_job(task, recipe="quick", epochs=None, resume=False, **callbacks):
    """`model.training.jobs.train_job` on the task's own data with `tiny_quick_recipe` (a patch of the window
    process's recipes does not reach the jobs' child)."""
    from model.training import jobs

    return jobs.train_job(task, tiny_quick_recipe(), epochs, resume, **callbacks)


def drawings_until_cancelled(*, progress, should_stop, epoch_end, drawing):
    """Sends the shared drawing as an epoch each time it changes, until cancelled (at most 60 s)."""
    import numpy as np

    last, deadline = "nothing yet", time.monotonic() + 60
    progress("started")
    while not should_stop() and time.monotonic() < deadline:
        now = drawing()
        if isinstance(last, str) or (now is None) != (last is None) or (
                now is not None and not np.array_equal(now, last)):
            epoch_end(now)
            last = now
        time.sleep(0.01)
    return "cancelled"
