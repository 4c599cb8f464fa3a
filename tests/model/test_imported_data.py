"""Quick, Draw! files imported into a built-in task: trained on beside its built-in data (a sample capped per label,
the held-out ones measured apart, the built-in validation untouched), mixed into a retrain, refused for a label the
task lacks."""

from __future__ import annotations

import json

import numpy as np
import pytest

from model.collection import user_tasks
from model.collection.quickdraw import import_quickdraw
from model.core.tasks import get_task
from model.training import recipes, training
from model.training.imported_data import add_imported
from model.training.retrain_data import base_and_imported, base_data
from model.training.streaming import imported_sets
from model.training.training import TaskData, load_task_data
from tests.model.training_data import bars


def _bitmaps(folder, name, count, seed=0):
    """A Quick, Draw! style .npy: (count, 784) uint8 bitmaps, white on black."""
    x, _ = bars(count, seed)
    path = folder / name
    np.save(path, (x * 255).astype(np.uint8).reshape(count, 784))
    return path


def _rows(images) -> set:
    return {np.round(image * 255).astype(np.uint8).tobytes() for image in images}


@pytest.fixture
def small_shapes(monkeypatch):
    monkeypatch.setattr(training, "SHAPES_VALIDATION_PER_LABEL", 5)
    return recipes.get_recipe("quick").with_overrides(shapes_per_label=30)


def test_shapes_trains_on_its_imported_drawings_up_to_its_own_count_per_label(tmp_path, small_shapes):
    shapes = get_task("shapes")
    before = load_task_data(shapes, small_shapes)
    import_quickdraw(_bitmaps(tmp_path, "full_numpy_bitmap_circle.npy", 200), shapes)
    (imported,) = imported_sets("shapes")
    data = load_task_data(shapes, small_shapes)
    # The generated drawings as before, then 30 of the 196 imported training circles (Shapes has 30 per label).
    generated = len(before.y_train)
    np.testing.assert_array_equal(data.x_train[:generated], before.x_train)
    tail, tail_labels = data.x_train[generated:], data.y_train[generated:]
    assert len(tail) == 30 and set(tail_labels.tolist()) == {0} and data.imported_count == 30
    assert _rows(tail) <= _rows(imported.read("train")[0])
    # Their held-out images (every 50th: 4) are measured apart; the generated validation stays as it was.
    np.testing.assert_array_equal(data.x_imported_val, imported.read("validation")[0])
    assert data.y_imported_val.tolist() == [0, 0, 0, 0]
    np.testing.assert_array_equal(data.x_val, before.x_val)
    assert data.validation == before.validation == "generated held-out drawings"


def test_digits_keeps_the_mnist_test_set_and_shows_imported_drawings_as_they_are(tmp_path):
    digits = get_task("digits")
    import_quickdraw(_bitmaps(tmp_path, "7.npy", 120), digits)
    x, y = bars(50, 1)
    mnist_like = TaskData(x, y, x[:10], y[:10], "MNIST test set", x_train_source=x * 0.5)
    data = add_imported(mnist_like, digits)
    largest = int(np.bincount(y).max())
    assert data.x_val is mnist_like.x_val and data.validation == "MNIST test set"
    assert len(data.y_train) == 50 + largest and set(data.y_train[50:].tolist()) == {7}
    np.testing.assert_array_equal(data.x_train_source[:50], x * 0.5)
    np.testing.assert_array_equal(data.x_train_source[50:], data.x_train[50:])
    assert len(data.y_imported_val) == 2


def test_a_built_in_task_refuses_a_file_of_a_label_it_lacks_until_it_has_the_label(tmp_path):
    cat = _bitmaps(tmp_path, "full_numpy_bitmap_cat.npy", 60)
    with pytest.raises(ValueError) as refused:
        import_quickdraw(cat, get_task("shapes"))
    assert str(refused.value) == ("Shapes has no label 'cat'; import into a task of your own, or add the label with "
                                  "Tasks › Labels…")
    strokes = tmp_path / "full_simplified_cat.ndjson"
    strokes.write_text(json.dumps({"word": "cat", "drawing": [[[0, 50, 100], [0, 50, 100]]]}) + "\n")
    with pytest.raises(ValueError, match="^Digits has no label 'cat'"):
        import_quickdraw(strokes, get_task("digits"))
    assert imported_sets("shapes") == imported_sets("digits") == []
    # A label added to Shapes is one of its labels like the others: imported, and mixed into a retrain.
    shapes = user_tasks.add_label("shapes", "cat")
    assert import_quickdraw(cat, shapes).added == {"cat": 60}
    _, y = base_data(shapes, 10)
    assert np.bincount(y).tolist() == [10, 10, 10, 10]


def test_a_retrain_of_shapes_mixes_imported_training_drawings_into_its_built_in_ones(tmp_path):
    shapes = get_task("shapes")
    import_quickdraw(_bitmaps(tmp_path, "square.npy", 100), shapes)
    (imported,) = imported_sets("shapes")
    x, y = base_data(shapes, 8)
    assert np.bincount(y).tolist() == [8, 16, 8]
    imported_rows = _rows(imported.read("train")[0])
    squares = [np.round(image * 255).astype(np.uint8).tobytes() for image in x[y == 1]]
    assert sum(row in imported_rows for row in squares) == 8  # the imported 8: generated squares are not bars
    *_, imported_count = base_and_imported(shapes, 8)
    assert imported_count == 8, "a retrain says how many of its mixed-in images came from imported files"
