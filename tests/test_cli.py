"""The command line: `python main.py train` and `predict`, their output and their error paths."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

import main
from model.datasets import mnist
from model.datasets.mnist import MnistUnavailableError
from model.network import model_store, shipped_models
from model.network.architecture import build_model
from model.network.inference import SURE_PROBABILITY
from model.network.model_store import ModelInfo, load_model, save_model
from model.training import recipes, training
from tests.model.training_data import bars_data

SMALL = [{"type": "conv", "filters": 4}, {"type": "pool"}, {"type": "flatten"}, {"type": "dense", "units": 8}]
SHAPE_LABELS = ["circle", "square", "triangle"]


@pytest.fixture
def small_training(monkeypatch):
    """Makes `quick` train a tiny network on bars, so train and predict run in seconds."""
    quick = recipes.RECIPES["quick"].with_overrides(architecture=SMALL, batch_size=32, augmentation=None,
                                                    task_epochs={"shapes": 1})
    monkeypatch.setitem(recipes.RECIPES, "quick", quick)
    monkeypatch.setattr(training, "load_task_data",
                        lambda task, recipe, mnist_path=None, seed=0, should_stop=None: bars_data(96, 48))


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No MNIST anywhere and no network."""
    monkeypatch.setattr(mnist, "keras_cache_path", lambda: tmp_path / "no-keras" / "mnist.npz")

    def no_download():
        raise MnistUnavailableError(f"MNIST could not be downloaded. {mnist._how_to_get()}")

    monkeypatch.setattr(mnist, "_download", no_download)


def _save_shapes_model(path=None):
    return save_model(build_model(SMALL, 3), ModelInfo("shapes", SHAPE_LABELS), path)


def _drawing(path, light_on_dark=False):
    image = np.full((200, 300), 255, np.uint8)
    cv2.circle(image, (120, 90), 50, 0, 6)
    cv2.imwrite(str(path), 255 - image if light_on_dark else image)
    return str(path)


def _json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_predict_prints_one_json_line_per_image(tmp_path, capsys):
    _save_shapes_model()
    files = [_drawing(tmp_path / "a.png"), _drawing(tmp_path / "b.jpg", light_on_dark=True)]
    assert main.main(["predict", "--task", "shapes", *files]) == 0
    lines = _json_lines(capsys.readouterr().out)
    assert [line["file"] for line in lines] == files
    for line in lines:
        assert set(line["probabilities"]) == set(SHAPE_LABELS)
        assert line["label"] == max(line["probabilities"], key=line["probabilities"].get)
        assert sum(line["probabilities"].values()) == pytest.approx(1.0, abs=1e-4)
        assert line["sure"] == (max(line["probabilities"].values()) >= SURE_PROBABILITY)


def test_predict_names_each_bad_file_keeps_going_and_fails_at_the_end(tmp_path, capsys):
    _save_shapes_model()
    good = _drawing(tmp_path / "good.png")
    broken = tmp_path / "broken.png"
    broken.write_text("not an image")
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((50, 50), 255, np.uint8))
    missing = str(tmp_path / "missing.png")
    assert main.main(["predict", "--task", "shapes", missing, str(broken), good, str(blank)]) == 1
    captured = capsys.readouterr()
    assert [line["file"] for line in _json_lines(captured.out)] == [good]
    errors = captured.err.strip().splitlines()
    assert len(errors) == 3
    assert errors[0].startswith(f"error: {missing}: no such file")
    assert errors[1].startswith(f"error: {broken}: not a readable image")
    assert errors[2].startswith(f"error: {blank}:") and "blank" in errors[2]


