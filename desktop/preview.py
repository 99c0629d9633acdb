"""The preview pane: a photo large with its date, camera and folder; a note with the matching passage
highlighted and scrolled into view; a recording's transcript with the matching segment highlighted, each
segment clickable to play from there."""

from __future__ import annotations

import logging
import re
from typing import Any

from PySide6.QtCore import QRectF, QSize, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QPainter,
    QPaintEvent,
    QPixmap,
    QResizeEvent,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.library import Library, keyword_terms
from core.types import Kind, Segment
from desktop import file_actions, theme
from desktop.audio import SegmentPlayer
from desktop.formatting import camera_text, clock, home_path, taken_text
from desktop.results_model import ResultItem
from desktop.tasks import Sequencer, run_task
from desktop.thumbnails import ThumbnailCache, read_scaled
from desktop.widgets import ElidedLabel

log = logging.getLogger(__name__)

PREVIEW_EDGE = 1600
MAX_NOTE_CHARS = 2_000_000  # a bigger note is shown up to here (the passage is searched for in all of it)


# -- photo -----------------------------------------------------------------------------------------------
class ImageCanvas(QWidget):
    """A pixmap drawn as large as fits, centred, never distorted or upscaled past 2x."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pixmap: QPixmap | None = None
        self.max_height = 520
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setMinimumSize(160, 120)

    def set_pixmap(self, pixmap: QPixmap | None) -> None:
        self._pixmap = pixmap
        self.updateGeometry()
        self.update()

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        """As tall as the photo is at this width, within ``max_height``: the details sit right below it."""
        if self._pixmap is None or self._pixmap.isNull() or self._pixmap.width() == 0:
            return min(self.max_height, width * 3 // 4)
        return max(120, min(self.max_height, round(width * self._pixmap.height() / self._pixmap.width())))

    def pixmap(self) -> QPixmap | None:
        return self._pixmap

    def sizeHint(self) -> QSize:
        return QSize(480, 360)

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._pixmap is None or self._pixmap.isNull():
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        ratio = self._pixmap.devicePixelRatio()
        w, h = self._pixmap.width() / ratio, self._pixmap.height() / ratio
        scale = min(self.width() / w, self.height() / h, 2.0)
        dw, dh = w * scale, h * scale
        target = QRectF((self.width() - dw) / 2, 0, dw, dh)
        painter.drawPixmap(target, self._pixmap, QRectF(self._pixmap.rect()))
        painter.setPen(QColor(0, 0, 0, 25))
        painter.drawRect(target)


class PhotoView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(12)
        self.canvas = ImageCanvas()
        lay.addWidget(self.canvas)
        info = QWidget()
        info.setObjectName("PreviewInfo")
        self.grid = QGridLayout(info)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(12)
        self.grid.setVerticalSpacing(4)
        self.fields: dict[str, QLabel] = {}
        self.keys: dict[str, QLabel] = {}
        for row, key in enumerate(("Taken", "Camera", "Size", "Place", "Folder")):
            k = QLabel(key)
            self.keys[key] = k
            k.setProperty("role", "key")
            v = QLabel()
            v.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            v.setWordWrap(True)
            self.grid.addWidget(k, row, 0, Qt.AlignmentFlag.AlignTop)
            self.grid.addWidget(v, row, 1)
            self.fields[key] = v
        self.grid.setColumnStretch(1, 1)
        lay.addWidget(info)
        lay.addStretch(1)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        limit = max(160, int(self.height() * 0.68))
        if limit != self.canvas.max_height:
            self.canvas.max_height = limit
            self.canvas.updateGeometry()

    def show_item(self, item: ResultItem, pixmap: QPixmap | None) -> None:
        meta = item.meta
        self.canvas.set_pixmap(pixmap)
        camera = camera_text(meta)
        size = f"{meta['width']} × {meta['height']}" if meta.get("width") and meta.get("height") else ""
        gps = meta.get("gps")
        place = f"{gps[0]:.5f}, {gps[1]:.5f}" if isinstance(gps, list | tuple) and len(gps) == 2 else ""
        values = {"Taken": taken_text(meta, item.result.date_ts), "Camera": camera,
                  "Size": size, "Place": place, "Folder": home_path(item.folder)}
        for key, label in self.fields.items():
            label.setText(values[key])
            visible = bool(values[key])
            label.setVisible(visible)
            self.keys[key].setVisible(visible)


# -- note ------------------------------------------------------------------------------------------------
def passage_span(text: str, passage: str) -> tuple[int, int] | None:
    """Where ``passage`` (words joined by single spaces, as the indexer stores it) lies in ``text``."""
    words = passage.split()
    if not words:
        return None
    for take in (len(words), min(len(words), 12)):  # whole passage; else its first words
        pattern = r"\s+".join(re.escape(w) for w in words[:take])
        m = re.search(pattern, text)
        if m:
            if take == len(words):
                return m.start(), m.end()
            return m.start(), min(len(text), m.start() + len(passage) + 200)
    return None


class NoteView(QTextEdit):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("NoteText")
        self.setReadOnly(True)
        self.setLineWrapMode(QTextEdit.LineWrapMode.WidgetWidth)
        self._span: tuple[int, int] | None = None

    def show_text(self, text: str, passage: str | None, keywords: list[str]) -> None:
        self.setPlainText(text)
        self._span = passage_span(text, passage) if passage else None
        selections: list[QTextEdit.ExtraSelection] = []
        if self._span is not None:
            start, end = self._span
            for line in re.finditer(r"[^\n]+", text[start:end]):  # line by line: blank lines stay blank
                selections.append(self._selection(start + line.start(), start + line.end(), theme.HIGHLIGHT))
            words = {k for k in keywords if len(k) > 2}
            if words:
                rx = re.compile(r"\b(" + "|".join(re.escape(w) for w in sorted(words)) + r")\w*", re.IGNORECASE)
                for m in rx.finditer(text, start, end):
                    selections.append(self._selection(m.start(), m.end(), theme.HIGHLIGHT_STRONG))
        self.setExtraSelections(selections)
        QTimer.singleShot(0, self, self.scroll_to_passage)

    def _selection(self, start: int, end: int, color: str) -> QTextEdit.ExtraSelection:
        sel = QTextEdit.ExtraSelection()
        cursor = QTextCursor(self.document())
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        sel.cursor = cursor
        fmt = QTextCharFormat()
        fmt.setBackground(QColor(color))
        sel.format = fmt
        return sel

    def highlighted_text(self) -> str:
        if self._span is None:
            return ""
        return self.toPlainText()[self._span[0]:self._span[1]]

    def scroll_to_passage(self) -> None:
        if self._span is None:
            self.verticalScrollBar().setValue(0)
            return
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._span[0])
        self.setTextCursor(cursor)
        top = self.cursorRect(cursor).top()
        bar = self.verticalScrollBar()
        bar.setValue(max(0, bar.value() + top - self.viewport().height() // 5))


# -- recording -------------------------------------------------------------------------------------------
def segments_of(meta: dict[str, Any]) -> list[Segment]:
    out = []
    for seg in meta.get("segments") or []:
        try:
            start, end, text = seg
            out.append(Segment(float(start), float(end), str(text).strip()))
        except (TypeError, ValueError):
            continue
    return out


def matched(seg: Segment, start_s: float | None, end_s: float | None) -> bool:
    if start_s is None:
        return False
    end = end_s if end_s is not None else start_s
    return seg.start_s >= start_s - 0.05 and seg.end_s <= end + 0.05


class RecordingView(QWidget):
    segment_activated = Signal(float)  # start second of a clicked segment

    def __init__(self, player: SegmentPlayer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.player = player
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(8)
        bar = QHBoxLayout()
        self.play_button = QPushButton("Play from the match")
        self.play_button.setProperty("secondary", True)
        self.play_button.setIcon(theme.icon("play", theme.TEXT, 14))
        self.position = QLabel()
        self.position.setObjectName("PreviewCaption")
        bar.addWidget(self.play_button)
        bar.addWidget(self.position)
        bar.addStretch(1)
        lay.addLayout(bar)
        self.caption = QLabel()
        self.caption.setObjectName("PreviewCaption")
        lay.addWidget(self.caption)
        self.list = QListWidget()
        self.list.setObjectName("Segments")
        self.list.setWordWrap(True)
        self.list.setSpacing(0)
        self.list.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        lay.addWidget(self.list, 1)
        self.list.itemActivated.connect(self._activated)
        self.list.itemClicked.connect(self._activated)
        self.play_button.clicked.connect(self._play_match)
        if not player.available:
            self.play_button.setEnabled(False)
            self.play_button.setToolTip("No audio output device: playback is off")
        player.playing_changed.connect(self._playing)
        player.position_changed.connect(lambda s: self.position.setText(clock(s)))
        self._path = ""
        self._match_start: float | None = None
        self._matched: list[str] = []

    def show_item(self, item: ResultItem) -> None:
        self._path = item.path
        r = item.result
        self._match_start = r.start_s
        self.list.clear()
        self._matched = []
        segs = segments_of(item.meta)
        first: QListWidgetItem | None = None
        for seg in segs:
            row = QListWidgetItem(f"{clock(seg.start_s)}   {seg.text}")
            row.setData(Qt.ItemDataRole.UserRole, seg.start_s)
            row.setToolTip(f"Play from {clock(seg.start_s)}")
            if matched(seg, r.start_s, r.end_s):
                row.setBackground(QColor(theme.HIGHLIGHT))
                self._matched.append(seg.text)
                first = first or row
            self.list.addItem(row)
        duration = item.meta.get("duration_s")
        if not segs:
            self.caption.setText("No speech was found in this recording.")
        elif r.start_s is not None:
            self.caption.setText(f"Matched at {clock(r.start_s)}–{clock(r.end_s or r.start_s)}"
                                 + (f" of {clock(float(duration))}" if duration else ""))
        else:
            self.caption.setText("Transcript")
        self.position.setText("")
        self.play_button.setVisible(r.start_s is not None)
        if first is not None:
            self.list.setCurrentItem(first)
            QTimer.singleShot(0, self, lambda: self.list.scrollToItem(
                first, QListWidget.ScrollHint.PositionAtCenter) if first is not None else None)

    def highlighted_segments(self) -> list[str]:
        return list(self._matched)

    def _play_match(self) -> None:
        if self._match_start is not None:
            self.segment_activated.emit(self._match_start)
            self.player.play_from(self._path, self._match_start)

    def _activated(self, row: QListWidgetItem) -> None:
        start = float(row.data(Qt.ItemDataRole.UserRole))
        self.segment_activated.emit(start)
        self.player.play_from(self._path, start)

    def _playing(self, playing: bool) -> None:
        self.play_button.setText("Pause" if playing else "Play from the match")
        self.play_button.setIcon(theme.icon("pause" if playing else "play", theme.TEXT, 14))
        if playing:
            self.play_button.clicked.disconnect()
            self.play_button.clicked.connect(self.player.toggle)
        else:
            self.play_button.clicked.disconnect()
            self.play_button.clicked.connect(self._play_match)

    def stop(self) -> None:
        self.player.stop()


# -- the pane ----------------------------------------------------------------------------------------------
class PreviewPane(QWidget):
    loaded = Signal()  # the shown item is fully loaded (full-size photo, note text)

    def __init__(self, library: Library, thumbnails: ThumbnailCache, pool: QThreadPool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Preview")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.library = library
        self.thumbnails = thumbnails
        self.pool = pool
        self._seq = Sequencer()
        self._loading = False
        self.item: ResultItem | None = None
        self.query_words: list[str] = []

        lay = QVBoxLayout(self)
        lay.setContentsMargins(20, 16, 20, 16)
        lay.setSpacing(10)
        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.setSpacing(8)
        titles = QVBoxLayout()
        titles.setSpacing(2)
        self.title = ElidedLabel(mode=Qt.TextElideMode.ElideMiddle)
        self.title.setObjectName("PreviewTitle")
        self.folder = ElidedLabel(mode=Qt.TextElideMode.ElideMiddle)
        self.folder.setObjectName("PreviewFolder")
        titles.addWidget(self.title)
        titles.addWidget(self.folder)
        head.addLayout(titles, 1)
        self.open_button = self._button("open", "Open with the default application (Enter)")
        self.reveal_button = self._button("folder", "Show in folder")
        head.addWidget(self.reveal_button)
        head.addWidget(self.open_button)
        self.header = QWidget()
        self.header.setLayout(head)
        lay.addWidget(self.header)

        self.stack = QStackedWidget()
        self.empty = QLabel("Select a result to preview it")
        self.empty.setObjectName("EmptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.photo = PhotoView()
        self.note = NoteView()
        self.player = SegmentPlayer(self)
        self.recording = RecordingView(self.player)
        for w in (self.empty, self.photo, self.note, self.recording):
            self.stack.addWidget(w)
        lay.addWidget(self.stack, 1)
        self.open_button.clicked.connect(lambda: self.item and file_actions.open_file(self.item.path))
        self.reveal_button.clicked.connect(lambda: self.item and file_actions.show_in_folder(self.item.path))
        self.show_item(None)

    def _button(self, icon_name: str, tip: str) -> QToolButton:
        b = QToolButton()
        b.setIcon(theme.icon(icon_name, theme.MUTED, 18))
        b.setIconSize(theme.ICON_SIZE)
        b.setToolTip(tip)
        b.setAutoRaise(True)
        return b

    @property
    def loading(self) -> bool:
        return self._loading

    def show_item(self, item: ResultItem | None, query_text: str | None = None) -> None:
        words = keyword_terms(query_text) if query_text else []
        if item is not None and item == self.item and words == self.query_words:
            return  # the same result again (the list was refreshed): keep the pane as it is
        number = self._seq.next()
        self.item = item
        self.query_words = words
        self.recording.stop()
        if item is None:
            self.header.hide()
            self.stack.setCurrentWidget(self.empty)
            self._loading = False
            return
        self.header.show()
        self.title.setText(item.name)
        self.title.setToolTip(item.path)
        self.folder.setText(item.place or home_path(item.folder))
        self.folder.setToolTip(item.folder)
        if item.kind is Kind.PHOTO:
            self.photo.show_item(item, self.thumbnails.get(item.thumbnail_source))
            self.stack.setCurrentWidget(self.photo)
            self._load(number, lambda: read_scaled(item.path, PREVIEW_EDGE), self._photo_loaded)
        elif item.kind is Kind.NOTE:
            self.note.setPlainText("")
            self.stack.setCurrentWidget(self.note)
            library, chunk_id, path = self.library, item.result.chunk_id, item.path
            self._load(number, lambda: _read_note(path, library, chunk_id), self._note_loaded)
        else:
            self.recording.show_item(item)
            self.stack.setCurrentWidget(self.recording)
            self._loading = False
            self.loaded.emit()

    def _load(self, number: int, job: Any, done: Any) -> None:
        self._loading = True

        def ok(value: Any) -> None:
            if self._seq.is_current(number):
                self._loading = False
                done(value)
                self.loaded.emit()

        def fail(exc: BaseException) -> None:
            if self._seq.is_current(number):
                self._loading = False
                self._failed(exc)
                self.loaded.emit()

        run_task(job, ok, fail, pool=self.pool, context=self)

    def _photo_loaded(self, image: QImage) -> None:
        self.photo.canvas.set_pixmap(QPixmap.fromImage(image))

    def _note_loaded(self, value: tuple[str, str | None]) -> None:
        text, passage = value
        self.note.show_text(text, passage, self.query_words)

    def _failed(self, exc: BaseException) -> None:
        log.info("preview failed: %s", exc)
        if self.item is not None and self.item.kind is Kind.NOTE:
            self.note.setPlainText(f"Cannot show this note: {exc}")
        elif self.item is not None and self.item.kind is Kind.PHOTO:
            self.photo.fields["Folder"].setText(f"{self.item.folder}\n(cannot show the photo: {exc})")


def _read_note(path: str, library: Library, chunk_id: int) -> tuple[str, str | None]:
    return library.read_note(path, MAX_NOTE_CHARS), library.chunk_text(chunk_id)
