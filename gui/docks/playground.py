"""The convolution playground: the user's own kernel, stride, padding and pooling on their drawing.

Everything is computed by model/network/convolution.py, whose arithmetic is TensorFlow's, so what the
playground shows is what `tf.nn.conv2d` and `tf.nn.max_pool2d` would give.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui import colormaps
from gui.docks.map_views import ImageView
from model.network import convolution

CUSTOM = "custom"
HOVER_HINT = "Hover the convolution's output to see the window each cell sees."


class KernelEditor(QWidget):
    """A size x size table of weights, with presets.

    Signals:
        kernel_changed(): the weights or the size changed.
    """

    kernel_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preset_box = QComboBox()
        self.preset_box.addItems(list(convolution.PRESETS) + [CUSTOM])
        self.size_box = QSpinBox()
        self.size_box.setRange(convolution.MIN_KERNEL_SIZE, convolution.MAX_KERNEL_SIZE)
        self.table = QTableWidget()
        self.table.horizontalHeader().setVisible(False)
        self.table.verticalHeader().setVisible(False)
        for header in (self.table.horizontalHeader(), self.table.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
            header.setMinimumSectionSize(30)
        self._updating = False
        form = QFormLayout()
        form.addRow("Preset", self.preset_box)
        form.addRow("Size (n × n)", self.size_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        self.preset_box.currentTextChanged.connect(self._on_preset_box_changed)
        self.size_box.valueChanged.connect(self._on_size_box_changed)
        self.table.itemChanged.connect(self._on_table_item_changed)
        self.set_kernel(convolution.preset_kernel("Sobel x"), preset="Sobel x")

    def kernel(self) -> np.ndarray:
        size = self.table.rowCount()
        values = np.zeros((size, size))
        for row in range(size):
            for col in range(size):
                values[row, col] = _number(self.table.item(row, col))
        return values

    def set_kernel(self, kernel: np.ndarray, preset: str = CUSTOM) -> None:
        """Shows these weights (a square 2x2..7x7 array)."""
        kernel = np.asarray(kernel, dtype=np.float64)
        if kernel.ndim != 2 or kernel.shape[0] != kernel.shape[1]:
            raise ValueError(f"The playground takes a square kernel; received shape {kernel.shape}.")
        self._updating = True
        self.preset_box.setCurrentText(preset)
        self.size_box.setValue(kernel.shape[0])
        self.table.setRowCount(kernel.shape[0])
        self.table.setColumnCount(kernel.shape[1])
        limit = float(np.abs(kernel).max()) or 1.0
        for (row, col), value in np.ndenumerate(kernel):
            item = QTableWidgetItem(_format(value))
            item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            rgb = colormaps.diverging(np.array([value]), limit)[0, :3]
            item.setBackground(_qcolor(rgb))
            # Dark cells (large weights) get white digits, so every number stays readable.
            item.setForeground(QColor(255, 255, 255) if rgb.astype(int).sum() < 330 else QColor(20, 24, 32))
            self.table.setItem(row, col, item)
        self._updating = False
        self.kernel_changed.emit()

    def _on_preset_box_changed(self, name: str) -> None:
        if not self._updating and name != CUSTOM:
            self.set_kernel(convolution.preset_kernel(name), preset=name)

    def _on_size_box_changed(self, size: int) -> None:
        if not self._updating and size != self.table.rowCount():
            self.set_kernel(convolution.resize_kernel(self.kernel(), size))

    def _on_table_item_changed(self, item) -> None:
        if not self._updating:
            self.set_kernel(self.kernel())


class PlaygroundDock(QDockWidget):
    """A dock that convolves and pools the current drawing with settings the user picks."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Convolution playground", parent)
        self.setObjectName("playground_dock")
        self._input = np.zeros((28, 28))
        self.conv_output = np.zeros((0, 0))
        self.pooled_output = np.zeros((0, 0))
        self.editor = KernelEditor()
        self.stride_box, self.padding_box = _choice(["1", "2"]), _choice(list(convolution.PADDINGS))
        self.pool_mode_box = _choice(["max", "average", "none"])
        self.pool_size_box, self.pool_stride_box = _spin(1, 4, 2), _spin(1, 4, 2)
        self.pool_padding_box = _choice(["valid", "same"])
        self.input_view, self.conv_view, self.pool_view = ImageView(), ImageView(), ImageView()
        self.input_caption, self.conv_caption, self.pool_caption = QLabel(), QLabel(), QLabel()
        for caption in (self.input_caption, self.conv_caption, self.pool_caption):
            caption.setWordWrap(True)
            caption.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.readout = QLabel(HOVER_HINT)
        self.readout.setWordWrap(True)
        self.setWidget(self._build())
        for signal in (self.editor.kernel_changed, self.stride_box.currentIndexChanged,
                       self.padding_box.currentIndexChanged, self.pool_mode_box.currentIndexChanged,
                       self.pool_size_box.valueChanged, self.pool_stride_box.valueChanged,
                       self.pool_padding_box.currentIndexChanged):
            signal.connect(self.recompute)
        self.conv_view.pixel_hovered.connect(self._on_conv_view_pixel_hovered)
        self.recompute()

    def _build(self) -> QWidget:
        settings = QFormLayout()
        settings.addRow("Stride", self.stride_box)
        settings.addRow("Padding", self.padding_box)
        settings.addRow(QLabel("<b>Then pooling</b>"))
        settings.addRow("Mode", self.pool_mode_box)
        settings.addRow("Size", self.pool_size_box)
        settings.addRow("Stride", self.pool_stride_box)
        settings.addRow("Padding", self.pool_padding_box)
        left = QVBoxLayout()
        left.addWidget(QLabel("<b>Kernel</b>"))
        left.addWidget(self.editor, 1)
        left.addLayout(settings)
        views = QGridLayout()
        for column, (caption, view) in enumerate(((self.input_caption, self.input_view),
                                                  (self.conv_caption, self.conv_view),
                                                  (self.pool_caption, self.pool_view))):
            views.addWidget(caption, 0, column)
            views.addWidget(view, 1, column)
            views.setColumnStretch(column, 1)
            views.setColumnMinimumWidth(column, 120)
        views.addWidget(self.readout, 2, 0, 1, 3)
        views.setRowStretch(1, 1)
        body = QWidget()
        row = QHBoxLayout(body)
        row.addLayout(left, 2)
        row.addLayout(views, 5)
        return body

    def set_input(self, image: np.ndarray | None) -> None:
        """Uses this image (the 28x28 drawing, or any 2-D array); None shows an empty 28x28."""
        self._input = np.zeros((28, 28)) if image is None else np.asarray(image, dtype=np.float64)
        self.recompute()

    def current_input(self) -> np.ndarray:
        """Returns the image the playground convolves."""
        return self._input

    def settings(self) -> dict:
        return {"stride": int(self.stride_box.currentText()), "padding": self.padding_box.currentText(),
                "pool_mode": self.pool_mode_box.currentText(), "pool_size": self.pool_size_box.value(),
                "pool_stride": self.pool_stride_box.value(), "pool_padding": self.pool_padding_box.currentText()}

    def recompute(self, *_args) -> None:
        """Convolves and pools the input with the current settings and repaints the three views."""
        options = self.settings()
        kernel = self.editor.kernel()
        self.readout.setText(HOVER_HINT)
        self.input_view.set_rgb(colormaps.sequential(self._input, max(1.0, float(self._input.max()))))
        self.input_caption.setText(f"<b>input</b> {_shape(self._input)}")
        try:
            self.conv_output = convolution.conv2d(self._input, kernel, stride=options["stride"],
                                                  padding=options["padding"])
        except ValueError as error:
            return self._show_problem(str(error))
        self.conv_caption.setText(f"<b>convolution</b> {kernel.shape[0]}×{kernel.shape[1]}, stride "
                                  f"{options['stride']}, '{options['padding']}' → {_shape(self.conv_output)}")
        self._paint(self.conv_view, self.conv_output)
        if options["pool_mode"] == "none":
            self.pooled_output = self.conv_output
            self.pool_caption.setText("<b>no pooling</b>")
        else:
            try:
                self.pooled_output = convolution.pool2d(
                    self.conv_output, mode=options["pool_mode"], pool_size=options["pool_size"],
                    stride=options["pool_stride"], padding=options["pool_padding"])
            except ValueError as error:
                return self._show_problem(str(error))
            self.pool_caption.setText(
                f"<b>{options['pool_mode']} pooling</b> {options['pool_size']}×{options['pool_size']}, stride "
                f"{options['pool_stride']}, '{options['pool_padding']}' → {_shape(self.pooled_output)}")
        self._paint(self.pool_view, self.pooled_output)

    def _paint(self, view: ImageView, values: np.ndarray) -> None:
        if values.size == 0:
            view.set_image(QImage())
            return
        view.set_rgb(colormaps.diverging(values))
        view.set_numbers(values)

    def _show_problem(self, message: str) -> None:
        self.conv_output = self.pooled_output = np.zeros((0, 0))
        self.readout.setText(f"<span style='color:#b3261e'>{message}</span>")

    def _on_conv_view_pixel_hovered(self, row: int, col: int) -> None:
        if row < 0 or self.conv_output.size == 0:
            self.input_view.set_outline(None)
            return
        options = self.settings()
        terms = convolution.weighted_sum_terms(self._input, self.editor.kernel(), 0.0, row, col,
                                               stride=options["stride"], padding=options["padding"],
                                               activation="linear")
        self.input_view.set_outline(QRect(terms.left, terms.top, terms.size[1], terms.size[0]))
        self.readout.setText(f"cell ({row}, {col}) = Σ window × kernel = <b>{terms.value:.3f}</b> "
                             f"(window rows {terms.top}…{terms.top + terms.size[0] - 1}, "
                             f"cols {terms.left}…{terms.left + terms.size[1] - 1}; outside the image counts as 0)")


def _shape(values: np.ndarray) -> str:
    return "×".join(str(size) for size in values.shape)


def _format(value: float) -> str:
    return f"{value:.3g}"


def _number(item) -> float:
    try:
        return float(item.text().replace(",", ".")) if item is not None else 0.0
    except ValueError:
        return 0.0  # a half-typed number counts as zero until it is finished


def _qcolor(rgb) -> QColor:
    return QColor(int(rgb[0]), int(rgb[1]), int(rgb[2]))


def _choice(items: list[str]) -> QComboBox:
    box = QComboBox()
    box.addItems(items)
    return box


def _spin(low: int, high: int, value: int) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    return box


def install(window) -> PlaygroundDock:
    """Adds the playground to a `MainWindow`, fed with the drawing the network sees."""
    dock = PlaygroundDock(window)
    window.add_dock(dock, Qt.DockWidgetArea.RightDockWidgetArea)
    window.session.input_changed.connect(dock.set_input)
    return dock
