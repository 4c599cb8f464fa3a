"""The window's model state: the current task, its predictor, live predictions and background training.

`ModelSession` owns the inference thread, the training thread (gui/workers.py) and the child process that runs
training jobs (`model.training.job_process`), and routes their signals; the window and every dock read the state
from here and listen to its signals. It never touches a widget.
"""

from __future__ import annotations

from enum import Enum

import numpy as np
from PySide6.QtCore import QObject, QThread, QTimer, Signal

from gui import explanations
from gui.explanations import ExplanationWorker
from gui.workers import InferenceWorker, TrainingWorker
from model.core.tasks import Task, get_task
from model.training.job_process import InProcessJobs, JobCall, JobProcess

# The functions a job runs, by name: they are imported in the child process, never here.
TRAIN_JOB = "model.training.jobs:train_job"


class Phase(str, Enum):  # noqa: UP042 (StrEnum would change str(phase), which messages and tests read)
    """What the current task's model is doing."""

    LOADING = "loading"  # TensorFlow or the model is loading
    READY = "ready"  # a model is loaded and predicts
    MISSING = "missing"  # no trained model yet
    TRAINING = "training"  # no model yet, and one is training
    ERROR = "error"  # the model could not be loaded


class JobKind(Enum):
    """What a job on the session's training thread does; its epochs come through a signal of their own."""

    TRAIN = "train"  # Train: a recipe from the start; epochs -> training_epoch_ended(Prediction or None)
    RETRAIN = "retrain"  # Retrain on the user's drawings; epochs -> retrain_epoch_ended(EpochLogs)
    CORRECT = "correction"  # Correct me: a brief fine-tune on one drawing; no epochs reported


