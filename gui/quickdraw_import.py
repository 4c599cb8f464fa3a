"""Tasks › Import Quick, Draw! files…: whole category files (.npy bitmaps, .ndjson strokes, 100,000+ drawings each)
imported at scale into a task of the user's own (or Shapes and Digits, files of their labels only), on a worker
thread, with progress and a Cancel.

The files become shard sets that training streams from disk (`model.collection.quickdraw_files`,
`model.training.streaming`), not drawings in the browser, so neither memory nor the Data set panel grows with them; the
panel's note counts them. The window is refreshed once, when the import ends.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox

from gui.jobs import CancellableJob
from gui.quickdraw_dialog import NEW_TASK, ImportChoice, ImportProgressDialog, QuickDrawDialog
from model.collection import user_tasks
from model.core.tasks import get_task


class QuickDrawImporter(QObject):
    """Runs Quick, Draw! imports for a `gui.collect.Collector` (its docks, toast, messages and task helpers).

    Signals:
        import_finished(report): an import ended (a `model.collection.import_report.ImportReport`), after the window
            refreshed.
    """

    import_finished = Signal(object)

    def __init__(self, collector) -> None:
        super().__init__(collector)
        self.collector, self.window = collector, collector.window
        self.dialog: QuickDrawDialog | None = None
        self.progress_dialog: ImportProgressDialog | None = None
        self.job: CancellableJob | None = None

    def open_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self.window, "Import Quick, Draw! files", "",
                                                "Quick, Draw! files (*.npy *.ndjson)")
        if paths:
            self.ask(paths)

    def ask(self, paths) -> QuickDrawDialog | None:
        """Opens the dialog for these files (not exec'd); files that are not Quick, Draw! files are named in a
        message and left out. Returns the dialog, or None if no file can be imported or an import is running."""
        from model.collection.quickdraw_files import inspect_file

        if self.is_running():
            self.collector._tell("Import", "An import is running; wait for it or cancel it first.")
            return None
        files, problems = [], []
        for path in paths:
            try:
                files.append(inspect_file(path))
            except ValueError as error:
                problems.append(str(error))
        if problems:
            self.collector._tell("Import", "Left out: " + " ".join(problems), icon=QMessageBox.Icon.Warning)
        if not files:
            return None
        dialog = QuickDrawDialog(files, self.collector.session.task, self.window)
        dialog.accepted.connect(lambda: self._on_dialog_accepted(dialog.choice()))
        dialog.open()
        self.dialog = dialog
        return dialog

    def start(self, choice: ImportChoice) -> CancellableJob | None:
        """Makes the chosen task ready (created, or given the labels it lacks), makes it current and imports into
        it in the background. Returns the job, or None if the task could not be made (a message says why)."""
        try:
            task = self._target_task(choice)
        except (ValueError, OSError) as error:
            self.collector._tell("Import", f"Could not prepare the task: {error}", icon=QMessageBox.Icon.Warning)
            return None
        return self._run(task, choice)

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()

    def is_running(self) -> bool:
        return self.job is not None

    def stop_for_close(self) -> None:
        """Cancels a running import and waits for it (within a few dozen drawings), so the window can close."""
        if self.job is not None:
            self.job.cancel_and_wait()

    # ----- steps ----------------------------------------------------------------------------------------

    def _target_task(self, choice: ImportChoice):
        collector, session = self.collector, self.collector.session
        if choice.task_name == NEW_TASK:
            task = user_tasks.create_task(choice.new_title, choice.labels)
        else:
            task = get_task(choice.task_name)
            for label in choice.labels:
                if label not in task.labels:
                    task = user_tasks.add_label(task.name, label)
        collector.add_task_to_switcher(task)
        if task.name != session.task.name:
            session.set_task(task.name)
        elif task.labels != session.task.labels:
            collector.use_changed_task(task)
        return task

    def _run(self, task, choice: ImportChoice) -> CancellableJob:
        from model.collection.quickdraw_files import import_files

        def work(progress, should_stop):
            return import_files(choice.files, task, limit=choice.limit, rename=choice.rename, progress=progress,
                                should_stop=should_stop)

        self.progress_dialog = ImportProgressDialog(self.window)
        self.job = CancellableJob(work, self)
        self.job.progressed.connect(self.progress_dialog.show_progress)
        self.progress_dialog.cancel_requested.connect(self.cancel)
        self.job.finished.connect(lambda report: self._on_job_finished(task.name, report))
        self.job.failed.connect(self._on_job_failed)
        self.progress_dialog.show()
        return self.job.start()

    def _end(self) -> None:
        self.job = None
        if self.progress_dialog is not None:
            self.progress_dialog.done(0)
            self.progress_dialog.deleteLater()
            self.progress_dialog = None

    # ----- slots ----------------------------------------------------------------------------------------

    def _on_dialog_accepted(self, choice: ImportChoice) -> None:
        self.dialog = None
        self.start(choice)

    def _on_job_finished(self, task_name: str, report) -> None:
        self._end()
        if task_name == self.collector.session.task.name:
            self.collector.dataset_dock.refresh()
        self.collector.saver.toast.show_message(report.summary(), duration_ms=8000)
        stopped_by_disk = report.stopped and not report.stopped.startswith("cancelled")
        self.collector._tell("Import Quick, Draw! files", report.summary(), report.details(),
                             icon=QMessageBox.Icon.Warning if stopped_by_disk else QMessageBox.Icon.Information)
        self.import_finished.emit(report)

    def _on_job_failed(self, message: str) -> None:
        self._end()
        self.collector._tell("Import Quick, Draw! files", message, icon=QMessageBox.Icon.Warning)
