"""Tasks › Import Quick, Draw! files… on the real window: the file dialog, the dialog that maps each file to a label
and a task and sets the cap, the import on a worker with progress and Cancel, the report, and one refresh at the end."""

from __future__ import annotations

import json
import threading

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from gui import quickdraw_import
from model.collection import quickdraw, user_tasks
from model.training.streaming import imported_counts, imported_sets
from tests.model.training_data import bars, fill_store


def _bitmaps(folder, category, count):
    x, _ = bars(count, 0)
    path = folder / f"full_numpy_bitmap_{category}.npy"
    np.save(path, (x * 255).astype(np.uint8).reshape(count, 784))
    return path


def _squares(folder, count):
    rng = np.random.default_rng(0)
    lines = []
    for _ in range(count):
        left, top, side = (int(value) for value in rng.integers(5, 60, 3))
        right, bottom = left + side + 40, top + side + 40
        xs, ys = [left, right, right, left, left], [top, top, bottom, bottom, top]
        lines.append(json.dumps({"word": "square", "countrycode": "GB", "drawing": [[xs, ys]]}))
    lines.insert(7, "not a record")
    path = folder / "full_simplified_square.ndjson"
    path.write_text("\n".join(lines) + "\n")
    return path


def _open_dialog(window, monkeypatch, paths):
    """Picks the files in the (patched) file dialog through the Tasks menu's action, as a person does."""
    monkeypatch.setattr(quickdraw_import.QFileDialog, "getOpenFileNames",
                        lambda *args, **kwargs: ([str(path) for path in paths], ""))
    collector = window.collector
    (action,) = [action for action in collector.menu.actions() if "Quick, Draw!" in action.text()]
    action.trigger()
    dialog = collector.quickdraw.dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def _click_import(dialog, qtbot):
    button = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert button.isEnabled(), dialog.error.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_whole_files_are_imported_into_a_new_task_up_to_the_cap_with_progress_and_a_report(window, qtbot, tmp_path,
                                                                                          monkeypatch):
    collector = window.collector
    dialog = _open_dialog(window, monkeypatch, [_bitmaps(tmp_path, "circle", 300), _squares(tmp_path, 150)])
    # Both are Shapes' labels, so Shapes is offered first; a new task takes them labelled by their categories.
    assert dialog.task_box.currentData() == "shapes"
    dialog.task_box.setCurrentIndex(dialog.task_box.findData(""))
    assert dialog.title_edit.text() == "Quick, Draw! circle, square"
    assert [dialog.label_box(row).currentText() for row in range(2)] == ["circle", "square"]
    assert "300 and about 15" in dialog.limit_note.text()
    assert dialog.limit_box.value() == 5000
    dialog.limit_box.setValue(100)
    progress_seen = []
    with qtbot.waitSignal(collector.quickdraw.import_finished, timeout=120_000) as finished:
        _click_import(dialog, qtbot)
        assert collector.quickdraw.progress_dialog.isVisible()
        collector.quickdraw.job.progressed.connect(
            lambda update: progress_seen.append((update.name, collector.quickdraw.progress_dialog.bar.value())))
    task = window.session.task
    assert task.name == "quick-draw-circle-square" and task.labels == ("circle", "square")
    assert imported_counts(task.name, task.labels) == {"circle": 100, "square": 100}
    names = [name for name, _ in progress_seen]
    assert names[0].endswith(".npy") and names[-1].endswith(".ndjson") and progress_seen[-1][1] == 1000
    report = finished.args[0]
    assert report.added == {"circle": 100, "square": 100} and report.left_out == {"circle": 200, "square": 50}
    message = collector.last_message.text()
    assert "Imported 100 drawings of 'circle', 100 of 'square' into Quick, Draw! circle, square." in message
    assert "Imported only 100 of 300 circle" in message
    assert "Skipped 1 (1 not a Quick, Draw! record)" in message
    assert collector.quickdraw.progress_dialog is None and not collector.quickdraw.is_running()
    assert "circle 100 · square 100" in collector.dataset_dock.imported_note.text()


