"""Saving drawings from the keyboard: a key per label, a toast, Ctrl+Z undoes the save; user tasks in the window."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from model.collection import user_tasks
from model.collection.samples import SampleStore
from tests.gui.drawing import circle_points, drag
from tests.model.training_data import fail_png_writes


def _draw_circle(window):
    canvas = window.canvas
    drag(canvas, circle_points(canvas.width() / 2, canvas.height() / 2, min(canvas.width(), canvas.height()) / 3))


def test_digit_key_saves_with_that_label_and_clears(window, qtbot):
    window.session.set_task("digits")
    _draw_circle(window)
    QTest.keyClick(window, Qt.Key.Key_7)
    store = SampleStore("digits")
    assert store.counts() == {"7": 1}
    assert window.canvas.is_empty()
    toast = window.collector.saver.toast
    assert "Saved as '7'" in toast.text() and "Ctrl+Z" in toast.text()
    assert len(store.strokes(store.samples("7")[0].id)) == 1


def test_ctrl_z_right_after_saving_undoes_the_save_and_restores_the_drawing(window):
    _draw_circle(window)
    QTest.keyClick(window, Qt.Key.Key_1)  # Shapes: 1 is circle
    store = SampleStore("shapes")
    assert store.counts() == {"circle": 1}
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert store.counts() == {"circle": 0}
    assert not window.canvas.is_empty()
    # A second Ctrl+Z is an ordinary canvas undo: the stroke goes, nothing else is removed.
    _draw_circle(window)
    QTest.keyClick(window, Qt.Key.Key_2)
    _draw_circle(window)  # drawing again ends the chance to undo the save
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert store.counts() == {"circle": 0, "square": 1}


def test_keys_shown_on_label_buttons_and_empty_canvas_saves_nothing(window):
    dock = window.collector.dataset_dock
    texts = [dock.save_grid.itemAt(i).widget().text() for i in range(dock.save_grid.count())]
    assert texts[0].startswith("1  circle") and texts[2].startswith("3  triangle")
    QTest.keyClick(window, Qt.Key.Key_1)
    assert SampleStore("shapes").counts() == {}
    assert "Draw something" in window.collector.saver.toast.text()


def test_user_task_star_heart_house_saves_ten_of_each_with_keys(window, qtbot):
    task = user_tasks.create_task("Doodles", "star, heart, house")
    window.collector.add_task_to_switcher(task)
    window.session.set_task(task.name)
    for key in (Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_3):
        for _ in range(10):
            _draw_circle(window)
            QTest.keyClick(window, key)
    assert SampleStore(task.name).counts() == {"star": 10, "heart": 10, "house": 10}
    assert window.collector.dataset_dock.model.rowCount() == 30
    assert window.toolbar.task_box.findData(task.name) >= 0
    assert "30" in window.collector.dataset_dock.title.text()


def test_enter_confirms_the_current_guess(ready_window, qtbot):
    window = ready_window
    with qtbot.waitSignal(window.prediction_ready, timeout=30000,
                          check_params_cb=lambda prediction: prediction is not None):
        _draw_circle(window)
    guess = window.prediction_dock.top_label()
    assert guess in ("circle", "square", "triangle")
    QTest.keyClick(window, Qt.Key.Key_Return)
    assert SampleStore("shapes").counts() == {guess: 1}
    assert window.canvas.is_empty()


def test_label_keys_keep_digits_and_fill_free_keys():
    from gui.saving import label_keys
    from model.core.tasks import DIGITS, SHAPES, Task

    assert label_keys(DIGITS) == {str(d): str(d) for d in range(10)}
    assert label_keys(SHAPES) == {"circle": "1", "square": "2", "triangle": "3"}
    extended = Task("digits", DIGITS.labels + ("x",), "mnist")
    assert label_keys(extended)["7"] == "7" and "x" not in label_keys(extended)
    mixed = Task("m", ("1", "star", "heart"))
    assert label_keys(mixed) == {"1": "1", "star": "2", "heart": "3"}


def test_one_key_press_sends_one_notification_with_the_new_counts(window, qtbot):
    changes = []
    window.collector.saver.samples_changed.connect(changes.append)
    _draw_circle(window)
    QTest.keyClick(window, Qt.Key.Key_1)
    _draw_circle(window)
    QTest.keyClick(window, Qt.Key.Key_1)
    assert len(changes) == 2
    assert changes[-1].counts == {"circle": 2} and [s.label for s in changes[-1].added] == ["circle"]
    dock = window.collector.dataset_dock
    assert dock.model.rowCount() == 2 and dock.model.sample_ids()[0] == changes[-1].added[0].id
    assert "2 drawings" in dock.title.text()


def test_closing_the_window_waits_for_queued_writes(window, monkeypatch):
    import threading

    from model.collection import sample_writer

    release = threading.Event()
    real_write = sample_writer.write_sample_files
    monkeypatch.setattr(sample_writer, "write_sample_files", lambda *args: (release.wait(5), real_write(*args)))
    for _ in range(3):
        _draw_circle(window)
        QTest.keyClick(window, Qt.Key.Key_2)
    samples = SampleStore("shapes").samples()
    assert len(samples) == 3 and not any(sample.path.exists() for sample in samples)
    threading.Timer(0.3, release.set).start()
    window.close()
    assert all(sample.path.exists() and sample.strokes_path.exists() for sample in samples)


def test_a_failed_write_is_reported_and_the_drawing_kept_until_retry(window, qtbot, monkeypatch):
    from model.core import storage

    real_write = fail_png_writes(monkeypatch)
    _draw_circle(window)
    QTest.keyClick(window, Qt.Key.Key_1)
    toast = window.collector.saver.toast
    qtbot.waitUntil(lambda: "Could not write" in toast.text(), timeout=5000)
    assert "No space left" in toast.text() and toast.button.text() == "Retry"
    store = SampleStore("shapes")
    [sample] = store.failed_writes()
    assert store.counts() == {"circle": 1} and len(store.strokes(sample.id)) == 1
    asked = []
    monkeypatch.setattr(window.collector.saver, "confirm_losing", lambda count: asked.append(count) or False)
    window.close()
    assert asked == [1] and window.isVisible()  # still failing: the person is asked, and chose to stay
    monkeypatch.setattr(storage, "atomic_write_bytes", real_write)
    toast.button.click()
    store.wait_for_writes()
    assert store.failed_writes() == [] and sample.path.exists()
