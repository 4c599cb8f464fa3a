"""GUI test set-up: offscreen Qt, the app's names and look, settings kept in each test's tmp_path."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from gui.app import configure_application


@pytest.fixture(autouse=True)
def isolated_settings(qapp, tmp_path):
    """Points QSettings at tmp_path, so no test reads or writes the user's window layout or preferences."""
    configure_application(qapp)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    folder = str(tmp_path / "qsettings")
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, folder)
    yield folder


@pytest.fixture
def window(qtbot):
    """A main window without automatic training (tests that want a model get `shapes_model`)."""
    from gui.main_window import MainWindow

    main = MainWindow("shapes", auto_train=False)
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    yield main
    main.close()


# A small Shapes model: enough to tell a drawn circle from a square, trained once per test session.
SMALL_SHAPES_PER_LABEL = 300
SMALL_SHAPES_EPOCHS = 3


@pytest.fixture(scope="session")
def small_shapes_model_dir(tmp_path_factory):
    """Trains a small Shapes model once (through model.training.training, as the window does) and returns its folder."""
    import os

    from model.training.recipes import get_recipe
    from model.training.training import train_task

    data = tmp_path_factory.mktemp("small-shapes")
    previous = os.environ.get("CONVCANVAS_DATA_DIR")
    os.environ["CONVCANVAS_DATA_DIR"] = str(data)
    try:
        recipe = get_recipe("quick").with_overrides(shapes_per_label=SMALL_SHAPES_PER_LABEL)
        result = train_task("shapes", recipe, epochs=SMALL_SHAPES_EPOCHS)
    finally:
        if previous is None:
            os.environ.pop("CONVCANVAS_DATA_DIR", None)
        else:
            os.environ["CONVCANVAS_DATA_DIR"] = previous
    assert result.status == "completed", result
    return data / "models" / "shapes"


@pytest.fixture
def shapes_model(small_shapes_model_dir, isolated_data_dir):
    """Copies the small Shapes model into this test's data directory, where the window looks for it."""
    import shutil

    target = isolated_data_dir / "models" / "shapes"
    shutil.copytree(small_shapes_model_dir, target)
    return target


@pytest.fixture
def ready_window(shapes_model, window, qtbot):
    """A window whose Shapes model is loaded and predicting."""
    from gui.session import Phase

    qtbot.waitUntil(lambda: window.session.phase == Phase.READY, timeout=60_000)
    return window
