"""The activation docks: one per layer of whatever model is loaded, updated by every prediction.

`LayerDocks` builds the docks as soon as a model is loaded, from its answer to a blank image (any depth;
an ensemble shows the member the user picks); until then a placeholder holds their place, so the canvas
keeps its size. A newly loaded model with the same layers relabels the docks in place (keeping where the
user put them); one with other layers gets new docks. Each dock has a stable objectName
(`layer_dock_conv1`, ...) and is added through `MainWindow.add_dock`, so the View menu lists it and the
saved layout restores it.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QDockWidget, QTabBar

from gui.docks.conv_dock import ConvDock
from gui.docks.layer_dock import DenseDock, InputDock, LayerDock, LayersPlaceholder, OutputDock, PoolDock
from gui.docks.layer_info import LayerGroup, group_layers, signature

DOCK_CLASSES = {"input": InputDock, "pool": PoolDock, "dense": DenseDock, "output": OutputDock}
DEFAULT_AREA = Qt.DockWidgetArea.BottomDockWidgetArea
# Relative widths in the default row: feature-map grids need the most room.
MIN_COLUMN_WIDTH = 150
WIDTH_WEIGHTS = {"input": 0.9, "conv": 1.8, "pool": 1.2, "dense": 0.9, "output": 1.0}
# The row's share of the window's height, and its least height.
ROW_HEIGHT_SHARE = 1 / 3
MIN_ROW_HEIGHT = 240


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
        self._labels: tuple[str, ...] = ()
        self._weights: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._source = None  # the Predictor whose weights the docks show (the training one, mid-training)
        self._placeholder: LayersPlaceholder | None = None
        self._show_placeholder()

    # ----- inputs -------------------------------------------------------------------------------------

    def set_predictor(self, predictor, member: int = 0) -> None:
        """Uses a new model (a `model.network.inference.Predictor`, or None for the placeholder).

        A warmed-up predictor (`Predictor.warm_up`) gets its docks at once, blank until the next prediction,
        with its own labels; any other gets them at its first prediction.
        """
        self._predictor = predictor
        self._member = member
        self._use_source(predictor)
        if predictor is None:
            self.clear()
            return
        blank = getattr(predictor, "blank", None)
        if blank is not None and getattr(blank, "layers", None) is not None:
            self._show_groups(group_layers(blank.layers), self._labels_of(predictor))
            self._blank()

    def set_member(self, member: int) -> None:
        self._member = member

    def show_prediction(self, prediction, image28: np.ndarray | None = None) -> None:
        """Shows a `model.network.inference.Prediction` in the docks (None, for an empty canvas, blanks them).

        Predictions made by the network in training (after each epoch) carry that network as their
        `source`, so kernels, labels and the hover arithmetic follow it as it learns.
        """
        if prediction is None:
            self._blank()
            return
        if getattr(prediction, "layers", None) is None:
            return
        self._member = getattr(prediction, "member", self._member)
        source = getattr(prediction, "source", None) or self._predictor
        self._use_source(source)
        self._show_groups(group_layers(prediction.layers, image28), self._labels_of(source))

    def _show_groups(self, groups: list[LayerGroup], labels: tuple[str, ...]) -> None:
        if signature(groups) != self._signature:
            self._rebuild(groups, labels)
        elif labels != self._labels:
            self._labels = labels
            for dock in self._docks.values():
                dock.set_labels(labels)
        for group in groups:
            self._docks[group.name].set_group(group)

    def _labels_of(self, source) -> tuple[str, ...]:
        return tuple(getattr(source, "labels", None) or getattr(self._predictor, "labels", None) or ())

    def _blank(self) -> None:
        """An empty canvas: every dock keeps its layout but shows nothing, rather than an old drawing."""
        for dock in self._docks.values():
            group = dock.group
            inputs = None if group.input_values is None else np.zeros_like(group.input_values)
            dock.set_group(replace(group, values=np.zeros_like(group.values), raw=np.zeros_like(group.raw),
                                   input_values=inputs))

    def clear(self) -> None:
        """Removes every layer dock (the model went away); the placeholder takes their place."""
        for dock in self._docks.values():
            self._remove(dock)
        self._docks.clear()
        self._signature = ()
        self._labels = ()
        self._show_placeholder()

    def place_default(self) -> None:
        """Puts every layer dock (or the placeholder) in the default arrangement ("Reset layout")."""
        docks = list(self._docks.values()) or [self._placeholder]
        for dock in docks:
            dock.setFloating(False)
            self._window.addDockWidget(self._area, dock)
            dock.show()
        if self._docks:
            self._arrange(list(self._docks.values()), None)
        else:
            self._size_default([[self._placeholder]], None)

    # ----- outputs ------------------------------------------------------------------------------------

    def docks(self) -> list[LayerDock]:
        return list(self._docks.values())

    def dock(self, layer_name: str) -> LayerDock:
        return self._docks[layer_name]

    def placeholder(self) -> QDockWidget | None:
        """The dock holding the layers' place while no model is loaded (None once they are there)."""
        return self._placeholder

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

    def _show_placeholder(self) -> None:
        if self._placeholder is not None:
            return
        self._placeholder = LayersPlaceholder()
        self._window.add_dock(self._placeholder, self._area)
        if not self._placeholder.property("layout_restored"):
            self._size_default([[self._placeholder]], None)

    def _take_placeholder(self) -> int | None:
        """Removes the placeholder; returns its height if it held the row, for the docks to keep."""
        placeholder, self._placeholder = self._placeholder, None
        if placeholder is None:
            return None
        held_row = (placeholder.isVisible() and not placeholder.isFloating()
                    and self._window.dockWidgetArea(placeholder) == self._area)
        height = placeholder.height() if held_row else None
        self._remove(placeholder)
        return height

    def _remove(self, dock: QDockWidget) -> None:
        remove = getattr(self._window, "remove_dock", None)
        if remove is not None:
            remove(dock)
        else:
            self._window.removeDockWidget(dock)
            dock.deleteLater()

    def _rebuild(self, groups: list[LayerGroup], labels: tuple[str, ...]) -> None:
        window_size = self._window.size()
        for dock in self._docks.values():
            self._remove(dock)
        self._docks.clear()
        height = self._take_placeholder()
        self._labels = labels
        members = int(getattr(self._predictor, "members", 1) or 1)
        for group in groups:
            dock = self._make_dock(group, labels, members)
            self._docks[group.name] = dock
            self._window.add_dock(dock, self._area)
        # Docks the saved layout knew are where the user left them; the others go in the default row.
        self._arrange([dock for dock in self._docks.values() if not dock.property("layout_restored")], height)
        self._signature = signature(groups)
        # Docks added side by side before they are tabbed may have stretched the window: undo that, now
        # and once the window has laid them out.
        self._keep_window_size(window_size)
        QTimer.singleShot(0, lambda: self._keep_window_size(window_size))
        self.docks_rebuilt.emit()

    def _keep_window_size(self, size) -> None:
        window = self._window
        if window.isVisible() and not (window.isMaximized() or window.isFullScreen()) and window.size() != size:
            window.resize(size)

    def _arrange(self, docks: list[LayerDock], height: int | None) -> None:
        """One row in network order, the way the data flows; in a narrow row each block of convolutions
        shares a column with the pooling that ends it, as tabs, so no dock is squeezed below readable."""
        columns = self._columns(docks)
        for before, column in zip(columns, columns[1:]):
            self._window.splitDockWidget(before[0], column[0], Qt.Orientation.Horizontal)
        # Tabs only after the row exists: splitting next to a tabbed dock would add to its tabs instead.
        for column in columns:
            for dock in column[1:]:
                self._window.tabifyDockWidget(column[0], dock)
            column[0].raise_()
        if columns:
            self._size_default(columns, height)

    def _columns(self, docks: list[LayerDock]) -> list[list[LayerDock]]:
        central = self._window.centralWidget()
        row_width = central.width() if central is not None else self._window.width()
        narrow = bool(docks) and row_width / len(docks) < MIN_COLUMN_WIDTH
        columns: list[list[LayerDock]] = []
        for dock in docks:
            previous = columns[-1] if columns else None
            if (narrow and previous and previous[0].group.kind == "conv" and previous[-1].group.kind == "conv"
                    and dock.group.kind in ("conv", "pool")):
                previous.append(dock)
            else:
                columns.append([dock])
        return columns

    def _size_default(self, columns: list[list[QDockWidget]], height: int | None) -> None:
        """Shares the row's width by what each column needs and shows, and gives the row `height` (by default
        a third of the window's height).

        Runs again once the window has laid the new docks out, when the row's real width is known.
        """
        self._apply_default_sizes(columns, height)
        QTimer.singleShot(0, lambda: self._apply_default_sizes(columns, height))

    def _apply_default_sizes(self, columns: list[list[QDockWidget]], height: int | None) -> None:
        present = set(self._docks.values()) | {self._placeholder}
        columns = [column for column in columns if column[0] in present and not column[0].isFloating()]
        if not columns:
            return
        firsts = [column[0] for column in columns]
        needs = [self._column_need(column) for column in columns]
        weights = [WIDTH_WEIGHTS.get(getattr(getattr(dock, "group", None), "kind", ""), 1.0) for dock in firsts]
        spare = max(0, sum(dock.width() for dock in firsts) - sum(needs))
        widths = [need + int(spare * weight / sum(weights)) for need, weight in zip(needs, weights)]
        self._window.resizeDocks(firsts, widths, Qt.Orientation.Horizontal)
        row_height = height or max(MIN_ROW_HEIGHT, int(self._window.height() * ROW_HEIGHT_SHARE))
        self._window.resizeDocks(firsts[:1], [row_height], Qt.Orientation.Vertical)

    def _column_need(self, column: list[QDockWidget]) -> int:
        """The least width that shows every dock of a column, and its tab texts whole."""
        need = max(dock.minimumSizeHint().width() for dock in column)
        if len(column) > 1:
            titles = sorted(dock.windowTitle() for dock in column)
            for bar in self._window.findChildren(QTabBar):
                if sorted(bar.tabText(index) for index in range(bar.count())) == titles:
                    need = max(need, sum(bar.tabSizeHint(index).width() for index in range(bar.count())))
        return need

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
    session.model_changed.connect(lambda predictor, info: docks.set_predictor(predictor, session.member))
    session.prediction_ready.connect(docks.show_prediction)
    session.training_epoch_ended.connect(docks.show_prediction)
    docks.member_changed.connect(session.set_member)
    window.layout_reset.connect(docks.place_default)
    return docks
