"""The models shipped in assets/models: installed on first use, whole or not at all, never over the user's own."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from model.collection import user_tasks
from model.core.preprocessing import preprocess
from model.core.strokes import Stroke, render_strokes
from model.core.tasks import BUILTIN_TASKS
from model.datasets.shape_outlines import rotate
from model.network import litert_convert, model_store, shipped_models
from model.network.inference import is_sure, open_predictor
from model.network.litert_convert import live_files_fresh, tflite_path


@pytest.fixture
def shipped(monkeypatch):
    """Turns the shipped models on (the suite's conftest turns them off)."""
    monkeypatch.setenv(shipped_models.SHIPPED_ENV, str(shipped_models.DEFAULT_DIR))
    return shipped_models.DEFAULT_DIR


def _outline(label: str, centre=(100.0, 100.0), radius=60.0) -> np.ndarray:
    corners = {"circle": 48, "square": 4, "triangle": 3}[label]
    start = np.pi / 4 if label == "square" else -np.pi / 2
    angles = start + np.linspace(0, 2 * np.pi, corners + 1)
    return np.stack([centre[0] + radius * np.cos(angles), centre[1] + radius * np.sin(angles)], 1)


def _image28(label: str) -> np.ndarray:
    return preprocess(render_strokes([Stroke(_outline(label), 6.0)], 200, 200))


@pytest.mark.parametrize("task_name", sorted(BUILTIN_TASKS))
def test_each_builtin_task_ships_a_model_for_its_labels(task_name):
    model = shipped_models.DEFAULT_DIR / task_name / "model.keras"
    info = model_store.ModelInfo.from_dict(shipped_models.read_json(model_store.sidecar_path(model)))
    assert (info.task, tuple(info.labels)) == (task_name, BUILTIN_TASKS[task_name].labels)
    assert tflite_path(model).is_file()


def test_a_first_start_reads_shapes_at_once_with_the_live_runtime(shipped, monkeypatch):
    def no_conversion(model_path):
        raise AssertionError(f"{model_path} was converted again; the shipped live files should be used")

    monkeypatch.setattr(litert_convert, "_convert_in_child", no_conversion)
    monkeypatch.setattr(litert_convert, "write_live_files", no_conversion)
    predictor, info = open_predictor("shapes")
    assert predictor.runtime == "litert"
    guesses = [info.labels[int(np.argmax(predictor.run(_image28(label)).probabilities))]
               for label in ("circle", "square", "triangle")]
    assert guesses == ["circle", "square", "triangle"]


@pytest.mark.parametrize("aspect", [1.0, 0.6])
@pytest.mark.parametrize("turn", [0, 20, 30, 45, 60])
def test_the_shipped_shapes_model_is_sure_of_a_box_turned_any_way(shipped, turn, aspect):
    # A square turned 45 degrees (a diamond) is still a square: the README's label rules say "at any rotation".
    corners = np.array([[-1, -aspect], [1, -aspect], [1, aspect], [-1, aspect], [-1, -aspect]]) * 60
    box = 100 + rotate(corners, np.radians(turn))
    predictor, info = open_predictor("shapes")
    probabilities = predictor.run(preprocess(render_strokes([Stroke(box, 6.0)], 200, 200))).probabilities
    assert info.labels[int(np.argmax(probabilities))] == "square" and is_sure(probabilities), probabilities


@pytest.mark.parametrize("points, skip", [(5, 2), (7, 2), (7, 3), (8, 3)])
def test_the_shipped_shapes_model_is_not_sure_of_a_star(shipped, points, skip):
    # Taught with boxes turned any way, an earlier model named most stars drawn in one line "square".
    angles = np.pi / 2 + np.arange(points + 1) * skip * 2 * np.pi / points
    star = np.stack([100 + 70 * np.cos(angles), 100 - 70 * np.sin(angles)], 1)
    predictor, _ = open_predictor("shapes")
    probabilities = predictor.run(preprocess(render_strokes([Stroke(star, 5.0)], 200, 200))).probabilities
    assert not is_sure(probabilities), probabilities


def test_the_shipped_live_files_were_made_from_the_shipped_model(shipped):
    predictor, _ = open_predictor("shapes")
    image = _image28("triangle")
    live = predictor.run(image).probabilities
    keras_model, _ = model_store.load_model("shapes")
    reference = np.asarray(keras_model(image[None, :, :, None], training=False))[0]
    np.testing.assert_allclose(live, reference, atol=1e-5)


def test_the_shipped_digits_model_reads_mnist_without_downloading_it(shipped, mnist_path):
    with np.load(mnist_path) as data:
        images, labels = data["x_test"][:300], data["y_test"][:300]
    predictor, _ = open_predictor("digits")
    guesses = [int(np.argmax(predictor.run(preprocess(255 - image)).probabilities)) for image in images]
    assert np.mean(np.array(guesses) == labels) >= 0.97


def test_a_model_of_the_users_own_is_never_replaced(shipped):
    assert shipped_models.install("shapes")
    mine = model_store.task_model_path("shapes")
    mine.write_bytes(b"the user's model")
    assert not shipped_models.install("shapes")
    assert mine.read_bytes() == b"the user's model"


def test_a_builtin_task_with_labels_of_its_own_gets_no_shipped_model(shipped):
    user_tasks.add_label("shapes", "star")
    with pytest.raises(model_store.ModelNotFoundError):
        open_predictor("shapes")
    assert not model_store.task_model_path("shapes").exists()


def test_shipped_models_can_be_turned_off(monkeypatch):
    monkeypatch.setenv(shipped_models.SHIPPED_ENV, "")
    with pytest.raises(model_store.ModelNotFoundError):
        model_store.checked_model_info("shapes")


def test_an_interrupted_install_leaves_no_model_and_the_next_one_completes(shipped, monkeypatch):
    real_copy = shutil.copyfile

    def fail_on_the_model(source, target, *args, **kwargs):
        if str(source).endswith(".keras"):
            raise OSError(28, "No space left on device")
        return real_copy(source, target, *args, **kwargs)

    monkeypatch.setattr(shipped_models.shutil, "copyfile", fail_on_the_model)
    with pytest.raises(OSError):
        shipped_models.install("shapes")
    assert not model_store.task_model_path("shapes").exists()
    monkeypatch.setattr(shipped_models.shutil, "copyfile", real_copy)
    assert shipped_models.install("shapes")
    assert live_files_fresh(model_store.task_model_path("shapes"))


def _shipped_copy(tmp_path) -> Path:
    folder = tmp_path / "shipped"
    shutil.copytree(shipped_models.DEFAULT_DIR / "shapes", folder / "shapes")
    return folder


def test_a_shipped_table_is_trusted_only_for_the_bytes_it_was_made_from(tmp_path, monkeypatch):
    folder = _shipped_copy(tmp_path)
    monkeypatch.setenv(shipped_models.SHIPPED_ENV, str(folder))
    table = litert_convert.table_path(folder / "shapes" / "model.keras")
    with np.load(table, allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    meta = json.loads(str(arrays["meta"]))
    meta["sha256"] = "0" * 64  # as if model.keras had been replaced without making its table again
    arrays["meta"] = np.array(json.dumps(meta))
    with open(table, "wb") as handle:
        np.savez(handle, **arrays)
    assert shipped_models.install("shapes")
    installed = model_store.task_model_path("shapes")
    assert installed.is_file() and not live_files_fresh(installed)


def test_ship_writes_a_model_that_installs_without_conversion(tmp_path, monkeypatch):
    import keras

    from model.network.architecture import build_model
    from model.training.recipes import QUICK_ARCHITECTURE

    keras.utils.set_random_seed(3)
    trained = tmp_path / "trained.keras"
    labels = list(BUILTIN_TASKS["shapes"].labels)
    network = build_model(QUICK_ARCHITECTURE, len(labels))
    network.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    network.fit(np.zeros((4, 28, 28, 1), np.float32), np.zeros(4), epochs=1, verbose=0)  # optimizer state
    model_store.save_model(network, model_store.ModelInfo("shapes", labels), trained)
    shipped = shipped_models.ship(trained, tmp_path / "shipped")
    assert shipped.stat().st_size < trained.stat().st_size  # the optimizer's state is left behind
    monkeypatch.setenv(shipped_models.SHIPPED_ENV, str(tmp_path / "shipped"))

    def no_conversion(model_path):
        raise AssertionError(f"{model_path} was converted again; the shipped live files should be used")

    monkeypatch.setattr(litert_convert, "_convert_in_child", no_conversion)
    monkeypatch.setattr(litert_convert, "write_live_files", no_conversion)
    predictor, _ = open_predictor("shapes")
    image = _image28("square")
    reference = np.asarray(network(image[None, :, :, None], training=False))[0]
    np.testing.assert_allclose(predictor.run(image).probabilities, reference, atol=1e-5)



def _pen_digit(strokes, width=2.0) -> np.ndarray:
    return preprocess(render_strokes([Stroke(np.array(points, float), width) for points in strokes], 200, 200))


def _flagged_one(fall, length, lean, foot):
    """A 1 written with a flag falling `fall` degrees below level, `length` of its height long, its stem leaning
    `lean` degrees right, in one stroke; a foot in a second."""
    top, bottom = 30.0, 170.0
    reach = (bottom - top) * np.tan(np.radians(lean)) / 2
    flag = (100 + reach - length * 140 * np.cos(np.radians(fall)), top + length * 140 * np.sin(np.radians(fall)))
    strokes = [[flag, (100 + reach, top), (100 - reach, bottom)]]
    return strokes + ([[(73 - reach, bottom), (127 - reach, bottom)]] if foot else [])


@pytest.mark.parametrize("fall, length, lean, foot", [(25, 0.45, 0, False), (25, 0.35, 8, False),
                                                      (25, 0.45, 15, False), (45, 0.35, 0, True)])
def test_the_shipped_digits_model_reads_a_one_with_a_long_flag_drawn_with_a_thin_pen(shipped, fall, length, lean,
                                                                                      foot):
    # Much of the world writes 1 with a long flag, and many add a foot; the model shipped before read the
    # first three as 7 (the first with 99%).
    predictor, _ = open_predictor("digits")
    probabilities = predictor.run(_pen_digit(_flagged_one(fall, length, lean, foot))).probabilities
    assert int(np.argmax(probabilities)) == 1 and is_sure(probabilities), probabilities


@pytest.mark.parametrize("bar_rise, crossed", [(0, False), (10, False), (-10, False), (0, True)])
def test_the_shipped_digits_model_still_reads_a_seven_whose_bar_is_nearly_level(shipped, bar_rise, crossed):
    right = (140.0, 30.0)
    left = (right[0] - 80 * np.cos(np.radians(bar_rise)), right[1] + 80 * np.sin(np.radians(bar_rise)))
    strokes = [[left, right, (95, 170)]] + ([[(80, 100), (130, 100)]] if crossed else [])
    predictor, _ = open_predictor("digits")
    probabilities = predictor.run(_pen_digit(strokes)).probabilities
    assert int(np.argmax(probabilities)) == 7 and is_sure(probabilities), probabilities


def _ship_newer(folder: Path) -> bytes:
    """Stands in for a later release: the shipped Shapes model's bytes change (installing only copies them)."""
    newer = (folder / "shapes" / "model.keras").read_bytes() + b"a newer release"
    (folder / "shapes" / "model.keras").write_bytes(newer)
    return newer


@pytest.mark.parametrize("record", ["kept", "from before records", "damaged"])
def test_an_untouched_older_shipped_model_gives_way_to_the_newer_one_kept_for_rollback(tmp_path, monkeypatch,
                                                                                        record):
    folder = _shipped_copy(tmp_path)
    monkeypatch.setenv(shipped_models.SHIPPED_ENV, str(folder))
    assert shipped_models.install("shapes")
    installed = model_store.task_model_path("shapes")
    older = installed.read_bytes()
    assert not shipped_models.install("shapes"), "the same shipped model is not installed twice"
    record_file = installed.with_name("model" + shipped_models.INSTALLED_SUFFIX)
    if record == "from before records":  # installed by a version that wrote no record: the table tells
        record_file.unlink()
    elif record == "damaged":
        record_file.write_text('{"installed": ["ab')
    newer = _ship_newer(folder)
    assert shipped_models.install("shapes")
    assert installed.read_bytes() == newer
    assert model_store.has_previous("shapes")
    model_store.rollback("shapes")
    assert installed.read_bytes() == older
    model_store.rollback("shapes")
    # A third release replaces the second, pushing out of the previous slot only the first, a shipped model too.
    third = _ship_newer(folder)
    assert shipped_models.install("shapes")
    assert installed.read_bytes() == third



def test_a_model_trained_or_rolled_back_over_a_shipped_one_is_never_replaced_by_a_newer_one(tmp_path, monkeypatch):
    folder = _shipped_copy(tmp_path)
    monkeypatch.setenv(shipped_models.SHIPPED_ENV, str(folder))
    assert shipped_models.install("shapes")
    installed = model_store.task_model_path("shapes")
    older = installed.read_bytes()
    model_store.keep_previous(installed)  # as a Train does before it saves
    installed.write_bytes(b"the user's model")
    newer = _ship_newer(folder)
    assert not shipped_models.install("shapes")
    assert installed.read_bytes() == b"the user's model"
    # Rolled back to the shipped copy, the user's model waits in the previous slot: a newer shipped model would
    # push it out, so the folder is left alone.
    model_store.rollback("shapes")
    assert installed.read_bytes() == older
    assert not shipped_models.install("shapes")
    model_store.rollback("shapes")
    assert installed.read_bytes() == b"the user's model"
    assert newer != older
