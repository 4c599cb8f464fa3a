"""Activation docks: built from the loaded model, updated by predictions, explaining each cell."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from gui.docks.conv_dock import ConvDock
from gui.docks.layers import LayerDocks
from model.core.strokes import drawing_bounds
from model.network.convolution import conv2d
from tests.gui.layer_helpers import SMALL, Window, bar_drawing, small_predictor
from tests.saved_models import save_as_trained


@pytest.fixture(scope="module")
def predictor():
    return small_predictor()


def _hover(widget, position: QPointF) -> None:
    """Sends the mouse-move event a pointer resting over `position` gives (QTest.mouseMove does not offscreen)."""
    event = QMouseEvent(QEvent.Type.MouseMove, position, widget.mapToGlobal(position), Qt.MouseButton.NoButton,
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


@pytest.fixture
def shown(qtbot, predictor):
    window = Window()
    qtbot.addWidget(window)
    docks = LayerDocks(window)
    docks.set_predictor(predictor)
    window.resize(1400, 500)
    window.show()
    docks.show_prediction(predictor.run(bar_drawing()))
    qtbot.waitUntil(lambda: not docks.dock("conv1").is_dirty())
    return window, docks


def test_one_dock_per_layer_with_name_and_shape(shown):
    window, docks = shown
    titles = [dock.windowTitle() for dock in docks.docks()]
    assert titles == ["input", "conv1", "pool1", "conv2", "pool2", "dense1", "output"]
    shapes = [dock.header.text().split("</b>")[0].removeprefix("<b>") for dock in docks.docks()]
    assert shapes == ["28×28", "28×28×4", "14×14×4", "6×6×6", "3×3×6", "10", "3"]
    assert [dock.objectName() for dock in docks.docks()][1] == "layer_dock_conv1"
    header = docks.dock("conv2").header.text()
    assert "3×3" in header and "stride 2" in header and "'valid'" in header and "ReLU" in header
    assert "average" in docks.dock("pool2").header.text()


def test_docks_follow_each_prediction(shown, predictor):
    window, docks = shown
    conv1 = docks.dock("conv1")
    before = conv1.grid.image().copy()
    docks.show_prediction(predictor.run(bar_drawing(6)))
    assert conv1.grid.image() != before
    assert docks.docks()[0] is docks.dock("input")  # same docks reused, not rebuilt


def test_an_empty_canvas_blanks_the_docks(shown):
    window, docks = shown
    docks.show_prediction(None)
    assert len(docks.docks()) == 7
    assert not docks.dock("conv1").group.values.any() and not docks.dock("output").group.values.any()


def test_hidden_dock_paints_when_shown_again(shown, predictor):
    window, docks = shown
    conv2 = docks.dock("conv2")
    conv2.hide()
    before = conv2.grid.image().copy()
    docks.show_prediction(predictor.run(bar_drawing(22)))
    assert conv2.is_dirty() and conv2.grid.image() == before
    conv2.show()
    assert not conv2.is_dirty() and conv2.grid.image() != before


@pytest.mark.parametrize("layer", ["conv1", "conv2"])
def test_hover_arithmetic_equals_the_cell(qtbot, shown, predictor, layer):
    window, docks = shown
    dock: ConvDock = docks.dock(layer)
    prediction = predictor.run(bar_drawing())
    docks.show_prediction(prediction)
    values = {out.name: out.values for out in prediction.layers}
    channel = 1
    # Click the tile of map 1 in the grid, as a user would.
    rect = dock.grid.tile_rect(channel)
    target = dock.grid.target_rect()
    scale = dock.grid.cell_size()
    qtbot.mouseClick(dock.grid, Qt.MouseButton.LeftButton,
                     pos=QPoint(int(target.x() + (rect.x() + 1.5) * scale), int(target.y() + (rect.y() + 1.5) * scale)))
    assert dock.selected == channel and dock.detail.isVisible()
    height, width = values[layer].shape[:2]
    qtbot.waitUntil(lambda: dock.large_view.cell_size() > 0)
    for row, col in [(0, 0), (height // 2, width // 2), (height - 1, width - 1)]:
        # Move the mouse over the cell of the enlarged map, as a user would.
        view = dock.large_view
        target, cell = view.target_rect(), view.cell_size()
        _hover(view, QPointF(target.x() + (col + 0.5) * cell, target.y() + (row + 0.5) * cell))
        assert dock.last_value == pytest.approx(float(values[layer][row, col, channel]), abs=1e-4)
        assert f"= <b>{dock.last_value:.3f}</b>" in dock.arithmetic.text()
        assert dock.input_view.outline().width() == 3


def test_hover_arithmetic_goes_through_batch_norm(qtbot):
    architecture = [{"type": "conv", "filters": 3, "batch_norm": True}, {"type": "pool"}, {"type": "flatten"}]
    predictor = small_predictor(architecture, labels=("a", "b"), seed=3)
    norm = predictor.model.get_layer("conv1_bn")
    rng = np.random.default_rng(3)
    for variable in (norm.gamma, norm.beta, norm.moving_mean):
        variable.assign(rng.normal(0, 0.5, variable.shape).astype(np.float32))
    norm.moving_variance.assign(rng.uniform(0.5, 2.0, norm.moving_variance.shape).astype(np.float32))
    window = Window()
    qtbot.addWidget(window)
    docks = LayerDocks(window)
    docks.set_predictor(predictor)
    prediction = predictor.run(bar_drawing())
    docks.show_prediction(prediction)
    dock = docks.dock("conv1")
    assert "batch norm → ReLU" in dock.header.text()
    relu = {out.name: out.values for out in prediction.layers}["conv1_relu"]
    dock.enlarge(2)
    for row, col in [(10, 12), (14, 14), (0, 27)]:
        dock.hover_cell(row, col)
        assert dock.last_value == pytest.approx(float(relu[row, col, 2]), abs=1e-4)
        assert "batch norm:" in dock.arithmetic.text()


def test_a_batch_normalised_dense_layer_says_what_follows_it(qtbot):
    architecture = [{"type": "conv", "filters": 3}, {"type": "pool"}, {"type": "flatten"},
                    {"type": "dense", "units": 8, "batch_norm": True}]
    predictor = small_predictor(architecture, labels=("a", "b"), seed=1)
    docks = LayerDocks(Window())
    docks.set_predictor(predictor)
    prediction = predictor.run(bar_drawing())
    docks.show_prediction(prediction)
    header = docks.dock("dense1").header.text()
    assert "8 units · batch norm → ReLU" in header and "no activation" not in header
    relu = {out.name: out.values for out in prediction.layers}["dense1_relu"]
    assert np.allclose(docks.dock("dense1").group.values, np.asarray(relu).reshape(-1))


def test_epoch_predictions_bring_their_own_weights(shown):
    window, docks = shown
    trained = small_predictor(seed=7)
    docks.dock("conv1").kernels_button.click()
    docks.show_prediction(trained.run(bar_drawing()))
    np.testing.assert_array_equal(docks.weights("conv1")[0], trained.layer_weights("conv1")[0])


def test_kernels_view_uses_the_learned_weights(shown, predictor):
    window, docks = shown
    dock: ConvDock = docks.dock("conv1")
    dock.kernels_button.click()
    kernel, _ = predictor.layer_weights("conv1")
    assert dock.grid.count == kernel.shape[-1]
    dock.enlarge(2)
    np.testing.assert_array_equal(dock.large_view.numbers(), kernel[:, :, 0, 2])
    assert dock.large_view.image().size().width() == 3


def test_weighted_sum_reproduces_the_real_conv1(predictor):
    image = bar_drawing()
    kernel, bias = predictor.layer_weights("conv1")
    expected = {out.name: out.values for out in predictor.run(image).layers}["conv1"]
    np.testing.assert_allclose(np.maximum(conv2d(image, kernel, padding="same", bias=bias), 0), expected, atol=1e-5)


def test_ensemble_offers_a_member_choice(qtbot):
    import keras

    from model.network.architecture import build_model
    from model.network.inference import Predictor

    inputs = keras.Input((28, 28, 1))
    members = [build_model(SMALL[:2] + SMALL[4:6], 2, name=f"member{index}") for index in (1, 2)]
    ensemble = keras.Model(inputs, keras.layers.Average(name="ensemble")([m(inputs) for m in members]))
    predictor = Predictor(ensemble, ("a", "b"))
    window = Window()
    qtbot.addWidget(window)
    docks = LayerDocks(window)
    docks.set_predictor(predictor)
    docks.show_prediction(predictor.run(bar_drawing(), member=0))
    box = docks.dock("input").member_box
    assert box.count() == 2 and not docks.dock("input").member_row.isHidden()
    with qtbot.waitSignal(docks.member_changed) as blocker:
        box.setCurrentIndex(1)
    assert blocker.args == [1]
    np.testing.assert_array_equal(docks.weights("conv1")[0], members[1].get_layer("conv1").kernel.numpy())


@pytest.fixture
def saved_shapes_model():
    from model.core.tasks import SHAPES
    from model.network.architecture import build_model
    from model.network.model_store import ModelInfo

    save_as_trained(build_model(SMALL, 3), ModelInfo("shapes", list(SHAPES.labels)))


def _open_window(qtbot):
    from gui.main_window import MainWindow

    window = MainWindow("shapes", auto_train=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def _draw_stroke(window):
    from tests.gui.drawing import circle_points, drag

    size = window.canvas.size()
    drag(window.canvas, circle_points(size.width() * 0.3, size.height() * 0.4, min(size.width(), size.height()) * 0.2))


def test_window_builds_docks_for_the_loaded_model_and_keeps_their_layout(qtbot, saved_shapes_model):
    window = _open_window(qtbot)
    with qtbot.waitSignal(window.session.prediction_ready, timeout=30000,
                          check_params_cb=lambda prediction: prediction is not None):
        _draw_stroke(window)
    docks = window.layer_docks
    qtbot.waitUntil(lambda: len(docks.docks()) == 7)
    titles = {action.text() for action in window.docks_menu.actions()}
    assert {"conv1", "Convolution playground", "Why this label?"} <= titles
    np.testing.assert_allclose(window.findChild(type(window.playground_dock), "playground_dock").current_input(),
                               window.session.current_input())
    window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, docks.dock("conv2"))
    docks.dock("dense1").close()
    window.close()

    again = _open_window(qtbot)
    with qtbot.waitSignal(again.session.prediction_ready, timeout=30000,
                          check_params_cb=lambda prediction: prediction is not None):
        _draw_stroke(again)
    qtbot.waitUntil(lambda: len(again.layer_docks.docks()) == 7)
    assert again.dockWidgetArea(again.layer_docks.dock("conv2")) == Qt.DockWidgetArea.LeftDockWidgetArea
    assert again.layer_docks.dock("dense1").isHidden()
    again.reset_layout()
    assert again.dockWidgetArea(again.layer_docks.dock("conv2")) == Qt.DockWidgetArea.BottomDockWidgetArea
    assert not again.layer_docks.dock("dense1").isHidden()
    again.close()


def test_why_this_label_lays_a_heat_map_over_the_drawing(qtbot, saved_shapes_model):
    window = _open_window(qtbot)
    why = window.why_dock
    window.why_action.trigger()
    assert why.toggle.isChecked()
    with qtbot.waitSignal(window.session.explanation_ready, timeout=30000,
                          check_params_cb=lambda explanation: explanation is not None):
        _draw_stroke(window)
    qtbot.waitUntil(lambda: window.canvas.overlay_rect() is not None)
    rect = window.canvas.overlay_rect()
    # The overlay square is centred on the circle, and its 20 px drawing box spans the circle.
    left, top, right, bottom = drawing_bounds(window.canvas.strokes())
    assert abs(rect.center().x() - (left + right) / 2) < 0.05 * (right - left)
    assert abs(rect.center().y() - (top + bottom) / 2) < 0.1 * (bottom - top)
    assert rect.width() * 20 / 28 == pytest.approx(right - left, rel=0.2)
    why.label_box.setCurrentIndex(2)
    with qtbot.waitSignal(window.session.explanation_ready, timeout=30000):
        pass
    assert why.explanation.label_index == 1
    why.toggle.setChecked(False)
    assert window.canvas.overlay_rect() is None
    window.close()


def test_docks_follow_the_network_in_training_after_each_epoch(qtbot, saved_shapes_model):
    window = _open_window(qtbot)
    with qtbot.waitSignal(window.session.prediction_ready, timeout=30000,
                          check_params_cb=lambda prediction: prediction is not None):
        _draw_stroke(window)
    docks = window.layer_docks
    qtbot.waitUntil(lambda: len(docks.docks()) == 7)
    conv1 = docks.dock("conv1")
    conv1.kernels_button.click()
    before = conv1.grid.image().copy()
    # What the training thread hands over after an epoch: the network in training run on the drawing.
    in_training = small_predictor(seed=11)
    window.session.training_epoch_ended.emit(in_training.run(window.session.current_input()))
    assert conv1.grid.image() != before
    np.testing.assert_array_equal(docks.weights("conv1")[0], in_training.layer_weights("conv1")[0])
    window.close()


def test_window_shows_the_ensemble_member_the_user_picks(qtbot):
    import keras

    from model.core.tasks import SHAPES
    from model.network.architecture import build_model
    from model.network.model_store import ModelInfo

    inputs = keras.Input((28, 28, 1), name="input")
    members = [build_model(SMALL, 3, name=f"member{index}") for index in (1, 2)]
    ensemble = keras.Model(inputs, keras.layers.Average(name="ensemble")([m(inputs) for m in members]))
    save_as_trained(ensemble, ModelInfo("shapes", list(SHAPES.labels), members=2))
    window = _open_window(qtbot)
    with qtbot.waitSignal(window.session.prediction_ready, timeout=30000,
                          check_params_cb=lambda prediction: prediction is not None):
        _draw_stroke(window)
    docks = window.layer_docks
    qtbot.waitUntil(lambda: len(docks.docks()) == 7)
    # Member 2's layers are traced in the inference thread only now, in a later slot call than the model's load.
    with qtbot.waitSignal(window.session.prediction_ready, timeout=30000,
                          check_params_cb=lambda prediction: prediction is not None and prediction.member == 1):
        docks.dock("input").member_box.setCurrentIndex(1)
    expected = window.session.predictor.layer_weights("conv1", 1)[0]
    np.testing.assert_array_equal(docks.weights("conv1")[0], expected)
    assert not np.array_equal(expected, window.session.predictor.layer_weights("conv1", 0)[0])
    window.close()


def test_docks_name_the_labels_from_the_first_training_on_and_follow_each_loaded_model(qtbot):
    from gui.session import Phase
    from model.network.architecture import build_model
    from model.network.model_store import ModelInfo

    window = _open_window(qtbot)
    qtbot.waitUntil(lambda: window.session.phase == Phase.MISSING, timeout=60000)
    docks = window.layer_docks
    # No model yet: the first training's epochs build the docks, and the output names the task's labels.
    window.session.training_epoch_ended.emit(small_predictor().run(bar_drawing()))
    assert list(docks.dock("output").bars.probabilities()) == ["circle", "square", "triangle"]
    # The trained model loads (saved here under other names): the docks take its labels, in place.
    output = docks.dock("output")
    save_as_trained(build_model(SMALL, 3), ModelInfo("shapes", ["ring", "box", "wedge"]))
    window.session.reload_model()
    qtbot.waitUntil(lambda: list(docks.dock("output").bars.probabilities()) == ["ring", "box", "wedge"],
                    timeout=60000)
    assert docks.dock("output") is output
    window.close()
