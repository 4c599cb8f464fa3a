"""One-line notices about the data folder for the window: damaged files set aside, and the start-up tidy.

`model.core.damaged` records a notice whenever it sets a file aside, from whatever thread read the file; `FileNotices`
brings each one to the GUI thread as `noticed(message)`. `start_tidy()` tidies the data folder (`model.collection.tidy`)
on a pool thread, so a folder of thousands of drawings never delays the window, and reports what it removed.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

from model.core import damaged


class FileNotices(QObject):
    """Routes the model's notices to the GUI thread.

    Signals:
        noticed(message): a one-line notice for the user (a damaged file, what the tidy removed).
    """

    noticed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # Emitting from another thread queues the signal to this object's (the GUI) thread.
        self._stop_listening = damaged.add_listener(self._on_damaged_notice)
        self.destroyed.connect(self._stop_listening)
        for message in damaged.take_notices():  # recorded before the window existed
            QTimer.singleShot(0, lambda message=message: self.noticed.emit(message))

    def _on_damaged_notice(self, message: str) -> None:
        print(f"warning: {message}", file=sys.stderr, flush=True)
        try:
            self.noticed.emit(message)
        except RuntimeError:
            pass  # the window closed while a worker read a file: the line above still said it

    def start_tidy(self) -> None:
        """Tidies the data folder in the background; its summary, if anything was removed, arrives as a notice."""
        QThreadPool.globalInstance().start(_TidyJob())

    def stop(self) -> None:
        """Stops listening (call before the window goes away)."""
        self._stop_listening()


class _TidyJob(QRunnable):
    def run(self) -> None:
        from model.collection.tidy import tidy_data_folder

        try:
            summary = tidy_data_folder().summary()
        except OSError as error:  # an unreadable data folder: nothing to tidy, and nothing worth stopping for
            summary = f"Could not tidy the data folder: {error.strerror or error}."
        if summary:
            damaged.notice(summary)
