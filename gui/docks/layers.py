"""The activation docks: one per layer of whatever model is loaded, updated by every prediction.

`LayerDocks` builds the docks from the first prediction of a model (any depth; an ensemble shows
the member the user picks), reuses them while the layers keep their names and shapes, and rebuilds
them when the model changes. Each dock has a stable objectName (`layer_dock_conv1`, ...) and is
added through `MainWindow.add_dock`, so the View menu lists it and the saved layout restores it.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal

from gui.docks.conv_dock import ConvDock
from gui.docks.layer_dock import DenseDock, InputDock, LayerDock, OutputDock, PoolDock
from gui.docks.layer_info import LayerGroup, group_layers, signature

DOCK_CLASSES = {"input": InputDock, "pool": PoolDock, "dense": DenseDock, "output": OutputDock}
DEFAULT_AREA = Qt.DockWidgetArea.BottomDockWidgetArea
# Relative widths in the default row: feature-map grids need the most room.
MIN_COLUMN_WIDTH = 150
WIDTH_WEIGHTS = {"input": 0.9, "conv": 1.8, "pool": 1.2, "dense": 0.9, "output": 1.0}


class LayerDocks(QObject):
    """Owns the activation docks of one window.

    Args:
        window: a `MainWindow` (anything with `add_dock(dock, area)` and QMainWindow's dock methods).
        area: where new docks go by default.

    Signals:
        member_changed(index): the user picked the ensemble member to look into.
        docks_rebuilt(): the set of docks changed (a new model).
    """

    member_changed = Signal(int)
    docks_rebuilt = Signal()

    def __init__(self, window, area: Qt.DockWidgetArea = DEFAULT_AREA) -> None:
        super().__init__(window)
        self._window = window
        self._area = area
        self._predictor = None
        self._member = 0
        self._docks: dict[str, LayerDock] = {}
        self._signature: tuple = ()
        self._weights: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._source = None  # the Predictor whose weights the docks show (the training one, mid-training)

    # ----- inputs -------------------------------------------------------------------------------------

    def set_predictor(self, predictor, member: int = 0) -> None:
        """Uses a new model (a `model.inference.Predictor`, or None); docks follow at its next prediction."""
        self._predictor = predictor
        self._member = member
        self._use_source(predictor)
        if predictor is None:
            self.clear()

    def set_member(self, member: int) -> None:
        self._member = member

    def show_prediction(self, prediction, image28: np.ndarray | None = None) -> None:
        """Shows a `model.inference.Prediction` in the docks (None, for an empty canvas, blanks them).

        Predictions made by the network in training (after each epoch) carry that network as their
        `source`, so kernels and the hover arithmetic follow the weights as they learn.
        """
        if prediction is None:
            self._blank()
            return
        if getattr(prediction, "layers", None) is None:
            return
        self._member = getattr(prediction, "member", self._member)
        self._use_source(getattr(prediction, "source", None) or self._predictor)
        groups = group_layers(prediction.layers, image28)
        if signature(groups) != self._signature:
            self._rebuild(groups)
        for group in groups:
            self._docks[group.name].set_group(group)

    def _blank(self) -> None:
        """An empty canvas: every dock keeps its layout but shows nothing, rather than an old drawing."""
        for dock in self._docks.values():
            group = dock.group
            inputs = None if group.input_values is None else np.zeros_like(group.input_values)
            dock.set_group(replace(group, values=np.zeros_like(group.values), raw=np.zeros_like(group.raw),
                                   input_values=inputs))

    def clear(self) -> None:
        """Removes every layer dock (the model went away)."""
        remove = getattr(self._window, "remove_dock", None)
        for dock in self._docks.values():
            if remove is not None:
                remove(dock)
            else:
                self._window.removeDockWidget(dock)
                dock.deleteLater()
        self._docks.clear()
        self._signature = ()

    def place_default(self) -> None:
        """Puts every layer dock in the default arrangement ("Reset layout")."""
        for dock in self._docks.values():
            dock.setFloating(False)
            self._window.addDockWidget(self._area, dock)
            dock.show()
        self._arrange(list(self._docks.values()))

    # ----- outputs ------------------------------------------------------------------------------------

    def docks(self) -> list[LayerDock]:
        return list(self._docks.values())

    def dock(self, layer_name: str) -> LayerDock:
        return self._docks[layer_name]

    def weights(self, layer_name: str) -> tuple[np.ndarray, np.ndarray]:
        """A layer's (kernel, bias) in the shown member, read once per model (or per epoch in training)."""
        return self._read(layer_name, "layer_weights")

    def batch_norm(self, layer_name: str) -> tuple[np.ndarray, np.ndarray]:
        """A batch normalisation's (scale, offset) in the shown member."""
        return self._read(layer_name, "batch_norm_affine")

    def _read(self, layer_name: str, method: str) -> tuple[np.ndarray, np.ndarray]:
        key = f"{method}:{layer_name}:{self._member}"
        if key not in self._weights:
            if self._source is None:
                raise RuntimeError("No model is loaded, so there are no weights to show.")
            self._weights[key] = getattr(self._source, method)(layer_name, self._member)
        return self._weights[key]

    def _use_source(self, source) -> None:
        if source is not self._source:
            self._source = source
            self._weights.clear()

    # ----- building -----------------------------------------------------------------------------------

    def _rebuild(self, groups: list[LayerGroup]) -> None:
        self.clear()
        labels = tuple(getattr(self._predictor, "labels", ()))
        members = int(getattr(self._predictor, "members", 1) or 1)
        for group in groups:
            dock = self._make_dock(group, labels, members)
            self._docks[group.name] = dock
            self._window.add_dock(dock, self._area)
        # Docks the saved layout knew are where the user left them; the others go in the default row.
        self._arrange([dock for dock in self._docks.values() if not dock.property("layout_restored")])
        self._signature = signature(groups)
        self.docks_rebuilt.emit()

    def _arrange(self, docks: list[LayerDock]) -> None:
        """One row in network order, the way the data flows; in a narrow row each pooling dock shares a tab
        with the convolution before it, so no dock is squeezed below readable."""
        central = self._window.centralWidget()
        row_width = central.width() if central is not None else self._window.width()
        narrow = bool(docks) and row_width / len(docks) < MIN_COLUMN_WIDTH
        columns: list[LayerDock] = []
        tabs: list[tuple[LayerDock, LayerDock]] = []
        for dock in docks:
            if columns and narrow and dock.group.kind == "pool" and columns[-1].group.kind == "conv":
                tabs.append((columns[-1], dock))
                continue
            if columns:
                self._window.splitDockWidget(columns[-1], dock, Qt.Orientation.Horizontal)
            columns.append(dock)
        # Tabs only after the row exists: splitting next to a tabbed dock would add to its tabs instead.
        for conv, pool in tabs:
            self._window.tabifyDockWidget(conv, pool)
            conv.raise_()
        if columns:
            self._size_default(columns)

    def _size_default(self, docks: list[LayerDock]) -> None:
        """Shares the row's width by what each dock shows, and gives the row a third of the window's height.

        Runs again once the window has laid the new docks out, when the row's real width is known.
        """
        self._apply_default_sizes(docks)
        QTimer.singleShot(0, lambda: self._apply_default_sizes(docks))

    def _apply_default_sizes(self, docks: list[LayerDock]) -> None:
        docks = [dock for dock in docks if dock in self._docks.values() and not dock.isFloating()]
        if not docks:
            return
        weights = [WIDTH_WEIGHTS.get(dock.group.kind, 1.0) for dock in docks]
        width = max(sum(dock.width() for dock in docks), 700)
        self._window.resizeDocks(docks, [int(width * weight / sum(weights)) for weight in weights],
                                 Qt.Orientation.Horizontal)
        self._window.resizeDocks(docks[:1], [max(260, self._window.height() // 3)], Qt.Orientation.Vertical)

    def _make_dock(self, group: LayerGroup, labels: tuple[str, ...], members: int) -> LayerDock:
        if group.kind == "conv":
            return ConvDock(group, labels, self.weights, self.batch_norm)
        if group.kind == "input":
            dock = InputDock(group, labels, members, self._member)
            dock.member_changed.connect(self._on_input_dock_member_changed)
            return dock
        return DOCK_CLASSES[group.kind](group, labels)

    def _on_input_dock_member_changed(self, member: int) -> None:
        self.set_member(member)
        self.member_changed.emit(member)


def install(window) -> LayerDocks:
    """Adds the activation docks to a `MainWindow` and wires them to its session (gui/extensions.py)."""
    session = window.session
    docks = LayerDocks(window)
    window.layer_docks = docks
    session.model_changed.connect(lambda predictor, info: docks.set_predictor(predictor, session.member))
    session.prediction_ready.connect(docks.show_prediction)
    session.training_epoch_ended.connect(docks.show_prediction)
    docks.member_changed.connect(session.set_member)
    window.layout_reset.connect(docks.place_default)
    return docks
