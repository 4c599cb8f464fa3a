"""The dock layout survives a restart, an old layout version is ignored, and Reset layout restores the default;
the default fits 1280×800 with nothing cut, and the canvas keeps its size from launch to drawing. The layer docks
keep their places across a restart and tab pooling behind convolution in a narrow row."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDockWidget

from gui.docks.layers import LayerDocks
from gui.main_window import LAYOUT_VERSION, MainWindow
from tests.gui.layer_helpers import Window, bar_drawing, small_predictor
from tests.saved_models import save_as_trained

LEFT, RIGHT = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea


def open_window(qtbot) -> MainWindow:
    window = MainWindow("shapes", auto_train=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_layout_is_restored_after_a_restart_and_reset_restores_the_default(qtbot):
    first = open_window(qtbot)
    assert first.dockWidgetArea(first.preview_dock) == RIGHT
    first.addDockWidget(LEFT, first.preview_dock)
    first.training_dock.hide()
    first.close()

    second = open_window(qtbot)
    assert second.dockWidgetArea(second.preview_dock) == LEFT
    assert not second.training_dock.isVisible()
    second.reset_layout()
    assert second.dockWidgetArea(second.preview_dock) == RIGHT
    assert second.training_dock.isVisible()
    second.close()


def test_a_layout_saved_by_another_version_is_ignored(qtbot):
    first = open_window(qtbot)
    first.addDockWidget(LEFT, first.preview_dock)
    first.close()
    QSettings().setValue("layout/version", LAYOUT_VERSION + 1)
    second = open_window(qtbot)
    assert second.dockWidgetArea(second.preview_dock) == RIGHT
    second.close()


def test_every_dock_is_listed_in_the_view_menu(window):
    titles = {action.text() for action in window.docks_menu.actions()}
    assert {"Prediction", "Network input", "Training"} <= titles
    action = next(a for a in window.docks_menu.actions() if a.text() == "Training")
    action.trigger()
    assert not window.training_dock.isVisible()
    action.trigger()
    assert window.training_dock.isVisible()


def test_every_panel_installs_without_error(window):
    assert window.extension_errors == []
    assert window.layer_docks is not None and window.collector is not None
    assert window.why_action is window.why_dock.view_action and window.why_action in window.view_menu.actions()


def test_a_panel_that_fails_to_install_is_named_and_the_window_keeps_the_others(qtbot, monkeypatch):
    from gui import extensions

    def _install_broken(window):
        raise RuntimeError("a bug in a panel")

    monkeypatch.setattr(extensions, "INSTALLERS", [extensions.INSTALLERS[0], _install_broken])
    window = open_window(qtbot)
    assert window.extension_errors == ["_install_broken: RuntimeError: a bug in a panel"]
    assert window.collector is None and window.layer_docks is not None and window.playground_dock is not None
    assert "Some panels could not be loaded" in window.statusBar().currentMessage()
    window.close()


# ----- the default layout at 1280×800 ---------------------------------------------------------------------

SCREEN = (1280, 800)
# style.qss: `QDockWidget::title { padding: 6px 10px }`, inside the rectangle the style gives the title's text.
TITLE_PADDING_X = 20


def save_untrained_model(recipe_name: str) -> None:
    """Saves a Shapes model of a recipe's real architecture, untrained: the layout depends on its layers only."""
    from model.core.tasks import SHAPES
    from model.network.model_store import ModelInfo
    from model.training.recipes import get_recipe
    from model.training.training import assemble_ensemble, build_member

    recipe = get_recipe(recipe_name)
    members = [build_member(recipe, len(SHAPES.labels), index) for index in range(recipe.members)]
    network = members[0] if len(members) == 1 else assemble_ensemble(members)
    save_as_trained(network, ModelInfo("shapes", list(SHAPES.labels), recipe_name, recipe.members))


def cut_titles(window) -> list[str]:
    """The dock titles and tab texts that do not fit where the window shows them."""
    from PySide6.QtWidgets import QStyle, QStyleOptionDockWidget, QTabBar

    cut = []
    for dock in window.findChildren(QDockWidget):
        if not dock.isVisible() or dock.visibleRegion().isEmpty():
            continue
        option = QStyleOptionDockWidget()
        dock.initStyleOption(option)
        room = dock.style().subElementRect(QStyle.SubElement.SE_DockWidgetTitleBarText, option, dock).width()
        if dock.fontMetrics().horizontalAdvance(dock.windowTitle()) > room - TITLE_PADDING_X:
            cut.append(f"title {dock.windowTitle()!r} ({dock.width()} px wide)")
    for bar in window.findChildren(QTabBar):
        if bar.isVisible():
            cut += [f"tab {bar.tabText(index)!r}" for index in range(bar.count())
                    if bar.tabRect(index).width() < bar.tabSizeHint(index).width()]
    return cut