class ModelSession(QObject):
    """The current task and its model, shared by the window and all docks.

    Signals:
        task_changed(task): a `model.core.tasks.Task` became current.
        state_changed(): `phase`, `predictor`, `info` or the training state changed.
        model_changed(predictor, info): a new model is in use (`model.network.inference.Predictor`, `ModelInfo`),
            or (None, None) when the task has none.
        input_changed(image28): the 28x28 image the network sees now (float32), or None for an empty canvas.
        prediction_ready(prediction): a `model.network.inference.Prediction` for the current input, or None when
            there is nothing to predict (empty canvas, or no model).
        explanation_ready(explanation): answers request_explanation() (a `model.network.saliency.Explanation` or None).
        training_started(task_name, job_kind), training_progress(progress), training_finished(task_name, result),
        training_failed(task_name, kind, message): any job (`start_job`); `job_kind` is a
            `JobKind`, `kind` of a failure "mnist_unavailable", "disk", "not_enough_drawings" or "error".
        training_epoch_ended(prediction): after each epoch of a TRAIN job, the network in training run on the
            drawing on the canvas (a `model.network.inference.Prediction`, or None with an empty canvas or
            another task's training), so docks can show it learn.
        retrain_epoch_ended(logs): after each epoch of a RETRAIN job, its `model.training.retrain.EpochLogs`.
    """

    task_changed = Signal(object)
    state_changed = Signal()
    model_changed = Signal(object, object)
    input_changed = Signal(object)
    prediction_ready = Signal(object)
    explanation_ready = Signal(object)
    training_started = Signal(str, object)
    training_progress = Signal(object)
    training_epoch_ended = Signal(object)
    retrain_epoch_ended = Signal(object)
    training_finished = Signal(str, object)
    training_failed = Signal(str, str, str)

    # Jobs run in a child process, so TensorFlow never loads in the window's; False runs them on the training
    # thread instead (tests that patch what a job calls).
    jobs_in_child_process = True

    def __init__(self, task_name: str = "shapes", *, auto_train: bool = True, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.task: Task = get_task(task_name)
        self.phase = Phase.LOADING
        self.message = "Starting TensorFlow…"
        self.predictor = None
        self.info = None
        self.member = 0
        self.auto_train = auto_train
        self.training_task: str | None = None
        self.training_kind: JobKind | None = None
        # The kind of the job whose training_finished/training_failed is being (or was last) emitted.
        self.ended_job_kind: JobKind | None = None
        self.training_recipe: str | None = None
        self.last_progress = None
        self._input: np.ndarray | None = None
        self._request_id = 0
        self._auto_trained = False
        self._training_thread: QThread | None = None
        self._training_worker: TrainingWorker | None = None
        # Runs training jobs: a child process, made at the first job and kept for the next.
        self._jobs: JobProcess | InProcessJobs | None = None
        # Makes "Why this label?" heat maps in a child process of its own, made at the first request.
        self._explanations: ExplanationWorker | None = None
        self._explanations_thread: QThread | None = None
        self._explanations_idle: QTimer | None = None
        self._start_inference_thread()

    # ----- task and model -------------------------------------------------------------------------------

    def set_task(self, task_name: str) -> None:
        """Makes `task_name` current and loads its model (answered by model_changed and state_changed)."""
        if task_name == self.task.name:
            return
        self.task = get_task(task_name)
        self.predictor, self.info = None, None
        self._hand_drawing_to_job()
        self._set_phase(Phase.LOADING, f"Loading the {self.task.display_name} model…")
        self.task_changed.emit(self.task)
        self.model_changed.emit(None, None)
        self.prediction_ready.emit(None)
        self._inference.request_load(task_name)

    def use_changed_task(self, task: Task) -> None:
        """Takes the current task with changed labels (same name, new labels): task_changed, then its model is
        loaded again (it may no longer fit). A task of another name is ignored: `set_task` switches tasks."""
        if task.name != self.task.name:
            return
        self.task = task
        self.task_changed.emit(task)
        self.reload_model()

    def reload_model(self) -> None:
        """Loads the current task's saved model again (after training, rollback or an outside change)."""
        self._inference.request_load(self.task.name)

    def set_member(self, member: int) -> None:
        """Chooses which ensemble member's layers predictions carry (probabilities are the ensemble's)."""
        self.member = int(member)
        self._request_prediction()

    # ----- live prediction ------------------------------------------------------------------------------

    def set_input(self, image28: np.ndarray | None) -> None:
        """Takes the preprocessed drawing (or None for an empty canvas) and asks for a prediction of it."""
        self._input = image28
        self._hand_drawing_to_job()
        self.input_changed.emit(image28)
        self._request_prediction()

    def current_input(self) -> np.ndarray | None:
        return self._input

    def _request_prediction(self) -> None:
        self._request_id += 1
        if self._input is None or self.predictor is None:
            self.prediction_ready.emit(None)
            return
        self._inference.submit(self._request_id, self._input, self.member)

    def request_explanation(self, label_index: int | None = None, method: str = "grad-cam") -> None:
        """Asks the explanation process which parts of the current input drove a label (None: the top one), by
        `method`: "grad-cam" (coarse regions) or "gradient" (pixel detail).

        Answered by explanation_ready with a `model.network.saliency.Explanation`, or None when there is nothing
        to explain.
        """
        if self._input is None or self.predictor is None:
            self.explanation_ready.emit(None)
            return
        model_path = self.predictor.model_path
        if model_path is None:  # a predictor made in memory, not from a saved model: nothing to load there
            self.explanation_ready.emit(None)
            return
        self._explanations_worker().request(self._request_id, str(model_path), self._input, label_index,
                                            self.member, method)
        self._explanations_idle.start(explanations.IDLE_CLOSE_MS)

    def _explanations_worker(self) -> ExplanationWorker:
        if self._explanations is None:
            self._explanations_thread = QThread(self)
            self._explanations_thread.setObjectName("explanations")
            self._explanations = ExplanationWorker()
            self._explanations.moveToThread(self._explanations_thread)
            self._explanations.explanation_ready.connect(self._on_explanations_explanation_ready)
            self._explanations_thread.start()
            self._explanations_idle = QTimer(self, singleShot=True)
            self._explanations_idle.timeout.connect(self._on_explanations_idle_timeout)
        return self._explanations

    def _on_explanations_idle_timeout(self) -> None:
        if self._explanations.is_busy():
            self._explanations_idle.start(explanations.IDLE_CLOSE_MS)
        else:
            self._explanations.close()

    def _on_explanations_explanation_ready(self, request_id: int, explanation) -> None:
        if request_id == self._request_id and self._input is not None:
            self.explanation_ready.emit(explanation)

    def _on_inference_prediction_ready(self, request_id: int, prediction) -> None:
        # A prediction for an input that has since changed (or a model since replaced) is never shown.
        if request_id == self._request_id and self._input is not None and self.predictor is not None:
            self.prediction_ready.emit(prediction)

    # ----- training -------------------------------------------------------------------------------------

    def is_training(self) -> bool:
        return self._training_thread is not None

    def train(self, recipe: str = "quick", *, resume: bool = False, task_name: str | None = None,
              epochs: int | None = None) -> None:
        """Starts training a task's model in the background (the current task by default).

        `epochs` overrides the recipe's; resuming passes the unfinished training's own count.
        """
        if self.is_training():
            raise RuntimeError(f"Already training {self.training_task}; cancel it before starting another training.")
        task = get_task(task_name or self.task.name)
        call = JobCall(TRAIN_JOB, {"task": task, "recipe": recipe, "epochs": epochs, "resume": resume})
        self.start_job(JobKind.TRAIN, task.name, call, recipe=recipe)

    def resume(self, task_name: str | None = None) -> bool:
        """Continues a task's unfinished training with its own recipe and epochs; False if there is none."""
        from model.training.checkpoints import unfinished

        name = task_name or self.task.name
        state = unfinished(name)
        if state is None:
            return False
        self.train(state.recipe, resume=True, task_name=name, epochs=state.epochs)
        return True

    def start_job(self, kind: JobKind, task_name: str, call: JobCall, *, recipe: str | None = None) -> None:
        """Runs a job in the jobs' child process with the session's progress, cancel and reload handling.

        Args:
            kind: what the job does; it decides which signal its epochs go to.
            task_name: the task it trains.
            call: the job (see `model.training.jobs`); it gets the drawing on the canvas as `drawing()`.
            recipe: the recipe a TRAIN job trains with (shown while it runs).
        """
        worker = TrainingWorker(self._job_runner(), call)
        thread = QThread(self)
        thread.setObjectName(f"training-{task_name}")
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.progress.connect(self._on_training_progress)
        # Each kind's epochs have their own signal, fixed when the job starts: no listener guesses what arrives.
        epochs_signal = {JobKind.TRAIN: self.training_epoch_ended, JobKind.RETRAIN: self.retrain_epoch_ended}.get(kind)
        if epochs_signal is not None:
            worker.epoch_ended.connect(epochs_signal)
        worker.finished.connect(self._on_training_finished)
        worker.failed.connect(self._on_training_failed)
        self._training_thread, self._training_worker = thread, worker
        self.training_task, self.training_kind, self.last_progress = task_name, kind, None
        self.training_recipe = recipe if kind is JobKind.TRAIN else None
        self._hand_drawing_to_job()
        if task_name == self.task.name and self.predictor is None:
            self._set_phase(Phase.TRAINING, f"Training {self.task.display_name}…")
        self.training_started.emit(task_name, kind)
        self.state_changed.emit()
        thread.start()

    def _job_runner(self) -> JobProcess | InProcessJobs:
        if self._jobs is None:
            self._jobs = JobProcess() if self.jobs_in_child_process else InProcessJobs()
        return self._jobs

    def _hand_drawing_to_job(self) -> None:
        """On the GUI thread: gives the running job the drawing on the canvas (None while another task shows)."""
        if self._jobs is not None:
            self._jobs.drawing.set(self._input if self.training_task == self.task.name else None)

    def cancel_training(self) -> None:
        """Asks the running training to stop after the current batch; the last good model is kept."""
        if self._training_worker is not None:
            self._training_worker.cancel()

    def training_cancelled(self) -> bool:
        return self._training_worker is not None and self._training_worker.is_cancelled()

    def _on_training_progress(self, progress) -> None:
        self.last_progress = progress
        self.training_progress.emit(progress)

    def _on_training_finished(self, result) -> None:
        task_name = self._end_training()
        if task_name == self.task.name and self.predictor is None and getattr(result, "cancelled", False):
            self._set_phase(Phase.MISSING, "Training was cancelled; Train or Resume when you are ready.")
        elif task_name == self.task.name:
            self.reload_model()
        self.training_finished.emit(task_name, result)

    def _on_training_failed(self, kind: str, message: str) -> None:
        task_name = self._end_training()
        if task_name == self.task.name and self.predictor is None:
            self._set_phase(Phase.MISSING, message)
        self.training_failed.emit(task_name, kind, message)

    def _end_training(self) -> str:
        thread, task_name = self._training_thread, self.training_task
        self.ended_job_kind = self.training_kind
        thread.quit()
        thread.wait()
        self._training_thread = self._training_worker = None
        self.training_task = self.training_kind = self.training_recipe = None
        self.state_changed.emit()
        return task_name

    # ----- the inference thread -------------------------------------------------------------------------

    def _start_inference_thread(self) -> None:
        self._inference_thread = QThread(self)
        self._inference_thread.setObjectName("inference")
        self._inference = InferenceWorker()
        self._inference.moveToThread(self._inference_thread)
        self._inference.model_loaded.connect(self._on_inference_model_loaded)
        self._inference.model_missing.connect(self._on_inference_model_missing)
        self._inference.load_failed.connect(self._on_inference_load_failed)
        self._inference.prediction_ready.connect(self._on_inference_prediction_ready)
        self._inference.prediction_failed.connect(self._on_inference_prediction_failed)
        self._inference_thread.start()
        self._inference.request_load(self.task.name)

    def _on_inference_model_loaded(self, task_name: str, predictor, info) -> None:
        if task_name != self.task.name:
            return
        self.predictor, self.info = predictor, info
        if self._jobs is None:
            # Made while the person draws, not when they click Train or Retrain: its imports, semaphores and the
            # resource tracker's start cost the GUI thread ~15 ms (no child process starts until a job does).
            QTimer.singleShot(1000, self, self._job_runner)
        self._set_phase(Phase.READY, "")
        self.model_changed.emit(predictor, info)
        self._request_prediction()

    def _on_inference_model_missing(self, task_name: str) -> None:
        if task_name != self.task.name:
            return
        self.predictor, self.info = None, None
        if self.training_task == task_name:
            self._set_phase(Phase.TRAINING, f"Training {self.task.display_name}…")
        elif self.auto_train and self.task.base_data == "shapes" and not self.is_training() and not self._auto_trained:
            # Shapes needs no download, so a first start trains it at once while the canvas is usable; once
            # per run, so that a Cancel is respected.
            self._auto_trained = True
            if not self.resume(task_name):
                self.train("quick")
        else:
            self._set_phase(Phase.MISSING, f"No {self.task.display_name} model yet.")
        self.model_changed.emit(None, None)

    def _on_inference_load_failed(self, task_name: str, message: str) -> None:
        if task_name and task_name != self.task.name:
            return
        self.predictor, self.info = None, None
        self._set_phase(Phase.ERROR, message)
        self.model_changed.emit(None, None)

    def _on_inference_prediction_failed(self, message: str) -> None:
        self._set_phase(Phase.ERROR, f"Prediction failed: {message}")

    def _set_phase(self, phase: Phase, message: str) -> None:
        self.phase, self.message = phase, message
        self.state_changed.emit()

    def shutdown(self) -> None:
        """Stops training (within a batch), the threads and the child processes; call before the window closes."""
        if self._training_worker is not None:
            self._training_worker.cancel()
            self._training_thread.quit()
            self._training_thread.wait()
        self._inference_thread.quit()
        self._inference_thread.wait()
        if self._jobs is not None:
            self._jobs.close()
        if self._explanations is not None:
            self._explanations_idle.stop()
            self._explanations.close()
            self._explanations_thread.quit()
            self._explanations_thread.wait()