def test_predict_with_a_model_of_another_task_names_the_model(tmp_path, capsys):
    path = save_model(build_model(SMALL, 10), ModelInfo("digits", [str(d) for d in range(10)]), tmp_path / "d.keras")
    assert main.main(["predict", "--task", "shapes", "--model", str(path), _drawing(tmp_path / "a.png")]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and str(path) in captured.err and "'digits'" in captured.err


def test_predict_without_a_model_trains_quick_first(small_training, tmp_path, capsys):
    assert main.main(["predict", "--task", "shapes", _drawing(tmp_path / "a.png")]) == 0
    captured = capsys.readouterr()
    assert "training the quick recipe first" in captured.err
    assert len(_json_lines(captured.out)) == 1 and load_model("shapes")[1].recipe == "quick"


@pytest.mark.parametrize("task_name", ["shapes", "digits"])
def test_predict_on_a_fresh_data_folder_uses_the_shipped_model_not_a_new_training(task_name, offline, monkeypatch,
                                                                                   tmp_path, capsys):
    monkeypatch.setenv(shipped_models.SHIPPED_ENV, str(shipped_models.DEFAULT_DIR))

    def no_training(*args, **kwargs):
        raise AssertionError("predict trained a model although ConvCanvas ships one")

    monkeypatch.setattr(training, "train_task", no_training)
    assert main.main(["predict", "--task", task_name, _drawing(tmp_path / "a.png")]) == 0
    captured = capsys.readouterr()
    assert "training" not in captured.err and len(_json_lines(captured.out)) == 1
    installed = model_store.task_model_path(task_name)
    assert installed.read_bytes() == shipped_models.shipped_model(task_name).read_bytes()


def test_predict_digits_without_model_or_mnist_explains_how_to_get_it(offline, tmp_path, capsys):
    assert main.main(["predict", "--task", "digits", _drawing(tmp_path / "a.png")]) == 1
    error = capsys.readouterr().err
    assert "--mnist PATH" in error and mnist.MNIST_URL in error


def test_train_prints_progress_and_metrics_and_saves_where_asked(small_training, tmp_path, capsys, monkeypatch):
    from model.core import training_progress

    monkeypatch.setattr(training_progress, "PROGRESS_INTERVAL_S", 0.0)  # every batch reported
    out = tmp_path / "mine.keras"
    assert main.main(["train", "--task", "shapes", "--epochs", "2", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["model"] == str(out) and result["epochs"] == 2 and 0 <= result["val_accuracy"] <= 1
    ends = [line for line in captured.err.splitlines() if "batch 3/3" in line]
    assert [line.split()[1] for line in ends] == ["1/2", "2/2"], "each epoch's end is printed once"
    assert all("val_accuracy=" in line for line in ends) and out.is_file()
    assert load_model("shapes", path=out)[1].task == "shapes"


def test_train_digits_offline_fails_with_the_way_to_get_mnist(offline, capsys):
    assert main.main(["train", "--task", "digits"]) == 1
    assert "--mnist PATH" in capsys.readouterr().err


def test_unknown_task_is_a_usage_error(capsys):
    assert main.main(["predict", "--task", "stars", "x.png"]) == 2
    assert "Unknown task 'stars'" in capsys.readouterr().err


def test_predict_for_a_new_task_without_model_says_it_needs_drawings(tmp_path, capsys):
    from model.collection.user_tasks import create_task

    task = create_task("Stars", ["star", "heart", "house"])
    assert main.main(["predict", "--task", task.name, _drawing(tmp_path / "a.png")]) == 1
    assert "saved drawings" in capsys.readouterr().err


def test_train_resume_continues_the_unfinished_recipe_not_the_default(small_training, monkeypatch, capsys):
    best = recipes.RECIPES["quick"].with_overrides(name="best", members=2)
    monkeypatch.setitem(recipes.RECIPES, "best", best)
    epochs_done = []
    cancelled = training.train_task("shapes", "best", epochs=2, data=bars_data(96, 48),
                                    should_stop=lambda: len(epochs_done) >= 1,
                                    epoch_end=lambda model: epochs_done.append(1))
    assert cancelled.cancelled
    assert main.main(["train", "--task", "shapes", "--resume"]) == 0
    assert "Resuming best: network 1/2, 1/2 epochs done." in capsys.readouterr().err
    info = load_model("shapes")[1]
    assert (info.recipe, info.members, info.metrics["epochs"]) == ("best", 2, 2)


def test_train_resume_without_an_unfinished_training_says_so_and_trains(small_training, capsys):
    assert main.main(["train", "--task", "shapes", "--resume"]) == 0
    assert "No unfinished training of 'shapes' to resume" in capsys.readouterr().err
    assert load_model("shapes")[1].recipe == "quick"


def test_train_a_task_of_your_own_learns_from_its_saved_drawings(monkeypatch, capsys):
    from model.collection.user_tasks import create_task
    from tests.model.training_data import fill_store

    quick = recipes.RECIPES["quick"].with_overrides(architecture=SMALL, batch_size=32, augmentation=None,
                                                    min_epoch_size=96)
    monkeypatch.setitem(recipes.RECIPES, "quick", quick)
    task = create_task("Marks", ["ring", "bar"])
    fill_store(task.name, {label: 2 for label in task.labels})
    assert main.main(["train", "--task", task.name, "--epochs", "1"]) == 1
    printed = capsys.readouterr().err
    assert "at least 5 of each label" in printed and "Traceback" not in printed
    fill_store(task.name, {label: 5 for label in task.labels}, seed=1)
    assert main.main(["train", "--task", task.name, "--epochs", "1"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["task"] == "marks" and result["validation"] == "your held-out drawings"
    assert load_model("marks")[1].labels == ["ring", "bar"]
