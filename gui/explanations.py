"""'Why this label?' heat maps, made in a child process of their own: Grad-CAM needs TensorFlow, and importing it
in the window's process would freeze the window (see `model.training.job_process`)."""

from __future__ import annotations

import threading

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from model.training.job_process import JobCall, JobProcess

EXPLAIN_JOB = "model.network.saliency:explain_saved"
# The owner ends the child (TensorFlow and the model: ~700 MB) once no heat map was asked for this long; the next
# request starts it again, in a few seconds.
IDLE_CLOSE_MS = 120_000


class ExplanationWorker(QObject):
    """Lives on its own QThread; sends each request to its child process and waits there for the heat map.

    The first request starts the child (TensorFlow and the model load there, some seconds); the child stays, so
    later ones take milliseconds, until its owner calls `close` (`IDLE_CLOSE_MS` without a request). A newer request
    replaces one that has not started, as `InferenceWorker`'s do.
    Live predictions never wait for a heat map: they run on the inference thread.

    Signals:
        explanation_ready(request_id, explanation): a `model.network.saliency.Explanation`, or None if none
            could be made (the reason is printed to the terminal).
    """

    explanation_ready = Signal(int, object)
    _woken = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._jobs = JobProcess()
        self._lock = threading.Lock()
        self._pending: tuple | None = None
        self._scheduled = False
        self._busy = False
        self._woken.connect(self._run_pending)

    def request(self, request_id: int, model_path: str, image28: np.ndarray, label_index: int | None, member: int,
                method: str) -> None:
        """Asks for a heat map (see `model.network.saliency.explain_saved`); any thread."""
        with self._lock:
            self._pending = (request_id, JobCall(EXPLAIN_JOB, {
                "model_path": model_path, "image28": np.array(image28, np.float32), "label_index": label_index,
                "member": member, "method": method}))
            self._busy = True
            if self._scheduled:
                return
            self._scheduled = True
        self._woken.emit()

    def is_busy(self) -> bool:
        """True from a request until its heat map (or that of the request that replaced it) was sent; any thread."""
        with self._lock:
            return self._busy

    def is_running(self) -> bool:
        """True while the child process is there (from the first request until it was idle too long)."""
        return self._jobs.pid() is not None

    def close(self) -> None:
        """Ends the child at once (a heat map has nothing to save); a request in progress answers None."""
        self._jobs.close(timeout_s=0)

    @Slot()
    def _run_pending(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, None
            self._scheduled = False
        if pending is None:
            with self._lock:
                self._busy = self._pending is not None
            return
        request_id, call = pending
        answers = []
        self._jobs.new_job()
        self._jobs.run(call, lambda *message: answers.append(message))
        kind = answers[-1][0] if answers else "failed"
        if kind == "failed":
            print(f"'Why this label?' failed: {answers[-1][-1] if answers else 'no answer'}")
        self.explanation_ready.emit(request_id, answers[-1][1] if kind == "finished" else None)
        with self._lock:
            self._busy = self._pending is not None
