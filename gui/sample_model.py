"""The data set browser's Qt model: one row per saved drawing, thumbnails read off the GUI thread as rows are shown.

Rows are drawn by Qt's own item delegate: with PySide6 6.12, QPainter calls from a Python
`QStyledItemDelegate.paint` that Qt calls per row corrupt None's reference count and crash the process after
some thousands of rows, so there is deliberately no custom delegate here.

Rows are only sample ids (ascending, so a new save is an append and a lookup a bisection; row 0 shows the newest);
a row's label and file come from the store's in-memory index when Qt asks. Opening 50,000 drawings costs one sort
of their ids, and a save, a delete or a move changes a few rows instead of listing the store again.

A thumbnail is asked for when its row is first painted: the row shows a grey square while one background thread
reads and scales the PNG (newest request first, so a fast scroll reads what is on screen, not what flew past),
then the row repaints. Thumbnails are kept in a bounded cache (3,000 × 64×64 pixels: about 48 MB at most).
"""

from __future__ import annotations

import bisect
import threading
from collections import OrderedDict

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QRunnable, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QImage, QImageReader, QPixmap

from gui.image_convert import array_to_qimage

THUMBNAIL_SIZE = 64
CACHE_LIMIT = 3000
# Requests beyond this many are the oldest ones, for rows long scrolled past: they are dropped.
QUEUE_LIMIT = 200
SampleIdRole = Qt.ItemDataRole.UserRole + 1
LabelRole = Qt.ItemDataRole.UserRole + 2
# The roles `SampleListModel.data` answers.
_ROLES = frozenset({Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.SizeHintRole, Qt.ItemDataRole.DisplayRole,
                    Qt.ItemDataRole.ToolTipRole, SampleIdRole, LabelRole})


class ThumbnailCache(QObject):
    """Thumbnails by sample id, read in a background thread, least recently used dropped first.

    Signals:
        thumbnail_loaded(sample_id): a thumbnail asked for by `get` is now in the cache.
    """

    thumbnail_loaded = Signal(str)
    _image_read = Signal(str, QImage)

    def __init__(self, size: int = THUMBNAIL_SIZE, limit: int = CACHE_LIMIT, parent=None) -> None:
        super().__init__(parent)
        self.size, self.limit = size, limit
        self._pixmaps: OrderedDict[str, QPixmap] = OrderedDict()
        self._wanted: OrderedDict[str, object] = OrderedDict()
        self._lock = threading.Lock()
        self._reading = False
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._placeholder = QPixmap(size, size)
        self._placeholder.fill(Qt.GlobalColor.lightGray)
        self._image_read.connect(self._on_image_read, Qt.ConnectionType.QueuedConnection)
        self.loads = 0

    def get(self, sample_id: str, source_of) -> QPixmap:
        """Returns the thumbnail, or a grey square while it is read in the background.

        `source_of(sample_id)`, called only when the thumbnail is not cached, returns where to read it: a path, or a
        function that returns a uint8 array (a drawing not yet written).
        """
        pixmap = self._pixmaps.get(sample_id)
        if pixmap is not None:
            self._pixmaps.move_to_end(sample_id)
            return pixmap
        source = source_of(sample_id)
        with self._lock:
            self._wanted[sample_id] = source
            self._wanted.move_to_end(sample_id)
            while len(self._wanted) > QUEUE_LIMIT:
                self._wanted.popitem(last=False)
            start = not self._reading
            self._reading = True
        if start:
            self._pool.start(_ReadThumbnails(self))
        return self._placeholder

    def forget(self, sample_id: str) -> None:
        self._pixmaps.pop(sample_id, None)

    def wait(self, timeout_ms: int = 10_000) -> bool:
        """Waits until every requested thumbnail was read (its signal may still be queued); for tests."""
        return self._pool.waitForDone(timeout_ms)

    def _next_request(self):
        with self._lock:
            if not self._wanted:
                self._reading = False
                return None
            return self._wanted.popitem(last=True)

    def _read(self, source) -> QImage:
        if isinstance(source, str):
            reader = QImageReader(source)
            reader.setScaledSize(reader.size().scaled(self.size, self.size, Qt.AspectRatioMode.KeepAspectRatio))
            return reader.read()
        try:
            array = source()
        except ValueError:
            return QImage()
        return array_to_qimage(array).scaled(self.size, self.size, Qt.AspectRatioMode.KeepAspectRatio,
                                             Qt.TransformationMode.SmoothTransformation)

    def _on_image_read(self, sample_id: str, image: QImage) -> None:
        self.loads += 1
        if image.isNull():
            pixmap = QPixmap(self.size, self.size)
            pixmap.fill(Qt.GlobalColor.darkGray)
        else:
            pixmap = QPixmap.fromImage(image)
        self._pixmaps[sample_id] = pixmap
        if len(self._pixmaps) > self.limit:
            self._pixmaps.popitem(last=False)
        self.thumbnail_loaded.emit(sample_id)


