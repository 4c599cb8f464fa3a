"""The network-input dock: the 28x28 image the network sees, enlarged with hard pixel edges."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QDockWidget, QLabel, QSizePolicy, QVBoxLayout, QWidget

from gui.image_convert import array_to_qimage
from gui.session import ModelSession

EMPTY_TEXT = "Draw something"


class PixelView(QWidget):
    """Paints a small grayscale image as large square pixels (nearest neighbour), centred and square."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pixelView")
        self._image = None
        self._array: np.ndarray | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(84, 84)

    def set_array(self, array: np.ndarray | None) -> None:
        """Shows a 2-D float array in [0, 1] (white ink on black), or the empty state for None."""
        self._array = None if array is None else np.asarray(array, np.float32)
        self._image = None if array is None else array_to_qimage(self._array)
        self.update()

    def array(self) -> np.ndarray | None:
        return self._array

    def sizeHint(self) -> QSize:
        return QSize(196, 196)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return width

    def _target(self) -> QRect:
        side = min(self.width(), self.height())
        if self._array is not None:
            # Whole screen pixels per image pixel keep every cell the same size.
            side = max(self._array.shape[0], side - side % self._array.shape[0])
        return QRect((self.width() - side) // 2, (self.height() - side) // 2, side, side)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        target = self._target()
        painter.fillRect(target, QColor("#0b0d12"))
        if self._image is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
            painter.drawImage(target, self._image)
        else:
            painter.setPen(QColor("#8c95a6"))
            # Wrapped inside a margin, so a small square shows the whole words rather than clipping them.
            painter.drawText(target.adjusted(4, 4, -4, -4), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             EMPTY_TEXT)
        painter.setPen(QPen(QColor("#c9ced8"), 1))
        painter.drawRect(target.adjusted(0, 0, -1, -1))


class PreviewDock(QDockWidget):
    """Shows the preprocessed drawing live: exactly the 28x28 input the network classifies."""

    def __init__(self, session: ModelSession, parent: QWidget | None = None) -> None:
        super().__init__("Network input", parent)
        self.setObjectName("previewDock")
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(12, 6, 12, 6)
        self.view = PixelView(body)
        caption = QLabel("What the network sees: 28 × 28", body, objectName="caption")
        caption.setToolTip("The drawing after preprocessing: cropped, scaled to 20 px, centred by mass, "
                           "white ink on black like MNIST")
        caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.view, 1)
        layout.addWidget(caption)
        self.setWidget(body)
        session.input_changed.connect(self.view.set_array)
        self.view.set_array(session.current_input())

    def is_empty(self) -> bool:
        """Returns True while the dock shows "Draw something" instead of an image."""
        return self.view.array() is None
