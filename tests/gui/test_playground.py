"""The playground reproduces the issue's worked examples through its own widgets."""

from __future__ import annotations

import numpy as np
import pytest

from gui.docks.playground import PlaygroundDock

ONE_TO_NINE = np.arange(1, 10, dtype=float).reshape(3, 3)


@pytest.fixture
def playground(qtbot):
    dock = PlaygroundDock()
    qtbot.addWidget(dock)
    dock.show()
    return dock


def _type_kernel(dock, values):
    """Sets the size box and types every weight into the table, as a user would."""
    values = np.asarray(values, dtype=float)
    dock.editor.size_box.setValue(values.shape[0])
    for (row, col), value in np.ndenumerate(values):
        dock.editor.table.item(row, col).setText(str(value))


def _choose(dock, **options):
    boxes = {"padding": dock.padding_box, "stride": dock.stride_box, "pool_mode": dock.pool_mode_box,
             "pool_padding": dock.pool_padding_box}
    for name, value in options.items():
        if name in boxes:
            boxes[name].setCurrentText(str(value))
        else:
            {"pool_size": dock.pool_size_box, "pool_stride": dock.pool_stride_box}[name].setValue(value)


def test_ones_kernel_valid_and_same(playground):
    playground.set_input(ONE_TO_NINE)
    _type_kernel(playground, np.ones((2, 2)))
    _choose(playground, padding="valid", pool_mode="none")
    np.testing.assert_array_equal(playground.conv_output, [[12, 16], [24, 28]])
    assert "→ 2×2" in playground.conv_caption.text()
    _choose(playground, padding="same")
    np.testing.assert_array_equal(playground.conv_output, [[12, 16, 9], [24, 28, 15], [15, 17, 9]])
    assert "→ 3×3" in playground.conv_caption.text()


@pytest.mark.parametrize("weight", [1, 10, -1])
def test_kernel_weight_scales_the_map(playground, weight):
    playground.set_input(ONE_TO_NINE)
    _choose(playground, padding="valid", pool_mode="none")
    _type_kernel(playground, np.full((2, 2), weight))
    np.testing.assert_array_equal(playground.conv_output, np.array([[12, 16], [24, 28]]) * weight)


def test_max_pool_stride_one(playground):
    playground.set_input(np.array([[4.0, 3], [2, 1]]))
    playground.editor.preset_box.setCurrentText("identity")
    _choose(playground, padding="same", pool_mode="max", pool_size=2, pool_stride=1, pool_padding="valid")
    np.testing.assert_array_equal(playground.conv_output, [[4, 3], [2, 1]])
    np.testing.assert_array_equal(playground.pooled_output, [[4]])
    _choose(playground, pool_padding="same")
    np.testing.assert_array_equal(playground.pooled_output, [[4, 3], [2, 1]])
    assert "→ 2×2" in playground.pool_caption.text()


def test_stride_two_same_then_pool(playground):
    playground.set_input(np.random.default_rng(0).random((28, 28)))
    playground.editor.preset_box.setCurrentText("box blur")
    _choose(playground, stride=2, padding="same", pool_mode="max", pool_size=2, pool_stride=2, pool_padding="same")
    assert playground.conv_output.shape == (14, 14) and "→ 14×14" in playground.conv_caption.text()
    assert playground.pooled_output.shape == (7, 7) and "→ 7×7" in playground.pool_caption.text()
    assert "28×28" in playground.input_caption.text()


def test_presets_and_resizing(playground):
    playground.editor.preset_box.setCurrentText("vertical edge")
    assert playground.editor.kernel().shape == (4, 4)
    playground.editor.size_box.setValue(6)
    kernel = playground.editor.kernel()
    assert kernel.shape == (6, 6) and kernel[1:5, 1:5].tolist() == [[-1, -1, 1, 1]] * 4
    assert playground.editor.preset_box.currentText() == "custom"


def test_a_window_too_big_for_valid_says_so(playground):
    playground.set_input(ONE_TO_NINE)
    _type_kernel(playground, np.ones((5, 5)))
    _choose(playground, padding="valid")
    assert "does not fit" in playground.readout.text()
    assert playground.conv_output.size == 0


def test_hover_outlines_the_window(playground):
    playground.set_input(ONE_TO_NINE)
    _type_kernel(playground, np.ones((2, 2)))
    _choose(playground, padding="same", pool_mode="none")
    playground.conv_view.pixel_hovered.emit(2, 2)
    assert "= <b>9.000</b>" in playground.readout.text()
    outline = playground.input_view.outline()
    assert (outline.x(), outline.y(), outline.width(), outline.height()) == (2, 2, 2, 2)
