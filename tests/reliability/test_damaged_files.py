"""Every file the app reads is checked: a damaged one is named in one line, set aside as .corrupt, and the app
goes on (issue 19, item 1)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

import main
from model.core import paths
from model.datasets import mnist
from model.network.model_store import load_info, load_model, save_model, sidecar_path
from model.training import correct
from model.training.checkpoints import checkpoint_dir, unfinished
from tests.reliability.helpers import SHAPE_LABELS, TINY, notices_naming

DAMAGED_JSON = {
    "empty": b"",
    "garbage": b"this is not json {",
    "binary": b"\xff\xfe\x00\x81garbage",
    "truncated": b'{"task": "shapes", "labels": ["circ',
}
WRONG_TYPES = {
    "labels a number": {"task": "shapes", "labels": 5},
    "labels a string": {"task": "shapes", "labels": "circle"},
    "labels of numbers": {"task": "shapes", "labels": [1, 2, 3]},
    "no task": {"labels": 5},
    "a list": [1, 2],
    "null": None,
}


def _drawing(path) -> str:
    image = np.full((120, 120), 255, np.uint8)
    cv2.circle(image, (60, 60), 40, 0, 5)
    cv2.imwrite(str(path), image)
    return str(path)


@pytest.mark.parametrize("content", DAMAGED_JSON.values(), ids=DAMAGED_JSON.keys())
def test_predict_survives_a_damaged_model_json(shapes_model, tmp_path, capsys, content):
    sidecar = sidecar_path(shapes_model)
    sidecar.write_bytes(content)
    model_bytes = shapes_model.read_bytes()
    assert main.main(["predict", "--task", "shapes", _drawing(tmp_path / "a.png")]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["label"] in SHAPE_LABELS
    assert "Traceback" not in err
    warnings = [line for line in err.splitlines() if "model.json" in line]
    assert len(warnings) == 1 and "set aside" in warnings[0]
    assert sidecar.with_name("model.json.corrupt").read_bytes() == content
    assert shapes_model.read_bytes() == model_bytes  # the model itself is kept
    assert json.loads(sidecar.read_text())["labels"] == SHAPE_LABELS  # rebuilt from the task


@pytest.mark.parametrize("values", WRONG_TYPES.values(), ids=WRONG_TYPES.keys())
def test_model_json_of_wrong_types_is_rebuilt_from_the_task(shapes_model, values):
    sidecar_path(shapes_model).write_text(json.dumps(values))
    info = load_info("shapes")
    assert info is not None and info.labels == SHAPE_LABELS and info.recipe == "unknown"
    assert notices_naming(sidecar_path(shapes_model))
    _, info = load_model("shapes")
    assert info.labels == SHAPE_LABELS


def test_optional_fields_of_wrong_types_are_dropped_and_the_rest_kept(shapes_model):
    sidecar = sidecar_path(shapes_model)
    sidecar.write_text(json.dumps({"task": "shapes", "labels": SHAPE_LABELS, "recipe": "best", "members": "x",
                                   "metrics": [1]}))
    info = load_info("shapes")
    assert info.recipe == "best" and info.members == 1 and info.metrics == {}
    assert sidecar.with_name("model.json.corrupt").exists()


def test_saving_over_a_model_with_a_damaged_json_keeps_it_as_previous(shapes_model):
    from model.network.architecture import build_model
    from model.network.model_store import ModelInfo, rollback

    sidecar_path(shapes_model).write_bytes(b"\x00\x00")
    save_model(build_model(TINY, 3), ModelInfo("shapes", SHAPE_LABELS, recipe="second"))
    assert load_info("shapes").recipe == "second"
    assert rollback("shapes").labels == SHAPE_LABELS  # the previous model, its info rebuilt


def test_a_model_json_that_no_longer_fits_the_outputs_asks_for_a_retrain(shapes_model):
    from model.collection.user_tasks import add_label
    from model.network.model_store import ModelMismatchError

    add_label("shapes", "star")
    sidecar_path(shapes_model).write_text("{")
    with pytest.raises(ModelMismatchError, match="retrain"):
        load_model("shapes")
    assert shapes_model.exists()


@pytest.mark.parametrize("content", DAMAGED_JSON.values(), ids=DAMAGED_JSON.keys())
def test_damaged_settings_json_is_set_aside_and_defaults_used(content, monkeypatch, tmp_path):
    settings_file = paths.data_dir() / "settings.json"
    settings_file.parent.mkdir(parents=True, exist_ok=True)
    settings_file.write_bytes(content)
    monkeypatch.setattr(mnist, "keras_cache_path", lambda: tmp_path / "none" / "mnist.npz")
    assert mnist.find_mnist() is None
    assert correct.auto_retrain_every() == 0
    assert len(notices_naming(settings_file)) == 1
    correct.set_auto_retrain_every(3)
    assert correct.auto_retrain_every() == 3
    assert json.loads(settings_file.read_text()) == {"auto_retrain_every": 3}


def test_settings_of_wrong_types_are_dropped_and_the_others_kept():
    settings_file = paths.data_dir() / "settings.json"
    settings_file.parent.mkdir(parents=True, exist_ok=True)
    settings_file.write_text(json.dumps({"auto_retrain_every": "often", "mnist_path": 5, "theme": "dark"}))
    assert correct.auto_retrain_every() == 0
    assert json.loads(settings_file.read_text()) == {"theme": "dark"}
    assert (settings_file.parent / "settings.json.corrupt").exists()


def test_train_names_a_damaged_settings_json_instead_of_a_bare_codec_error(monkeypatch, tmp_path, capsys):
    settings_file = paths.data_dir() / "settings.json"
    settings_file.parent.mkdir(parents=True, exist_ok=True)
    settings_file.write_bytes(b"\xff\xfe\x00\x81")
    monkeypatch.setattr(mnist, "keras_cache_path", lambda: tmp_path / "none" / "mnist.npz")

    def no_download():
        raise mnist.MnistUnavailableError("MNIST could not be downloaded.")

    monkeypatch.setattr(mnist, "_download", no_download)
    assert main.main(["train", "--task", "digits"]) == 1
    err = capsys.readouterr().err
    assert "codec" not in err and "Traceback" not in err
    assert any(str(settings_file) in line and "set aside" in line for line in err.splitlines())
    assert "MNIST" in err


def test_settings_json_has_one_owner():
    root = Path(__file__).resolve().parents[2]
    writers = [str(path.relative_to(root)) for folder in ("model", "gui") for path in (root / folder).rglob("*.py")
               if '"settings.json"' in path.read_text(encoding="utf-8")]
    assert writers == ["model/core/settings.py"]


def test_the_mnist_setting_is_saved_through_the_one_owner(tmp_path):
    from gui.docks.training import save_mnist_path
    from model.core import settings

    settings_file = paths.data_dir() / "settings.json"
    settings_file.parent.mkdir(parents=True, exist_ok=True)
    settings_file.write_text("[not an object]")
    save_mnist_path(str(tmp_path / "mnist.npz"))
    assert settings.get(settings.MNIST_PATH) == str((tmp_path / "mnist.npz").resolve())


@pytest.mark.parametrize("content", [b'{"tasks": "x"}', b'{"tasks": [5, "x"], "extra_labels": []}', b"\xff{",
                                     b'{"tasks": [{"name": "doodles", "labels": "ab"}]}', b"[]"])
def test_tasks_json_of_wrong_types_leaves_the_built_in_tasks(content):
    from model.core.tasks import all_tasks, get_task

    tasks_file = paths.data_dir() / "tasks.json"
    tasks_file.parent.mkdir(parents=True, exist_ok=True)
    tasks_file.write_bytes(content)
    assert {"shapes", "digits"} <= set(all_tasks())
    assert get_task("shapes").labels == tuple(SHAPE_LABELS)
    assert len(notices_naming(tasks_file)) == 1
    assert (tasks_file.parent / "tasks.json.corrupt").read_bytes() == content


def test_good_records_of_a_damaged_tasks_json_are_kept():
    from model.core.tasks import all_tasks

    tasks_file = paths.data_dir() / "tasks.json"
    tasks_file.parent.mkdir(parents=True, exist_ok=True)
    tasks_file.write_text(json.dumps({"tasks": [{"name": "doodles", "labels": ["star", "heart"]}, 7,
                                                {"name": "bad", "labels": 3}],
                                      "extra_labels": {"shapes": ["star", 4]}}))
    tasks = all_tasks()
    assert tasks["doodles"].labels == ("star", "heart") and "bad" not in tasks
    assert tasks["shapes"].labels == (*SHAPE_LABELS, "star")


@pytest.mark.parametrize("state", [{"task": "shapes", "recipe": "quick", "labels": SHAPE_LABELS, "members": 1,
                                    "epochs": 3, "member": "x", "epoch": 1},
                                   {"task": "shapes", "members": "1"}, [1], "text"])
def test_checkpoint_state_of_wrong_types_means_no_unfinished_training(state):
    folder = checkpoint_dir("shapes")
    folder.mkdir(parents=True)
    (folder / "member1.keras").write_bytes(b"checkpoint")
    (folder / "state.json").write_text(json.dumps(state))
    assert unfinished("shapes") is None
    assert len(notices_naming(folder / "state.json")) == 1


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 half a zip"], ids=["empty", "half a zip"])
def test_a_damaged_drawings_cache_is_rebuilt(content):
    from model.collection.samples import SampleStore

    store = SampleStore("shapes")
    image = np.full((64, 64), 255, np.uint8)
    cv2.circle(image, (32, 32), 20, 0, 4)
    sample_id = store.add("circle", image)
    store.cache_path.parent.mkdir(parents=True, exist_ok=True)
    store.cache_path.write_bytes(content)
    _, _, ids = store.load_arrays()
    assert ids.tolist() == [sample_id]


def test_a_damaged_preprocessed_mnist_cache_is_rebuilt(monkeypatch, tmp_path):
    source = tmp_path / "mnist.npz"
    digits = np.zeros((4, 28, 28), np.uint8)
    digits[:, 8:20, 12:16] = 255
    np.savez(source, x_train=digits, y_train=np.arange(4), x_test=digits[:2], y_test=np.arange(2))
    cache = tmp_path / "cache" / "mnist-preprocessed-0.npz"
    cache.parent.mkdir()
    cache.write_bytes(b"PK\x03\x04 half a zip")
    none = (np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.int64))
    for name in ("add_flagged_ones", "add_fat_pen_copies", "add_pen_copies"):
        monkeypatch.setattr(mnist, name, lambda images, labels, **options: none)
    monkeypatch.setattr(mnist, "_cache_path", lambda found: cache)
    (x_train, y_train), (x_test, _) = mnist.load_mnist_preprocessed(source)
    assert x_train.shape == (4, 28, 28) and x_test.shape == (2, 28, 28) and y_train.tolist() == [0, 1, 2, 3]


GOOD_RETRAIN_STATE = {"task": "shapes", "labels": SHAPE_LABELS, "epochs": 3, "from_scratch": False,
                      "started_from": "", "epoch": 1}
WRONG_RETRAIN_STATES = {
    "epoch a string": {**GOOD_RETRAIN_STATE, "epoch": "x"},
    "epochs a string": {**GOOD_RETRAIN_STATE, "epochs": "3"},
    "labels a number": {"labels": 5},
    "labels of numbers": {**GOOD_RETRAIN_STATE, "labels": [1, 2, 3]},
    "from_scratch a string": {**GOOD_RETRAIN_STATE, "from_scratch": "yes"},
    "started_from a number": {**GOOD_RETRAIN_STATE, "started_from": 5},
    "epoch out of range": {**GOOD_RETRAIN_STATE, "epoch": -1},
    "a list": [1, 2],
    "a string": "text",
    "null": None,
}


def _retrain_state_file(content: bytes) -> Path:
    from model.training.retrain_checkpoint import checkpoint_dir as retrain_dir

    folder = retrain_dir("shapes")
    folder.mkdir(parents=True)
    (folder / "model.keras").write_bytes(b"network after epoch 1")
    (folder / "state.json").write_bytes(content)
    return folder / "state.json"


def test_a_good_retrain_state_offers_a_resume():
    from model.core.tasks import get_task
    from model.training.retrain_checkpoint import unfinished_retrain

    _retrain_state_file(json.dumps(GOOD_RETRAIN_STATE).encode())
    state = unfinished_retrain(get_task("shapes"))
    assert state is not None and (state.epoch, state.epochs) == (1, 3)
    assert notices_naming("state.json") == []


@pytest.mark.parametrize("values", WRONG_RETRAIN_STATES.values(), ids=WRONG_RETRAIN_STATES.keys())
def test_retrain_state_of_wrong_types_is_set_aside_and_no_resume_offered(values):
    from model.core.tasks import get_task
    from model.training.retrain_checkpoint import unfinished_retrain

    state_file = _retrain_state_file(json.dumps(values).encode())
    assert unfinished_retrain(get_task("shapes")) is None
    assert len(notices_naming(state_file)) == 1
    assert json.loads(state_file.with_name("state.json.corrupt").read_text()) == values


@pytest.mark.parametrize("content", DAMAGED_JSON.values(), ids=DAMAGED_JSON.keys())
def test_a_damaged_retrain_state_is_set_aside_and_no_resume_offered(content):
    from model.core.tasks import get_task
    from model.training.retrain_checkpoint import unfinished_retrain

    state_file = _retrain_state_file(content)
    assert unfinished_retrain(get_task("shapes")) is None
    assert len(notices_naming(state_file)) == 1
    assert state_file.with_name("state.json.corrupt").read_bytes() == content


def test_a_retrain_state_past_its_first_epoch_without_its_network_offers_no_resume():
    from model.core.tasks import get_task
    from model.training.retrain_checkpoint import unfinished_retrain

    state_file = _retrain_state_file(json.dumps(GOOD_RETRAIN_STATE).encode())
    state_file.with_name("model.keras").unlink()
    assert unfinished_retrain(get_task("shapes")) is None  # resuming would have no network to go on from
