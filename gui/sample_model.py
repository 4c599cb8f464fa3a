"""The data set browser's Qt model: one row per saved drawing, thumbnails made only when a row is painted.

Rows are drawn by Qt's own item delegate: with PySide6 6.12, QPainter calls from a Python
`QStyledItemDelegate.paint` that Qt calls per row corrupt None's reference count and crash the process after
some thousands of rows, so there is deliberately no custom delegate here.

Rows are plain `model.samples.Sample`s (id, label, path), listed once per refresh with a directory scan. A
thumbnail is read and scaled the first time its row is drawn and kept in a bounded cache, so opening a set of
thousands of drawings costs a listing, and scrolling costs only the rows that come into view.
"""

from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import QAbstractListModel, QModelIndex, QSize, Qt
from PySide6.QtGui import QImage, QPixmap

THUMBNAIL_SIZE = 64
CACHE_LIMIT = 3000
SampleIdRole = Qt.ItemDataRole.UserRole + 1
LabelRole = Qt.ItemDataRole.UserRole + 2


class ThumbnailCache:
    """Thumbnails by sample path, least recently used dropped first."""

    def __init__(self, size: int = THUMBNAIL_SIZE, limit: int = CACHE_LIMIT) -> None:
        self.size, self.limit = size, limit
        self._pixmaps: OrderedDict[str, QPixmap] = OrderedDict()
        self.loads = 0

    def get(self, path) -> QPixmap:
        key = str(path)
        pixmap = self._pixmaps.get(key)
        if pixmap is not None:
            self._pixmaps.move_to_end(key)
            return pixmap
        image = QImage(key)
        self.loads += 1
        if image.isNull():
            pixmap = QPixmap(self.size, self.size)
            pixmap.fill(Qt.GlobalColor.lightGray)
        else:
            pixmap = QPixmap.fromImage(image.scaled(self.size, self.size, Qt.AspectRatioMode.KeepAspectRatio,
                                                    Qt.TransformationMode.SmoothTransformation))
        self._pixmaps[key] = pixmap
        if len(self._pixmaps) > self.limit:
            self._pixmaps.popitem(last=False)
        return pixmap

    def forget(self, path) -> None:
        self._pixmaps.pop(str(path), None)


class SampleListModel(QAbstractListModel):
    """Saved drawings as a flat list, optionally of one label, newest first."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._samples: list = []
        self.thumbnails = ThumbnailCache()
        self.show_labels = True

    def set_samples(self, samples: list) -> None:
        """Replaces the rows (newest first)."""
        self.beginResetModel()
        self._samples = sorted(samples, key=lambda sample: sample.id, reverse=True)
        self.endResetModel()

    def sample(self, row: int):
        return self._samples[row]

    def samples(self) -> list:
        return list(self._samples)

    def row_of(self, sample_id: str) -> int:
        for row, sample in enumerate(self._samples):
            if sample.id == sample_id:
                return row
        return -1

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._samples)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._samples):
            return None
        sample = self._samples[index.row()]
        if role == Qt.ItemDataRole.DecorationRole:
            return self.thumbnails.get(sample.file)
        if role == Qt.ItemDataRole.DisplayRole:
            return sample.label if self.show_labels else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{sample.label} · {sample.id}"
        if role == SampleIdRole:
            return sample.id
        if role == LabelRole:
            return sample.label
        if role == Qt.ItemDataRole.SizeHintRole:
            return self.item_size()
        return None

    def item_size(self) -> QSize:
        return QSize(THUMBNAIL_SIZE + 12, THUMBNAIL_SIZE + (26 if self.show_labels else 10))

