"""A convolution's dock: its feature maps or its learned kernels; click one to enlarge it, hover a cell
to see the input window it sees and the weighted sum that gives its value."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui import colormaps
from gui.docks.arithmetic import arithmetic_html, cell_value
from gui.docks.layer_dock import LayerDock
from gui.docks.layer_info import LayerGroup
from gui.docks.map_views import GridView, ImageView
from model.network.convolution import WeightedSum, weighted_sum_terms

WeightsSource = Callable[[str], tuple[np.ndarray, np.ndarray]]
HINT = "Hover a cell of the enlarged map to see the weighted sum behind it."


class ConvDock(LayerDock):
    """Feature maps (or kernels) of one convolution, with the enlarge-and-hover explanation.

    Args:
        group: the convolution's layer group.
        labels: the task's labels.
        weights: returns (kernel (kh, kw, C_in, C_out), bias (C_out,)) for a layer name.
        batch_norm: returns (scale (C,), offset (C,)) of a batch normalisation layer, by name.
    """

    def __init__(self, group: LayerGroup, labels, weights: WeightsSource, batch_norm: WeightsSource | None = None,
                 parent=None) -> None:
        super().__init__(group, labels, parent)
        self._weights = weights
        self._batch_norm_source = batch_norm
        self.selected = -1
        self.last_terms: WeightedSum | None = None
        self.last_value: float | None = None
        self.body.addLayout(self._build_switch())
        self.grid = GridView()
        self.grid.tile_clicked.connect(self._on_grid_tile_clicked)
        self.splitter = splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.grid)
        splitter.addWidget(self._build_detail())
        splitter.setChildrenCollapsible(False)
        self.body.addWidget(splitter, 1)

    def _build_switch(self) -> QHBoxLayout:
        self.maps_button = QToolButton(text="Maps")
        self.kernels_button = QToolButton(text="Kernels")
        self.maps_button.setToolTip("Feature maps: what each filter found in the drawing (click one to enlarge it)")
        self.kernels_button.setToolTip("The learned 3×3 weights of each filter: red adds, blue subtracts")
        self.switch = QButtonGroup(self)
        for index, button in enumerate((self.maps_button, self.kernels_button)):
            button.setCheckable(True)
            button.setObjectName("segment")
            self.switch.addButton(button, index)
        self.maps_button.setChecked(True)
        self.switch.idToggled.connect(self._on_switch_toggled)
        self.channel_box = QSpinBox()
        self.channel_box.setPrefix("input channel ")
        self.channel_box.valueChanged.connect(lambda _: self.repaint_now())
        self.channel_box.setVisible(False)
        row = QHBoxLayout()
        row.addWidget(self.maps_button)
        row.addWidget(self.kernels_button)
        row.addWidget(self.channel_box)
        row.addStretch(1)
        return row

    def _build_detail(self) -> QWidget:
        self.detail = QWidget()
        self.input_view = ImageView(minimum=96)
        self.large_view = ImageView(minimum=96)
        self.large_view.pixel_hovered.connect(self._on_large_view_pixel_hovered)
        self.input_caption, self.large_caption = QLabel(), QLabel()
        self.arithmetic = QLabel(HINT)
        self.arithmetic.setObjectName("arithmetic")
        self.arithmetic.setWordWrap(True)
        self.arithmetic.setTextFormat(Qt.TextFormat.RichText)
        self.arithmetic.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        for caption in (self.input_caption, self.large_caption):
            caption.setWordWrap(True)
        views = QHBoxLayout()
        for caption, view in ((self.input_caption, self.input_view), (self.large_caption, self.large_view)):
            column = QVBoxLayout()
            column.addWidget(caption)
            column.addWidget(view, 1)
            views.addLayout(column, 1)
        # The arithmetic can be long (many input channels); it scrolls rather than squeeze the pictures.
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setStyleSheet("QScrollArea, QScrollArea > QWidget > QWidget { background: transparent; }")
        scroll.setWidget(self.arithmetic)
        layout = QVBoxLayout(self.detail)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(views, 1)
        layout.addWidget(scroll, 1)
        self.detail.setVisible(False)
        return self.detail

    def showing_kernels(self) -> bool:
        return self.kernels_button.isChecked()

    def kernel(self) -> tuple[np.ndarray, np.ndarray]:
        return self._weights(self.layer_name)

    def paint_group(self, group: LayerGroup) -> None:
        if self.showing_kernels():
            self._paint_kernels()
        else:
            self.grid.set_maps(group.values)
        self._paint_detail()

    def enlarge(self, index: int) -> None:
        """Opens map (or kernel) `index` large below the grid; -1 closes it."""
        self.selected = index
        self.grid.select(index)
        opening = index >= 0 and not self.detail.isVisible()
        self.detail.setVisible(index >= 0)
        if opening:
            # The enlarged map is what the user asked to see: give it most of the room.
            total = max(1, sum(self.splitter.sizes()))
            self.splitter.setSizes([total // 4, total - total // 4])
        self._paint_detail()

    def hover_cell(self, row: int, col: int) -> None:
        """Shows the arithmetic of cell (row, col) of the enlarged map, as the mouse does."""
        self._on_large_view_pixel_hovered(row, col)

    def _paint_kernels(self) -> None:
        kernel, _ = self.kernel()
        self.channel_box.setMaximum(kernel.shape[2] - 1)
        self.channel_box.setVisible(kernel.shape[2] > 1)
        slices = kernel[:, :, self.channel_box.value(), :]
        self.grid.set_maps(slices, "diverging", limit=float(np.abs(kernel).max()))

    def _paint_detail(self) -> None:
        if self.selected < 0 or not self.detail.isVisible():
            return
        if self.showing_kernels():
            kernel, _ = self.kernel()
            values = kernel[:, :, self.channel_box.value(), self.selected]
            self.large_view.set_rgb(colormaps.diverging(values, float(np.abs(kernel).max())))
            self.large_view.set_numbers(values)
            self.large_caption.setText(f"kernel of map {self.selected}")
        else:
            values = self.group.values[:, :, self.selected]
            # Scaled to its own peak: a map that fires weakly still shows where it fires.
            self.large_view.set_rgb(colormaps.sequential(values))
            self.large_view.set_numbers(None)
            self.large_caption.setText(f"map {self.selected} · {values.shape[0]}×{values.shape[1]} · "
                                       f"peak {float(values.max()):.2f}")
        self._paint_input()
        self.large_view.set_outline(None)
        self.input_view.set_outline(None)
        self.arithmetic.setText(HINT if not self.showing_kernels() else
                                "Blue weights subtract, red weights add; numbers appear when the kernel is large.")

    def _paint_input(self) -> None:
        inputs = self.group.input_values
        if inputs is None:
            return
        channels = 1 if inputs.ndim == 2 else inputs.shape[2]
        shown = inputs if inputs.ndim == 2 else inputs.mean(axis=2)
        self.input_view.set_rgb(colormaps.sequential(shown))
        self.input_caption.setText("input" if channels == 1 else f"input (mean of its {channels} channels)")

    def _on_switch_toggled(self, button_id: int, checked: bool) -> None:
        if checked:
            self.repaint_now()

    def _on_grid_tile_clicked(self, index: int) -> None:
        self.enlarge(-1 if index == self.selected else index)

    def _on_large_view_pixel_hovered(self, row: int, col: int) -> None:
        inputs = self.group.input_values
        if row < 0 or self.selected < 0 or self.showing_kernels() or inputs is None:
            self.input_view.set_outline(None)
            self.large_view.set_outline(None)
            return
        kernel, bias = self.kernel()
        config = self.group.config
        strides = config.get("strides", 1)
        self.last_terms = weighted_sum_terms(
            inputs, kernel[:, :, :, self.selected], float(bias[self.selected]), row, col,
            stride=int(strides[0] if isinstance(strides, (tuple, list)) else strides),
            padding=config.get("padding", "valid"),
            activation="relu" if self.group.applies_relu_itself else "linear")
        terms = self.last_terms
        norm, relu_after = self._batch_norm()
        self.last_value = cell_value(terms, norm, relu_after)
        self.input_view.set_outline(QRect(terms.left, terms.top, terms.size[1], terms.size[0]))
        self.large_view.set_outline(QRect(col, row, 1, 1))
        layer_value = float(self.group.values[row, col, self.selected])
        self.arithmetic.setText(arithmetic_html(terms, (row, col), self.selected, layer_value,
                                                batch_norm=norm, relu_after=relu_after))

    def _batch_norm(self) -> tuple[tuple[float, float] | None, bool]:
        """(scale, offset) of this map's batch normalisation, if the group has one, and whether ReLU follows."""
        norm_layer = next((part for part in self.group.parts if part.endswith("_bn")), None)
        relu_after = any(part.endswith("_relu") for part in self.group.parts)
        if norm_layer is None or self._batch_norm_source is None:
            return None, relu_after
        scale, offset = self._batch_norm_source(norm_layer)
        return (float(scale[self.selected]), float(offset[self.selected])), relu_after
