"""The collection flow in the window: labels dialog with undo, import/export off the GUI thread, Correct me,
auto-retrain, and quitting in the middle of a retrain without losing anything."""

from __future__ import annotations

import json

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from gui.labels_dialog import LabelsDialog, NewTaskDialog
from gui.session import JobKind
from model.collection import user_tasks
from model.collection.samples import SampleStore
from model.network import model_store
from model.training.correct import set_auto_retrain_every
from model.training.retrain import RetrainSettings
from tests.gui.drawing import circle_points, drag, line_points
from tests.model.training_data import fill_store
from tests.saved_models import save_as_trained

TINY = RetrainSettings(scratch_epochs=2, epochs=1, min_epoch_size=64, batch_size=16)


def _save_untrained_model(task):
    """A model of the right shape, without spending test time on training it."""
    from model.network.architecture import CLASSIC, build_model

    # As if trained on every drawing saved so far.
    last = max((sample.id for sample in SampleStore(task.name).samples()), default="")
    save_as_trained(build_model(CLASSIC, task.num_classes),
                    model_store.ModelInfo(task=task.name, labels=list(task.labels), recipe="test",
                                                 metrics={"last_sample_id": last}))


def _with_model(window, qtbot, task):
    _save_untrained_model(task)
    window.session.reload_model()
    qtbot.waitUntil(lambda: window.session.info is not None, timeout=60000)


def _use_new_task(window, labels=("ring", "bar")):
    task = user_tasks.create_task("Marks", list(labels))
    window.collector.add_task_to_switcher(task)
    window.session.set_task(task.name)
    window.collector.retrain_dock.settings = TINY
    return task


def test_new_task_dialog_explains_what_is_wrong(qtbot):
    dialog = NewTaskDialog()
    qtbot.addWidget(dialog)
    dialog.name_edit.setText("Doodles")
    dialog.labels_edit.setText("star, star")
    assert "twice" in dialog.error.text() and not dialog.buttons.buttons()[0].isEnabled()
    dialog.labels_edit.setText("star, heart, house")
    assert dialog.error.text() == ""
    dialog.accept()
    assert dialog.task.labels == ("star", "heart", "house")


def test_labels_dialog_rename_remove_and_undo_in_window(window):
    task = _use_new_task(window, ("ring", "bar", "dot"))
    fill_store(task.name, {"ring": 2})
    dialog = LabelsDialog(task, window, confirm=lambda question: "2 drawings" in question)
    dialog.task_changed.connect(window.collector.use_changed_task)
    dialog.label_removed.connect(window.collector._on_labels_label_removed)
    assert dialog.rename_label("ring", "circle")
    assert window.session.task.labels == ("circle", "bar", "dot")
    assert not dialog.rename_label("circle", "bar") and "already has" in dialog.note.text()
    assert dialog.remove_label("circle")
    assert window.session.task.labels == ("bar", "dot")
    assert "Removed the label 'circle'" in window.collector.saver.toast.text()
    window.collector.saver.toast.button.click()  # Undo
    assert window.session.task.labels == ("circle", "bar", "dot")
    assert SampleStore(task.name).counts()["circle"] == 2
    assert "retrain" in window.collector.retrain_dock.status.text().lower()


def test_import_and_export_run_in_the_background(window, qtbot, tmp_path):
    store = fill_store("shapes", {"circle": 3, "square": 2})
    collector = window.collector
    job = collector.export("npz", tmp_path / "set.npz")
    with qtbot.waitSignal(job.finished, timeout=30000):
        pass
    assert np.load(tmp_path / "set.npz")["x"].shape == (5, 28, 28)
    folder = tmp_path / "mine"
    (folder / "triangle").mkdir(parents=True)
    import cv2

    image = np.full((90, 90), 255, np.uint8)
    cv2.line(image, (10, 80), (80, 80), 0, 4)
    cv2.imwrite(str(folder / "triangle" / "t.png"), image)
    (folder / "triangle" / "bad.png").write_bytes(b"nope")
    (folder / "kite").mkdir()
    cv2.imwrite(str(folder / "kite" / "k.png"), image)
    job = collector.import_paths([folder])
    with qtbot.waitSignal(job.finished, timeout=30000):
        pass
    assert store.counts()["triangle"] == 1 and "kite" not in store.counts()
    assert "Skipped 2" in collector.saver.toast.text()
    assert "bad.png" in collector.last_message.detailedText()
    assert collector.dataset_dock.model.rowCount() == 6


