"""The data set browser: save the drawing under a label, see every saved drawing, relabel, delete, open.

Rows come from the store's in-memory index and thumbnails from `gui.sample_model.SampleListModel` (read in the
background as rows are painted), so the dock stays smooth with 50,000 drawings. A `samples_changed` notification
carries the new counts and the samples that came and went: the dock updates those rows, it never lists the store
again for a save. Deletions and moves go on an undo list (the Undo button and the toast).
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QSize, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDockWidget,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui.sample_model import SampleIdRole, SampleListModel
from gui.saving import label_keys
from model.collection.samples import SampleStore
from model.training.dataset_health import dataset_warnings
from model.training.job_errors import describe_error
from model.training.streaming import imported_counts

ALL_LABELS = "__all__"


class DatasetDock(QDockWidget):
    """The "Data set" dock.

    Args:
        session: the window's `ModelSession` (current task).
        saver: the window's `SaveController` (label buttons save through it; its changes refresh the list).

    Signals:
        open_requested(strokes): put this drawing on the canvas.
        manage_requested(str): "new_task", "labels", "import" or "export" was clicked.
    """

    open_requested = Signal(object)
    manage_requested = Signal(str)

    def __init__(self, session, saver, parent: QWidget | None = None) -> None:
        super().__init__("Data set", parent)
        self.setObjectName("dataset_dock")
        self._session, self._saver = session, saver
        self._undo: list[tuple] = []
        self._only_ids: set[str] | None = None
        self._save_buttons: dict[str, QPushButton] = {}
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addLayout(self._build_header(body))
        self.save_grid = QGridLayout()
        self.save_grid.setSpacing(4)
        layout.addLayout(self.save_grid)
        self.warnings = QLabel(body, objectName="datasetWarnings", wordWrap=True)
        self.warnings.setStyleSheet("color: #8a5a00; background: #fff4d6; border-radius: 4px; padding: 4px;")
        layout.addWidget(self.warnings)
        # Whole Quick, Draw! files imported at scale train streamed from disk; they are counted, never listed.
        self.imported_note = QLabel(body, objectName="datasetImported", wordWrap=True)
        self._imported: dict[str, int] = {}
        layout.addWidget(self.imported_note)
        layout.addLayout(self._build_filter(body))
        self.model = SampleListModel(self)
        self.view = self._build_view(body)
        layout.addWidget(self.view, 1)
        layout.addLayout(self._build_actions(body))
        self.setWidget(body)
        saver.samples_changed.connect(self._on_saver_samples_changed)
        session.task_changed.connect(self._on_session_task_changed)
        self.view.selectionModel().selectionChanged.connect(self._refresh_buttons)
        self._on_session_task_changed(session.task)

    # ----- building -------------------------------------------------------------------------------------

    def _build_header(self, body) -> QHBoxLayout:
        row = QHBoxLayout()
        self.title = QLabel(body, objectName="datasetTitle")
        row.addWidget(self.title, 1)
        # One menu button keeps the header narrow enough for a side column.
        self.manage_button = QToolButton(body, text="Manage", autoRaise=True, objectName="datasetManage")
        self.manage_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.manage_button)
        for text, request in (("New task…", "new_task"), ("Labels of this task…", "labels"),
                              ("Import drawings…", "import"), ("Export…", "export")):
            menu.addAction(text, lambda request=request: self.manage_requested.emit(request))
        self.manage_button.setMenu(menu)
        self.manage_button.setToolTip("Create a task, edit its labels, import or export drawings")
        row.addWidget(self.manage_button)
        return row

    def _build_filter(self, body) -> QHBoxLayout:
        row = QHBoxLayout()
        self.filter_box = QComboBox(body, objectName="labelFilter")
        self.filter_box.currentIndexChanged.connect(self._on_filter_box_changed)
        self.show_all_button = QPushButton("Show all", body)
        self.show_all_button.clicked.connect(self.show_all)
        self.show_all_button.hide()
        self.filter_note = QLabel(body)
        row.addWidget(QLabel("Show", body))
        row.addWidget(self.filter_box, 1)
        row.addWidget(self.filter_note)
        row.addWidget(self.show_all_button)
        return row

    def _build_view(self, body) -> QListView:
        view = QListView(body, objectName="sampleView")
        view.setModel(self.model)
        view.setViewMode(QListView.ViewMode.IconMode)
        view.setResizeMode(QListView.ResizeMode.Adjust)
        view.setMovement(QListView.Movement.Static)
        view.setUniformItemSizes(True)
        view.setLayoutMode(QListView.LayoutMode.Batched)
        view.setBatchSize(200)
        view.setIconSize(QSize(64, 64))
        view.setSpacing(2)
        view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._on_view_context_menu)
        view.doubleClicked.connect(lambda index: self.open_selected())
        delete = QAction("Delete", view, shortcut=QKeySequence("Backspace"),
                         shortcutContext=Qt.ShortcutContext.WidgetShortcut)
        delete.triggered.connect(self.delete_selected)
        view.addAction(delete)
        return view

    def _build_actions(self, body) -> QHBoxLayout:
        row = QHBoxLayout()
        self.open_button = QPushButton("Open", body, toolTip="Put the drawing on the canvas (double-click)")
        self.open_button.clicked.connect(self.open_selected)
        self.move_button = QPushButton("Move to…", body, toolTip="Give the selected drawings another label")
        self.move_button.setMenu(QMenu(self.move_button))
        self.move_button.menu().aboutToShow.connect(self._fill_move_menu)
        self.delete_button = QPushButton("Delete", body, toolTip="Delete the selected drawings (Backspace)")
        self.delete_button.clicked.connect(self.delete_selected)
        self.undo_button = QPushButton("Undo", body, toolTip="Undo the last delete or move")
        self.undo_button.clicked.connect(self.undo)
        for button in (self.open_button, self.move_button, self.delete_button, self.undo_button):
            row.addWidget(button)
        return row

    # ----- public surface -------------------------------------------------------------------------------

    def store(self) -> SampleStore:
        return SampleStore(self._session.task.name)

    def refresh(self) -> None:
        """Lists the task's drawings again (from the store's index) and updates counts, label buttons and warnings."""
        task = self._session.task
        store = self.store()
        self._show_imported(task)
        if not store.index.ready():  # listed in the background (gui.collect); its samples_changed refreshes
            self._show_counts(task, None)
            self.model.set_samples(store, [])
            return
        self._show_counts(task, store.counts())
        label = self.filter_box.currentData()
        if self._only_ids is not None:
            ids = [sample_id for sample_id in self._only_ids if store.index.label_of(sample_id) is not None]
        else:
            labels = task.labels if label in (None, ALL_LABELS) else [label]
            ids = [sample_id for name in labels for sample_id in store.index.ids(name)]
        self.model.show_labels = label in (None, ALL_LABELS) or self._only_ids is not None
        self.model.set_samples(store, ids)
        self._refresh_buttons()

    def apply_change(self, change) -> None:
        """Shows a `model.collection.sample_index.SamplesChange`: new counts, and only the rows that came or went."""
        if change.everything:
            self.refresh()
            return
        self._show_counts(self._session.task, change.counts)
        for sample in change.removed:
            self.model.remove_sample(sample.id)
        for sample in change.added:
            if self._shows(sample):
                self.model.add_sample(sample.id)
        self._refresh_buttons()

    def show_samples(self, sample_ids, note: str = "") -> None:
        """Shows only these drawings (for example a confusion-matrix cell), with a note and a Show all button."""
        self._only_ids = set(sample_ids)
        self.filter_note.setText(note)
        self.show_all_button.show()
        self.filter_box.blockSignals(True)
        self.filter_box.setCurrentIndex(0)
        self.filter_box.blockSignals(False)
        self.refresh()
        self.show()
        self.raise_()

    def show_all(self) -> None:
        self._only_ids = None
        self.filter_note.setText("")
        self.show_all_button.hide()
        self.refresh()

    def selected_ids(self) -> list[str]:
        return [index.data(SampleIdRole) for index in self.view.selectionModel().selectedIndexes()]

    def select(self, sample_ids) -> None:
        selection = self.view.selectionModel()
        selection.clearSelection()
        for row in map(self.model.row_of, sample_ids):
            if row >= 0:
                selection.select(self.model.index(row), QItemSelectionModel.SelectionFlag.Select)

    def open_selected(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        strokes = self.store().strokes(ids[0])
        if not strokes:
            self._saver.toast.show_message("This drawing was imported as an image: it has no strokes to open.")
            return
        self.open_requested.emit(strokes)

    def delete_selected(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        store = self.store()
        removed, problem = self._each(ids, store.remove)
        if removed:  # what did move to the trash can still be undone, even if the disk refused the rest
            self._undo.append(("remove", store.task_name, removed))
        noun = "drawing" if len(removed) == 1 else "drawings"
        self._saver.toast.show_message(f"Deleted {len(removed)} {noun}.{problem}", "Undo" if removed else "",
                                       self.undo)
        self._saver.samples_changed.emit(store.change(removed=removed))

    def move_selected(self, label: str) -> None:
        ids = self.selected_ids()
        store = self.store()
        before = [store.find(sample_id) for sample_id in ids]
        after, problem = self._each(ids, lambda sample_id: store.relabel(sample_id, label))
        moved = before[:len(after)]
        if after:
            self._undo.append(("move", store.task_name, [(sample.id, sample.label) for sample in moved]))
        self._saver.toast.show_message(f"Moved {len(after)} to '{label}'.{problem}", "Undo" if after else "",
                                       self.undo)
        self._saver.samples_changed.emit(store.change(removed=moved, added=after))

    @staticmethod
    def _each(ids, action) -> tuple[list, str]:
        """Applies `action` to each id until the disk refuses one; returns (results, " Stopped: <why>." or "")."""
        results = []
        for sample_id in ids:
            try:
                results.append(action(sample_id))
            except OSError as error:
                return results, f" Stopped: {describe_error(error)}"
        return results, ""

    def undo(self) -> bool:
        """Undoes the last delete or move; False if there is nothing to undo."""
        if not self._undo:
            return False
        kind, task_name, entries = self._undo.pop()
        store = SampleStore(task_name)
        if kind == "remove":
            before, after = [], [store.restore(entry) for entry in entries]
        else:
            before = [store.find(sample_id) for sample_id, _ in entries]
            after = [store.relabel(sample_id, label) for sample_id, label in entries]
        self._saver.samples_changed.emit(store.change(removed=before, added=after))
        return True

    # ----- slots and helpers ----------------------------------------------------------------------------

    def _show_counts(self, task, counts: dict | None) -> None:
        """Shows the counts in the title, filter and buttons; None while the drawings are being listed."""
        if counts is None:
            self.title.setText(f"<b>{task.display_name}</b> · listing the drawings…")
            counts, total = {label: "…" for label in task.labels}, "…"
        else:
            counts = {label: 0 for label in task.labels} | counts
            total = sum(counts[label] for label in task.labels)
            self.title.setText(f"<b>{task.display_name}</b> · {total} drawing{'s' if total != 1 else ''}")
        self._fill_filter(task, counts, total)
        self._fill_save_buttons(task, counts)
        if total == "…":
            self.warnings.hide()
            return
        trained = {label: counts[label] + self._imported.get(label, 0) for label in task.labels}
        warnings = dataset_warnings(trained, task.labels, has_base_data=task.base_data is not None)
        self.warnings.setText("\n".join(warnings))
        self.warnings.setVisible(bool(warnings))

    def _show_imported(self, task) -> None:
        self._imported = {label: count for label, count in imported_counts(task.name, task.labels).items() if count}
        self.imported_note.setText("Imported Quick, Draw! files (trained on, not listed here): " + " · ".join(
            f"{label} {count:,}" for label, count in self._imported.items()))
        self.imported_note.setVisible(bool(self._imported))

    def _shows(self, sample) -> bool:
        if self._only_ids is not None:
            return sample.id in self._only_ids
        label = self.filter_box.currentData()
        return sample.label == label or (label in (None, ALL_LABELS) and sample.label in self._session.task.labels)

    def _fill_filter(self, task, counts, total) -> None:
        texts = [f"All labels ({total})"] + [f"{label} ({counts[label]})" for label in task.labels]
        if [self.filter_box.itemData(i) for i in range(self.filter_box.count())] == [ALL_LABELS, *task.labels]:
            for position, text in enumerate(texts):
                self.filter_box.setItemText(position, text)
            return
        current = self.filter_box.currentData()
        self.filter_box.blockSignals(True)
        self.filter_box.clear()
        for text, data in zip(texts, [ALL_LABELS, *task.labels]):
            self.filter_box.addItem(text, data)
        self.filter_box.setCurrentIndex(max(0, self.filter_box.findData(current)))
        self.filter_box.blockSignals(False)

    def _fill_save_buttons(self, task, counts) -> None:
        keys = label_keys(task)
        texts = {label: (f"{keys[label]}  " if label in keys else "") + f"{label}  ·  {counts[label]}"
                 for label in task.labels}
        if list(self._save_buttons) == list(task.labels):
            for label, button in self._save_buttons.items():
                button.setText(texts[label])
            return
        while self.save_grid.count():
            self.save_grid.takeAt(0).widget().deleteLater()
        self._save_buttons = {}
        columns = 5 if len(task.labels) > 6 else 3
        for position, label in enumerate(task.labels):
            key = keys.get(label)
            button = QPushButton(texts[label], self.widget(), objectName="saveLabelButton")
            button.setToolTip(f"Save the drawing as '{label}'"
                              + (f" (key {key}; Ctrl+{key} saves and fine-tunes at once)" if key else ""))
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _=False, label=label: self._saver.save(label))
            self.save_grid.addWidget(button, position // columns, position % columns)
            self._save_buttons[label] = button

    def _fill_move_menu(self) -> None:
        menu = self.move_button.menu()
        menu.clear()
        for label in self._session.task.labels:
            menu.addAction(label, lambda label=label: self.move_selected(label))

    def _on_view_context_menu(self, position) -> None:
        if not self.selected_ids():
            return
        menu = QMenu(self.view)
        menu.addAction("Open on the canvas", self.open_selected)
        move = menu.addMenu("Move to")
        for label in self._session.task.labels:
            move.addAction(label, lambda label=label: self.move_selected(label))
        menu.addAction("Delete", self.delete_selected)
        menu.exec(self.view.viewport().mapToGlobal(position))

    def _refresh_buttons(self, *_args) -> None:
        selected = bool(self.view.selectionModel().selectedIndexes())
        for button in (self.open_button, self.move_button, self.delete_button):
            button.setEnabled(selected)
        self.undo_button.setEnabled(bool(self._undo))

    def _on_filter_box_changed(self) -> None:
        if self._only_ids is not None:
            self.show_all()
        else:
            self.refresh()

    def _on_saver_samples_changed(self, change) -> None:
        if change.task_name == self._session.task.name:
            self.apply_change(change)

    def _on_session_task_changed(self, task) -> None:
        self._only_ids = None
        self.filter_note.setText("")
        self.show_all_button.hide()
        self.refresh()
