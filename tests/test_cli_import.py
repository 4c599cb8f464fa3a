"""`python main.py import` into a built-in task: the summary names the task and the label, a file of a label the task
lacks is refused in one line, and `train` then learns from the imported drawings too."""

from __future__ import annotations

import json

import numpy as np

import main
from model.training import recipes, training
from model.training.streaming import imported_sets
from tests.model.training_data import bars

SMALL = [{"type": "conv", "filters": 4}, {"type": "pool"}, {"type": "flatten"}, {"type": "dense", "units": 8}]


def _bitmaps(folder, name, count):
    x, _ = bars(count, 0)
    path = folder / name
    np.save(path, (x * 255).astype(np.uint8).reshape(count, 784))
    return str(path)


def test_import_into_shapes_says_how_many_of_which_label_went_into_shapes_and_train_uses_them(tmp_path, capsys,
                                                                                              monkeypatch):
    assert main.main(["import", "--task", "shapes", _bitmaps(tmp_path, "full_numpy_bitmap_circle.npy", 100)]) == 0
    printed = capsys.readouterr()
    assert "Imported 100 drawings of 'circle' into Shapes." in printed.err.splitlines()
    assert json.loads(printed.out)["added"] == {"circle": 100}
    monkeypatch.setattr(training, "SHAPES_VALIDATION_PER_LABEL", 5)
    monkeypatch.setitem(recipes.RECIPES, "quick", recipes.RECIPES["quick"].with_overrides(
        architecture=SMALL, batch_size=32, augmentation=None, shapes_per_label=20))
    assert main.main(["train", "--task", "shapes", "--epochs", "1"]) == 0
    result = json.loads(capsys.readouterr().out)
    # 20 generated per label, a share of that of no shape, and 20 of the 98 imported training circles; their 2 held
    # out apart.
    no_shape = int(training.NOT_SHAPES_SHARE * 3 * 20)
    assert result["train_samples"] == 3 * 20 + no_shape + 20 and result["imported_train_samples"] == 20
    assert result["imported_validation_samples"] == 2 and 0 <= result["imported_val_accuracy"] <= 1
    assert result["validation"] == "generated held-out drawings"


def test_import_of_a_label_shapes_lacks_is_refused_in_one_line_and_imports_nothing(tmp_path, capsys):
    cat = _bitmaps(tmp_path, "cat.npy", 20)
    assert main.main(["import", "--task", "shapes", cat]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [(f"error: {cat}: Shapes has no label 'cat'; import into a task of your own, or add the label "
                      "with Tasks › Labels…")]
    assert imported_sets("shapes") == []
