"""Why this label? A heat map over the drawing of the parts that drove the network's answer.

The heat map is made in a child process (`ModelSession.request_explanation`, `gui.explanations`); this dock only asks,
with the label and the method chosen here, then paints the answer over the canvas and over the 28x28
view. Pick a label to ask "why square and not triangle?", and a method: gradient saliency (the default)
or Grad-CAM (see `model.network.saliency`).
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QCheckBox, QComboBox, QDockWidget, QFormLayout, QLabel, QVBoxLayout, QWidget

from gui import colormaps
from gui.docks.map_views import ImageView
from gui.image_convert import array_to_qimage
from model.core.preprocessing import input_placement
from model.core.strokes import drawing_bounds
from model.network.saliency import smooth

TOP = "the top guess"
# (method, name, what it shows in the user's words). Gradient comes first, as the default: preprocessing makes
# every drawing 20 px across, so Grad-CAM sees a simple shape in about 5x5 squares of its 7x7 grid and its
# warmest square is often the paper beside a thin line (benchmarks/why_on_ink.py: warmest pixel on ink 47% of
# generated shapes, gradient 100%).
METHODS = (
    ("gradient", "Gradient (pixel detail)",
     "Colours the very pixels of your lines that most raise the label's score:\n"
     "sharp, always on your ink, a little speckled."),
    ("grad-cam", "Grad-CAM (coarse regions)",
     "Colours the regions where the network's last filters found evidence for the label, in big squares:\n"
     "smooth blobs; each square also looks at the ink around it, so a blob can sit just beside a thin line."),
)
CAPTIONS = {
    "gradient": "Warm colours: the pixels of your lines that most raise the score of <b>{name}</b> (gradient).",
    "grad-cam": "Warm colours: the regions that raised the score of <b>{name}</b> "
                "(Grad-CAM on the last convolution, {rows}×{columns} squares).",
}


class WhyDock(QDockWidget):
    """The "Why this label?" toggle, the label to explain, and the heat map on the network's input.

    Args:
        session: the window's `ModelSession`.
        canvas: the `DrawingCanvas` that gets the overlay.
    """

    def __init__(self, session, canvas, parent: QWidget | None = None) -> None:
        super().__init__("Why this label?", parent)
        self.view_action: QAction | None = None  # its View menu entry, once installed in a window
        self.setObjectName("why_dock")
        self._session = session
        self._canvas = canvas
        self._top = 0
        self.explanation = None
        self.toggle = QCheckBox("Show on the canvas")
        self.toggle.setToolTip("Colour the parts of the drawing that raised the chosen label's score")
        self.label_box = QComboBox()
        self.label_box.addItem(TOP)
        self.method_box = QComboBox()
        for index, (method, name, description) in enumerate(METHODS):
            self.method_box.addItem(name, method)
            self.method_box.setItemData(index, description, Qt.ItemDataRole.ToolTipRole)
        self.method_box.setToolTip(METHODS[0][2])
        self.view = ImageView(minimum=112)
        self.caption = QLabel("Draw something, then tick the box to see what the network looked at.")
        self.caption.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.toggle)
        form.addRow("Explain", self.label_box)
        form.addRow("Detail", self.method_box)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addLayout(form)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.caption)
        self.setWidget(body)
        self.toggle.toggled.connect(self._on_toggle_toggled)
        self.label_box.currentIndexChanged.connect(lambda _: self.refresh())
        self.method_box.currentIndexChanged.connect(self._on_method_box_changed)
        self.visibilityChanged.connect(lambda visible: visible and self.refresh())
        session.model_changed.connect(self._on_session_model_changed)
        session.prediction_ready.connect(self._on_session_prediction_ready)
        session.explanation_ready.connect(self._on_session_explanation_ready)

    def active(self) -> bool:
        return self.toggle.isChecked() or self.isVisible()

    def label_index(self) -> int:
        """The label to explain: the one picked, or the top guess."""
        return self._top if self.label_box.currentIndex() <= 0 else self.label_box.currentIndex() - 1

    def method(self) -> str:
        """The method chosen: "gradient" or "grad-cam" (kept while the window is open, whatever model loads)."""
        return self.method_box.currentData()

    def refresh(self) -> None:
        """Asks for a heat map of the current drawing, if anyone is looking."""
        if self.active():
            self._session.request_explanation(self.label_index(), self.method())

    def _on_session_model_changed(self, predictor, info) -> None:
        current = self.label_box.currentText()
        self.label_box.blockSignals(True)
        self.label_box.clear()
        self.label_box.addItem(TOP)
        for label in getattr(predictor, "labels", ()):
            self.label_box.addItem(f"why {label}?")
        self.label_box.setCurrentText(current if self.label_box.findText(current) >= 0 else TOP)
        self.label_box.blockSignals(False)

    def _on_session_prediction_ready(self, prediction) -> None:
        if prediction is None:
            self._show(None)
            return
        self._top = prediction.top_index
        self.refresh()

    def _on_session_explanation_ready(self, explanation) -> None:
        if explanation is not None and explanation.method != self.method():
            return  # asked for before the method changed; the answer in the new method follows
        self._show(explanation)

    def _on_method_box_changed(self, index: int) -> None:
        self.method_box.setToolTip(METHODS[index][2])
        self.refresh()

    def _on_toggle_toggled(self, checked: bool) -> None:
        if checked:
            self.refresh()
        else:
            self._canvas.set_overlay(None)

    def _show(self, explanation) -> None:
        self.explanation = explanation
        image28 = self._session.current_input()
        if explanation is None or image28 is None:
            self._canvas.set_overlay(None)
            self.view.set_rgb(colormaps.sequential(np.zeros((28, 28)), 1.0))
            return
        labels = getattr(self._session.predictor, "labels", ())
        name = labels[explanation.label_index] if explanation.label_index < len(labels) else explanation.label_index
        self.view.set_rgb(_blend(image28, explanation.heatmap))
        rows, columns = explanation.cells.shape if explanation.cells is not None else (28, 28)
        self.caption.setText(CAPTIONS.get(explanation.method, CAPTIONS["grad-cam"]).format(
            name=name, rows=rows, columns=columns))
        if self.toggle.isChecked():
            self._overlay_canvas(smooth(explanation.heatmap, spread=1 if explanation.method == "gradient" else 0))

    def _overlay_canvas(self, heat: np.ndarray) -> None:
        # The placement preprocess itself used, so each heat-map pixel covers the canvas pixels it was made from.
        placement = input_placement(self._canvas.to_array())
        if placement is None:
            self._canvas.set_overlay(None)
            return
        x, y, size = placement
        bounds = drawing_bounds(self._canvas.strokes())
        # to_array() grows past the canvas when strokes leave it; its origin then lies above or left of (0, 0).
        origin = (min(0, math.floor(bounds[0])), min(0, math.floor(bounds[1]))) if bounds is not None else (0, 0)
        overlay = array_to_qimage(colormaps.heat_rgba(heat))
        self._canvas.set_overlay(overlay, QRectF(x + origin[0], y + origin[1], size, size))


def _blend(image28: np.ndarray, heat: np.ndarray) -> np.ndarray:
    """The network's input in gray with the heat map laid over it."""
    gray = np.repeat((np.clip(image28, 0, 1) * 160)[:, :, None], 3, axis=2)
    rgba = colormaps.heat_rgba(heat, opacity=0.85).astype(np.float32)
    alpha = rgba[:, :, 3:] / 255.0
    return (gray * (1 - alpha) + rgba[:, :, :3] * alpha).astype(np.uint8)


def install(window) -> WhyDock:
    """Adds the "Why this label?" dock to a `MainWindow`."""
    dock = WhyDock(window.session, window.canvas, window)
    window.add_dock(dock, Qt.DockWidgetArea.RightDockWidgetArea)
    view_menu = getattr(window, "view_menu", None)
    if view_menu is not None:
        # The overlay is also one click away in the View menu, whether or not the dock is open.
        action = QAction("Why this label? overlay", window, checkable=True, shortcut=QKeySequence("Ctrl+Shift+W"))
        action.setToolTip("Colour the parts of the drawing that drove the prediction")
        action.toggled.connect(dock.toggle.setChecked)
        dock.toggle.toggled.connect(action.setChecked)
        view_menu.insertAction(view_menu.actions()[0] if view_menu.actions() else None, action)
        dock.view_action = action
    return dock