def test_files_of_shapes_labels_go_into_shapes_and_a_category_it_lacks_is_refused(window, qtbot, tmp_path,
                                                                                monkeypatch):
    collector = window.collector
    dialog = _open_dialog(window, monkeypatch, [_bitmaps(tmp_path, "circle", 60), _bitmaps(tmp_path, "cat", 20)])
    assert dialog.task_box.currentData() == ""  # cat is no label of Shapes: a new task is offered first
    dialog.task_box.setCurrentIndex(dialog.task_box.findData("shapes"))
    assert dialog.error.text() == ("Shapes has no label 'cat'; import into a task of your own, or add the label "
                                   "with Tasks › Labels…")
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    box = dialog.label_box(1)
    assert [box.itemText(index) for index in range(box.count())] == ["circle", "square", "triangle"]
    dialog.reject()
    dialog = _open_dialog(window, monkeypatch, [_bitmaps(tmp_path, "circle", 60)])
    assert dialog.task_box.currentData() == "shapes" and "beside its built-in drawings" in dialog.note.text()
    with qtbot.waitSignal(collector.quickdraw.import_finished, timeout=120_000) as finished:
        _click_import(dialog, qtbot)
    assert finished.args[0].added == {"circle": 60}
    assert "Imported 60 drawings of 'circle' into Shapes." in collector.last_message.text()
    assert window.session.task.name == "shapes" and window.session.task.labels == ("circle", "square", "triangle")
    assert imported_counts("shapes", ["circle", "square"]) == {"circle": 60, "square": 0}
    assert "circle 60" in collector.dataset_dock.imported_note.text()


def test_cancel_keeps_the_files_finished_whole_reports_it_and_refreshes_the_window_once(window, qtbot, tmp_path,
                                                                                        monkeypatch):
    task = user_tasks.create_task("Doodles", ["circle", "square"])
    collector = window.collector
    collector.add_task_to_switcher(task)
    with qtbot.waitSignal(collector._samples_listed, timeout=10_000):  # the panel's own refresh for the new task
        window.session.set_task(task.name)
    gate, reader = threading.Event(), quickdraw._read_npy

    def held_after_the_first_chunk(path, reading):
        for number, chunk in enumerate(reader(path, reading)):
            yield chunk
            if path.name == "square.npy" and number == 0:
                gate.wait(30)  # holds the worker inside the second file until the test has clicked Cancel

    monkeypatch.setattr(quickdraw, "_read_npy", held_after_the_first_chunk)
    refreshes = []
    monkeypatch.setattr(collector.dataset_dock, "refresh", lambda real=collector.dataset_dock.refresh: (
        refreshes.append(1), real()))
    np.save(tmp_path / "square.npy", np.full((3000, 784), 255, np.uint8))
    dialog = _open_dialog(window, monkeypatch, [_bitmaps(tmp_path, "circle", 300), tmp_path / "square.npy"])
    assert dialog.task_box.currentData() == task.name and "Into Doodles's labels" in dialog.note.text()
    with qtbot.waitSignal(collector.quickdraw.import_finished, timeout=120_000) as finished:
        _click_import(dialog, qtbot)
        progress = collector.quickdraw.progress_dialog
        qtbot.waitUntil(lambda: "square.npy (2 of 2)" in progress.text.text(), timeout=60_000)
        qtbot.mouseClick(progress.cancel_button, Qt.MouseButton.LeftButton)
        assert "Cancelling" in progress.text.text() and not progress.cancel_button.isEnabled()
        gate.set()
    report = finished.args[0]
    assert report.added == {"circle": 300}
    assert [shard_set.folder.name for shard_set in imported_sets(task.name)] == ["circle"]
    assert imported_counts(task.name, task.labels) == {"circle": 300, "square": 0}
    message = collector.last_message.text()
    assert "cancelled during square.npy" in message and "circle.npy is imported whole" in message
    assert len(refreshes) == 1
    assert "circle 300" in collector.dataset_dock.imported_note.text()


