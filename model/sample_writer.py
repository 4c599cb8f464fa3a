"""The one thread that writes saved drawings to disk, so a key press never waits for a PNG, a record or an fsync.

Jobs run in the order they were queued. `drain()` waits until every queued job has run: the window calls it before
it closes, and an `atexit` hook calls it too, so a drawing queued just before quitting is still written. A job
that raises (a full disk, a folder made read-only) hands the error to its `failed` callback, from the
writer thread; the job's owner keeps what it needs to try again.
"""

from __future__ import annotations

import atexit
import queue
import threading
from collections.abc import Callable


class SampleWriter:
    """A queue of write jobs and the one daemon thread that runs them (started with the first job)."""

    def __init__(self, name: str = "sample-writer") -> None:
        self.name = name
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._idle = threading.Condition()
        self._unfinished = 0

    def submit(self, job: Callable[[], None], failed: Callable[[Exception], None] | None = None) -> None:
        """Queues `job`; if it raises, `failed(error)` is called from the writer thread."""
        with self._idle:
            self._unfinished += 1
        self._queue.put((job, failed))
        self._ensure_thread()

    def pending(self) -> int:
        """Returns the number of jobs queued or running."""
        with self._idle:
            return self._unfinished

    def drain(self, timeout: float | None = None) -> bool:
        """Waits until every queued job has run; returns False if `timeout` seconds passed first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._unfinished == 0, timeout)

    def _ensure_thread(self) -> None:
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            job, failed = self._queue.get()
            try:
                job()
            except Exception as error:  # noqa: BLE001 - every failure is reported, none ends the thread
                if failed is not None:
                    _call_safely(failed, error)
            finally:
                with self._idle:
                    self._unfinished -= 1
                    self._idle.notify_all()


def _call_safely(callback, error) -> None:
    try:
        callback(error)
    except Exception:  # a broken listener must not stop the writer thread
        import traceback

        traceback.print_exc()


_writer = SampleWriter()


def shared_writer() -> SampleWriter:
    """Returns the process's one sample writer."""
    return _writer


# The writer is a daemon thread: at exit, wait for what is queued rather than let the interpreter cut it off.
atexit.register(_writer.drain)
