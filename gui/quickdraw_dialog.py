"""The dialogs of "Import Quick, Draw! files…": which label each file's drawings get, into which task, how many of
each label; then the import's progress with a Cancel. Both are opened, never exec'd, so the window keeps working."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from model.collection import user_tasks
from model.collection.quickdraw import label_of, refusal
from model.collection.sample_format import validate_label
from model.core.tasks import all_tasks

DEFAULT_LIMIT = 5000
MAX_LIMIT = 10_000_000
NEW_TASK = ""


@dataclass
class ImportChoice:
    """What the dialog settled: the files, {category: label}, the cap per label, and the task to import into:
    an existing one (`task_name`), or a new one titled `new_title`; `labels` are the labels the files' drawings get."""

    files: list
    rename: dict
    limit: int
    task_name: str = NEW_TASK
    new_title: str = ""
    labels: list = field(default_factory=list)


class QuickDrawDialog(QDialog):
    """Asks how to import Quick, Draw! files (a list of `model.collection.quickdraw_files.QuickDrawFile`).

    Each file is one category: its row offers the category as the label, or any label of the chosen task. A task of
    the user's own gets the labels it lacks, or a new one is made; Shapes and Digits take files of their own labels
    only (their training mixes them in by label, `model.training.imported_data`). `choice()` is what was settled once
    `accepted` fires.
    """

    def __init__(self, files, current_task, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import Quick, Draw! files")
        self.files = list(files)
        self.table = self._build_table()
        self.task_box = QComboBox(self, objectName="quickdrawTask")
        for task in all_tasks().values():
            self.task_box.addItem(task.display_name, task.name)
        self.task_box.addItem("A new task…", NEW_TASK)
        first = self.task_box.findData(_first_choice(current_task, self.files))
        self.task_box.setCurrentIndex(first if first >= 0 else self.task_box.count() - 1)
        self.title_edit = QLineEdit(self, objectName="quickdrawTitle", text=_new_title(self.files))
        self.limit_box = QSpinBox(self, objectName="quickdrawLimit", minimum=1, maximum=MAX_LIMIT,
                                  value=DEFAULT_LIMIT, singleStep=1000, groupSeparatorShown=True)
        self.limit_note = QLabel(self, wordWrap=True)
        self.note = QLabel(self, wordWrap=True, objectName="quickdrawNote")
        self.error = QLabel(self, wordWrap=True, objectName="quickdrawError")
        self.error.setStyleSheet("color: #b3261e;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Import")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._lay_out(current_task)
        self.task_box.currentIndexChanged.connect(self._on_task_box_changed)
        self.title_edit.textChanged.connect(self._validate)
        self.limit_box.valueChanged.connect(self._validate)
        self._on_task_box_changed()

    def _build_table(self) -> QTableWidget:
        table = QTableWidget(len(self.files), 3, self, objectName="quickdrawFiles")
        table.setHorizontalHeaderLabels(["File", "Drawings", "Label"])
        table.verticalHeader().hide()
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.horizontalHeader().setStretchLastSection(True)
        for row, file in enumerate(self.files):
            for column, text in enumerate((file.path.name, file.describe_total())):
                table.setItem(row, column, QTableWidgetItem(text))
            box = QComboBox(table, editable=True)
            box.setToolTip(f"The label {file.path.name}'s drawings get in the task")
            box.currentTextChanged.connect(self._validate)
            table.setCellWidget(row, 2, box)
        table.resizeColumnsToContents()
        return table

    def _lay_out(self, current_task) -> None:
        layout = QVBoxLayout(self)
        intro = "Each file holds one category; its drawings get the label on its row."
        if current_task.base_data is not None:
            intro += (f" {current_task.display_name} takes files of its own labels only, and trains on them beside "
                      "its built-in drawings; other categories go into a task of your own.")
        layout.addWidget(QLabel(intro, self, wordWrap=True))
        layout.addWidget(self.table, 1)
        form = QFormLayout()
        form.addRow("Import into", self.task_box)
        form.addRow("New task's name", self.title_edit)
        limit_row = QHBoxLayout()
        limit_row.addWidget(self.limit_box)
        limit_row.addWidget(QLabel("drawings at most", self))
        limit_row.addStretch(1)
        form.addRow("Of each label", limit_row)
        layout.addLayout(form)
        layout.addWidget(self.limit_note)
        layout.addWidget(self.note)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        totals = " and ".join(file.describe_total() for file in self.files)
        self.limit_note.setText(f"The file{'s hold' if len(self.files) > 1 else ' holds'} {totals} drawings. "
                                "More drawings train a better model but take longer to import and to train.")
        self.resize(560, 420)

    # ----- public surface -------------------------------------------------------------------------------

    def label_box(self, row: int) -> QComboBox:
        return self.table.cellWidget(row, 2)

    def choice(self) -> ImportChoice:
        rename, labels = {}, []
        for row, file in enumerate(self.files):
            label = self.label_box(row).currentText().strip()
            rename[file.category] = label
            if label not in labels:
                labels.append(label)
        task_name = self.task_box.currentData()
        return ImportChoice([file.path for file in self.files], rename, self.limit_box.value(), task_name,
                            self.title_edit.text().strip() if task_name == NEW_TASK else "", labels)

    def problem(self) -> str:
        """Returns what is wrong with the choice now, in one line, or "" when it can be imported."""
        folders = [label_of(file.path) for file in self.files]
        twice = sorted({folder for folder in folders if folders.count(folder) > 1})
        if twice:
            return (f"Two files hold '{twice[0]}' (its bitmaps are drawn from its strokes, so importing both counts "
                    "each drawing twice); import one of them.")
        choice = self.choice()
        try:
            for label in choice.labels:
                validate_label(label)
            if choice.task_name == NEW_TASK:
                if len(choice.labels) < 2:
                    return ("A new task needs at least two labels: add a file of another category, or import into a "
                            "task of yours.")
                user_tasks.parse_labels(", ".join(choice.labels))  # the same label twice, in other cases
                name = user_tasks.task_name_for(choice.new_title)
                if name in all_tasks():
                    return f"A task named {name!r} already exists; choose another name or import into it."
                return ""
        except ValueError as error:
            return str(error)
        task = all_tasks()[choice.task_name]
        known = {label.lower(): label for label in task.labels}
        clash = [label for label in choice.labels if label not in task.labels and label.lower() in known]
        if clash:
            return f"{task.display_name} has the label '{known[clash[0].lower()]}'; choose it rather than '{clash[0]}'."
        foreign = [label for label in choice.labels if label not in task.labels]
        return refusal(task, foreign[0]) if task.base_data is not None and foreign else ""

    # ----- slots ----------------------------------------------------------------------------------------

    def _on_task_box_changed(self) -> None:
        name = self.task_box.currentData()
        self.title_edit.setEnabled(name == NEW_TASK)
        task = all_tasks()[name] if name != NEW_TASK else None
        labels = list(task.labels) if task is not None else []
        for row, file in enumerate(self.files):
            box = self.label_box(row)
            box.blockSignals(True)
            box.clear()
            # A built-in task offers its own labels only; the category stays typed in, so the refusal names it.
            own = task is not None and task.base_data is not None
            box.addItems(labels + ([file.category] if file.category not in labels and not own else []))
            box.setCurrentText(file.category)
            box.blockSignals(False)
        self._validate()

    def _validate(self, *_args) -> None:
        problem = self.problem()
        self.error.setText(problem)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)
        if problem:
            self.note.setText("")
            return
        choice = self.choice()
        if choice.task_name == NEW_TASK:
            self.note.setText(f"Creates the task '{choice.new_title}' with the labels {', '.join(choice.labels)}.")
            return
        task = all_tasks()[choice.task_name]
        missing = [label for label in choice.labels if label not in task.labels]
        beside = " It trains on them beside its built-in drawings." if task.base_data is not None else ""
        self.note.setText(f"Adds the label{'s' if len(missing) > 1 else ''} {', '.join(missing)} to "
                          f"{task.display_name}." if missing else f"Into {task.display_name}'s labels.{beside}")