class _ReadThumbnails(QRunnable):
    """Reads requested thumbnails, newest request first, until none is left."""

    def __init__(self, cache: ThumbnailCache) -> None:
        super().__init__()
        self.cache = cache

    def run(self) -> None:
        while (request := self.cache._next_request()) is not None:
            sample_id, source = request
            try:
                self.cache._image_read.emit(sample_id, self.cache._read(source))
            except RuntimeError:  # the browser was closed while this was read
                return


class SampleListModel(QAbstractListModel):
    """Saved drawings of a `model.collection.samples.SampleStore` as a flat list, newest first."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._ids: list[str] = []
        self._store = None
        self.thumbnails = ThumbnailCache(parent=self)
        self.thumbnails.thumbnail_loaded.connect(self._on_thumbnails_thumbnail_loaded)
        self.show_labels = True

    def set_samples(self, store, sample_ids) -> None:
        """Replaces the rows with these ids of `store`."""
        self.beginResetModel()
        self._store, self._ids = store, sorted(sample_ids)
        self.endResetModel()

    def add_sample(self, sample_id: str) -> None:
        position = bisect.bisect_left(self._ids, sample_id)
        if position < len(self._ids) and self._ids[position] == sample_id:
            return
        row = len(self._ids) - position
        self.beginInsertRows(QModelIndex(), row, row)
        self._ids.insert(position, sample_id)
        self.endInsertRows()

    def remove_sample(self, sample_id: str) -> None:
        row = self.row_of(sample_id)
        if row < 0:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._ids[len(self._ids) - 1 - row]
        self.endRemoveRows()
        self.thumbnails.forget(sample_id)

    def sample_id(self, row: int) -> str:
        return self._ids[len(self._ids) - 1 - row]

    def sample(self, row: int):
        return self._store.find(self.sample_id(row))

    def sample_ids(self) -> list[str]:
        """Returns the ids of the rows, newest first."""
        return self._ids[::-1]

    def samples(self) -> list:
        return [self._store.find(sample_id) for sample_id in self.sample_ids()]

    def row_of(self, sample_id: str) -> int:
        position = bisect.bisect_left(self._ids, sample_id)
        if position < len(self._ids) and self._ids[position] == sample_id:
            return len(self._ids) - 1 - position
        return -1

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._ids)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        # The view asks each visible item for a dozen roles per paint (font, colours, alignment...), hundreds of
        # calls a frame: those this model has no answer for return before any lookup.
        if role not in _ROLES or not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        sample_id = self.sample_id(index.row())
        if role == Qt.ItemDataRole.DecorationRole:
            return self.thumbnails.get(sample_id, self._thumbnail_source)
        if role == Qt.ItemDataRole.SizeHintRole:
            return self.item_size()
        if role == SampleIdRole:
            return sample_id
        label = self._store.index.label_of(sample_id)
        if role == Qt.ItemDataRole.DisplayRole:
            return label if self.show_labels else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{label} · {sample_id}"
        if role == LabelRole:
            return label
        return None

    def item_size(self) -> QSize:
        return QSize(THUMBNAIL_SIZE + 12, THUMBNAIL_SIZE + (26 if self.show_labels else 10))

    def _thumbnail_source(self, sample_id: str):
        pending = self._store.index.pending.get(sample_id)
        return pending.image if pending is not None else self._store.find(sample_id).file

    def _on_thumbnails_thumbnail_loaded(self, sample_id: str) -> None:
        row = self.row_of(sample_id)
        if row >= 0:
            index = self.index(row)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])
