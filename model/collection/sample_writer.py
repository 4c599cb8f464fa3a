"""The one thread that writes saved drawings to disk, so a key press never waits for a PNG, a record or an fsync,
and the store methods that save through it (`QueuedWrites`, a part of `model.collection.samples.SampleStore`).

Jobs run in the order they were queued. `drain()` waits until every queued job has run: the window calls it before
it closes, and an `atexit` hook calls it too, so a drawing queued just before quitting is still written. A job
that raises (a full disk, a folder made read-only) hands the error to its `failed` callback, from the
writer thread; the job's owner keeps what it needs to try again.
"""

from __future__ import annotations

import atexit
import queue
import threading
import time
from collections.abc import Callable

from model.collection.sample_format import write_sample_files
from model.collection.sample_index import PendingSample, Sample, all_indexes

# A job that arrives at an idle writer waits this long first, so the key press that queued it finishes its handlers
# and its repaint without the writer's Python code competing with it for the GIL; nobody waits for the file.
START_DELAY_S = 0.03


class SampleWriter:
    """A queue of write jobs and the one daemon thread that runs them (started with the first job)."""

    def __init__(self, name: str = "sample-writer", start_delay_s: float = START_DELAY_S) -> None:
        self.name, self.start_delay_s = name, start_delay_s
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
            idle = self._queue.empty()
            job, failed = self._queue.get()
            if idle:
                time.sleep(self.start_delay_s)
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


class QueuedWrites:
    """`model.collection.samples.SampleStore`'s saving through the writer thread (needs its `index` and `_snapshot`)."""

    def add_later(self, label: str, image, strokes: list | None = None, *, on_failed=None, **extra) -> Sample:
        """Saves a drawing under `label` as `add` does, but leaves the writing to the writer thread.

        The sample is listed, counted and readable at once; `image` and `strokes` are kept as they are (hand over
        copies nobody changes). If writing fails, it stays listed with its snapshot in memory (`failed_writes`,
        `retry_failed`) and `on_failed(sample, message)` is called from the writer thread; an image of no ink is
        dropped instead (check for ink before, as the save keys do).

        Raises:
            ValueError: the label cannot name a folder.
        """
        pending = self._snapshot(label, image, strokes, True, extra)
        pending.on_failed = on_failed
        with self.index.lock:
            self.index.pending[pending.sample.id] = pending
            self.index.add(pending.sample.label, pending.sample.id)
        self._queue(pending)
        return pending.sample

    def failed_writes(self) -> list[Sample]:
        """Returns the samples whose write failed and that are kept in memory."""
        with self.index.lock:
            return [pending.sample for pending in self.index.pending.values() if pending.failed]

    def retry_failed(self) -> int:
        """Queues every failed write again; returns how many."""
        with self.index.lock:
            failed = [pending for pending in self.index.pending.values() if pending.failed]
            for pending in failed:
                pending.failed = None
        for pending in failed:
            self._queue(pending)
        return len(failed)

    def wait_for_writes(self, timeout: float | None = None) -> bool:
        """Waits until the writer thread has written every queued drawing; False if `timeout` passed first."""
        return shared_writer().drain(timeout)

    def _queue(self, pending: PendingSample) -> None:
        index = self.index

        def write():
            write_sample_files(pending.sample.file, pending.image(), pending.record())
            with index.lock:
                if index.pending.get(pending.sample.id) is pending:
                    del index.pending[pending.sample.id]

        def failed(error):
            pending.failed = getattr(error, "strerror", None) or str(error)
            if isinstance(error, ValueError):  # a drawing of no ink: nothing to keep or to try again
                with index.lock:
                    index.pending.pop(pending.sample.id, None)
                    index.discard(pending.sample.id)
            if pending.on_failed is not None:
                pending.on_failed(pending.sample, pending.failed)

        shared_writer().submit(write, failed)

    def _settle(self, sample_id: str) -> PendingSample | None:
        """Waits for a queued write of this sample; returns its snapshot if the write failed (None if on disk)."""
        pending = self.index.pending.get(sample_id)
        if pending is not None and not pending.failed:
            self.wait_for_writes()
        return self.index.pending.get(sample_id)


_writer = SampleWriter()


def shared_writer() -> SampleWriter:
    """Returns the process's one sample writer."""
    return _writer


# The writer is a daemon thread: at exit, wait for what is queued rather than let the interpreter cut it off.
atexit.register(_writer.drain)


def stores_with_failed_writes() -> list:
    """Returns a `SampleStore` for each drawings folder holding drawings whose write failed (kept in memory)."""
    from model.collection.samples import SampleStore

    indexes = [index for index in all_indexes() if any(pending.failed for pending in list(index.pending.values()))]
    return [SampleStore(index.root.name, root=index.root) for index in indexes]