def test_a_file_that_is_not_a_quick_draw_file_is_named_and_left_out(window, qtbot, tmp_path, monkeypatch):
    broken = tmp_path / "cat.npy"
    broken.write_bytes(b"no numbers here")
    dialog = _open_dialog(window, monkeypatch, [broken, _bitmaps(tmp_path, "circle", 20)])
    assert "cat.npy: not a .npy of 28x28 bitmaps" in window.collector.last_message.text()
    assert dialog.table.rowCount() == 1
    dialog.label_box(0).setCurrentText("two words?")
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled() and dialog.error.text()
    dialog.reject()


def test_retraining_a_set_over_the_stream_threshold_streams_it_from_disk_as_the_command_line_does(window, qtbot,
                                                                                                 monkeypatch):
    from gui.session import ModelSession
    from model.training import recipes, streaming, training_checks

    # The patches below must reach the job, so it runs on the training thread instead of the jobs' child process.
    monkeypatch.setattr(ModelSession, "jobs_in_child_process", False)
    monkeypatch.setattr(training_checks, "STREAM_ABOVE", 8)
    small = [{"type": "conv", "filters": 8}, {"type": "pool"}, {"type": "flatten"}, {"type": "dense", "units": 16}]
    monkeypatch.setitem(recipes.RECIPES, "quick", recipes.RECIPES["quick"].with_overrides(
        architecture=small, epochs=1, batch_size=16, augmentation=None))
    streamed, stream = [], streaming.stream_task_data
    monkeypatch.setattr(streaming, "stream_task_data",
                        lambda task, *args, **kwargs: streamed.append(task.name) or stream(task, *args, **kwargs))
    task = user_tasks.create_task("Marks", ["ring", "bar"])
    fill_store(task.name, {"ring": 6, "bar": 6})  # 12 drawings: over the threshold of 8
    collector = window.collector
    collector.add_task_to_switcher(task)
    window.session.set_task(task.name)
    with qtbot.waitSignal(window.session.training_finished, timeout=300_000) as finished:
        assert collector.retrain_dock.start_retrain()
    result = finished.args[1]
    assert streamed == [task.name] and result.status == "completed" and result.metrics["train_samples"] == 12
    assert "streamed from disk" in collector.retrain_dock.details.text()


def test_closing_the_window_mid_import_stops_it_without_leaving_half_a_set(window, qtbot, tmp_path, monkeypatch):
    gate, reader = threading.Event(), quickdraw._read_npy

    def held_after_the_first_chunk(path, reading):
        for number, chunk in enumerate(reader(path, reading)):
            yield chunk
            if number == 0:
                gate.wait(30)

    monkeypatch.setattr(quickdraw, "_read_npy", held_after_the_first_chunk)
    np.save(tmp_path / "circle.npy", np.full((3000, 784), 255, np.uint8))
    rings = user_tasks.create_task("Rings", ["circle", "oval"])
    dialog = _open_dialog(window, monkeypatch, [tmp_path / "circle.npy"])
    dialog.task_box.setCurrentIndex(dialog.task_box.findData(""))
    assert "at least two labels" in dialog.error.text()  # a new task of one file's category alone
    dialog.task_box.setCurrentIndex(dialog.task_box.findData(rings.name))
    _click_import(dialog, qtbot)
    importer = window.collector.quickdraw
    qtbot.waitUntil(lambda: "circle.npy (1 of 1)" in importer.progress_dialog.text.text(), timeout=60_000)
    job = importer.job
    threading.Timer(0.3, gate.set).start()  # the worker goes on only once the window is closing
    window.close()
    assert not job.is_running()
    assert imported_sets(window.session.task.name) == []
    assert not list((tmp_path / "convcanvas-data").glob("datasets/*/*/*.npy"))


def test_a_file_whose_name_cannot_name_a_folder_is_named_and_left_out(window, qtbot, tmp_path, monkeypatch):
    unsafe = _bitmaps(tmp_path, "..", 20)  # full_numpy_bitmap_...npy: its set's folder would be datasets/<task>/..
    dialog = _open_dialog(window, monkeypatch, [unsafe, _bitmaps(tmp_path, "circle", 20)])
    message = window.collector.last_message.text()
    assert "full_numpy_bitmap_...npy" in message and "Rename the file" in message
    assert dialog.table.rowCount() == 1 and dialog.label_box(0).currentText() == "circle"
    dialog.reject()
