"""Workers that keep TensorFlow off the GUI thread: model loading and live inference, and training.

Both live on their own `QThread` and talk to the window only through signals. Model modules that import
TensorFlow (`model.network.inference`, `model.network.model_store`, `model.training.training`) are imported
here, inside the worker threads, so the window appears before TensorFlow has finished its 5-second import.
"""

from __future__ import annotations

import ctypes
import threading
import traceback
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

_pinned = threading.local()


def keep_python_thread_state() -> None:
    """Keeps the calling QThread's Python thread state alive until the thread ends.

    PySide6 makes and destroys a Python thread state around each queued slot call; TensorFlow's pybind11
    code caches it, so a tf.function first traced in a later slot call (another ensemble member's
    layers, "Why this label?") crashed the process in take_gil. One PyGILState_Ensure that is never
    released keeps a single thread state for the thread's life.
    """
    if not getattr(_pinned, "done", False):
        ctypes.pythonapi.PyGILState_Ensure()
        _pinned.done = True


def describe_error(error: BaseException) -> str:
    """Returns a one-paragraph message for the user: one line for a full or read-only disk (`model.core.disk`), else the
    error's own text, or its type if it has none."""
    from model.core import disk

    text = disk.describe(error) or str(error).strip()
    return text or f"{type(error).__name__} (no details; see the terminal)."


def error_kind(error: BaseException) -> str:
    """Classifies a worker error so the window can offer the right remedy: "mnist_unavailable", "disk" (full,
    read-only or forbidden: the message says it all, no traceback is printed), "not_enough_drawings" or "error"."""
    from model.core import disk
    from model.datasets.mnist import MnistUnavailableError
    from model.training.drawings_data import NotEnoughDrawingsError

    if isinstance(error, MnistUnavailableError):
        return "mnist_unavailable"
    if disk.is_disk_error(error):
        return "disk"
    if isinstance(error, NotEnoughDrawingsError):
        return "not_enough_drawings"
    return "error"


class InferenceWorker(QObject):
    """Loads a task's model and runs live predictions; lives on its own QThread.

    Models run by LiteRT (`model.network.inference.open_predictor`), so loading one imports no TensorFlow; where it
    must (no LiteRT, a model that will not convert, "Why this label?"), that happens here, not in the window.

    Predictions follow the restart pattern of Qt's mandelbrot example: `submit()` only stores the newest
    request, and the worker always runs the newest one, so requests made while a prediction runs replace
    each other and a fast pen never builds a queue.

    Signals:
        model_loaded(task_name, predictor, info): a `model.network.inference.Predictor` and its `ModelInfo`.
        model_missing(task_name): the task has no trained model yet.
        load_failed(task_name, message): the model exists but could not be loaded.
        prediction_ready(request_id, prediction): a `model.network.inference.Prediction` for request `request_id`.
        prediction_failed(message): the model raised while predicting.
        explanation_ready(request_id, explanation): a `model.network.saliency.Explanation` ("Why this label?").
    """

    model_loaded = Signal(str, object, object)
    model_missing = Signal(str)
    load_failed = Signal(str, str)
    prediction_ready = Signal(int, object)
    prediction_failed = Signal(str)
    explanation_ready = Signal(int, object)

    _load_requested = Signal(str)
    _wake = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._pending: tuple[int, np.ndarray, int] | None = None
        self._scheduled = False
        self._predictor = None
        self._pending_explanation: tuple | None = None
        self._explainer = None
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

    def request_explanation(self, request_id: int, image28: np.ndarray, label_index: int | None = None,
                            member: int = 0, method: str = "grad-cam") -> None:
        """Asks for a heat map of a 28x28 image for a label (None: the top one), by `method` ("grad-cam" or
        "gradient", see `model.network.saliency`); like submit(), a newer request replaces one that has not started.
        Answered by explanation_ready."""
        with self._lock:
            self._pending_explanation = (request_id, image28, label_index, member, method)
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
            explanation, self._pending_explanation = self._pending_explanation, None
            self._scheduled = False
        if request is not None and self._predictor is not None:
            self._predict(*request)
        if explanation is not None and self._predictor is not None:
            self._explain(*explanation)

    def _predict(self, request_id: int, image28: np.ndarray, member: int) -> None:
        try:
            prediction = self._predictor.run(image28, member=member)
        except Exception as error:
            traceback.print_exc()
            self.prediction_failed.emit(describe_error(error))
            return
        self.prediction_ready.emit(request_id, prediction)

    def _explain(self, request_id: int, image28: np.ndarray, label_index: int | None, member: int,
                 method: str) -> None:
        from model.network.saliency import Explainer

        try:
            if self._explainer is None or self._explainer[0] is not self._predictor:
                self._explainer = (self._predictor, Explainer(self._predictor.model))
            explanation = self._explainer[1].explain(image28, label_index, member=member, method=method)
        except Exception:
            # A heat map that cannot be made must not put the live prediction into an error state.
            traceback.print_exc()
            explanation = None
        self.explanation_ready.emit(request_id, explanation)


class JobDrawing:
    """The drawing a training job shows its network on: handed over by value from the GUI thread, read by the job.

    `set` (GUI thread) keeps a read-only copy, so the job never sees a drawing change under it, and never reads
    the window's state; `get` (the job's thread) returns the latest, or None for none.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._image: np.ndarray | None = None

    def set(self, image28: np.ndarray | None) -> None:
        frozen = None
        if image28 is not None:
            frozen = np.array(image28, copy=True)
            frozen.setflags(write=False)
        with self._lock:
            self._image = frozen

    def get(self) -> np.ndarray | None:
        with self._lock:
            return self._image


class TrainingWorker(QObject):
    """Runs one training job on its own QThread, reporting through signals; cancel is cooperative.

    Args:
        job: called in the worker thread as `job(progress=, should_stop=, epoch_end=)`, where `progress`
            and `epoch_end` are callbacks taking one object and `should_stop()` returns True once cancel()
            was called. Returns the result passed to `finished`.

    Signals:
        progress(object): a `model.training.training.TrainingProgress`, per batch and epoch.
        epoch_ended(object): whatever the job passes to `epoch_end` after each epoch.
        finished(object): the job's result (also after a cancel: the job keeps the last good model).
        failed(str kind, str message): the job raised; kind is "mnist_unavailable", "disk", "not_enough_drawings"
            or "error".
    """

    progress = Signal(object)
    epoch_ended = Signal(object)
    finished = Signal(object)
    failed = Signal(str, str)

    def __init__(self, job: Callable[..., object]) -> None:
        super().__init__()
        self._job = job
        self._stop = threading.Event()

    def cancel(self) -> None:
        """Asks the job to stop at the next batch; safe to call from any thread."""
        self._stop.set()

    def is_cancelled(self) -> bool:
        return self._stop.is_set()

    @Slot()
    def run(self) -> None:
        try:
            result = self._job(progress=self.progress.emit, should_stop=self._stop.is_set,
                               epoch_end=self.epoch_ended.emit)
        except Exception as error:
            kind = error_kind(error)
            # A missing MNIST is explained in the window; anything unforeseen keeps its details in the terminal.
            if kind == "error":
                traceback.print_exc()
            self.failed.emit(kind, describe_error(error))
            return
        self.finished.emit(result)