def test_correct_me_fine_tunes_and_shows_before_and_after(window, qtbot):
    task = _use_new_task(window)
    fill_store(task.name, {"ring": 5, "bar": 5})
    dock = window.collector.retrain_dock
    _with_model(window, qtbot, task)
    canvas = window.canvas
    drag(canvas, line_points((canvas.width() / 2, 40), (canvas.width() / 2 + 5, canvas.height() - 40)))
    with qtbot.waitSignal(window.session.training_finished, timeout=120000):
        QTest.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)  # Ctrl+2: bar, and fine-tune
    result = dock.last_correction
    assert result.label == "bar" and result.before.shape == (2,)
    assert "Correct me: 'bar'" in dock.correction_title.text()
    assert SampleStore(task.name).find(result.sample_id).label == "bar"
    assert model_store.load_info(task.name).recipe == "correction"


def test_auto_retrain_starts_after_n_new_drawings(window, qtbot):
    task = _use_new_task(window)
    fill_store(task.name, {"ring": 4, "bar": 4})
    _with_model(window, qtbot, task)
    set_auto_retrain_every(2)
    canvas = window.canvas
    drag(canvas, circle_points(canvas.width() / 2, canvas.height() / 2, 80))
    QTest.keyClick(window, Qt.Key.Key_1)
    assert not window.session.is_training()
    with qtbot.waitSignal(window.session.training_finished, timeout=120000):
        drag(canvas, circle_points(canvas.width() / 2, canvas.height() / 2, 60))
        QTest.keyClick(window, Qt.Key.Key_1)
        assert window.session.is_training() and window.session.training_kind is JobKind.RETRAIN
        window.session.cancel_training()  # that it started is the point; no need to wait for it


def test_quitting_mid_retrain_loses_nothing(window, qtbot):
    task = _use_new_task(window)
    fill_store(task.name, {"ring": 4, "bar": 4})
    dock = window.collector.retrain_dock
    _with_model(window, qtbot, task)
    before = model_store.task_model_path(task.name).read_bytes()
    dock.settings = RetrainSettings(scratch_epochs=50, epochs=50, min_epoch_size=2000, batch_size=16)
    with qtbot.waitSignal(window.session.training_progress, timeout=60000):
        dock.start_retrain()
    window.close()  # cancels the retrain within a batch and waits for it
    assert model_store.task_model_path(task.name).read_bytes() == before
    assert SampleStore(task.name).counts() == {"ring": 4, "bar": 4}
    assert json.loads(model_store.sidecar_path(model_store.task_model_path(task.name)).read_text())["labels"] == \
        ["ring", "bar"]


def test_a_retrain_sends_its_epochs_to_the_curves_and_never_to_the_layer_docks(window, qtbot):
    task = _use_new_task(window)
    fill_store(task.name, {"ring": 5, "bar": 5})
    dock = window.collector.retrain_dock
    _with_model(window, qtbot, task)
    canvas = window.canvas
    drag(canvas, circle_points(canvas.width() / 2, canvas.height() / 2, 80))  # what a Train would show its network on
    to_layer_docks, retrain_epochs = [], []
    window.session.training_epoch_ended.connect(to_layer_docks.append)
    window.session.retrain_epoch_ended.connect(retrain_epochs.append)
    with qtbot.waitSignal(window.session.training_finished, timeout=120000):
        assert dock.start_retrain()
    assert to_layer_docks == [], "the layer docks take predictions of a Train's network, never a retrain's logs"
    assert [logs.epoch for logs in retrain_epochs] == [1]
    assert dock.curves.history() == dock.last_result.history and len(dock.curves.history()) == 1


def test_the_data_set_panels_import_and_export_offer_their_actions_whatever_the_menu_says(window):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    shown = []

    def read_and_close_the_popup():
        popup = QApplication.activePopupWidget()
        shown.append(popup.actions() if popup is not None else [])
        if popup is not None:
            popup.close()

    collector = window.collector
    for action in collector.menu.actions():
        action.setText(f"Menü: {action.text()}")  # as a translation would: no entry starts with "Import" now
    for request in ("import", "export"):
        QTimer.singleShot(50, read_and_close_the_popup)
        collector.dataset_dock.manage_requested.emit(request)  # opens the popup menu until it is closed
    imports, exports = shown
    assert len(imports) == 3 and "Quick, Draw!" in imports[2].text()
    assert len(exports) == 3 and all("Export" in action.text() for action in exports)
    assert not set(imports) & set(exports)


def test_a_task_whose_labels_changed_is_taken_by_the_session_and_its_model_reloaded(window, qtbot):
    task = _use_new_task(window)
    seen = []
    window.session.task_changed.connect(seen.append)
    grown = user_tasks.add_label(task.name, "dot")
    with qtbot.waitSignal(window.session.model_changed, timeout=60000):
        window.collector.use_changed_task(grown)
    assert window.session.task.labels == ("ring", "bar", "dot") and seen == [grown]
    window.collector.use_changed_task(user_tasks.create_task("Other", ["a", "b"]))  # not the current task
    assert window.session.task.name == task.name
