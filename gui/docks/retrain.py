"""The Retrain dock: retrain on your drawings in the background, watch the curves, compare, roll back.

Retraining and "Correct me" run as jobs of the window's `ModelSession` (its training thread), so drawing and
live prediction go on, the status bar and Training dock show the progress, and the new model is loaded when done.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gui.charts import BeforeAfterBars, ConfusionWidget, CurvesWidget
from gui.progress_text import format_trained_at, progress_details, progress_fraction, recipe_words
from gui.session import JobKind
from model.collection.samples import SampleStore
from model.collection.user_tasks import retrain_reason
from model.network import model_store
from model.training import correct as corrections
from model.training.job_process import JobCall
from model.training.retrain_checkpoint import RetrainState, unfinished_retrain

MY_JOBS = (JobKind.RETRAIN, JobKind.CORRECT)
# The jobs this panel starts, by name (run in the jobs' child process, see model.training.jobs).
RETRAIN_JOB = "model.training.jobs:retrain_job"
CORRECT_JOB = "model.training.jobs:correct_job"


def _percent(value) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


class RetrainDock(QDockWidget):
    """The "Retrain" dock.

    Signals:
        cell_opened(true_label, predicted_label, sample_ids): a confusion-matrix cell was clicked.
    """

    cell_opened = Signal(str, str, list)

    def __init__(self, session, parent: QWidget | None = None) -> None:
        super().__init__("Retrain", parent)
        self.setObjectName("retrain_dock")
        self._session = session
        # A `model.training.retrain.RetrainSettings`, or None for the defaults (tests use tiny ones).
        self.settings = None
        self.last_result = None
        self.last_correction = None
        self._retraining: str | None = None  # the task whose retrain is running
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(8, 6, 8, 6)
        self.status = QLabel(body, objectName="retrainStatus", wordWrap=True)
        layout.addWidget(self.status)
        layout.addLayout(self._build_buttons(body))
        layout.addWidget(self._build_resume(body))
        layout.addLayout(self._build_auto_row(body))
        self.progress_bar = QProgressBar(body, maximum=1000, textVisible=True)
        self.progress_bar.hide()
        self.details = QLabel(body, wordWrap=True)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.details)
        self.accuracy = QLabel(body, objectName="beforeAfterAccuracy", wordWrap=True)
        layout.addWidget(self.accuracy)
        self.curves = CurvesWidget(body)
        layout.addWidget(self.curves)
        self.confusion = ConfusionWidget(body)
        self.confusion.cell_clicked.connect(self.cell_opened)
        self.correction_title = QLabel(body, wordWrap=True)
        self.correction_bars = BeforeAfterBars(body)
        bottom = QHBoxLayout()
        bottom.addWidget(self.confusion, 1)
        side = QVBoxLayout()
        side.addWidget(self.correction_title)
        side.addWidget(self.correction_bars)
        side.addStretch(1)
        bottom.addLayout(side, 1)
        layout.addLayout(bottom, 1)
        self.correction_title.hide()
        self.correction_bars.hide()
        # Scrolls rather than insists on its full height, so it fits a tab in a short side column.
        scroll = QScrollArea(self, widgetResizable=True, frameShape=QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        self.setWidget(scroll)
        session.training_started.connect(self._on_session_training_started)
        session.training_progress.connect(self._on_session_training_progress)
        session.retrain_epoch_ended.connect(self._on_session_retrain_epoch_ended)
        session.training_finished.connect(self._on_session_training_finished)
        session.training_failed.connect(self._on_session_training_failed)
        session.state_changed.connect(self.refresh)
        session.task_changed.connect(self._on_session_task_changed)
        self.refresh()

    def _build_buttons(self, body) -> QHBoxLayout:
        row = QHBoxLayout()
        self.retrain_button = QPushButton("Retrain", body, objectName="retrainButton")
        self.retrain_button.setProperty("role", "primary")
        self.retrain_button.clicked.connect(self._on_retrain_button_clicked)
        self.rollback_button = QPushButton("Roll back", body, toolTip="Go back to the model before the last retrain")
        self.rollback_button.clicked.connect(self.roll_back)
        self.auto_box = QSpinBox(body, objectName="autoRetrain", minimum=0, maximum=500, singleStep=5)
        self.auto_box.setSpecialValueText("off")
        self.auto_box.setValue(corrections.auto_retrain_every())
        self.auto_box.setToolTip("Retrain by itself after this many new drawings (off: never)")
        self.auto_box.valueChanged.connect(corrections.set_auto_retrain_every)
        row.addWidget(self.retrain_button)
        row.addWidget(self.rollback_button)
        row.addStretch(1)
        return row

    def _build_resume(self, body) -> QFrame:
        self.resume_panel = QFrame(body, objectName="retrainResumePanel")
        row = QHBoxLayout(self.resume_panel)
        row.setContentsMargins(0, 2, 0, 2)
        self.resume_message = QLabel(self.resume_panel, objectName="retrainResumeMessage", wordWrap=True)
        self.resume_button = QPushButton("Resume", self.resume_panel, objectName="retrainResumeButton")
        self.resume_button.setToolTip("Continue the retrain from its last finished epoch (Retrain starts over)")
        self.resume_button.clicked.connect(lambda: self.start_retrain(resume=True))
        row.addWidget(self.resume_message, 1)
        row.addWidget(self.resume_button)
        self.resume_panel.hide()
        return self.resume_panel

    def _build_auto_row(self, body) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(QLabel("Retrain by itself after", body))
        row.addWidget(self.auto_box)
        row.addWidget(QLabel("new drawings", body))
        row.addStretch(1)
        return row

    # ----- public surface -------------------------------------------------------------------------------

    def start_retrain(self, resume: bool = False) -> bool:
        """Starts a retrain of the current task in the background; False if a training is already running.

        With `resume`, continues the task's unfinished retrain from its last finished epoch (if it still can).
        """
        session = self._session
        if session.is_training():
            return False
        call = JobCall(RETRAIN_JOB, {"task": session.task, "settings": self.settings, "resume": resume})
        self.curves.set_history([])
        session.start_job(JobKind.RETRAIN, session.task.name, call)
        return True

    def start_correction(self, task_name: str, sample_id: str, label: str) -> bool:
        """Fine-tunes briefly on a just-saved drawing ("Correct me"); False if busy or there is no model."""
        session = self._session
        if session.is_training() or task_name != session.task.name or session.info is None:
            return False
        task = session.task
        store = SampleStore(task_name)
        call = JobCall(CORRECT_JOB, {"task": task, "image": store.image(sample_id), "label": label,
                                     "strokes": store.strokes(sample_id), "sample_id": sample_id})
        session.start_job(JobKind.CORRECT, task.name, call)
        return True

    def roll_back(self) -> None:
        task = self._session.task
        try:
            info = model_store.rollback(task.name)
        except model_store.ModelNotFoundError as error:
            QMessageBox.information(self, "Roll back", str(error))
            return
        self.details.setText(f"Rolled back to the model trained {format_trained_at(info.trained_at)} "
                             f"({recipe_words(info.recipe)}). Roll back again to return.")
        self._session.reload_model()

    def refresh(self, *_args) -> None:
        session, task = self._session, self._session.task
        mine = session.is_training() and session.training_kind in MY_JOBS and session.training_task == task.name
        self.retrain_button.setText("Cancel" if mine else f"Retrain {task.display_name}")
        self.retrain_button.setEnabled(mine or not session.is_training())
        self.rollback_button.setEnabled(not session.is_training() and model_store.has_previous(task.name))
        self._info = model_store.load_info(task.name)
        self._reason = retrain_reason(task, self._info.labels if self._info else None)
        self.show_new_drawings()
        self.retrain_button.setToolTip("Fine-tune the model on your drawings" + (
            ", mixed with the built-in ones" if task.base_data else "") + " (Ctrl+R)")
        state = None if session.is_training() else unfinished_retrain(task)
        self.resume_panel.setVisible(state is not None)
        if state is not None:
            self.resume_message.setText(describe_unfinished_retrain(state))

    def show_new_drawings(self, *_args) -> None:
        """Updates the count of drawings saved since the last retrain (after a save, without reading the model)."""
        if not SampleStore(self._session.task.name).index.ready():
            text = "Counting your drawings…"  # listed in the background; the listing's samples_changed comes here
        else:
            text = new_drawings_text(corrections.samples_since_retrain(self._session.task, self._info), self._info)
        self.status.setText(f"<b>{self._reason}</b> {text}" if self._reason else text)

    # ----- slots ----------------------------------------------------------------------------------------

    def _on_retrain_button_clicked(self) -> None:
        if self._session.is_training():
            self._session.cancel_training()
            self.details.setText("Cancelling… the current model stays.")
        else:
            self.start_retrain()

    def _on_session_training_started(self, task_name: str, kind: JobKind) -> None:
        self._retraining = task_name if kind is JobKind.RETRAIN else None
        if kind in MY_JOBS:
            self.progress_bar.setValue(0)
            self.progress_bar.show()
            self.details.setText("Preparing the drawings…")
        self.refresh()

    def _on_session_training_progress(self, progress) -> None:
        if self._session.training_kind in MY_JOBS:
            self.progress_bar.setValue(round(1000 * progress_fraction(progress)))
            self.details.setText(progress_details(progress))

    def _on_session_retrain_epoch_ended(self, logs) -> None:
        self.curves.add_epoch(logs)

    def _on_session_training_finished(self, task_name: str, result) -> None:
        self.progress_bar.hide()
        kind = self._session.ended_job_kind
        if kind is JobKind.RETRAIN and hasattr(result, "history"):
            self._show_retrain(result)
        elif kind is JobKind.CORRECT:
            self._show_correction(result)
        elif kind is JobKind.RETRAIN and task_name == self._retraining:  # a large set, trained streamed
            self.details.setText(streamed_text(result))
        self._retraining = None
        self.refresh()

    def _on_session_training_failed(self, task_name: str, kind: str, message: str) -> None:
        # A Train's failure is the Training panel's to show; this panel only says why its own job failed.
        ended = self._session.ended_job_kind
        if ended in MY_JOBS:
            self.progress_bar.hide()
            what = "Correcting" if ended is JobKind.CORRECT else "Retraining"
            self.details.setText(f"{what} failed: {message}")
        self.refresh()

    def _show_retrain(self, result) -> None:
        self.last_result = result
        self.curves.set_history(result.history)
        self.confusion.set_matrix(result.confusion, result.labels, result.confusion_ids)
        held = len(result.validation_ids)
        how = "trained from scratch" if result.from_scratch else "fine-tuned"
        if result.cancelled:
            self.details.setText("Stopped: the previous model is kept; Resume continues the retrain.")
        else:
            self.details.setText(f"Done in {result.elapsed_s:.0f} s: {how} on {len(result.train_ids)} of your "
                                 f"drawings{_mixed_in(result)}.")
        before = "no model" if result.before_accuracy is None else _percent(result.before_accuracy)
        self.accuracy.setText(f"On {held} held-out drawings: before <b>{before}</b> "
                              f"→ after <b>{_percent(result.after_accuracy)}</b>" if held else
                              "Save at least three drawings per label to measure accuracy on held-out ones.")

    def _show_correction(self, result) -> None:
        self.last_correction = result
        index = result.labels.index(result.label)
        self.correction_title.setText(f"Correct me: '{result.label}' went from {_percent(result.before[index])} "
                                      f"to {_percent(result.after[index])}")
        self.correction_bars.set_values(result.labels, result.before, result.after, result.label)
        self.correction_title.show()
        self.correction_bars.show()
        self.details.setText("Cancelled: the previous model is kept." if result.cancelled else
                             "Fine-tuned on your correction.")

    def _on_session_task_changed(self, task) -> None:
        self.curves.set_history([])
        self.confusion.set_matrix(None, [], [])
        self.accuracy.setText("")
        self.details.setText("")
        self.correction_title.hide()
        self.correction_bars.hide()
        self.refresh()


def new_drawings_text(count: int, info) -> str:
    """Says how many saved drawings the model has not learned from, in words that are true before any retrain."""
    plural = "s" if count != 1 else ""
    if info is None:
        return f"{count} drawing{plural} saved; no model has learned from them yet."
    if "last_sample_id" not in (info.metrics or {}):
        return f"{count} of your drawing{plural} {'are' if count != 1 else 'is'} not in the model yet."
    return f"{count} new drawing{plural} since the model last learned from your drawings."


def streamed_text(result) -> str:
    """Says how a retrain of a large set went: trained afresh, streamed from disk.

    `result` is a `model.training.training.TrainingResult`.
    """
    if result.cancelled:
        return ("Stopped: the previous model is kept; Resume in the Training panel continues from the last finished "
                "epoch.")
    metrics = result.metrics or {}
    accuracy = metrics.get("val_accuracy")
    measured = f"; {100 * accuracy:.1f}% on held-out images" if isinstance(accuracy, (int, float)) else ""
    return (f"Done in {result.elapsed_s:.0f} s: the set is large, so the model was trained afresh on all "
            f"{metrics.get('train_samples', 0):,} images, streamed from disk (your drawings and imported "
            f"files){measured}.")


def describe_unfinished_retrain(state: RetrainState) -> str:
    """Returns "A retrain was interrupted after 2 of 12 epochs." (or "before its first epoch ended")."""
    done = f"after {state.epoch} of {state.epochs} epochs" if state.epoch else "before its first epoch ended"
    return f"A retrain was interrupted {done}."


def _mixed_in(result) -> str:
    """", 300 built-in ones and 120 from imported files" (what a retrain mixed with the person's drawings)."""
    parts = [f"{count} {what}" for count, what in ((result.num_base, "built-in ones"),
                                                   (getattr(result, "num_imported", 0), "from imported files"))
             if count]
    return "".join(f"{', ' if index == 0 else ' and '}{part}" for index, part in enumerate(parts))
