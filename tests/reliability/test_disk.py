"""A full, read-only or forbidden disk: found before long work, said in one line at write time, nothing lost.

A full disk is simulated by making `shutil.disk_usage` report almost no room (before the work) or `os.replace` fail
with ENOSPC (at write time); a read-only disk by refusing every write under a folder with EROFS (`_read_only`), and,
where the tests do not run as root, by a real chmod 0o555.
"""

from __future__ import annotations

import builtins
import errno
import io
import os
import shutil
from collections import namedtuple
from pathlib import Path

import numpy as np
import pytest

import main
from model.collection import exporters, user_tasks
from model.collection.importers import import_path
from model.collection.samples import SampleStore
from model.core import paths
from model.core.strokes import Stroke, render_strokes
from model.network import model_store
from model.training.retrain import RetrainSettings, retrain
from tests.gui.conftest import isolated_settings, window  # noqa: F401  (fixtures for the window tests)
from tests.test_cli import _drawing, _save_shapes_model, small_training  # noqa: F401  (a fixture)

REAL_REPLACE = os.replace
TINY = RetrainSettings(scratch_epochs=1, epochs=1, min_epoch_size=64, batch_size=16)
Usage = namedtuple("Usage", "total used free")


def _disk_with_free(monkeypatch, free_bytes: int) -> None:
    monkeypatch.setattr(shutil, "disk_usage", lambda path: Usage(10**9, 10**9 - free_bytes, free_bytes))


def _replace_fails(monkeypatch, code=errno.ENOSPC, when=lambda target: True) -> None:
    real_replace = os.replace

    def replace(source, target, *args, **kwargs):
        if when(str(target)):
            raise OSError(code, os.strerror(code), str(target))
        return real_replace(source, target, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)


def _read_only(monkeypatch, folder: Path) -> None:
    """Refuses, with EROFS, every creation, write, rename or removal under `folder`, as a read-only disk does."""
    root = str(Path(folder).resolve())

    def under(path) -> bool:
        try:
            return str(Path(os.fsdecode(path)).resolve()).startswith(root)
        except (TypeError, ValueError):
            return False

    def refuse(path):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(path))

    def guard(real, writes=lambda *args, **kwargs: True, paths=(0,)):
        def guarded(*args, **kwargs):
            for index in paths:
                if index < len(args) and isinstance(args[index], (str, bytes, os.PathLike)) and under(args[index]) \
                        and writes(*args, **kwargs):
                    refuse(args[index])
            return real(*args, **kwargs)
        return guarded

    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

    def open_writes(file, mode="r", *args, **kwargs):
        return any(letter in mode for letter in "wax+")

    monkeypatch.setattr(os, "open", guard(os.open, lambda path, flags, *a, **k: bool(flags & write_flags)))
    monkeypatch.setattr(builtins, "open", guard(builtins.open, open_writes))
    monkeypatch.setattr(io, "open", guard(io.open, open_writes))
    monkeypatch.setattr(os, "mkdir", guard(os.mkdir))
    for name in ("replace", "rename"):
        monkeypatch.setattr(os, name, guard(getattr(os, name), paths=(0, 1)))
    for name in ("unlink", "remove", "rmdir"):
        monkeypatch.setattr(os, name, guard(getattr(os, name)))


