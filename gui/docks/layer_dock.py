"""One dock per layer: a header saying what the layer is, and its output drawn as pictures.

Docks only repaint while visible: a hidden or tabbed-away dock keeps the newest data and paints it
when it is shown again, so a window full of closed docks costs nothing per stroke.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QComboBox, QDockWidget, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gui import colormaps
from gui.docks.layer_info import LayerGroup
from gui.docks.map_views import GridView, ImageView
from gui.docks.prediction import ProbabilityBars

UNIT_HINT = "Hover a unit to read its value."
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
        # Room for the title ("pool1 · 14×14×32") before Qt shares out the row.
        return QSize(max(140, super().sizeHint().width()), super().sizeHint().height())

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
        # The title bar already names the layer and its shape; the header says what it does.
        self.header.setText(f"<span style='color:#5a6478'>{self.group.details(self._labels)}</span>")

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
        row = QHBoxLayout()
        row.addWidget(QLabel("Show the layers of"))
        row.addWidget(self.member_box, 1)
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
        self.bars.set_labels(list(labels) or [str(index) for index in range(group.values.size)])
        self.body.addWidget(self.bars, 1)

    def paint_group(self, group: LayerGroup) -> None:
        self.bars.set_probabilities(group.values)