class ImportProgressDialog(QDialog):
    """Shows an import's progress (a `model.collection.quickdraw_files.ImportProgress`) and offers Cancel; not modal.

    Signals:
        cancel_requested(): Cancel was clicked (once; the button then says it is cancelling).
    """

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Importing Quick, Draw! files")
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.text = QLabel("Starting…", self, wordWrap=True, objectName="importProgressText")
        self.bar = QProgressBar(self, maximum=1000, textVisible=True, objectName="importProgressBar")
        self.cancel_button = QPushButton("Cancel", self, objectName="importCancel")
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(self.bar)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.cancel_button)
        layout.addLayout(row)
        self.resize(420, 120)

    def show_progress(self, progress) -> None:
        self.bar.setValue(round(1000 * progress.overall))
        if self.cancel_button.isEnabled():
            self.text.setText(f"{progress.name} ({progress.file_index + 1} of {progress.files}): "
                              f"{100 * progress.fraction:.0f}% · {progress.added:,} drawings imported")

    def reject(self) -> None:  # Escape or the window's close button cancel too, and the dialog waits for the end
        self._on_cancel_button_clicked()

    def _on_cancel_button_clicked(self) -> None:
        if not self.cancel_button.isEnabled():
            return
        self.cancel_button.setEnabled(False)
        self.text.setText("Cancelling… the files finished so far are kept whole.")
        self.cancel_requested.emit()


def _first_choice(current_task, files) -> str:
    """The task offered first: the current one, if it is the user's own or a built-in one with every file's category
    among its labels; else a new task."""
    if current_task.base_data is None or all(file.category in current_task.labels for file in files):
        return current_task.name
    return NEW_TASK


def _new_title(files) -> str:
    categories = list(dict.fromkeys(file.category for file in files))
    title = "Quick, Draw! " + ", ".join(categories[:3]) + ("…" if len(categories) > 3 else "")
    names, number = title, 1
    while _taken(names):
        number += 1
        names = f"{title} {number}"
    return names


def _taken(title: str) -> bool:
    try:
        return user_tasks.task_name_for(title) in all_tasks()
    except ValueError:
        return False