def _one_clean_line(text: str, *words: str) -> str:
    errors = [line for line in text.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, text
    assert "Traceback" not in text and "Errno" not in text, text
    for word in words:
        assert word in errors[0], text
    return errors[0]


def _circle(radius=60):
    angles = np.linspace(0, 2 * np.pi, 40)
    points = np.stack([100 + radius * np.cos(angles), 100 + radius * np.sin(angles)], 1)
    strokes = [Stroke(points, 8.0)]
    return render_strokes(strokes, 200, 200), strokes


def _fill_marks(per_label=4):
    task = user_tasks.create_task("Marks", ["ring", "bar"])
    store = SampleStore(task.name)
    for index in range(per_label):
        store.add("ring", *_circle(40 + 4 * index))
        bar = [Stroke(np.array([[100.0, 30 + index], [104.0, 170]]), 8.0)]
        store.add("bar", render_strokes(bar, 200, 200), bar)
    return task, store


# ----- training ---------------------------------------------------------------------------------------------


def test_train_on_a_full_disk_stops_before_the_first_epoch_in_one_line(small_training, monkeypatch, capsys):
    _disk_with_free(monkeypatch, 512 * 1024)
    assert main.main(["train", "--task", "shapes"]) == 1
    err = capsys.readouterr().err
    line = _one_clean_line(err, "is full", "needs ~", "MB", str(paths.models_dir("shapes")))
    assert "epoch" not in err.replace(line, "")  # no epoch was spent
    assert not model_store.task_model_path("shapes").exists()


def test_train_when_the_disk_fills_at_the_checkpoint_says_it_in_one_line(small_training, monkeypatch, capsys):
    _replace_fails(monkeypatch, when=lambda target: target.endswith(".keras"))
    assert main.main(["train", "--task", "shapes"]) == 1
    _one_clean_line(capsys.readouterr().err, "is full", str(paths.models_dir("shapes") / "checkpoints"))
    leftovers = [path.name for path in paths.data_dir().rglob("*") if ".part" in path.name]
    assert leftovers == []


def test_train_keeps_the_previous_model_when_the_disk_is_full(small_training, monkeypatch, capsys):
    _save_shapes_model()
    before = model_store.task_model_path("shapes").read_bytes()
    _replace_fails(monkeypatch, when=lambda target: target.endswith("model.keras"))
    assert main.main(["train", "--task", "shapes"]) == 1
    _one_clean_line(capsys.readouterr().err, "is full")
    monkeypatch.setattr(os, "replace", REAL_REPLACE)  # (undo() would restore the data folder too)
    assert model_store.task_model_path("shapes").read_bytes() == before
    model_store.load_model("shapes")


def test_train_on_a_read_only_data_folder_fails_at_once(small_training, monkeypatch, capsys):
    paths.data_dir().mkdir(parents=True)
    _read_only(monkeypatch, paths.data_dir())
    assert main.main(["train", "--task", "shapes"]) == 1
    err = capsys.readouterr().err
    line = _one_clean_line(err, "read-only", str(paths.models_dir("shapes")))
    assert "epoch" not in err.replace(line, "")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes through chmod 0o555")
def test_train_into_a_folder_without_write_permission(small_training, tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        assert main.main(["train", "--task", "shapes", "--out", str(locked / "model.keras")]) == 1
    finally:
        locked.chmod(0o755)
    _one_clean_line(capsys.readouterr().err, "permission denied", str(locked))


def test_predict_works_on_a_read_only_data_folder(monkeypatch, tmp_path, capsys):
    _save_shapes_model()
    image = _drawing(tmp_path / "a.png")
    _read_only(monkeypatch, paths.data_dir())
    assert main.main(["predict", "--task", "shapes", image]) == 0
    assert '"label"' in capsys.readouterr().out


# ----- retrain ------------------------------------------------------------------------------------------------


def test_retrain_works_when_the_sample_cache_cannot_be_written(monkeypatch):
    task, store = _fill_marks()
    _read_only(monkeypatch, paths.data_dir() / "cache")
    x, y, ids = store.load_arrays(task.labels)
    assert x.shape == (8, 28, 28) and sorted(y.tolist()) == [0] * 4 + [1] * 4
    result = retrain(task, TINY)
    assert result.saved and not (paths.data_dir() / "cache").exists()


def test_retrain_on_a_full_disk_fails_before_training(monkeypatch):
    task, _ = _fill_marks()
    _disk_with_free(monkeypatch, 100 * 1024)
    epochs = []
    with pytest.raises(OSError, match="is full \\(needs ~") as caught:
        retrain(task, TINY, epoch_end=epochs.append)
    assert epochs == [] and "Errno" not in str(caught.value)


# ----- saving drawings and exporting --------------------------------------------------------------------------


@pytest.mark.parametrize("code, words", [(errno.ENOSPC, "is full"), (errno.EROFS, "read-only"),
                                         (errno.EACCES, "permission denied")])
def test_a_refused_save_is_one_line_and_leaves_no_trace(monkeypatch, code, words):
    store = SampleStore("shapes")
    kept = store.add("circle", *_circle())
    _replace_fails(monkeypatch, code)
    with pytest.raises(OSError) as caught:
        store.add("circle", *_circle(30))
    message = str(caught.value)
    assert words in message and str(store.root / "circle") in message and "Errno" not in message
    assert "\n" not in message and caught.value.errno == code
    monkeypatch.setattr(os, "replace", REAL_REPLACE)  # (undo() would restore the data folder too)
    assert sorted(path.name for path in (store.root / "circle").iterdir()) == [f"{kept}.json", f"{kept}.png"]


def test_exports_on_a_full_disk_write_nothing_and_say_how_much_is_needed(monkeypatch, tmp_path):
    store = SampleStore("shapes")
    for radius in (30, 40, 50):
        store.add("circle", *_circle(radius))
    _save_shapes_model()
    _disk_with_free(monkeypatch, 1000)
    for export in (lambda: exporters.export_folder(store, tmp_path / "folder"),
                   lambda: exporters.export_npz(store, tmp_path / "out" / "set.npz"),
                   lambda: exporters.export_model("shapes", tmp_path / "model", tflite=False)):
        with pytest.raises(OSError, match="is full \\(needs ~.* MB, 0.0 MB free\\)"):
            export()
    assert not (tmp_path / "folder").exists() and not (tmp_path / "out").exists()
    assert not (tmp_path / "model").exists()


def test_an_export_that_fills_the_disk_halfway_says_it_in_one_line(monkeypatch, tmp_path):
    store = SampleStore("shapes")
    store.add("circle", *_circle())
    out = tmp_path / "out"
    _replace_fails(monkeypatch, when=lambda target: target.endswith("set.npz"))
    with pytest.raises(OSError, match=f"The disk holding {out} is full") as caught:
        exporters.export_npz(store, out / "set.npz")
    assert "Errno" not in str(caught.value)
    assert [path.name for path in out.iterdir()] == []  # no half file, no temporary file


# ----- importing ----------------------------------------------------------------------------------------------


def _bitmaps(count):
    images = np.zeros((count, 28, 28), np.uint8)
    images[:, 6:22, 12:16] = 255
    return images


def test_import_on_a_full_disk_is_refused_before_it_starts(monkeypatch, tmp_path):
    np.save(tmp_path / "pencil.npy", _bitmaps(50))
    _disk_with_free(monkeypatch, 10 * 1024)
    with pytest.raises(OSError, match="is full \\(needs ~"):
        import_path(tmp_path / "pencil.npy", SampleStore("qd"))
    assert SampleStore("qd").counts() == {}


def test_an_import_that_fills_the_disk_keeps_what_it_saved_and_says_why_it_stopped(monkeypatch, tmp_path):
    np.save(tmp_path / "pencil.npy", _bitmaps(20))
    real_replace, written = os.replace, []

    def replace(source, target):
        if str(target).endswith(".png"):
            if len(written) >= 7:
                raise OSError(errno.ENOSPC, "No space left on device", str(target))
            written.append(target)
        return real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    store = SampleStore("qd")
    report = import_path(tmp_path / "pencil.npy", store)
    assert report.added == {"pencil": 7} and store.counts() == {"pencil": 7}
    assert "is full" in report.stopped and "Errno" not in report.stopped
    assert "Stopped early: The disk holding" in report.summary()
    assert len(list((store.root / "pencil").glob("*.json"))) == 7  # no record without its drawing


def test_cli_reports_any_refused_write_in_one_line(small_training, monkeypatch, tmp_path, capsys):
    # predict trains the quick recipe first when there is no model: a read-only data folder stops it in one line.
    image = _drawing(tmp_path / "a.png")
    _read_only(monkeypatch, paths.data_dir())
    assert main.main(["predict", "--task", "shapes", image]) == 1
    _one_clean_line(capsys.readouterr().err, "read-only")


# ----- the window ---------------------------------------------------------------------------------------------


# A key-press save the disk refuses is written by the writer thread, reported with Retry and kept in memory:
# tests/gui/test_saving.py covers it.



def test_a_window_export_to_a_full_disk_says_it_in_one_line(window, qtbot, monkeypatch, tmp_path, capfd):
    SampleStore("shapes").add("circle", *_circle())
    _disk_with_free(monkeypatch, 1000)
    job = window.collector.export("npz", tmp_path / "set.npz")
    with qtbot.waitSignal(job.failed, timeout=30000):
        pass
    text = window.collector.last_message.text()
    assert text.startswith(f"The disk holding {tmp_path} is full (needs ~") and "\n" not in text
    assert "Traceback" not in capfd.readouterr().err


def test_a_delete_the_disk_refuses_halfway_says_why_and_what_was_deleted_can_be_undone(window, monkeypatch):
    store = SampleStore("shapes")
    ids = [store.add("circle", *_circle(radius)) for radius in (30, 45, 60)]
    dock = window.collector.dataset_dock
    dock.refresh()
    dock.select(ids)
    first = []  # the first drawing moved to the trash (its .png, then its .json); the disk refuses the rest
    _replace_fails(monkeypatch, errno.EROFS,
                   when=lambda target: not (first.append(Path(target).stem) or Path(target).stem == first[0]))
    dock.delete_selected()
    text = window.collector.saver.toast.text()
    assert "Deleted 1 drawing. Stopped: The disk holding" in text and "read-only" in text and "Errno" not in text
    monkeypatch.setattr(os, "replace", REAL_REPLACE)
    assert len(store.samples()) == 2 and dock.undo() and len(store.samples()) == 3
