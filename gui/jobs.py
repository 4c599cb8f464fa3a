"""Run one piece of slow non-GUI work (an import, an export) on its own thread and hear back by signal."""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

from model.training.job_errors import describe_error, error_kind


class _Runner(QObject):
    finished = Signal(object)
    failed = Signal(str)
    # Emitted in the worker thread; reaches the job (on the GUI thread) queued.
    progressed = Signal(object)

    def __init__(self, work: Callable[[], object]) -> None:
        super().__init__()
        self._work = work

    @Slot()
    def run(self) -> None:
        try:
            result = self._work()
        except Exception as error:
            if error_kind(error) == "error":  # a full or read-only disk is said in full by its message
                traceback.print_exc()
            self.failed.emit(describe_error(error))
            return
        self.finished.emit(result)


class BackgroundJob(QObject):
    """Runs `work()` on a new QThread. `finished(result)` or `failed(message)` arrive on the GUI thread.

    The job keeps itself alive until it ends; keep a reference only if you want to wait on it.
    """

    finished = Signal(object)
    failed = Signal(str)
    _running: set = set()

    def __init__(self, work: Callable[[], object], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._runner = _Runner(work)
        self._runner.moveToThread(self._thread)
        self._thread.started.connect(self._runner.run)
        self._runner.finished.connect(self._on_runner_finished)
        self._runner.failed.connect(self._on_runner_failed)

    def start(self) -> BackgroundJob:
        BackgroundJob._running.add(self)
        self._thread.start()
        return self

    def is_running(self) -> bool:
        return self._thread.isRunning()

    def wait(self, timeout_ms: int = 60000) -> bool:
        return self._thread.wait(timeout_ms)

    def _end(self) -> None:
        self._thread.quit()
        self._thread.wait()
        BackgroundJob._running.discard(self)

    def _on_runner_finished(self, result) -> None:
        self._end()
        self.finished.emit(result)

    def _on_runner_failed(self, message: str) -> None:
        self._end()
        self.failed.emit(message)


class CancellableJob(BackgroundJob):
    """A `BackgroundJob` whose work reports progress and can be cancelled.

    `work(progress=, should_stop=)` runs on a new QThread: `progress(value)` arrives on the GUI thread as
    `progressed(value)`, and `should_stop()` turns True once `cancel()` was called (from any thread). The work
    decides what a cancel keeps and returns it; `finished` arrives as usual.
    """

    progressed = Signal(object)

    def __init__(self, work: Callable[..., object], parent: QObject | None = None) -> None:
        self._stop = threading.Event()
        super().__init__(lambda: work(progress=self._runner.progressed.emit, should_stop=self._stop.is_set), parent)
        self._runner.progressed.connect(self.progressed)

    def cancel(self) -> None:
        self._stop.set()

    def cancel_and_wait(self, timeout_ms: int = 60000) -> bool:
        """Cancels and waits for the work to return (for a window that is closing); True if it did in time.

        The thread is told to quit at once: waiting for `finished` would need the GUI thread this call blocks.
        """
        self._stop.set()
        self._thread.quit()
        return self._thread.wait(timeout_ms)

    def is_cancelled(self) -> bool:
        return self._stop.is_set()
