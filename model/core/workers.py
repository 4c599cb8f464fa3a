"""Long data work spread over worker processes, one per core, that a cancel stops at once.

Making a training set (generating Shapes, preprocessing MNIST once) is pure Python and OpenCV, one image at a time:
one core's work. `run_chunks` hands chunks of it to a pool of spawned processes and returns their results in
order; the same chunks give the same results however many processes run them. Where no process can start (a
sandbox, a frozen app), the same work runs in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from model.core.training_progress import stop_if_asked

# How often a pool's progress is checked for a cancel.
_POLL_SECONDS = 0.1
MAX_WORKERS = 4


def default_workers(count: int, minimum: int) -> int:
    """Returns how many processes `count` items merit: one per core (at most `MAX_WORKERS`) from `minimum` on."""
    return min(os.cpu_count() or 1, MAX_WORKERS) if count >= minimum else 1


def run_chunks(function: Callable, chunks: list[tuple], workers: int, should_stop=None) -> list:
    """Returns `[function(*chunk) for chunk in chunks]`, computed by up to `workers` processes.

    Args:
        function: a module-level function (a spawned process imports it by name) that takes a chunk's
            arguments and, in this process, a `should_stop` keyword.
        chunks: the arguments of each call.
        workers: processes to use; 1 runs everything here.
        should_stop: polled per chunk and every tenth of a second; True raises `TrainingCancelled` (a pool's
            workers finish the chunk in hand on their own and exit).
    """
    # A frozen app's spawned children would start the app again, not a worker.
    if workers > 1 and len(chunks) > 1 and not getattr(sys, "frozen", False):
        try:
            return _run_in_pool(function, chunks, workers, should_stop)
        except (OSError, RuntimeError, BrokenProcessPool):
            pass  # No processes here (a sandbox): the same work, in this process.
    return [function(*chunk, should_stop=should_stop) for chunk in chunks]


def _run_in_pool(function: Callable, chunks: list[tuple], workers: int, should_stop) -> list:
    # Spawned, not forked: the caller may hold TensorFlow's threads, which fork can deadlock.
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_quiet_worker)
    finished = False
    try:
        futures = [pool.submit(function, *chunk) for chunk in chunks]
        pending = set(futures)
        while pending:
            stop_if_asked(should_stop)
            _, pending = wait(pending, timeout=_POLL_SECONDS)
        finished = True
        return [future.result() for future in futures]
    finally:
        # After a cancel (or an error) nothing waits for the workers: they drop the queued chunks, finish the
        # one in hand on their own and exit; at once if this process is gone (`_exit_when_orphaned`).
        pool.shutdown(wait=finished, cancel_futures=not finished)


def _quiet_worker() -> None:
    import cv2

    cv2.setNumThreads(1)  # one process per core already; OpenCV's own threads would only contend
    threading.Thread(target=_exit_when_orphaned, args=(os.getppid(),), name="parent-watch", daemon=True).start()


def _exit_when_orphaned(parent: int) -> None:
    """A pool worker's watch: once the process that started the pool is gone (killed, or ended before its pool),
    nothing will read this worker's chunk, and the pool's queues would hold it forever: it exits."""
    while os.getppid() == parent:
        time.sleep(_POLL_SECONDS)
    os._exit(0)