def open_at_screen_size(qtbot) -> MainWindow:
    window = MainWindow("shapes", auto_train=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def wait_for_layer_docks(qtbot, window, count: int) -> None:
    qtbot.waitUntil(lambda: len(window.layer_docks.docks()) == count, timeout=60_000)
    qtbot.wait(50)  # the docks' second sizing pass, once the window has laid them out


@pytest.mark.parametrize("recipe_name, layer_count", [("quick", 9), ("best", 9)])
def test_the_default_layout_fits_1280_by_800_and_the_canvas_keeps_its_size_while_drawing(
        qtbot, recipe_name, layer_count):
    from tests.gui.drawing import drag, line_points

    save_untrained_model(recipe_name)
    window = open_at_screen_size(qtbot)
    # The layer docks (and the model's answer to a blank page) are there before anything is drawn.
    wait_for_layer_docks(qtbot, window, layer_count)
    assert window.canvas.is_empty()
    assert window.width() <= SCREEN[0] and window.height() <= SCREEN[1]
    assert cut_titles(window) == [], "; ".join(cut_titles(window))
    before = window.canvas.size()
    with qtbot.waitSignal(window.session.prediction_ready, timeout=30_000,
                          check_params_cb=lambda prediction: prediction is not None):
        drag(window.canvas, line_points((40, 40), (before.width() - 40, before.height() - 40)))
    qtbot.wait(50)
    assert window.canvas.size() == before
    assert window.width() <= SCREEN[0] and window.height() <= SCREEN[1]
    # The canvas is the largest thing in the window.
    assert before.width() >= 0.6 * window.width() and before.height() >= 0.45 * window.height()
    window.close()


def test_layer_docks_take_the_placeholders_place_without_moving_the_canvas(qtbot):
    window = open_at_screen_size(qtbot)
    qtbot.waitUntil(lambda: window.session.phase.value == "missing", timeout=60_000)
    placeholder = window.layer_docks.placeholder()
    assert placeholder is not None and placeholder.isVisible() and not window.layer_docks.docks()
    assert window.dockWidgetArea(placeholder) == Qt.DockWidgetArea.BottomDockWidgetArea
    qtbot.wait(50)
    before = window.canvas.size()
    save_untrained_model("quick")
    window.session.reload_model()
    wait_for_layer_docks(qtbot, window, 9)
    assert window.layer_docks.placeholder() is None
    assert window.canvas.size() == before
    assert window.width() <= SCREEN[0] and window.height() <= SCREEN[1]
    window.close()


def test_the_empty_network_input_shows_its_whole_message(window):
    view = window.preview_dock.view
    assert window.preview_dock.is_empty()
    image = view.grab().toImage()
    target = view._target()
    # Text cut off at the square's sides leaves letters touching them; whole words keep a dark margin.
    margin_columns = [target.left() + 2, target.left() + 3, target.right() - 3, target.right() - 2]
    touching = [(x, y) for x in margin_columns for y in range(target.top() + 3, target.bottom() - 2)
                if image.pixelColor(x, y).lightness() > 60]
    assert touching == []


@pytest.fixture(scope="module")
def predictor():
    return small_predictor()


def test_layout_of_docks_is_saved_and_restored(qtbot, predictor, tmp_path):
    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    first = Window()
    qtbot.addWidget(first)
    docks = LayerDocks(first)
    docks.set_predictor(predictor)
    docks.show_prediction(predictor.run(bar_drawing()))
    docks.dock("pool1").hide()
    first.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, docks.dock("conv2"))
    settings.setValue("state", first.saveState())
    # A new window restores the state before any model is loaded, as at start-up.
    second = Window()
    qtbot.addWidget(second)
    assert second.restoreState(settings.value("state"))
    again = LayerDocks(second)
    again.set_predictor(predictor)
    again.show_prediction(predictor.run(bar_drawing()))
    assert second.dockWidgetArea(again.dock("conv2")) == Qt.DockWidgetArea.LeftDockWidgetArea
    assert again.dock("pool1").isHidden() and not again.dock("conv1").isHidden()


def test_a_narrow_row_tabs_each_pooling_dock_behind_its_convolution(qtbot, predictor):
    from PySide6.QtWidgets import QLabel

    window = Window()
    window.setCentralWidget(QLabel("canvas"))
    qtbot.addWidget(window)
    window.resize(700, 500)
    window.show()
    docks = LayerDocks(window)
    docks.set_predictor(predictor)
    docks.show_prediction(predictor.run(bar_drawing()))
    assert window.tabifiedDockWidgets(docks.dock("conv1")) == [docks.dock("pool1")]
    assert window.tabifiedDockWidgets(docks.dock("conv2")) == [docks.dock("pool2")]
    assert not window.tabifiedDockWidgets(docks.dock("dense1"))
