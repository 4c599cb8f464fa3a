"""The training dock: recipe, Train/Cancel, progress with loss, accuracy and ETA, resume, and MNIST's file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.progress_text import format_duration, model_summary, progress_details, progress_fraction, recipe_words
from gui.session import ModelSession
from model.core import settings
from model.training.checkpoints import CheckpointState, unfinished

RECIPES = {
    "quick": ("Quick", "One CNN: about a minute for Shapes, two for Digits (99.4% on MNIST) on 2 cores."),
    "best": ("Best", "Three deeper CNNs averaged, with stronger augmentation: about an hour for Digits on 2 cores "
                     "(99.7% on MNIST); checkpointed every epoch."),
}
MNIST_SETTING = settings.MNIST_PATH


def save_mnist_path(path: str) -> None:
    """Records the user's mnist.npz in data_dir()/settings.json, where model.datasets.mnist looks for it."""
    settings.update(**{MNIST_SETTING: str(Path(path).resolve())})


class TrainingDock(QDockWidget):
    """Trains the current task's model in the background, with progress and cooperative Cancel."""

    def __init__(self, session: ModelSession, parent: QWidget | None = None) -> None:
        super().__init__("Training", parent)
        self.setObjectName("trainingDock")
        self._session = session
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(12, 8, 12, 10)
        layout.setSpacing(6)
        self.summary = QLabel(body, objectName="modelSummary", wordWrap=True)
        layout.addWidget(self.summary)
        layout.addLayout(self._build_controls(body))
        self.progress_bar = QProgressBar(body, objectName="trainingProgress", textVisible=True)
        self.progress_bar.setRange(0, 1000)
        self.details = QLabel(body, objectName="trainingDetails", wordWrap=True)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.details)
        layout.addWidget(self._build_resume(body))
        layout.addWidget(self._build_mnist(body))
        layout.addStretch(1)
        self.setWidget(body)
        session.task_changed.connect(self._refresh)
        session.state_changed.connect(self._refresh)
        session.model_changed.connect(self._refresh)
        session.training_progress.connect(self._on_session_training_progress)
        session.training_finished.connect(self._on_session_training_finished)
        session.training_failed.connect(self._on_session_training_failed)
        self._refresh()

    def _build_controls(self, body: QWidget) -> QHBoxLayout:
        row = QHBoxLayout()
        self.recipe_box = QComboBox(body, objectName="recipeBox")
        for key, (title, tip) in RECIPES.items():
            self.recipe_box.addItem(title, key)
            self.recipe_box.setItemData(self.recipe_box.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        self.recipe_box.setToolTip("Recipe: Quick trains one CNN in minutes; Best trains an ensemble of three.")
        self.recipe_box.currentIndexChanged.connect(self._on_recipe_box_changed)
        self.train_button = QPushButton("Train", body, objectName="trainButton")
        self.train_button.setToolTip("Train the current task's model in the background (Ctrl+T)")
        self.train_button.clicked.connect(self._on_train_button_clicked)
        row.addWidget(QLabel("Recipe", body))
        row.addWidget(self.recipe_box, 1)
        row.addWidget(self.train_button)
        return row

    def _build_resume(self, body: QWidget) -> QFrame:
        self.resume_panel = QFrame(body, objectName="resumePanel")
        row = QHBoxLayout(self.resume_panel)
        row.setContentsMargins(8, 6, 8, 6)
        self.resume_message = QLabel(self.resume_panel, objectName="resumeMessage", wordWrap=True)
        row.addWidget(self.resume_message, 1)
        self.resume_button = QPushButton("Resume", self.resume_panel, objectName="resumeButton")
        self.resume_button.setToolTip("Continue from the last completed epoch, with the recipe it was started with")
        self.resume_button.clicked.connect(lambda: self.start_training(resume=True))
        row.addWidget(self.resume_button)
        return self.resume_panel

    def _build_mnist(self, body: QWidget) -> QFrame:
        self.mnist_panel = QFrame(body, objectName="mnistPanel")
        column = QVBoxLayout(self.mnist_panel)
        column.setContentsMargins(8, 6, 8, 8)
        self.mnist_message = QLabel(self.mnist_panel, objectName="mnistMessage", wordWrap=True)
        self.mnist_message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.mnist_button = QPushButton("Choose mnist.npz…", self.mnist_panel, objectName="mnistButton")
        self.mnist_button.clicked.connect(self._on_mnist_button_clicked)
        column.addWidget(self.mnist_message)
        column.addWidget(self.mnist_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.mnist_panel.hide()
        return self.mnist_panel

    # ----- actions --------------------------------------------------------------------------------------

    def recipe(self) -> str:
        return self.recipe_box.currentData()

    def start_training(self, resume: bool = False) -> None:
        """Trains the current task with the chosen recipe, or resumes its unfinished training with its own."""
        if self._session.is_training():
            return
        self.mnist_panel.hide()
        self.details.setText("Preparing the data…")
        if not (resume and self._session.resume()):
            self._session.train(self.recipe())

    def _on_train_button_clicked(self) -> None:
        if self._session.is_training():
            self._session.cancel_training()
            self.details.setText("Cancelling after this batch…")
            self.train_button.setEnabled(False)
            return
        state = unfinished(self._session.task.name)
        choice = "restart" if state is None else self.ask_about_unfinished(state)
        if choice != "cancel":
            self.start_training(resume=choice == "resume")

    def ask_about_unfinished(self, state: CheckpointState) -> str:
        """Asks whether Train should resume the unfinished training or start over: "resume", "restart" or "cancel"."""
        box = QMessageBox(QMessageBox.Icon.Question, "Unfinished training",
                          f"{_describe_unfinished(state)}\n\nResume it, or start a new training, which discards it?",
                          parent=self)
        resume = box.addButton("Resume", QMessageBox.ButtonRole.AcceptRole)
        restart = box.addButton(f"New {RECIPES[self.recipe()][0]} training", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(resume)
        box.exec()
        return {resume: "resume", restart: "restart"}.get(box.clickedButton(), "cancel")

    def _on_recipe_box_changed(self) -> None:
        QSettings().setValue(f"training/{self._session.task.name}/recipe", self.recipe())

    def _on_mnist_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose mnist.npz", str(Path.home()), "MNIST (*.npz)")
        if path:
            self.use_mnist_file(path)

    def use_mnist_file(self, path: str) -> None:
        """Remembers the user's mnist.npz and trains Digits from it."""
        save_mnist_path(path)
        self.mnist_panel.hide()
        self.start_training()

    # ----- session events -------------------------------------------------------------------------------

    def _on_session_training_progress(self, progress) -> None:
        self.progress_bar.setValue(round(1000 * progress_fraction(progress)))
        eta = format_duration(getattr(progress, "eta_s", None)) if progress.phase == "training" else ""
        self.progress_bar.setFormat(f"{100 * progress_fraction(progress):.0f}%" + (f" · {eta} left" if eta else ""))
        self.details.setText(progress_details(progress))

    def _on_session_training_finished(self, task_name: str, result) -> None:
        cancelled = bool(getattr(result, "cancelled", False))
        title = self._session.task.display_name if task_name == self._session.task.name else task_name.capitalize()
        self.details.setText(f"{title}: cancelled; the last good model is kept." if cancelled else
                             f"{title}: training finished.")
        self._refresh()

    def _on_session_training_failed(self, task_name: str, kind: str, message: str) -> None:
        if kind == "mnist_unavailable":
            self.mnist_message.setText(message)
            self.mnist_panel.show()
            self.details.setText("Digits needs MNIST. Shapes works without it.")
        elif kind == "not_enough_drawings":
            self.details.setText(message)
        else:
            self.details.setText(f"Training {task_name} failed: {message}")
        self._refresh()

    def _refresh(self, *_args) -> None:
        session = self._session
        task = session.task
        saved = QSettings().value(f"training/{task.name}/recipe", "quick")
        index = self.recipe_box.findData(saved)
        if index >= 0 and index != self.recipe_box.currentIndex():
            self.recipe_box.blockSignals(True)
            self.recipe_box.setCurrentIndex(index)
            self.recipe_box.blockSignals(False)
        training = session.is_training()
        busy_elsewhere = training and session.training_task != task.name
        self.train_button.setEnabled(not busy_elsewhere and not session.training_cancelled())
        self.train_button.setText("Cancel" if training and not busy_elsewhere else f"Train {task.display_name}")
        self.train_button.setProperty("role", "cancel" if training else "primary")
        self.train_button.style().unpolish(self.train_button)
        self.train_button.style().polish(self.train_button)
        self.recipe_box.setEnabled(not training)
        self.progress_bar.setVisible(training)
        if not training:
            self.progress_bar.setValue(0)
        state = None if training else unfinished(task.name)
        self.resume_panel.setVisible(state is not None)
        if state is not None:
            self.resume_message.setText(_describe_unfinished(state))
        self._refresh_mnist_hint(training)
        if busy_elsewhere:
            self.summary.setText(f"Training {session.training_task.capitalize()} in the background…")
        elif training:
            doing = session.training_recipe or session.training_kind.value  # a retrain or Correct me has no recipe
            self.summary.setText(f"Training {task.display_name} ({recipe_words(doing)})…")
        elif session.info is not None:
            self.summary.setText(model_summary(task.display_name, session.info))
        else:
            self.summary.setText(f"{task.display_name}: no trained model yet.")


    def _refresh_mnist_hint(self, training: bool) -> None:
        # Before Digits' first training, say where MNIST will come from, so a missing file is no surprise.
        session = self._session
        if session.task.base_data != "mnist" or training or session.info is not None:
            self.mnist_panel.hide()
            return
        from model.datasets.mnist import MnistUnavailableError, find_mnist

        try:
            found = find_mnist()
        except MnistUnavailableError as error:
            self.mnist_message.setText(str(error))
            self.mnist_panel.show()
            return
        if found is not None:
            self.mnist_panel.hide()
        elif self.mnist_panel.isHidden():
            self.mnist_message.setText("Digits learns from MNIST. Train downloads it through Keras (11 MB, once), "
                                       "or choose an mnist.npz you already have.")
            self.mnist_panel.show()


def _describe_unfinished(state: CheckpointState) -> str:
    """Returns "An unfinished Best training is saved: network 2 of 3, 5 of 15 epochs done."."""
    title = RECIPES.get(state.recipe, (state.recipe.capitalize(),))[0]
    network = f"network {state.member + 1} of {state.members}, " if state.members > 1 else ""
    return f"An unfinished {title} training is saved: {network}{state.epoch} of {state.epochs} epochs done."
