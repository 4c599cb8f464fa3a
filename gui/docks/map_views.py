"""Pixelated image views for the layer docks: one QImage per view, scaled without smoothing.

A whole layer of feature maps is one tiled image (not a widget per map), so repainting a dock
costs one numpy colour lookup and one drawImage.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from gui import colormaps
from gui.image_convert import array_to_qimage

OUTLINE = QColor(0, 220, 255)
SELECTED = QColor(255, 255, 255)


class ImageView(QWidget):
    """Shows a small image enlarged with square pixels; reports the pixel under the mouse.

    Signals:
        pixel_hovered(row, col): the source pixel under the mouse; (-1, -1) when it leaves.
        pixel_clicked(row, col): a left click on a source pixel.
    """

    pixel_hovered = Signal(int, int)
    pixel_clicked = Signal(int, int)

    def __init__(self, parent: QWidget | None = None, *, minimum: int = 56) -> None:
        super().__init__(parent)
        self._image = QImage()
        self._numbers: np.ndarray | None = None
        self._outline: QRect | None = None
        self._selected: QRect | None = None
        self._minimum = minimum
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_image(self, image: QImage) -> None:
        # drawImage converts anything else to 32-bit on every paint; convert once instead.
        if not image.isNull() and image.format() not in (QImage.Format.Format_RGB32,
                                                           QImage.Format.Format_ARGB32_Premultiplied):
            image = image.convertToFormat(QImage.Format.Format_RGB32 if not image.hasAlphaChannel()
                                          else QImage.Format.Format_ARGB32_Premultiplied)
        self._image = image
        self.update()

    def set_rgb(self, rgb: np.ndarray) -> None:
        self.set_image(array_to_qimage(rgb))

    def image(self) -> QImage:
        return self._image

    def set_numbers(self, numbers: np.ndarray | None) -> None:
        """Writes these values in their cells whenever the cells are big enough to read."""
        self._numbers = numbers
        self.update()

    def numbers(self) -> np.ndarray | None:
        """Returns the values written in the cells (`set_numbers`), or None."""
        return self._numbers

    def set_outline(self, rect: QRect | None) -> None:
        """Outlines a rectangle of source pixels (it may hang over the edge, into the padding)."""
        self._outline = rect
        self.update()

    def outline(self) -> QRect | None:
        """Returns the outlined rectangle of source pixels, or None when nothing is outlined."""
        return self._outline

    def set_selected(self, rect: QRect | None) -> None:
        self._selected = rect
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(max(self._minimum, self._image.width() * 2), max(self._minimum, self._image.height() * 2))

    def minimumSizeHint(self) -> QSize:
        return QSize(self._minimum, self._minimum)

    def target_rect(self) -> QRectF:
        """Where the image lands in the widget: as large as fits, centred, aspect kept."""
        if self._image.isNull():
            return QRectF()
        scale = min(self.width() / self._image.width(), self.height() / self._image.height())
        if scale >= 2:
            scale = float(int(scale))  # whole pixels stay crisp
        width, height = self._image.width() * scale, self._image.height() * scale
        return QRectF((self.width() - width) / 2, (self.height() - height) / 2, width, height)

    def cell_size(self) -> float:
        target = self.target_rect()
        return target.width() / self._image.width() if not self._image.isNull() else 0.0

    def pixel_at(self, position: QPointF) -> tuple[int, int]:
        target = self.target_rect()
        if target.isEmpty() or not target.contains(position):
            return -1, -1
        scale = self.cell_size()
        col = int((position.x() - target.x()) / scale)
        row = int((position.y() - target.y()) / scale)
        return min(row, self._image.height() - 1), min(col, self._image.width() - 1)

    def paintEvent(self, event) -> None:
        if self._image.isNull():
            return
        painter = QPainter(self)
        target = self.target_rect()
        painter.drawImage(target, self._image)
        if self._numbers is not None:
            self._paint_numbers(painter, target)
        for rect, colour in ((self._selected, SELECTED), (self._outline, OUTLINE)):
            if rect is not None:
                self._paint_outline(painter, target, rect, colour)
        painter.end()

    def _paint_outline(self, painter: QPainter, target: QRectF, rect: QRect, colour: QColor) -> None:
        scale = self.cell_size()
        painter.setPen(QPen(colour, 2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(QRectF(target.x() + rect.x() * scale, target.y() + rect.y() * scale,
                                rect.width() * scale, rect.height() * scale))

    def _paint_numbers(self, painter: QPainter, target: QRectF) -> None:
        scale = self.cell_size()
        if scale < 26 or self._numbers.shape != (self._image.height(), self._image.width()):
            return
        font = QFont(painter.font())
        font.setPixelSize(max(8, int(scale / 3.6)))
        painter.setFont(font)
        for (row, col), value in np.ndenumerate(self._numbers):
            cell = QRectF(target.x() + col * scale, target.y() + row * scale, scale, scale)
            painter.setPen(_text_colour(self._image.pixelColor(col, row)))
            painter.drawText(cell, Qt.AlignmentFlag.AlignCenter, f"{value:.2f}")

    def mouseMoveEvent(self, event) -> None:
        self.pixel_hovered.emit(*self.pixel_at(event.position()))

    def leaveEvent(self, event) -> None:
        self.pixel_hovered.emit(-1, -1)

    def mousePressEvent(self, event) -> None:
        row, col = self.pixel_at(event.position())
        if event.button() == Qt.MouseButton.LeftButton and row >= 0:
            self.pixel_clicked.emit(row, col)


class GridView(ImageView):
    """Many equal maps tiled into one image; reports which tile was clicked or hovered.

    Signals:
        tile_clicked(index): a click on map number `index`.
        tile_hovered(index): the map under the mouse, -1 for none.
    """

    tile_clicked = Signal(int)
    tile_hovered = Signal(int)

    def __init__(self, parent: QWidget | None = None, *, gap: int = 1) -> None:
        super().__init__(parent)
        self._gap = gap
        self._tile = (0, 0)
        self._columns = 1
        self._count = 0
        self._selected_index = -1
        self._maps: np.ndarray | None = None
        self._colour, self._limit = "sequential", None
        self.pixel_clicked.connect(lambda row, col: self._emit_tile(self.tile_clicked, row, col))
        self.pixel_hovered.connect(lambda row, col: self._emit_tile(self.tile_hovered, row, col))

    @property
    def count(self) -> int:
        return self._count

    def set_maps(self, maps: np.ndarray, colour: str = "sequential", *, limit: float | None = None) -> None:
        """Shows (H, W, C) maps as one tiled image coloured 'sequential' (>= 0) or 'diverging'.

        The number of columns follows the view's shape, so the maps are as large as the dock allows.
        """
        self._maps, self._colour, self._limit = maps, colour, limit
        self._retile()

    def _retile(self) -> None:
        maps = self._maps
        if maps is None:
            return
        height, width, count = maps.shape
        columns = best_columns(count, (height, width), self._gap, (self.width(), self.height()))
        tiled = colormaps.tile(maps, columns, self._gap)
        colourise = colormaps.sequential if self._colour == "sequential" else colormaps.diverging
        rgb = colormaps.paint_gaps(colourise(tiled, self._limit), tiled)
        self._tile, self._columns, self._count = (height, width), columns, count
        self.set_rgb(rgb)
        self.select(self._selected_index if self._selected_index < count else -1)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._maps is not None and best_columns(
                self._count, self._tile, self._gap, (self.width(), self.height())) != self._columns:
            self._retile()

    def select(self, index: int) -> None:
        """Frames map `index` (-1: none)."""
        self._selected_index = index
        self.set_selected(self.tile_rect(index) if index >= 0 else None)

    def tile_rect(self, index: int) -> QRect:
        """The source-pixel rectangle of map `index` in the tiled image."""
        height, width = self._tile
        row, col = divmod(index, self._columns)
        return QRect(col * (width + self._gap), row * (height + self._gap), width, height)

    def tile_at(self, row: int, col: int) -> int:
        height, width = self._tile
        if row < 0 or not height:
            return -1
        tile_row, inner_row = divmod(row, height + self._gap)
        tile_col, inner_col = divmod(col, width + self._gap)
        index = tile_row * self._columns + tile_col
        inside = inner_row < height and inner_col < width
        return index if inside and index < self._count else -1

    def _emit_tile(self, signal, row: int, col: int) -> None:
        index = self.tile_at(row, col)
        if signal is self.tile_hovered or index >= 0:
            signal.emit(index)


def best_columns(count: int, tile: tuple[int, int], gap: int, view: tuple[int, int]) -> int:
    """The number of columns that lets `count` tiles of `tile` (height, width) pixels appear largest in `view`."""
    if count <= 0 or view[0] <= 0 or view[1] <= 0:
        return max(1, colormaps.grid_layout(count)[1])
    best, best_scale = 1, -1.0
    for columns in range(1, count + 1):
        rows = -(-count // columns)
        scale = min(view[0] / (columns * (tile[1] + gap) - gap), view[1] / (rows * (tile[0] + gap) - gap))
        if scale > best_scale + 1e-9:
            best, best_scale = columns, scale
    return best


def _text_colour(background: QColor) -> QColor:
    return QColor(0, 0, 0) if background.lightnessF() > 0.55 else QColor(255, 255, 255)
