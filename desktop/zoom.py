"""A photo at full size: a window with the photo fitted to it or at 100%, scrollable, zoomed with Ctrl+wheel
or +/-, the lines of text read in it that hold a query word outlined as in the preview. It shows the
preview's picture at once and swaps in the full-size one when it has been decoded (off the GUI thread)."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import (
    QImage,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QPixmap,
    QResizeEvent,
    QShortcut,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.photo_text import Box, box_rects, paint_boxes
from desktop.tasks import run_task
from desktop.thumbnails import read_scaled

log = logging.getLogger(__name__)

FULL_EDGE = 8192  # the longest side decoded for the zoomed view (a 200-megapixel photo is not held whole)
MIN_SCALE, MAX_SCALE = 0.05, 8.0
STEP = 1.25  # one wheel notch or key press


class _Canvas(QWidget):
    """The photo drawn at ``scale`` (sized to it: the scroll area scrolls it)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pixmap = QPixmap()
        self.full = QSize()  # the photo's size in pixels (the full-size image's, once decoded)
        self.scale = 1.0
        self.boxes: list[Box] = []  # lines of text read in the photo that hold a query word

    def set_view(self, pixmap: QPixmap, full: QSize, scale: float) -> None:
        self.pixmap, self.full, self.scale = pixmap, full, scale
        self.resize(max(1, round(full.width() * scale)), max(1, round(full.height() * scale)))
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.pixmap.isNull():
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.scale < 1.0)
        painter.drawPixmap(QRectF(self.rect()), self.pixmap, QRectF(self.pixmap.rect()))
        paint_boxes(painter, self.box_rects())

    def box_rects(self) -> list[QRectF]:
        return box_rects(self.boxes, QRectF(self.rect()))


class ZoomView(QScrollArea):
    """The scrollable photo; Ctrl+wheel zooms about the pointer."""

    scale_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ZoomView")
        self.setWidgetResizable(False)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.canvas = _Canvas()
        self.setWidget(self.canvas)
        self.fitting = True
        self._pixmap = QPixmap()
        self._full = QSize()

    @property
    def scale(self) -> float:
        return self.canvas.scale

    def set_image(self, pixmap: QPixmap, full: QSize | None = None) -> None:
        self._pixmap = pixmap
        self._full = full if full is not None and full.isValid() else pixmap.size()
        self._apply(self.fit_scale() if self.fitting else self.scale)

    def fit_scale(self) -> float:
        """The scale that shows the whole photo in the window, never above 100%."""
        if self._full.isEmpty():
            return 1.0
        room = self.viewport().size()
        return min(1.0, room.width() / self._full.width(), room.height() / self._full.height())

    def fit(self) -> None:
        self.fitting = True
        self._apply(self.fit_scale())

    def actual_size(self) -> None:
        self.fitting = False
        self._apply(1.0)

    def zoom_by(self, factor: float, at: QPointF | None = None) -> None:
        """Zoom by ``factor``, keeping the point ``at`` (in the viewport; default its centre) in place."""
        self.fitting = False
        old = self.scale
        new = max(MIN_SCALE, min(MAX_SCALE, old * factor))
        at = at if at is not None else QPointF(self.viewport().width() / 2, self.viewport().height() / 2)
        h, v = self.horizontalScrollBar(), self.verticalScrollBar()
        fx, fy = (h.value() + at.x()) / old, (v.value() + at.y()) / old  # the photo's point under ``at``
        self._apply(new)
        h.setValue(round(fx * new - at.x()))
        v.setValue(round(fy * new - at.y()))

    def _apply(self, scale: float) -> None:
        if self._pixmap.isNull():
            return
        self.canvas.set_view(self._pixmap, self._full, scale)
        self.scale_changed.emit(scale)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier and event.angleDelta().y():
            self.zoom_by(STEP if event.angleDelta().y() > 0 else 1 / STEP, event.position())
            event.accept()
            return
        super().wheelEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.fitting:
            self._apply(self.fit_scale())


class ZoomDialog(QDialog):
    """A photo in a window of its own: Fit (F, 0) or 100% (1), Ctrl+wheel or +/- to zoom, Esc closes."""

    full_loaded = Signal()  # the full-size photo is in (or could not be read: ``state`` says why)

    def __init__(self, path: str, preview: QPixmap | None, pool: QThreadPool, parent: QWidget | None = None, *,
                 boxes: Sequence[Box] = ()) -> None:
        super().__init__(parent)
        self.path = path
        self.setWindowTitle(os.path.basename(path))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.resize(1000, 720)
        self.view = ZoomView()
        self.view.canvas.boxes = list(boxes)
        self.fit_button = QPushButton("Fit")
        self.actual_button = QPushButton("100%")
        for b, tip in ((self.fit_button, "The whole photo in the window (F)"),
                       (self.actual_button, "One photo pixel per screen pixel (1)")):
            b.setCheckable(True)
            b.setToolTip(tip)
            b.setProperty("secondary", True)
        self.zoom_label = QLabel()
        self.zoom_label.setObjectName("PreviewCaption")
        self.state = QLabel("Loading the full-size photo…")
        self.state.setObjectName("PreviewCaption")
        bar = QHBoxLayout()
        bar.setContentsMargins(12, 8, 12, 8)
        bar.addWidget(self.fit_button)
        bar.addWidget(self.actual_button)
        bar.addWidget(self.zoom_label)
        bar.addStretch(1)
        bar.addWidget(self.state)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addLayout(bar)
        lay.addWidget(self.view, 1)
        self.fit_button.clicked.connect(self.view.fit)
        self.actual_button.clicked.connect(self.view.actual_size)
        self.view.scale_changed.connect(self._scale_changed)
        for keys, fn in (("F", self.view.fit), ("0", self.view.fit), ("1", self.view.actual_size),
                         ("+", lambda: self.view.zoom_by(STEP)), ("=", lambda: self.view.zoom_by(STEP)),
                         ("-", lambda: self.view.zoom_by(1 / STEP))):
            QShortcut(QKeySequence(keys), self, fn)
        self.loaded = False
        if preview is not None and not preview.isNull():
            self.view.set_image(preview)
        run_task(lambda: read_scaled(path, FULL_EDGE), self._loaded, self._failed, pool=pool, context=self)

    def _loaded(self, image: QImage) -> None:
        self.loaded = True
        self.state.setText(f"{image.width()} × {image.height()}")
        self.view.set_image(QPixmap.fromImage(image), image.size())
        self.full_loaded.emit()

    def _failed(self, exc: BaseException) -> None:
        log.info("cannot zoom into %s: %s", self.path, exc)
        self.state.setText(f"Cannot read the full-size photo: {exc}")
        self.full_loaded.emit()

    def _scale_changed(self, scale: float) -> None:
        self.zoom_label.setText(f"{scale:.0%}")
        self.fit_button.setChecked(self.view.fitting)
        self.actual_button.setChecked(not self.view.fitting and abs(scale - 1.0) < 1e-6)
