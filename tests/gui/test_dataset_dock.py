"""The data set browser and the retrain dock: relabel, delete and undo, open, warnings, retrain in the background."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from model.collection import user_tasks
from model.collection.samples import SampleStore
from model.training.retrain import RetrainSettings
from tests.model.training_data import fill_store


def test_browser_lists_thumbnails_and_filters_by_label(window):
    fill_store("shapes", {"circle": 4, "square": 2})
    dock = window.collector.dataset_dock
    dock.refresh()
    assert dock.model.rowCount() == 6
    assert "6 drawings" in dock.title.text()
    dock.filter_box.setCurrentIndex(dock.filter_box.findData("square"))
    assert dock.model.rowCount() == 2
    pixmap = dock.model.data(dock.model.index(0), Qt.ItemDataRole.DecorationRole)
    assert not pixmap.isNull() and pixmap.width() <= 64


def test_relabel_delete_and_undo(window):
    store = fill_store("shapes", {"circle": 3})
    dock = window.collector.dataset_dock
    dock.refresh()
    first, second = [sample.id for sample in dock.model.samples()[:2]]
    dock.select([first])
    dock.move_selected("triangle")
    assert store.find(first).label == "triangle"
    dock.select([second])
    dock.delete_selected()
    assert store.counts() == {"circle": 1, "triangle": 1}
    assert "Deleted 1 drawing" in window.collector.saver.toast.text()
    assert dock.undo()  # the delete
    assert store.counts() == {"circle": 2, "triangle": 1}
    assert dock.undo()  # the move
    assert store.counts() == {"circle": 3, "triangle": 0}
    assert not dock.undo()


def test_open_puts_the_strokes_on_the_canvas(window):
    store = fill_store("shapes", {"circle": 1})
    dock = window.collector.dataset_dock
    dock.refresh()
    dock.view.setFocus()
    index = dock.model.index(0)
    rect = dock.view.visualRect(index)
    QTest.mouseClick(dock.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, rect.center())
    QTest.mouseDClick(dock.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, rect.center())
    strokes = window.canvas.strokes()
    assert len(strokes) == 1
    np.testing.assert_allclose(strokes[0].points[:, :2], store.strokes(store.samples()[0].id)[0].points[:, :2])


def test_warnings_for_too_few_and_imbalanced(window):
    task = user_tasks.create_task("Marks", ["ring", "bar"])
    window.collector.add_task_to_switcher(task)
    window.session.set_task(task.name)
    fill_store(task.name, {"ring": 12, "bar": 2})
    dock = window.collector.dataset_dock
    dock.refresh()
    text = dock.warnings.text()
    assert "Too few drawings to train: 'bar' (2)" in text and "Imbalanced" in text
    fill_store(task.name, {"bar": 10})
    dock.refresh()
    assert dock.warnings.isHidden()


def test_retrain_runs_in_the_background_and_its_confusion_cells_open_drawings(window, qtbot):
    task = user_tasks.create_task("Marks", ["ring", "bar"])
    window.collector.add_task_to_switcher(task)
    window.session.set_task(task.name)
    fill_store(task.name, {"ring": 6, "bar": 6})
    retrain_dock = window.collector.retrain_dock
    retrain_dock.settings = RetrainSettings(scratch_epochs=2, min_epoch_size=64, batch_size=16)
    with qtbot.waitSignal(window.session.training_finished, timeout=120000):
        assert retrain_dock.start_retrain()
        assert window.session.is_training()
        QTest.qWait(10)  # the GUI thread keeps serving events while the job runs
    result = retrain_dock.last_result
    assert result.saved and len(retrain_dock.curves.history()) == 2
    ndjson = SampleStore(task.name).root / "strokes.ndjson"
    assert len(ndjson.read_text().splitlines()) == 12
    assert int(result.confusion.sum()) == len(result.validation_ids) == 2
    row = result.labels.index("ring")
    column = int(np.argmax(result.confusion[row]))
    center = retrain_dock.confusion.cell_center(row, column).toPoint()
    retrain_dock.raise_()
    QTest.mouseClick(retrain_dock.confusion, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(center.x(), center.y()))
    dataset = window.collector.dataset_dock
    assert {s.id for s in dataset.model.samples()} == set(result.confusion_ids[row][column])
    assert "seen as" in dataset.filter_note.text()


def test_thumbnails_are_read_in_the_background_then_shown(window, qtbot):
    fill_store("shapes", {"circle": 3})
    dock = window.collector.dataset_dock
    dock.refresh()
    model = dock.model
    first = model.data(model.index(0), Qt.ItemDataRole.DecorationRole)
    with qtbot.waitSignal(model.dataChanged, timeout=5000):
        model.thumbnails.wait()
    shown = model.data(model.index(0), Qt.ItemDataRole.DecorationRole)
    assert shown.width() <= 64 and shown.toImage() != first.toImage()
    # The thumbnail is the drawing: dark ink somewhere on light paper, unlike the grey placeholder.
    image = shown.toImage()
    pixels = [image.pixelColor(x, y).lightness()
              for x in range(0, image.width(), 2) for y in range(0, image.height(), 2)]
    assert max(pixels) > 240 and min(pixels) < 120
