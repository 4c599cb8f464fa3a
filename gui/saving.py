"""Saving drawings from the keyboard: a key per label, Enter for the current guess, Ctrl+Z to take a save back.

In Digits the keys are the digits themselves; in other tasks the labels get 1, 2, … 9, 0 in order. Ctrl with the
same key saves and fine-tunes at once ("Correct me"). After a save the canvas is cleared (undoably), so the
window's Undo (Ctrl+Z) first brings the drawing back; this controller listens to that Undo and, while the last
thing that happened was a save, removes the saved sample too: one Ctrl+Z undoes the whole save.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QMessageBox

from gui.toast import Toast
from model.collection.sample_writer import stores_with_failed_writes
from model.collection.samples import SampleStore
from model.training.job_errors import describe_error

MAX_KEYED_LABELS = 10


def label_keys(task) -> dict[str, str]:
    """Returns {label: key} for the labels that have a key.

    A label that is a digit is its own key (Digits: 0-9); the other labels take the free keys 1…9, 0 in order.
    Labels beyond ten have no key; their button in the Data set dock saves them.
    """
    keys = {label: label for label in task.labels if len(label) == 1 and label.isdigit()}
    free = [key for key in [str(digit) for digit in range(1, 10)] + ["0"] if key not in keys.values()]
    for label in task.labels:
        if label not in keys and free:
            keys[label] = free.pop(0)
    return keys


def plural(count: int, label: str) -> str:
    """Returns "1 circle", "12 circles" (labels that are digits: "12 × 7")."""
    if label.isdigit():
        return f"{count} × {label}"
    return f"{count} {label}" + ("" if count == 1 or label.endswith("s") else "s")


class SaveController(QObject):
    """Saves the canvas under a label, confirms it in a toast, and undoes it on Ctrl+Z.

    Args:
        window: the `MainWindow` (its canvas, session, toolbar undo action and prediction signal are used).

    A save costs the GUI thread only the snapshot (the cropped image and the strokes' record): the store indexes
    the sample at once and its writer thread writes the files. A write that fails is reported in a toast with a
    Retry button, and the drawing is kept in memory meanwhile; closing the window waits for queued writes.

    Signals:
        samples_changed(change): samples were saved, removed or moved: a `model.collection.sample_index.SamplesChange`
            with the new counts; listeners update from it instead of listing the store.
        correction_requested(task_name, sample_id, label): a save asked for a quick fine-tune (Ctrl+key).
        sample_saved(task_name, sample_id, label).
        write_failed(sample, message): the writer thread could not write a saved drawing (emitted from that thread;
            connect with a queued connection).
    """

    samples_changed = Signal(object)
    correction_requested = Signal(str, str, str)
    sample_saved = Signal(str, str, str)
    write_failed = Signal(object, str)

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window, self.canvas, self.session = window, window.canvas, window.session
        self.toast = Toast(window.centralWidget())
        self._shortcuts: list[QShortcut] = []
        self._last_save: tuple[str, str, str] | None = None
        self._saved_strokes: list = []
        self._guess: str | None = None
        window.prediction_ready.connect(self._on_window_prediction_ready)
        window.toolbar.undo_action.triggered.connect(self._on_undo_triggered)
        self.canvas.stroke_finished.connect(self._forget_last_save)
        self.session.task_changed.connect(self._on_session_task_changed)
        self.write_failed.connect(self._on_store_write_failed, Qt.ConnectionType.QueuedConnection)
        for key in ("Return", "Enter"):
            shortcut = QShortcut(QKeySequence(key), window, context=Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(self.confirm_guess)
        self._on_session_task_changed(self.session.task)

    def keys(self) -> dict[str, str]:
        return label_keys(self.session.task)

    def store(self) -> SampleStore:
        return SampleStore(self.session.task.name)

    def save(self, label: str, *, correct: bool = False) -> str | None:
        """Saves the drawing on the canvas as `label`, clears the canvas and shows a toast; returns the id."""
        task = self.session.task
        if self.canvas.is_empty():
            self.toast.show_message("Draw something first, then press a label's key to save it.")
            return None
        strokes = self.canvas.strokes()
        store = self.store()
        try:
            sample = store.add_later(label, self.canvas.to_array(), strokes, recognized=self._guess == label,
                                     on_failed=self.write_failed.emit)
        except (OSError, ValueError) as error:
            # The canvas is left as it is, so a save that the disk refused can simply be tried again.
            kept = " The drawing stays on the canvas." if isinstance(error, OSError) else ""
            self.toast.show_message(f"Not saved: {describe_error(error)}{kept}", duration_ms=10000)
            return None
        self.canvas.clear()
        self._last_save, self._saved_strokes = (task.name, sample.id, sample.label), strokes
        change = store.change(added=[sample])
        extra = " and fine-tuning" if correct else ""
        self.toast.show_message(f"Saved as '{sample.label}' ({plural(change.counts[sample.label], sample.label)})"
                                f"{extra} — Ctrl+Z to undo", "Undo", self.undo_last_save)
        self.sample_saved.emit(task.name, sample.id, sample.label)
        self.samples_changed.emit(change)
        if correct:
            self.correction_requested.emit(task.name, sample.id, sample.label)
        return sample.id

    def confirm_guess(self) -> str | None:
        """Saves the drawing under the label the network guesses now (Enter)."""
        if self._guess is None or self._guess not in self.session.task.labels:
            self.toast.show_message("No guess to confirm yet: draw something (and train a model) first.")
            return None
        return self.save(self._guess)

    def undo_last_save(self) -> bool:
        """Removes the last saved sample and puts its drawing back on the canvas; False if there is none."""
        if self._last_save is None:
            return False
        task_name, sample_id, label = self._last_save
        self._last_save = None
        if not self._remove(task_name, sample_id):
            return False
        if self.canvas.is_empty():
            self.canvas.set_strokes(self._saved_strokes)
        self.toast.show_message(f"Removed the drawing saved as '{label}'.")
        return True

    def finish_writes(self) -> bool:
        """Waits for every queued drawing to be written (before the window closes).

        Returns False when some could not be written and the person chose to keep the window open to retry.
        """
        self.store().wait_for_writes()
        stores = stores_with_failed_writes()
        if not stores:
            return True
        for store in stores:  # the disk may have room again by now
            store.retry_failed()
        self.store().wait_for_writes()
        lost = sum(len(store.failed_writes()) for store in stores)
        return lost == 0 or self.confirm_losing(lost)

    def confirm_losing(self, count: int) -> bool:
        """Asks whether to quit although `count` drawings could not be written; True to quit."""
        answer = QMessageBox.warning(
            self.window, "Drawings not saved",
            f"{count} drawing{'s' if count != 1 else ''} could not be written to disk (is it full?). Quit anyway and "
            "lose them, or stay and free some space first?",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Discard

    def last_save(self) -> tuple[str, str, str] | None:
        """(task_name, sample_id, label) of a save that Ctrl+Z would undo now, or None."""
        return self._last_save

    # ----- slots ----------------------------------------------------------------------------------------

    def _on_undo_triggered(self) -> None:
        # The window's Undo has just run on the canvas. If it brought back the very drawing that was saved (it
        # undid the save's clear), take the sample back too; any other undo leaves the save alone.
        now = self.canvas.strokes()
        same = len(now) == len(self._saved_strokes) and all(a is b for a, b in zip(now, self._saved_strokes))
        if self._last_save is None or not same:
            return
        task_name, sample_id, label = self._last_save
        self._last_save = None
        if self._remove(task_name, sample_id):
            self.toast.show_message(f"Undone: the drawing is no longer saved as '{label}'.")

    def _remove(self, task_name: str, sample_id: str) -> bool:
        store = SampleStore(task_name)
        try:
            removed = store.remove(sample_id)
        except KeyError:
            return False
        self.samples_changed.emit(store.change(removed=[removed]))
        return True

    def _on_store_write_failed(self, sample, message: str) -> None:
        def retry():
            for store in stores_with_failed_writes():
                store.retry_failed()

        self.toast.show_message(f"Could not write the drawing saved as '{sample.label}' ({message}). It is kept "
                                "until it can be written: free some space, then Retry.", "Retry", retry,
                                duration_ms=15000)

    def _forget_last_save(self) -> None:
        self._last_save = None

    def _on_window_prediction_ready(self, prediction) -> None:
        labels = self.session.predictor.labels if self.session.predictor is not None else ()
        if prediction is None or not labels:
            self._guess = None
            return
        self._guess = labels[prediction.top_index]

    def _on_session_task_changed(self, task) -> None:
        for shortcut in self._shortcuts:
            shortcut.setEnabled(False)
            shortcut.deleteLater()
        self._shortcuts = []
        self._last_save = None
        for label, key in label_keys(task).items():
            for sequence, correct in ((key, False), (f"Ctrl+{key}", True)):
                shortcut = QShortcut(QKeySequence(sequence), self.window, context=Qt.ShortcutContext.WindowShortcut)
                shortcut.activated.connect(lambda label=label, correct=correct: self.save(label, correct=correct))
                self._shortcuts.append(shortcut)
