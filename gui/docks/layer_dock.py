"""One dock per layer: a header saying what the layer is, and its output drawn as pictures.

Docks only repaint while visible: a hidden or tabbed-away dock keeps the newest data and paints it
when it is shown again, so a window full of closed docks costs nothing per stroke.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QComboBox, QDockWidget, QLabel, QStyle, QStyleOptionDockWidget, QVBoxLayout, QWidget

from gui import colormaps
from gui.docks.layer_info import LayerGroup
from gui.docks.map_views import GridView, ImageView
from gui.docks.prediction import ProbabilityBars

UNIT_HINT = "Hover a unit to read its value."
PLACEHOLDER_TEXT = "Every layer of the network appears here, one panel each, as soon as a model is ready."
# The title's padding inside the title bar: style.qss's `QDockWidget::title { padding: 6px 10px }`, plus a pixel
# of rounding either side.
TITLE_PADDING = 22
DOCK_FEATURES = (QDockWidget.DockWidgetFeature.DockWidgetMovable
                 | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                 | QDockWidget.DockWidgetFeature.DockWidgetClosable)


class LayerDock(QDockWidget):
    """Base of the layer docks: header, body, and painting only while visible.

    Args:
        group: the layer this dock shows (its name gives the dock's stable objectName).
        labels: the task's labels.
    """

    def __init__(self, group: LayerGroup, labels: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(group.title, parent)
        self.setObjectName(group.object_name)
        self.setFeatures(DOCK_FEATURES)
        self.layer_name = group.name
        self.group = group
        self._labels = labels
        self._dirty = True
        self.header = QLabel()
        self.header.setObjectName("layerHeader")
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        body = QWidget()
        self.body = QVBoxLayout(body)
        self.body.setContentsMargins(6, 4, 6, 6)
        self.body.setSpacing(4)
        self.body.addWidget(self.header)
        self.setWidget(body)
        self.visibilityChanged.connect(self._on_self_visibility_changed)
        self._set_header()

    def sizeHint(self) -> QSize:
        return QSize(max(140, super().sizeHint().width()), super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        # Never so narrow that the title bar elides the layer's name.
        hint = super().minimumSizeHint()
        return QSize(max(hint.width(), title_width(self)), hint.height())

    def labels(self) -> tuple[str, ...]:
        return tuple(self._labels)

    def set_labels(self, labels: tuple[str, ...]) -> None:
        """Takes the labels of a newly loaded model (the output's names, the header's count)."""
        self._labels = tuple(labels)
        self._set_header()

    def set_group(self, group: LayerGroup) -> None:
        """Takes a new output of the same layer; paints now if visible, else when next shown."""
        self.group = group
        self._dirty = True
        if self.isVisible():
            self.repaint_now()

    def repaint_now(self) -> None:
        self._dirty = False
        self._set_header()
        self.paint_group(self.group)

    def is_dirty(self) -> bool:
        return self._dirty

    def paint_group(self, group: LayerGroup) -> None:
        raise NotImplementedError

    def _set_header(self) -> None:
        self.setWindowTitle(self.group.title)
        # The title bar names the layer; the header gives its output's shape and says what it does.
        self.header.setText(f"<b>{self.group.shape_text}</b> <span style='color:#5a6478'>· "
                            f"{self.group.details(self._labels)}</span>")

    def _on_self_visibility_changed(self, visible: bool) -> None:
        if visible and self._dirty:
            self.repaint_now()


class InputDock(LayerDock):
    """The 28×28 image the network sees; with an ensemble, the chooser of the member to look into.

    Signals:
        member_changed(index): the user picked ensemble member `index` (0-based).
    """

    member_changed = Signal(int)

    def __init__(self, group: LayerGroup, labels, members: int = 1, member: int = 0, parent=None) -> None:
        super().__init__(group, labels, parent)
        self.view = ImageView(minimum=84)
        self.member_box = QComboBox()
        self.member_box.addItems([f"member {index + 1} of {members}" for index in range(members)])
        self.member_box.setCurrentIndex(member)
        self.member_box.currentIndexChanged.connect(self.member_changed)
        # Stacked rather than side by side, so the chooser fits the row's narrowest column.
        row = QVBoxLayout()
        row.setSpacing(2)
        row.addWidget(QLabel("Show the layers of"))
        row.addWidget(self.member_box)
        self.member_row = QWidget()
        self.member_row.setLayout(row)
        row.setContentsMargins(0, 0, 0, 0)
        self.member_row.setVisible(members > 1)
        self.body.addWidget(self.member_row)
        self.body.addWidget(self.view, 1)

    def paint_group(self, group: LayerGroup) -> None:
        self.view.set_rgb(colormaps.sequential(group.values, 1.0))


class PoolDock(LayerDock):
    """A pooling layer's maps, tiled like the convolution's they shrink."""

    def __init__(self, group: LayerGroup, labels, parent=None) -> None:
        super().__init__(group, labels, parent)
        self.grid = GridView()
        self.body.addWidget(self.grid, 1)

    def paint_group(self, group: LayerGroup) -> None:
        self.grid.set_maps(group.values)


class DenseDock(LayerDock):
    """A dense layer as a strip of units, one coloured cell each; hover tells a unit's value."""

    def __init__(self, group: LayerGroup, labels, parent=None) -> None:
        super().__init__(group, labels, parent)
        self.strip = GridView(gap=0)
        self.readout = QLabel(UNIT_HINT)
        self.readout.setObjectName("unitReadout")
        self.readout.setWordWrap(True)
        self.strip.tile_hovered.connect(self._on_strip_tile_hovered)
        self.body.addWidget(self.strip, 1)
        self.body.addWidget(self.readout)

    def paint_group(self, group: LayerGroup) -> None:
        units = np.asarray(group.values, np.float32).ravel()
        self.strip.set_maps(units.reshape(1, 1, -1))

    def _on_strip_tile_hovered(self, index: int) -> None:
        if index < 0:
            self.readout.setText(UNIT_HINT)
            return
        self.readout.setText(f"unit {index}: {float(self.group.values.ravel()[index]):.3f}")


class OutputDock(LayerDock):
    """The output layer: one probability per label."""

    def __init__(self, group: LayerGroup, labels, parent=None) -> None:
        super().__init__(group, labels, parent)
        self.bars = ProbabilityBars()
        self.body.addWidget(self.bars, 1)
        self._show_labels()

    def set_labels(self, labels: tuple[str, ...]) -> None:
        super().set_labels(labels)
        self._show_labels()
        self._dirty = True
        if self.isVisible():
            self.repaint_now()

    def _show_labels(self) -> None:
        self.bars.set_labels(list(self._labels) or [str(index) for index in range(self.group.values.size)])

    def paint_group(self, group: LayerGroup) -> None:
        self.bars.set_probabilities(group.values)


class LayersPlaceholder(QDockWidget):
    """Holds the layer docks' place until a model is loaded, so the canvas keeps its size when they come."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Layers", parent)
        self.setObjectName("layer_dock_placeholder")
        self.setFeatures(DOCK_FEATURES)
        self.label = QLabel(PLACEHOLDER_TEXT)
        self.label.setObjectName("caption")
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWidget(self.label)


def title_width(dock: QDockWidget) -> int:
    """The least width at which a dock's title bar shows its whole title beside its buttons."""
    dock.ensurePolished()
    option = QStyleOptionDockWidget()
    dock.initStyleOption(option)
    text = dock.style().subElementRect(QStyle.SubElement.SE_DockWidgetTitleBarText, option, dock)
    # The title bar's own width less the room its text gets: buttons and margins.
    around = max(0, option.rect.width() - text.width())
    return dock.fontMetrics().horizontalAdvance(dock.windowTitle()) + TITLE_PADDING + around
