"""The window opens whole with damaged files: every dock and menu, the intact model in use, no retraining, and a
one-line message naming the file (issue 19, item 1)."""

from __future__ import annotations

import json

import pytest

from model.core import paths
from model.network.model_store import sidecar_path


def _open_window(qtbot, auto_train=False):
    from gui.main_window import MainWindow

    window = MainWindow(auto_train=auto_train)
    qtbot.addWidget(window)
    window.persist_layout = False
    window.show()
    return window


@pytest.mark.parametrize("content", [b"", b"garbage", b'{"labels": 5}'], ids=["empty", "garbage", "wrong types"])
def test_window_with_a_damaged_model_json_uses_the_intact_model(qtbot, qsettings_in_tmp, shapes_model, content):
    from gui.session import Phase

    sidecar_path(shapes_model).write_bytes(content)
    window = _open_window(qtbot, auto_train=True)  # it would train Shapes if it thought the model missing
    assert window.extension_errors == []  # saving, data set and retrain docks, Tasks menu, import/export
    qtbot.waitUntil(lambda: window.session.phase != Phase.LOADING, timeout=60000)
    assert window.session.phase == Phase.READY and not window.session.is_training()
    assert window.session.info.labels == ["circle", "square", "triangle"]
    qtbot.waitUntil(lambda: "model.json" in window.statusBar().currentMessage(), timeout=5000)
    assert sidecar_path(shapes_model).with_name("model.json.corrupt").exists()
    window.close()


def test_window_opens_with_tasks_json_of_wrong_types_and_a_remembered_task_gone(qtbot, qsettings_in_tmp):
    tasks_file = paths.data_dir() / "tasks.json"
    tasks_file.parent.mkdir(parents=True, exist_ok=True)
    tasks_file.write_text(json.dumps({"tasks": "x"}))
    qsettings_in_tmp.setValue("task", "doodles")
    window = _open_window(qtbot)
    assert window.session.task.name == "shapes" and window.extension_errors == []
    window.close()


def test_window_opens_with_a_garbage_settings_json(qtbot, qsettings_in_tmp):
    settings_file = paths.data_dir() / "settings.json"
    settings_file.parent.mkdir(parents=True, exist_ok=True)
    settings_file.write_bytes(b"\x89\x00garbage")
    window = _open_window(qtbot)
    assert window.extension_errors == []
    qtbot.waitUntil(lambda: "settings.json" in window.statusBar().currentMessage(), timeout=5000)
    window.close()
