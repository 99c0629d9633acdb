"""Thumbnails, loaded lazily off the GUI thread and kept in a bounded LRU cache.

The delegate asks ``get(source)`` while painting; a miss starts one background load (a ``QImage``: safe
off the GUI thread) and returns None; when the image arrives it becomes a ``QPixmap`` on the main thread
and ``ready(source)`` tells the model to repaint those rows. Only painted rows ask, so scrolling through
thousands of results loads only what is seen.
"""

from __future__ import annotations

import logging
from collections import OrderedDict

from PySide6.QtCore import QObject, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QImage, QImageReader, QPixmap

from desktop.tasks import run_task

log = logging.getLogger(__name__)


def read_scaled(path: str, edge: int) -> QImage:
    """Decode ``path`` with its longest side at most ``edge`` (EXIF orientation applied). Any thread."""
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid() and max(size.width(), size.height()) > edge:
        reader.setScaledSize(size.scaled(QSize(edge, edge), Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if image.isNull():
        raise OSError(f"{path}: cannot read the image ({reader.errorString()})")
    return image


class ThumbnailCache(QObject):
    ready = Signal(str)  # the source path whose pixmap is now cached (or failed)

    def __init__(self, pool: QThreadPool, edge: int = 160, max_items: int = 800,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = pool
        self.edge = edge
        self.max_items = max_items
        self._cache: OrderedDict[str, QPixmap | None] = OrderedDict()  # None: failed, don't retry
        self._pending: set[str] = set()

    def get(self, source: str) -> QPixmap | None:
        if source in self._cache:
            self._cache.move_to_end(source)
            return self._cache[source]
        if source not in self._pending:
            self._pending.add(source)
            run_task(lambda: read_scaled(source, self.edge), lambda img: self._loaded(source, img),
                     lambda exc: self._failed(source, exc), pool=self.pool, context=self)
        return None

    def pending(self) -> int:
        return len(self._pending)

    def _store(self, source: str, pixmap: QPixmap | None) -> None:
        self._pending.discard(source)
        self._cache[source] = pixmap
        self._cache.move_to_end(source)
        while len(self._cache) > self.max_items:
            self._cache.popitem(last=False)
        self.ready.emit(source)

    def _loaded(self, source: str, image: QImage) -> None:
        self._store(source, QPixmap.fromImage(image))

    def _failed(self, source: str, exc: BaseException) -> None:
        log.info("no thumbnail for %s: %s", source, exc)
        self._store(source, None)
