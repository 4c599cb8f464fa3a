"""Workers that keep TensorFlow off the GUI thread: model loading and live inference, and training.

Both live on their own `QThread` and talk to the window only through signals. Model modules that import
TensorFlow (`model.network.inference`, `model.network.model_store`, `model.training.training`) are imported
here, inside the worker threads, so the window appears before TensorFlow has finished its 5-second import.
"""

from __future__ import annotations

import ctypes
import threading
import traceback

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from model.training.job_errors import describe_error

_pinned = threading.local()


def keep_python_thread_state() -> None:
    """Keeps the calling QThread's Python thread state alive until the thread ends.

    PySide6 makes and destroys a Python thread state around each queued slot call; TensorFlow's pybind11
    code caches it, so a tf.function first traced in a later slot call (another ensemble member's
    layers, Grad-CAM) crashed the process in take_gil. One PyGILState_Ensure that is never
    released keeps a single thread state for the thread's life.
    """
    if not getattr(_pinned, "done", False):
        ctypes.pythonapi.PyGILState_Ensure()
        _pinned.done = True


class InferenceWorker(QObject):
    """Loads a task's model and runs live predictions; lives on its own QThread.

    Models run by LiteRT (`model.network.inference.open_predictor`), so loading one imports no TensorFlow; where it
    must (no LiteRT, a model that will not convert), that happens here; "Why this label?" heat maps are made in a
    child process (`gui.explanations`).

    Predictions follow the restart pattern of Qt's mandelbrot example: `submit()` only stores the newest
    request, and the worker always runs the newest one, so requests made while a prediction runs replace
    each other and a fast pen never builds a queue.

    Signals:
        model_loaded(task_name, predictor, info): a `model.network.inference.Predictor` and its `ModelInfo`.
        model_missing(task_name): the task has no trained model yet.
        load_failed(task_name, message): the model exists but could not be loaded.
        prediction_ready(request_id, prediction): a `model.network.inference.Prediction` for request `request_id`.
        prediction_failed(message): the model raised while predicting.
    """

    model_loaded = Signal(str, object, object)
    model_missing = Signal(str)
    load_failed = Signal(str, str)
    prediction_ready = Signal(int, object)
    prediction_failed = Signal(str)

    _load_requested = Signal(str)
    _wake = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._pending: tuple[int, np.ndarray, int] | None = None
        self._scheduled = False
        self._predictor = None
        self._load_requested.connect(self._load)
        self._wake.connect(self._run_pending)

    # Called from the GUI thread.
    def request_load(self, task_name: str) -> None:
        """Asks the worker to (re)load `task_name`'s saved model; answers with model_loaded or model_missing."""
        self._load_requested.emit(task_name)

    def submit(self, request_id: int, image28: np.ndarray, member: int = 0) -> None:
        """Asks for a prediction of a 28x28 image; replaces any request that has not started yet."""
        with self._lock:
            self._pending = (request_id, image28, member)
            if self._scheduled:
                return
            self._scheduled = True
        self._wake.emit()

    # Run in the worker thread.
    @Slot(str)
    def _load(self, task_name: str) -> None:
        keep_python_thread_state()
        from model.network import inference, model_store

        try:
            predictor, info = inference.open_predictor(task_name)
            # The first call allocates (or traces) the network; do it now rather than on the user's first stroke.
            # Its blank answer lets the layer docks appear before anything is drawn.
            predictor.warm_up()
        except model_store.ModelNotFoundError:
            self._predictor = None
            self.model_missing.emit(task_name)
            return
        except Exception as error:
            traceback.print_exc()
            self._predictor = None
            self.load_failed.emit(task_name, describe_error(error))
            return
        self._predictor = predictor
        self.model_loaded.emit(task_name, predictor, info)

    @Slot()
    def _run_pending(self) -> None:
        keep_python_thread_state()
        with self._lock:
            request, self._pending = self._pending, None
            self._scheduled = False
        if request is not None and self._predictor is not None:
            self._predict(*request)

    def _predict(self, request_id: int, image28: np.ndarray, member: int) -> None:
        try:
            prediction = self._predictor.run(image28, member=member)
        except Exception as error:
            traceback.print_exc()
            self.prediction_failed.emit(describe_error(error))
            return
        self.prediction_ready.emit(request_id, prediction)


class TrainingWorker(QObject):
    """Waits, on its own QThread, for one job that a `model.training.job_process.JobProcess` runs in the child
    process, and turns the child's messages into signals; cancel is cooperative.

    Args:
        jobs: a `JobProcess` (or `InProcessJobs`).
        call: the `JobCall` to run.

    Signals:
        progress(object): a `model.training.training.TrainingProgress`, per batch and epoch.
        epoch_ended(object): whatever the job passes to `epoch_end` after each epoch.
        finished(object): the job's result (also after a cancel: the job keeps the last good model).
        failed(str kind, str message): the job raised (kind as `model.training.job_errors.error_kind`), or its
            process stopped ("error").
    """

    progress = Signal(object)
    epoch_ended = Signal(object)
    finished = Signal(object)
    failed = Signal(str, str)

    def __init__(self, jobs, call) -> None:
        super().__init__()
        self._jobs, self._call = jobs, call
        jobs.new_job()

    def cancel(self) -> None:
        """Asks the job to stop at the next batch; safe to call from any thread."""
        self._jobs.cancel()

    def is_cancelled(self) -> bool:
        return self._jobs.is_cancelled()

    @Slot()
    def run(self) -> None:
        self._jobs.run(self._call, self._on_message)

    def _on_message(self, kind: str, *values) -> None:
        signal = {"progress": self.progress, "epoch": self.epoch_ended, "finished": self.finished,
                  "failed": self.failed}[kind]
        signal.emit(*values)
