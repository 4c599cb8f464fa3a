"""Collecting your own drawings: puts the saving keys, the Data set and Retrain docks and the Tasks menu in the window.

`install(window)` is registered in gui/extensions.py. Everything slow (retraining, import, export) runs off the
GUI thread: retraining as a job of the window's `ModelSession`, import and export as `gui.jobs.BackgroundJob`s.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QFileDialog, QMenu, QMessageBox

from gui.docks.dataset import DatasetDock
from gui.docks.retrain import RetrainDock, describe_unfinished_retrain
from gui.jobs import BackgroundJob
from gui.labels_dialog import LabelsDialog, NewTaskDialog
from gui.quickdraw_import import QuickDrawImporter
from gui.saving import SaveController
from gui.session import JobKind
from model.collection import user_tasks
from model.collection.samples import SampleStore
from model.core import disk
from model.training import correct as corrections
from model.training.retrain_checkpoint import unfinished_retrain


class Collector(QObject):
    """Owns the saving controller and the two docks, and wires them to each other and to the window."""

    # From the thread that lists a task's drawings (model.collection.sample_index): the listing is ready.
    _samples_listed = Signal(str)

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window, self.session = window, window.session
        self._samples_listed.connect(self._on_index_samples_listed, Qt.ConnectionType.QueuedConnection)
        self.list_samples(self.session.task)
        self.session.task_changed.connect(self.list_samples)
        self.saver = SaveController(window)
        self.dataset_dock = DatasetDock(self.session, self.saver, window)
        self.retrain_dock = RetrainDock(self.session, window)
        window.add_dock(self.dataset_dock, Qt.DockWidgetArea.LeftDockWidgetArea)
        window.add_dock(self.retrain_dock, Qt.DockWidgetArea.LeftDockWidgetArea)
        # Tabbed, so the browser gets the column's full height for thumbnails and the charts get theirs; a retrain
        # brings its tab forward and a confusion-matrix cell brings the browser back.
        window.tabifyDockWidget(self.dataset_dock, self.retrain_dock)
        self.dataset_dock.raise_()
        self.session.training_started.connect(self._on_session_training_started)
        self.jobs: list[BackgroundJob] = []
        self.quickdraw = QuickDrawImporter(self)
        self._build_menu()
        self.dataset_dock.open_requested.connect(self._on_dataset_open_requested)
        self.dataset_dock.manage_requested.connect(self._on_dataset_manage_requested)
        self.retrain_dock.cell_opened.connect(self._on_retrain_cell_opened)
        self.saver.correction_requested.connect(self._on_saver_correction_requested)
        self.saver.samples_changed.connect(self._on_saver_samples_changed)
        self.session.training_finished.connect(lambda *_: self.dataset_dock.refresh())
        self.session.training_finished.connect(self._on_session_training_finished)
        self.session.task_changed.connect(self._offer_unfinished_retrain)
        window.prediction_dock.correction_requested.connect(
            lambda label: self.saver.save(label, correct=True))
        # Once the window is up: a retrain the last session left unfinished is offered where it shows.
        QTimer.singleShot(0, lambda: self._offer_unfinished_retrain(self.session.task))
        # Closing the window first waits for the drawings still being written (an event filter, so the window's
        # own closeEvent stays as it is).
        window.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Close:
            if not self.saver.finish_writes():
                event.ignore()
                return True
            self.quickdraw.stop_for_close()
        return super().eventFilter(watched, event)

    def _build_menu(self) -> None:
        menu = self.window.menuBar().addMenu("Ta&sks")
        self.window.menuBar().insertMenu(self.window.view_menu.menuAction(), menu)
        # (text, shortcut, slot, group): the Data set panel's Import and Export buttons offer their group's actions.
        entries = [("&New task…", "Ctrl+Shift+N", self.new_task, ""), ("&Labels…", "", self.edit_labels, ""), None,
                   ("&Retrain on my drawings", "Ctrl+R", self.retrain_dock.start_retrain, ""),
                   ("Roll &back the model", "", self.retrain_dock.roll_back, ""), None,
                   ("&Import drawings (folder)…", "", lambda: self.import_dialog(folder=True), "import"),
                   ("Import drawings (&files)…", "", lambda: self.import_dialog(folder=False), "import"),
                   ("Import &Quick, Draw! files (whole categories)…", "", self.quickdraw.open_dialog, "import"), None,
                   ("Export drawings as &folder…", "", lambda: self.export_dialog("folder"), "export"),
                   ("Export drawings as .np&z…", "", lambda: self.export_dialog("npz"), "export"),
                   ("Export &model…", "", lambda: self.export_dialog("model"), "export")]
        self.menu_groups: dict[str, list[QAction]] = {"import": [], "export": []}
        for entry in entries:
            if entry is None:
                menu.addSeparator()
                continue
            text, shortcut, slot, group = entry
            action = QAction(text, self.window)
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
            action.triggered.connect(lambda _=False, slot=slot: slot())
            menu.addAction(action)
            if group:
                self.menu_groups[group].append(action)
        self.menu = menu

    def list_samples(self, task) -> None:
        """Lists the task's drawings in the background (50,000 take tenths of a second); the docks fill when done."""
        store = SampleStore(task.name)
        store.index.load_in_background(lambda: self._samples_listed.emit(task.name))

    # ----- tasks and labels -----------------------------------------------------------------------------

    def new_task(self) -> None:
        dialog = NewTaskDialog(self.window)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.task is not None:
            self.add_task_to_switcher(dialog.task)
            self.session.set_task(dialog.task.name)
            self.saver.toast.show_message(f"Created {dialog.task.display_name}: draw and press 1–"
                                          f"{min(9, dialog.task.num_classes)} to save each drawing.")

    def add_task_to_switcher(self, task) -> None:
        box = self.window.toolbar.task_box
        if box.findData(task.name) < 0:
            box.addItem(task.display_name, task.name)

    def edit_labels(self) -> None:
        dialog = LabelsDialog(self.session.task, self.window)
        dialog.task_changed.connect(self.use_changed_task)
        dialog.label_removed.connect(self._on_labels_label_removed)
        dialog.exec()

    def use_changed_task(self, task) -> None:
        """Makes the session use a task whose labels changed (same name, new labels)."""
        self.session.use_changed_task(task)

    def _on_labels_label_removed(self, task_name: str, label: str, token) -> None:
        def undo():
            self.use_changed_task(user_tasks.restore_label(token))

        self.saver.toast.show_message(f"Removed the label '{label}'.", "Undo", undo, duration_ms=8000)

    # ----- import and export ----------------------------------------------------------------------------

    def import_dialog(self, folder: bool) -> None:
        if folder:
            path = QFileDialog.getExistingDirectory(self.window, "Import a folder with one subfolder per label")
            paths = [path] if path else []
        else:
            paths, _ = QFileDialog.getOpenFileNames(self.window, "Import drawings", "",
                                                    "Drawings (*.ndjson *.npy *.npz)")
        if paths:
            self.import_paths(paths)

    def import_paths(self, paths, limit: int | None = 5000) -> BackgroundJob | None:
        """Imports files or folders into the current task in the background; a toast reports the result.

        A data set ConvCanvas exported from a task with other labels is not imported at once: a question offers
        to create that task (or to switch to one that has its labels) and import into it. Returns the import's
        job, or None while that question is open (the job it starts is then `self.jobs[-1]`).
        """
        offer = self._export_offer(paths)
        if offer is not None:
            self._ask_about_export(paths, limit, *offer)
            return None
        return self._import_into(self.session.task, paths, limit)

    def _export_offer(self, paths):
        """(title, labels, existing task or None) for the first export whose labels the current task lacks."""
        from model.collection.importers import exported_task
        from model.core.tasks import all_tasks

        for path in paths:
            found = exported_task(path)
            if found is None or set(found[1]) <= set(self.session.task.labels):
                continue
            title, labels = found
            having = [task for task in all_tasks().values() if set(labels) <= set(task.labels)]
            return title, labels, having[0] if having else None
        return None

    def _ask_about_export(self, paths, limit, title: str, labels: list, existing) -> QMessageBox:
        current = self.session.task.display_name
        target = f"switch to {existing.display_name}" if existing else f"create a task '{title}' with them"
        box = QMessageBox(QMessageBox.Icon.Question, "Import a data set",
                          f"This data set has the labels {', '.join(labels)}, which {current} does not have "
                          f"(all would be skipped). Import it as it is: {target}, then import into it?",
                          parent=self.window)
        create = box.addButton(f"Switch to {existing.display_name}" if existing else f"Create '{title}'",
                               QMessageBox.ButtonRole.AcceptRole)
        here = box.addButton(f"Import into {current}", QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(create)

        def answered(button) -> None:
            if button is create:
                try:
                    task = existing or self._create_task(title, labels)
                except ValueError as error:
                    self._tell("Import", f"Could not create the task: {error}", icon=QMessageBox.Icon.Warning)
                    return
                self.add_task_to_switcher(task)
                self.session.set_task(task.name)
                self._import_into(task, paths, limit)
            elif button is here:
                self._import_into(self.session.task, paths, limit)

        box.buttonClicked.connect(answered)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # not exec'd: the window (and a test) goes on while it waits
        self.last_question = box
        return box

    def _create_task(self, title: str, labels: list):
        from model.core.tasks import all_tasks

        name, number = title, 1
        while user_tasks.task_name_for(name) in all_tasks():
            number += 1
            name = f"{title} {number}"
        return user_tasks.create_task(name, labels)

    def _import_into(self, task, paths, limit) -> BackgroundJob:
        from model.collection.importers import ImportReport, import_path

        store = SampleStore(task.name)

        def work():
            total = ImportReport(limit=limit)
            for path in paths:
                try:
                    total.merge(import_path(path, store, labels=task.labels, limit=limit))
                except OSError as error:  # found full before starting: what earlier paths added is still reported
                    if not disk.is_disk_error(error):
                        raise
                    total.stopped = disk.describe(error)
                if total.stopped:
                    break
            return total

        return self._run(work, lambda report: self._after_import(task.name, report))

    def _after_import(self, task_name: str, report) -> None:
        self.saver.samples_changed.emit(SampleStore(task_name).change(everything=True))
        self.saver.toast.show_message(report.summary(), duration_ms=8000)
        if report.skipped or report.left_out or report.stopped:
            self._tell("Import", report.summary(), report.details(), icon=QMessageBox.Icon.Warning
                       if report.stopped else QMessageBox.Icon.Information)

    def export_dialog(self, kind: str) -> None:
        task = self.session.task
        if kind == "npz":
            path, _ = QFileDialog.getSaveFileName(self.window, "Export drawings", f"{task.name}.npz", "*.npz")
        else:
            path = QFileDialog.getExistingDirectory(self.window, "Export into folder")
            path = str(Path(path) / f"{task.name}-{'model' if kind == 'model' else 'drawings'}") if path else ""
        if path:
            self.export(kind, path)

    def export(self, kind: str, path) -> BackgroundJob:
        """Exports the current task's drawings ("folder", "npz") or model ("model") in the background."""
        from model.collection import exporters

        task = self.session.task
        store = SampleStore(task.name)
        work = {"folder": lambda: exporters.export_folder(store, path, task.labels),
                "npz": lambda: exporters.export_npz(store, path, task.labels),
                "model": lambda: exporters.export_model(task.name, path)}[kind]
        return self._run(work, lambda _: self.saver.toast.show_message(f"Exported to {path}", duration_ms=8000))

    def _run(self, work, done) -> BackgroundJob:
        job = BackgroundJob(work, self)
        job.finished.connect(done)
        job.failed.connect(lambda message: self._tell("ConvCanvas", message, icon=QMessageBox.Icon.Warning))
        self.jobs = [j for j in self.jobs if j.is_running()] + [job]
        return job.start()

    def _tell(self, title: str, text: str, details: str = "", icon=QMessageBox.Icon.Information) -> QMessageBox:
        # Opened, not exec'd: a report never blocks the window (or a test) waiting for a click.
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self.window)
        if details:
            box.setDetailedText(details)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.last_message = box
        return box

    # ----- slots ----------------------------------------------------------------------------------------

    def _on_session_training_started(self, task_name: str, kind: JobKind) -> None:
        if kind in (JobKind.RETRAIN, JobKind.CORRECT):
            self.retrain_dock.show()
            self.retrain_dock.raise_()

    def _on_dataset_open_requested(self, strokes) -> None:
        self.window.canvas.set_strokes(strokes)

    def _on_dataset_manage_requested(self, request: str) -> None:
        if request == "new_task":
            self.new_task()
        elif request == "labels":
            self.edit_labels()
        elif request in self.menu_groups:
            menu = QMenu(self.window)
            for action in self.menu_groups[request]:
                menu.addAction(action)
            menu.exec(self.window.cursor().pos())

    def _on_retrain_cell_opened(self, true_label: str, predicted: str, ids: list) -> None:
        note = f"{len(ids)} '{true_label}' drawing{'s' if len(ids) != 1 else ''} seen as '{predicted}'"
        self.dataset_dock.show_samples(ids, note)

    def _on_saver_correction_requested(self, task_name: str, sample_id: str, label: str) -> None:
        if self.retrain_dock.start_correction(task_name, sample_id, label):
            self.window.prediction_dock.show_note(f"Saved as '{label}'; learning from it…")
        else:
            self.saver.toast.show_message(f"Saved as '{label}'; no quick fine-tune now (the model is busy "
                                          "or not trained yet).")

    def _on_session_training_finished(self, task_name: str, result) -> None:
        if self.session.ended_job_kind is not JobKind.CORRECT:
            return
        if result.cancelled:
            text = f"Correct me stopped; the drawing stays saved as '{result.label}'."
        else:
            index = result.labels.index(result.label)
            text = (f"Correct me: '{result.label}' went from {100 * result.before[index]:.0f}% "
                    f"to {100 * result.after[index]:.0f}%")
        self.window.prediction_dock.show_note(text)
        self.saver.toast.show_message(text, duration_ms=8000)

    def _offer_unfinished_retrain(self, task) -> None:
        state = unfinished_retrain(task)
        if state is None or self.session.is_training():
            return
        self.retrain_dock.refresh()
        self.retrain_dock.show()
        self.retrain_dock.raise_()
        self.saver.toast.show_message(f"{task.display_name}: {describe_unfinished_retrain(state).lower()}", "Resume",
                                      lambda: self.retrain_dock.start_retrain(resume=True), duration_ms=15000)

    def _on_index_samples_listed(self, task_name: str) -> None:
        if task_name == self.session.task.name:
            self.dataset_dock.refresh()
            self.retrain_dock.show_new_drawings()

    def _on_saver_samples_changed(self, change) -> None:
        if change.task_name != self.session.task.name:
            return
        self.retrain_dock.show_new_drawings()
        task = self.session.task
        every = corrections.auto_retrain_every()
        if not every or self.session.is_training() or self.session.info is None:
            return
        if corrections.samples_since_retrain(task, self.session.info) >= every:
            self.retrain_dock.start_retrain()
            self.saver.toast.show_message(f"{every} new drawings: retraining in the background.")


def install(window) -> Collector:
    """Adds saving, the Data set and Retrain docks and the Tasks menu to a `MainWindow`."""
    return Collector(window)
