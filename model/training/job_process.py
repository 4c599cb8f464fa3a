"""Runs the window's long jobs in a child process, so TensorFlow never loads or trains in the window's process.

Importing TensorFlow and building a network hold Python's interpreter lock for up to a second at a time; in the
window's process that froze the window once per run, at its first training, retrain or correction. In a child
process nothing can. One child serves a session's jobs one after another and stays for the next (a "Correct me"
fine-tune then starts without importing TensorFlow again). It is started with `spawn` (a fresh interpreter, no
copy of Qt's state) and afresh when the environment it was started with has changed (the data folder, the MNIST
file). It is no daemon, since a job may start processes of its own (the shape generator's pool); it never
outlives the app all the same: `close` ends it, and a child whose parent is gone stops its job as a cancel would
and exits.

A job is a `JobCall`: the name of a function shaped like those of `model.training.jobs` and its arguments, all
of which pickle. The child answers with messages: ("progress", value) and ("epoch", value) while it runs, then
("finished", result) or ("failed", kind, message) (`model.training.job_errors`). Cancel is an event the job polls
between batches; the drawing on the canvas is shared memory the window writes and the job reads at each epoch.
Drawings still queued for the disk in this process are written before a job starts, so the child reads them all.

`InProcessJobs` runs the same calls on the caller's thread instead, for tests that look inside a job.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import multiprocessing
import os
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from model.collection.sample_writer import shared_writer
from model.training.job_errors import describe_error, error_kind

LOG = logging.getLogger(__name__)
_PIXELS = 28 * 28
# How much lower than the window the child's CPU priority is (and its pools'), as `nice` counts.
_NICENESS = 5
# How often the waiting side looks whether the child is still alive, in seconds.
_POLL_S = 0.1


@dataclass(frozen=True)
class JobCall:
    """A job by name: `function` is "package.module:function", called with `arguments` and the four callbacks."""

    function: str
    arguments: dict = field(default_factory=dict)

    def resolve(self) -> Callable:
        module_name, _, name = self.function.partition(":")
        return getattr(importlib.import_module(module_name), name)


class SharedDrawing:
    """The drawing on the canvas, in memory both processes see: `set` by the window, `get` by a job (a read-only
    copy, or None when there is no drawing)."""

    def __init__(self, context=None) -> None:
        context = context or multiprocessing.get_context("spawn")
        # The first value says whether a drawing is there; the 784 after it are the drawing.
        self._buffer = context.Array("f", 1 + _PIXELS)

    def set(self, image28: np.ndarray | None) -> None:
        with self._buffer.get_lock():
            values = np.frombuffer(self._buffer.get_obj(), np.float32)
            if image28 is None:
                values[0] = 0.0
                return
            values[1:] = np.asarray(image28, np.float32).reshape(_PIXELS)
            values[0] = 1.0

    def get(self) -> np.ndarray | None:
        with self._buffer.get_lock():
            values = np.frombuffer(self._buffer.get_obj(), np.float32)
            if values[0] == 0.0:
                return None
            image = values[1:].reshape(28, 28).copy()
        image.setflags(write=False)
        return image


class JobProcess:
    """The child process that runs a session's jobs, one at a time; see the module's description.

    `run` blocks until the job ends, so call it from a worker thread; `cancel`, `drawing.set` and `close` may be
    called from any thread (`close` once no `run` is waiting).
    """

    def __init__(self) -> None:
        self._context = multiprocessing.get_context("spawn")
        self.drawing = SharedDrawing(self._context)
        self._stop = self._context.Event()
        self._process = None
        self._connection = None
        self._environment: dict | None = None
        self._forget_lock = threading.Lock()

    def new_job(self) -> None:
        """Forgets the last job's cancel; call when a job is started, before `run`."""
        self._stop.clear()

    def cancel(self) -> None:
        self._stop.set()

    def is_cancelled(self) -> bool:
        return self._stop.is_set()

    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def run(self, call: JobCall, on_message: Callable) -> None:
        """Runs `call` in the child, giving each message to `on_message(kind, *values)` until the job ends.

        A child that stops without answering (killed, out of memory) ends the job as ("failed", "error",
        message); the next job starts a new child. Where no child can start, the job runs in this process.
        """
        # Drawings this process saved but its writer thread has not written yet must be on disk for the child.
        shared_writer().drain()
        try:
            connection = self._started()
            connection.send(call)
        except Exception as error:  # no child processes here (a sandbox): the job still runs, in this process
            self._forget()
            LOG.warning("Jobs run in this process, as no child process could start: %s", describe_error(error))
            on_message(*answer(call, lambda message: on_message(*message), self._stop.is_set, self.drawing))
            return
        while True:
            message = self._next_message(connection)
            if message is None:
                code, process = None, self._process
                if process is not None:
                    process.join(5)  # its end of the pipe closes just before it is gone
                    code = process.exitcode
                self._forget()
                on_message("failed", "error", f"The training process stopped unexpectedly (exit code {code}); "
                                              "the last saved model is kept. Train again to retry.")
                return
            on_message(*message)
            if message[0] in ("finished", "failed"):
                return

    def close(self, timeout_s: float = 10.0) -> None:
        """Stops the child: a running job is cancelled first; a child that does not end in time is terminated (at
        once with `timeout_s=0`; a `run` waiting then ends as "failed")."""
        process, connection = self._process, self._connection
        if process is None:
            return
        self._stop.set()
        try:
            connection.send(None)
        except (OSError, AttributeError):  # AttributeError: a `run` forgot it meanwhile
            pass
        process.join(timeout_s)
        if process.is_alive():
            process.terminate()
            process.join(5)
        self._forget()

    def _next_message(self, connection):
        while True:
            try:
                if connection.poll(_POLL_S):
                    return connection.recv()
            except (EOFError, OSError):  # the child is gone, or `close` closed the pipe
                return None
            process = self._process
            if process is None or not process.is_alive():
                return None

    def _started(self):
        environment = dict(os.environ)
        if self._process is not None and (not self._process.is_alive() or environment != self._environment):
            self.close()
        if self._process is None:
            parent_end, child_end = self._context.Pipe()
            process = self._context.Process(target=_serve, args=(child_end, self._stop, self.drawing),
                                            name="convcanvas-jobs", daemon=False)
            process.start()
            child_end.close()
            self._process, self._connection, self._environment = process, parent_end, environment
        return self._connection

    def _forget(self) -> None:
        # `close` (any thread) and a `run` that saw the child go may both get here: only one closes the pipe, as a
        # descriptor closed twice may already belong to another file.
        with self._forget_lock:
            connection, self._connection = self._connection, None
            self._process = self._environment = None
        if connection is not None:
            connection.close()


