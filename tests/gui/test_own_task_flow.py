"""A task of your own, end to end on the real window, with mouse strokes and keys: create it, save ten drawings of
each label, Train, see it recognised, Correct me from its button, close in the middle of a retrain, get the retrain
offered again in a new window, export, and import into a fresh data folder, which creates the task."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from gui import session as session_module
from gui.main_window import MainWindow
from gui.session import Phase
from model.collection.samples import SampleStore
from model.core.tasks import get_task
from model.network import model_store
from model.training import recipes
from model.training.retrain import RetrainSettings
from model.training.retrain_checkpoint import unfinished_retrain
from tests.gui.drawing import drag, heart_points, house_points, star_points
from tests.gui.training_jobs import tiny_quick_recipe

LABELS = ("star", "heart", "house")
DRAWERS = {"star": star_points, "heart": heart_points, "house": house_points}


def _draw(window, label, rng):
    canvas = window.canvas
    radius = rng.uniform(0.25, 0.36) * min(canvas.width(), canvas.height())
    x = canvas.width() / 2 + rng.uniform(-0.12, 0.12) * canvas.width()
    y = canvas.height() / 2 + rng.uniform(-0.08, 0.08) * canvas.height()
    drag(canvas, DRAWERS[label](x, y, radius))


def _open_window(qtbot, task_name=None):
    window = MainWindow(task_name, auto_train=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    _activate(window)
    return window


def _activate(window):
    # Shortcuts reach only the active window, and the offscreen platform activates none by itself (nor again
    # once a dialog closes).
    QApplication.setActiveWindow(window)


def _when_shown(find, act, qtbot):
    """Runs `act(widget)` once `find()` returns the modal widget a click or key opened (a dialog, a menu)."""
    def poll():
        widget = find()
        if widget is None or not widget.isVisible():
            QTimer.singleShot(50, poll)
        else:
            act(widget)

    QTimer.singleShot(50, poll)


def _create_task(window, qtbot):
    def fill(dialog):
        QTest.keyClicks(dialog.name_edit, "Doodles")
        QTest.keyClicks(dialog.labels_edit, ", ".join(LABELS))
        QTest.keyClick(dialog.labels_edit, Qt.Key.Key_Return)

    _when_shown(QApplication.activeModalWidget, fill, qtbot)
    QTest.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    _activate(window)
    return window.session.task


def _correct_me(window, label, qtbot):
    dock = window.prediction_dock

    def choose(menu):
        action = next(action for action in menu.actions() if action.data() == label)
        menu.setActiveAction(action)
        QTest.keyClick(menu, Qt.Key.Key_Return)

    _when_shown(QApplication.activePopupWidget, choose, qtbot)
    qtbot.mouseClick(dock.correct_button, Qt.MouseButton.LeftButton)
    _activate(window)


def test_a_task_of_your_own_from_first_drawing_to_import_elsewhere(qtbot, monkeypatch, tmp_path, isolated_data_dir):
    monkeypatch.setitem(recipes.RECIPES, "quick", tiny_quick_recipe())
    monkeypatch.setattr(session_module, "TRAIN_JOB", "tests.gui.training_jobs:tiny_quick_train_job")
    rng = np.random.default_rng(0)
    window = _open_window(qtbot)
    task = _create_task(window, qtbot)
    assert task.name == "doodles" and task.labels == LABELS

    # Ten of each, saved with the label keys 1, 2, 3.
    for _ in range(10):
        for key, label in zip((Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_3), LABELS):
            _draw(window, label, rng)
            QTest.keyClick(window, key)
    assert SampleStore(task.name).counts() == {label: 10 for label in LABELS}
    assert "no model has learned from them yet" in window.collector.retrain_dock.status.text()

    # Train, with the big button; the status bar speaks of recipes, never of internal names.
    train_button = window.training_dock.train_button
    assert train_button.text() == "Train Doodles"
    with qtbot.waitSignal(window.session.training_finished, timeout=60_000) as finished:
        qtbot.mouseClick(train_button, Qt.MouseButton.LeftButton)
    assert finished.args[1].status == "completed"
    qtbot.waitUntil(lambda: window.session.phase == Phase.READY, timeout=30_000)
    assert "Quick recipe" in window.model_label.text()
    assert "0 new drawings since the model last learned" in window.collector.retrain_dock.status.text()

    # It recognises a new star.
    _draw(window, "star", rng)
    qtbot.waitUntil(lambda: window.prediction_dock.top_label() != "", timeout=10_000)
    assert window.prediction_dock.top_label() == "star", window.prediction_dock.probabilities()

    # Correct me, from the button beside the guess: a heart, saved and learned from, its before and after shown.
    _draw(window, "heart", rng)
    qtbot.waitUntil(lambda: window.prediction_dock.correct_button.isVisible(), timeout=10_000)
    with qtbot.waitSignal(window.session.training_finished, timeout=60_000) as finished:
        _correct_me(window, "heart", qtbot)
    result = finished.args[1]
    assert result.label == "heart" and SampleStore(task.name).counts()["heart"] == 11
    assert window.prediction_dock.note().startswith("Correct me: 'heart' went from")
    assert window.collector.saver.toast.text() == window.prediction_dock.note()
    qtbot.waitUntil(lambda: window.session.info is not None and window.session.info.recipe == "correction")
    assert "corrected with Correct me" in window.model_label.text() and "correction" not in \
        window.model_label.text().replace("Correct me", "")

    # Close the window in the middle of a retrain.
    retrain = window.collector.retrain_dock
    retrain.settings = RetrainSettings(epochs=3, min_epoch_size=20_000, batch_size=32)
    with qtbot.waitSignal(window.session.training_progress, timeout=30_000):
        qtbot.mouseClick(retrain.retrain_button, Qt.MouseButton.LeftButton)
    window.close()
    assert unfinished_retrain(get_task(task.name)) is not None

    # A new window on the same data folder says so, and resumes it.
    window = _open_window(qtbot)
    assert window.session.task.name == task.name
    retrain = window.collector.retrain_dock
    qtbot.waitUntil(lambda: "retrain was interrupted" in window.collector.saver.toast.text(), timeout=10_000)
    assert retrain.resume_panel.isVisible() and "interrupted before its first epoch ended" in \
        retrain.resume_message.text()
    retrain.settings = RetrainSettings(epochs=1, min_epoch_size=64, batch_size=32)
    with qtbot.waitSignal(window.session.training_finished, timeout=60_000) as finished:
        window.collector.saver.toast.button.click()  # the toast's Resume
    assert finished.args[1].saved and finished.args[1].history[-1].epoch == 3
    assert unfinished_retrain(get_task(task.name)) is None and not retrain.resume_panel.isVisible()

    # Export, then import into a fresh data folder: the task is created from the export's labels.
    export = tmp_path / "doodles-drawings"
    with qtbot.waitSignal(window.collector.export("folder", export).finished, timeout=30_000):
        pass
    window.close()
    monkeypatch.setenv("CONVCANVAS_DATA_DIR", str(tmp_path / "fresh-data"))
    window = _open_window(qtbot)
    assert window.session.task.name == "shapes", "the remembered task is not in this data folder"
    assert window.collector.import_paths([export]) is None, "it asks first"
    question = window.collector.last_question
    assert "star, heart, house" in question.text()
    create = next(button for button in question.buttons() if button.text() == "Create 'Doodles'")
    with qtbot.waitSignal(window.session.task_changed, timeout=10_000):
        qtbot.mouseClick(create, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(window.collector.jobs[-1].finished, timeout=30_000):
        pass
    assert window.session.task.name == "doodles" and window.session.task.labels == LABELS
    assert SampleStore("doodles").counts() == {"star": 10, "heart": 11, "house": 10}
    assert not model_store.task_model_path("doodles").exists()
    window.close()
