"""Dialogs for the user's own tasks: create a task with its labels, and add, rename or remove labels."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from model.collection import user_tasks
from model.collection.samples import SampleStore
from model.core.tasks import BUILTIN_TASKS, get_task


class NewTaskDialog(QDialog):
    """Asks for a task name and its labels ("star, heart, house"), checking them as the user types."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New task")
        self.name_edit = QLineEdit(self, placeholderText="Doodles")
        self.labels_edit = QLineEdit(self, placeholderText="star, heart, house")
        self.error = QLabel(self, wordWrap=True, objectName="taskError")
        self.error.setStyleSheet("color: #b3261e;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Name", self.name_edit)
        form.addRow("Labels", self.labels_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("A task is what the network learns to tell apart. Separate labels with commas; "
                                "you will draw about ten of each to train it.", self, wordWrap=True))
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.name_edit.textChanged.connect(self._validate)
        self.labels_edit.textChanged.connect(self._validate)
        self.task = None
        self._validate()

    def problem(self) -> str:
        """Returns what is wrong with the input now, or "" when it can be created."""
        if not self.name_edit.text().strip():
            return "Give the task a name."
        try:
            name = user_tasks.task_name_for(self.name_edit.text())
            user_tasks.parse_labels(self.labels_edit.text())
        except ValueError as error:
            return str(error)
        from model.core.tasks import all_tasks

        return f"A task named {name!r} already exists; choose another name." if name in all_tasks() else ""

    def _validate(self) -> None:
        problem = self.problem()
        typed = bool(self.name_edit.text() or self.labels_edit.text())
        self.error.setText(problem if typed else "")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)

    def accept(self) -> None:
        try:
            self.task = user_tasks.create_task(self.name_edit.text(), self.labels_edit.text())
        except ValueError as error:
            self.error.setText(str(error))
            return
        super().accept()


class LabelsDialog(QDialog):
    """Lists a task's labels with their drawing counts; add, rename and remove (with confirmation).

    Signals:
        task_changed(task): the labels changed; the new `Task`.
        label_removed(task_name, label, token): a label went to the trash (`user_tasks.restore_label(token)`).
    """

    task_changed = Signal(object)
    label_removed = Signal(str, str, object)

    def __init__(self, task, parent: QWidget | None = None, *, confirm=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Labels of {task.display_name}")
        self.task = task
        self._confirm = confirm or self._ask
        self.list = QListWidget(self)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("Add…", self)
        self.rename_button = QPushButton("Rename…", self)
        self.remove_button = QPushButton("Remove", self)
        for button in (self.add_button, self.rename_button, self.remove_button):
            buttons.addWidget(button)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        self.note = QLabel(self, wordWrap=True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        layout.addWidget(self.note)
        layout.addWidget(close)
        self.add_button.clicked.connect(lambda: self._ask_text("Add a label", "", self.add_label))
        # `old=self.current()` is evaluated at each click, so the rename applies to the label chosen then.
        self.rename_button.clicked.connect(
            lambda: self.current() and self._ask_text(
                "Rename label", self.current(),
                lambda new, old=self.current(): self.rename_label(old, new)))  # noqa: B008
        self.remove_button.clicked.connect(lambda: self.current() and self.remove_label(self.current()))
        self.list.currentRowChanged.connect(self._refresh_buttons)
        self._fill()

    def current(self) -> str | None:
        item = self.list.currentItem()
        return item.data(256) if item is not None else None

    def add_label(self, label: str) -> bool:
        return self._apply(lambda: user_tasks.add_label(self.task.name, label))

    def rename_label(self, old: str, new: str) -> bool:
        return self._apply(lambda: user_tasks.rename_label(self.task.name, old, new))

    def remove_label(self, label: str) -> bool:
        count = len(SampleStore(self.task.name).samples(label))
        question = (f"Remove the label '{label}'?" + (f" Its {count} drawings go to the trash." if count else "")
                    + " The model will need a retrain. You can undo this right after.")
        if not self._confirm(question):
            return False
        result = {}

        def change():
            task, token = user_tasks.remove_label(self.task.name, label)
            result["token"] = token
            return task

        if self._apply(change):
            self.label_removed.emit(self.task.name, label, result["token"])
            return True
        return False

    def _apply(self, change) -> bool:
        try:
            self.task = change()
        except (ValueError, KeyError, OSError) as error:
            self.note.setText(str(error))
            return False
        self.note.setText("The labels changed: retrain the model (Retrain panel) so it learns them.")
        self._fill()
        self.task_changed.emit(self.task)
        return True

    def _fill(self) -> None:
        counts = SampleStore(self.task.name).counts()
        builtin = set(BUILTIN_TASKS[self.task.name].labels) if self.task.name in BUILTIN_TASKS else set()
        self.list.clear()
        for label in get_task(self.task.name).labels:
            suffix = " (built in)" if label in builtin else ""
            self.list.addItem(f"{label} · {counts.get(label, 0)} drawings{suffix}")
            self.list.item(self.list.count() - 1).setData(256, label)
        self._builtin = builtin
        self._refresh_buttons()

    def _refresh_buttons(self, *_args) -> None:
        editable = self.current() is not None and self.current() not in self._builtin
        self.rename_button.setEnabled(editable)
        self.remove_button.setEnabled(editable)

    def _ask_text(self, title: str, text: str, then) -> None:
        value, ok = QInputDialog.getText(self, title, "Label:", text=text)
        if ok:
            then(value)

    def _ask(self, question: str) -> bool:
        answer = QMessageBox.question(self, "Remove label", question)
        return answer == QMessageBox.StandardButton.Yes