class InProcessJobs:
    """Runs `JobCall`s on the calling thread, with the same messages as `JobProcess` (for tests that patch a job)."""

    def __init__(self) -> None:
        self.drawing = SharedDrawing()
        self._stop = threading.Event()

    def new_job(self) -> None:
        self._stop.clear()

    def cancel(self) -> None:
        self._stop.set()

    def is_cancelled(self) -> bool:
        return self._stop.is_set()

    def pid(self) -> int | None:
        return None

    def run(self, call: JobCall, on_message: Callable) -> None:
        on_message(*answer(call, lambda message: on_message(*message), self._stop.is_set, self.drawing))

    def close(self, timeout_s: float = 10.0) -> None:
        pass


def answer(call: JobCall, send: Callable, should_stop: Callable, drawing: SharedDrawing) -> tuple:
    """Runs one job, sending its progress and epochs; returns its last message ("finished" or "failed")."""
    try:
        result = call.resolve()(**call.arguments, progress=lambda value: send(("progress", value)),
                                should_stop=should_stop, epoch_end=lambda value: send(("epoch", value)),
                                drawing=drawing.get)
    except Exception as error:
        kind = error_kind(error)
        # A missing MNIST or a full disk is explained in the window; anything unforeseen keeps its traceback.
        if kind == "error":
            traceback.print_exc()
        return ("failed", kind, describe_error(error))
    return ("finished", result)


def _serve(connection, stop, drawing: SharedDrawing) -> None:
    """The child's loop: one job per call received, until None or the window's end of the pipe closes."""
    parent = os.getppid()
    with contextlib.suppress(OSError, AttributeError):  # AttributeError: no os.nice (Windows)
        os.nice(_NICENESS)  # the window (and the person drawing) comes first; alone, training runs as fast

    def should_stop() -> bool:
        return stop.is_set() or os.getppid() != parent  # the app was closed, or killed

    while True:
        try:
            call = connection.recv()
        except (EOFError, OSError):
            return
        if call is None:
            # Nothing is left to save, and an interpreter's exit would wait for any pool a cancelled job left
            # finishing its chunk (the window waits for this process): leave at once; orphaned workers follow.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)
        message = answer(call, connection.send, should_stop, drawing)
        try:
            connection.send(message)
        except Exception as error:  # a result that does not pickle must still end the job
            connection.send(("failed", "error", f"The job's result could not be sent back: {describe_error(error)}"))
