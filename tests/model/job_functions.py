"""Jobs for tests/model/test_job_process.py, importable by name in the jobs' child process."""

from __future__ import annotations

import os
import time


def echo(values, *, progress, should_stop, epoch_end, drawing):
    """Sends each value as progress, the shared drawing as an epoch, and returns its process id."""
    for value in values:
        progress(value)
    epoch_end(drawing())
    return {"pid": os.getpid(), "values": list(values), "data_dir": os.environ.get("CONVCANVAS_DATA_DIR")}


def until_cancelled(*, progress, should_stop, epoch_end, drawing):
    """Says it started, then waits (at most 60 s) for the cancel."""
    progress("started")
    deadline = time.monotonic() + 60
    while not should_stop() and time.monotonic() < deadline:
        time.sleep(0.01)
    return "cancelled" if should_stop() else "never cancelled"


def raises(what: str, *, progress, should_stop, epoch_end, drawing):
    from model.datasets.mnist import MnistUnavailableError

    raise MnistUnavailableError("MNIST is not on this computer; pass --mnist PATH.") if what == "mnist" \
        else ValueError("a bug")


def dies(*, progress, should_stop, epoch_end, drawing):
    progress("about to die")
    os._exit(3)


def shapes_in_a_pool(*, progress, should_stop, epoch_end, drawing):
    """Generates two chunks of shapes with two worker processes, as Shapes' training data is made."""
    from model.datasets import shapes

    x, y = shapes.make_dataset(2 * shapes._CHUNK // len(shapes.SHAPE_LABELS), workers=2, should_stop=should_stop)
    return x.shape


def shapes_until_killed(*, progress, should_stop, epoch_end, drawing):
    """Starts generating far more shapes than a test waits for, with two worker processes."""
    from model.datasets import shapes

    progress("started")
    shapes.make_dataset(40 * shapes._CHUNK, workers=2)


def sleeps(*, progress, should_stop, epoch_end, drawing):
    """Says it started, then sleeps without looking at the cancel (as a heat map being made)."""
    progress("started")
    time.sleep(60)
