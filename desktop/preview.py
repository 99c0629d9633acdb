"""The preview pane: a photo large with its date, place, camera and folder, the text read in it under it
and the lines that hold the query's words outlined on it; a note with the matched passage highlighted, its
best sentence more and the query's words most, scrolled to the sentence; a document's matched passage the
same way, under a line on what the document is and where the match is in it (its page); a recording's
transcript with the matched window's segments highlighted, the best one more, each segment clickable to
play from there."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Sequence
from math import ceil
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFontMetrics,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPixmap,
    QResizeEvent,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.library import Library, keyword_terms
from core.types import Kind, segments_of
from desktop import theme
from desktop.audio import SegmentPlayer
from desktop.formatting import camera_text, clock, home_path, taken_text
from desktop.photo_text import Box, box_rects, matching_boxes, paint_boxes, text_lines
from desktop.results_model import ResultItem
from desktop.tasks import Sequencer, run_task
from desktop.thumbnails import ThumbnailCache, read_scaled
from desktop.widgets import ElidedLabel
from desktop.zoom import ZoomDialog

log = logging.getLogger(__name__)

PREVIEW_EDGE = 1600
PHOTO_GAP = 12  # between a photo and its details
MAX_NOTE_CHARS = 2_000_000  # a bigger note is shown up to here (the passage is searched for in all of it)

_Index = QModelIndex | QPersistentModelIndex
_LINE = re.compile(r"[^\n]+")


# -- photo -----------------------------------------------------------------------------------------------
class ImageCanvas(QWidget):
    """A pixmap drawn as large as fits, centred, never distorted or upscaled past 2x, with an outline around
    each of ``boxes`` (lines of text read in the photo that hold a query word); a double click asks for it
    at full size."""

    double_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pixmap: QPixmap | None = None
        self._boxes: list[Box] = []
        self.max_height = 520
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setMinimumSize(160, 60)  # in a small window the photo shrinks, never the details under it

    def set_pixmap(self, pixmap: QPixmap | None) -> None:
        self._pixmap = pixmap
        self.updateGeometry()
        self.update()

    def set_boxes(self, boxes: Sequence[Box]) -> None:
        self._boxes = list(boxes)
        self.update()

    def boxes(self) -> list[Box]:
        return list(self._boxes)

    def image_rect(self) -> QRectF:
        """Where the photo is drawn in the widget (empty when there is none)."""
        if self._pixmap is None or self._pixmap.isNull():
            return QRectF()
        ratio = self._pixmap.devicePixelRatio()
        w, h = self._pixmap.width() / ratio, self._pixmap.height() / ratio
        scale = min(self.width() / w, self.height() / h, 2.0)
        dw, dh = w * scale, h * scale
        return QRectF((self.width() - dw) / 2, 0, dw, dh)

    def box_rects(self) -> list[QRectF]:
        """The boxes where they are drawn, in the widget's coordinates."""
        return box_rects(self._boxes, self.image_rect())

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        """As tall as the photo is at this width, within ``max_height``: the details sit right below it."""
        if self._pixmap is None or self._pixmap.isNull() or self._pixmap.width() == 0:
            return min(self.max_height, width * 3 // 4)
        return max(60, min(self.max_height, round(width * self._pixmap.height() / self._pixmap.width())))

    def pixmap(self) -> QPixmap | None:
        return self._pixmap

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._pixmap is not None:
            self.double_clicked.emit()
            return
        super().mouseDoubleClickEvent(event)

    def sizeHint(self) -> QSize:
        return QSize(480, 360)

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._pixmap is None or self._pixmap.isNull():
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        target = self.image_rect()
        painter.drawPixmap(target, self._pixmap, QRectF(self._pixmap.rect()))
        painter.setPen(QColor(0, 0, 0, 25))
        painter.drawRect(target)
        paint_boxes(painter, self.box_rects())


PHOTO_TEXT_LINES = 4  # the read text shows this many lines at most; it scrolls for more


class PhotoTextView(QPlainTextEdit):
    """The text read in a photo: selectable, scrollable, at most ``PHOTO_TEXT_LINES`` lines tall, the
    query's words marked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PhotoText")
        self.setReadOnly(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                     | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.document().setDocumentMargin(2)
        self.setAccessibleName("Text in the photo")

    def show_text(self, text: str, words: re.Pattern[str] | None) -> None:
        self.setPlainText(text)
        selections = []
        for m in words.finditer(text) if words is not None else ():
            sel = QTextEdit.ExtraSelection()
            cursor = QTextCursor(self.document())
            cursor.setPosition(m.start())
            cursor.setPosition(m.end(), QTextCursor.MoveMode.KeepAnchor)
            sel.cursor = cursor
            fmt = QTextCharFormat()
            fmt.setBackground(QColor(theme.HIGHLIGHT_STRONG))
            sel.format = fmt
            selections.append(sel)
        self.setExtraSelections(selections)
        self.updateGeometry()

    def marked_text(self) -> list[str]:
        return [sel.cursor.selectedText() for sel in self.extraSelections()]

    def shown_lines(self) -> int:
        """How many lines the text takes as wrapped now (QPlainTextEdit's document counts lines)."""
        return max(1, round(self.document().documentLayout().documentSize().height()))

    def line_height(self) -> float:
        """The height of one line as laid out (what the scroll bar counts in), else the font's."""
        block = self.document().firstBlock()
        if block.isValid():
            height = float(self.blockBoundingRect(block).height())  # lays the block out when it is not yet
            lines = block.layout().lineCount()
            if lines:
                return height / lines
        return float(self.fontMetrics().lineSpacing())

    def sizeHint(self) -> QSize:
        shown = self.shown_lines()
        self.ensurePolished()
        vm = self.viewportMargins()
        frame = 2 * self.frameWidth() + vm.top() + vm.bottom()  # border and padding (a style sheet's too)
        margin = self.document().documentMargin()
        if shown > PHOTO_TEXT_LINES:  # it scrolls: the box ends at a line's end, no next line peeking in
            return QSize(super().sizeHint().width(), ceil(PHOTO_TEXT_LINES * self.line_height() + margin) + frame)
        # + 1: QPlainTextEdit's scroll bar counts the last line as shown only with a pixel to spare under it
        return QSize(super().sizeHint().width(), ceil(shown * self.line_height() + 2 * margin) + frame + 1)

    def resizeEvent(self, event: QResizeEvent) -> None:
        lines = self.shown_lines()
        super().resizeEvent(event)
        if self.shown_lines() != lines:  # rewrapped to more or fewer lines: another height
            self.updateGeometry()

    def minimumSizeHint(self) -> QSize:
        return QSize(40, self.sizeHint().height())


class PhotoView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(PHOTO_GAP)
        self.canvas = ImageCanvas()
        self.canvas.setToolTip("Double-click to see the photo at full size")
        self.canvas.setCursor(Qt.CursorShape.PointingHandCursor)
        lay.addWidget(self.canvas)
        info = QWidget()
        info.setObjectName("PreviewInfo")
        self.grid = QGridLayout(info)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(12)
        self.grid.setVerticalSpacing(4)
        self.fields: dict[str, QLabel] = {}
        self.keys: dict[str, QLabel] = {}
        for row, key in enumerate(("Taken", "Place", "Camera", "Size", "Folder", "Text")):
            k = QLabel(key)
            self.keys[key] = k
            k.setProperty("role", "key")
            self.grid.addWidget(k, row, 0, Qt.AlignmentFlag.AlignTop)
            if key == "Text":
                break
            v = QLabel()
            v.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            v.setWordWrap(True)
            self.grid.addWidget(v, row, 1)
            self.fields[key] = v
        self.keys["Text"].setToolTip("The text read in the photo")
        self.text = PhotoTextView()
        self.grid.addWidget(self.text, len(self.keys) - 1, 1)
        self.grid.setColumnStretch(1, 1)
        self.info = info
        lay.addWidget(info)
        lay.addStretch(1)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_canvas()

    def _fit_canvas(self) -> None:
        # The photo takes what the details leave: at most about two thirds of the pane.
        room = self.height() - self.info.sizeHint().height() - PHOTO_GAP
        limit = max(60, min(int(self.height() * 0.68), room))
        if limit != self.canvas.max_height:
            self.canvas.max_height = limit
            self.canvas.updateGeometry()

    def show_item(self, item: ResultItem, pixmap: QPixmap | None, query_words: Sequence[str] = ()) -> None:
        meta = item.meta
        r = item.result
        self.canvas.set_pixmap(pixmap)
        camera = camera_text(meta)
        size = f"{meta['width']} × {meta['height']}" if meta.get("width") and meta.get("height") else ""
        gps = meta.get("gps")
        where = f"{gps[0]:.5f}, {gps[1]:.5f}" if isinstance(gps, list | tuple) and len(gps) == 2 else ""
        values = {"Taken": taken_text(meta, r.date_ts), "Place": r.place or where, "Camera": camera,
                  "Size": size, "Folder": home_path(item.folder)}
        for key, label in self.fields.items():
            label.setText(values[key])
            visible = bool(values[key])
            label.setVisible(visible)
            self.keys[key].setVisible(visible)
        self.fields["Place"].setToolTip(f"GPS {where}" if where and r.place else "")
        lines = text_lines(meta)
        words = word_pattern(item.marked_words, query_words) if r.matched else None
        self.canvas.set_boxes(matching_boxes(lines, words))
        read = "\n".join(t for _box, t in lines) or (r.passage if item.text_in_photo else "")
        self.text.show_text(read, words)
        self.text.setVisible(bool(read))
        self.keys["Text"].setVisible(bool(read))
        self._fit_canvas()
        QTimer.singleShot(0, self, self._fit_canvas)  # again once the details are laid out with the text


# -- note ------------------------------------------------------------------------------------------------
def passage_span(text: str, passage: str) -> tuple[int, int] | None:
    """Where ``passage`` (the note's words as the indexer stored them, white space folded) lies in
    ``text``."""
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


def sentence_span(text: str, sentence: str, within: tuple[int, int] | None = None) -> tuple[int, int] | None:
    """Where the best sentence (a result's snippet: white space folded, "…" where it was cut) lies in
    ``text``: inside ``within`` (the passage) when it is there, else anywhere."""
    words = sentence.strip().strip("…").split()
    if not words:
        return None
    rx = re.compile(r"\s+".join(re.escape(w) for w in words))
    m = rx.search(text, *within) if within is not None else None
    m = m or rx.search(text)
    return (m.start(), m.end()) if m else None


def word_pattern(marked: Sequence[str], keywords: Sequence[str]) -> re.Pattern[str] | None:
    """The query's words in a text, case-insensitive: the forms the search marked, as whole words, and
    the query's keywords with any ending ("tyre" -> "tyres")."""
    parts = []
    exact = sorted({w for w in marked if w.strip()}, key=len, reverse=True)
    if exact:
        parts.append(r"\b(?:" + "|".join(re.escape(w) for w in exact) + r")\b")
    prefixes = sorted({k for k in keywords if len(k) > 2}, key=len, reverse=True)
    if prefixes:
        parts.append(r"\b(?:" + "|".join(re.escape(w) for w in prefixes) + r")\w*")
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


class NoteView(QTextEdit):
    """A note's text: the matched passage lightly highlighted, its best sentence more, the query's words
    in it most, and the view scrolled to the sentence."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("NoteText")
        self.setReadOnly(True)
        self.setLineWrapMode(QTextEdit.LineWrapMode.WidgetWidth)
        self._span: tuple[int, int] | None = None
        self._sentence: tuple[int, int] | None = None

    def show_text(self, text: str, passage: str | None, sentence: str | None = None,
                  marked: Sequence[str] = (), keywords: Sequence[str] = (), tint_passage: bool = True) -> None:
        """``passage`` and ``sentence`` are None for a note that only passes the filters: nothing is
        highlighted then. ``tint_passage`` False: the passage's words are marked but it is not tinted (it is
        all that is shown: a document's matched passage)."""
        self.setPlainText(text)
        self._span = passage_span(text, passage) if passage else None
        self._sentence = sentence_span(text, sentence, self._span) if sentence else None
        selections: list[QTextEdit.ExtraSelection] = []
        if self._span is not None and tint_passage:
            selections += self._lines(*self._span, theme.HIGHLIGHT)
        if self._sentence is not None:
            selections += self._lines(*self._sentence, theme.HIGHLIGHT_SENTENCE)
        region = self._span or self._sentence
        rx = word_pattern(marked, keywords) if region is not None else None
        if region is not None and rx is not None:
            for m in rx.finditer(text, *region):
                selections.append(self._selection(m.start(), m.end(), theme.HIGHLIGHT_STRONG))
        self.setExtraSelections(selections)
        QTimer.singleShot(0, self, self.scroll_to_passage)

    def _lines(self, start: int, end: int, color: str) -> list[QTextEdit.ExtraSelection]:
        """Line by line: blank lines between paragraphs stay blank."""
        text = self.toPlainText()
        return [self._selection(m.start(), m.end(), color) for m in _LINE.finditer(text, start, end)]

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
        """The matched passage as it stands in the note ("" when none is highlighted)."""
        if self._span is None:
            return ""
        return self.toPlainText()[self._span[0]:self._span[1]]

    def sentence_text(self) -> str:
        """The best sentence as it stands in the note ("" when none is highlighted)."""
        if self._sentence is None:
            return ""
        return self.toPlainText()[self._sentence[0]:self._sentence[1]]

    def scroll_to_passage(self) -> None:
        """Bring the best sentence (else the passage's start) into view, a fifth of the way down."""
        target = self._sentence or self._span
        if target is None:
            self.verticalScrollBar().setValue(0)
            return
        cursor = QTextCursor(self.document())
        cursor.setPosition(target[0])
        self.setTextCursor(cursor)
        top = self.cursorRect(cursor).top()
        bar = self.verticalScrollBar()
        bar.setValue(max(0, bar.value() + top - self.viewport().height() // 5))


# -- document --------------------------------------------------------------------------------------------
class DocumentView(QWidget):
    """A document (PDF, Word, OpenDocument, HTML, EPUB, RTF): a line on what it is (format, title, author,
    pages), where the match is ("Match on page 12"), and the matched passage shown as a note's is: its best
    sentence highlighted and the query's words marked. "Open" opens the document itself."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        self.info = QLabel()
        self.info.setObjectName("DocumentInfo")
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.where = QLabel()
        self.where.setObjectName("PreviewCaption")
        self.where.setWordWrap(True)
        self.text = NoteView()
        self.text.setAccessibleName("The matched passage")
        self.text.setToolTip("The passage that matched; Open (Enter) shows the whole document")
        lay.addWidget(self.info)
        lay.addWidget(self.where)
        lay.addWidget(self.text, 1)

    def show_item(self, item: ResultItem, query_words: Sequence[str] = ()) -> None:
        r, meta = item.result, item.meta
        self.info.setText(document_info(meta))
        self.info.setVisible(bool(self.info.text()))
        passage = r.passage or r.snippet
        if r.matched and r.location:
            where = f"Match on {r.location}" if r.location.startswith("page ") else f"Match in {r.location}"
        elif r.matched:
            where = "The matched passage"
        else:  # listed for the filters only: what its result carries, nothing marked
            where = "" if passage else "No text was found in this document"
        self.where.setText(where)
        self.where.setVisible(bool(where))
        if r.matched and passage:
            self.text.show_text(passage, passage, r.snippet or None, item.marked_words, query_words,
                                tint_passage=False)
        else:
            self.text.show_text(passage, None)


def document_info(meta: dict[str, Any]) -> str:
    """"PDF · Annual report 2023 · by Ann Smith · 24 pages": what a document's metadata says, as far as it
    says it."""
    bits = []
    for key in ("format", "title"):
        value = meta.get(key)
        if isinstance(value, str) and value.strip():
            bits.append(" ".join(value.split()))
    author = meta.get("author")
    if isinstance(author, str) and author.strip():
        bits.append("by " + " ".join(author.split()))
    pages = meta.get("pages")
    if isinstance(pages, int) and not isinstance(pages, bool) and pages > 0:
        bits.append(f"{pages:,} page{'s' if pages != 1 else ''}")
    words = meta.get("words")
    if isinstance(words, int) and not isinstance(words, bool) and words > 0:
        bits.append(f"{words:,} word{'s' if words != 1 else ''}")
    return " · ".join(bits)


# -- recording -------------------------------------------------------------------------------------------
StartRole = Qt.ItemDataRole.UserRole  # a segment row's start second
MatchRole = Qt.ItemDataRole.UserRole + 1  # "best", "window" (part of the matched window) or None
MarksRole = Qt.ItemDataRole.UserRole + 2  # [(start, end)] of the query's words in the segment's text
SEGMENT_PAD_X, SEGMENT_PAD_Y = 8, 6
SEGMENT_GAP = "   "  # between a segment's time and its text in the row's text


class SegmentDelegate(QStyledItemDelegate):
    """A transcript segment: its time, then its text wrapped, the query's words marked; the matched window
    on a light highlight and its best segment on a stronger one."""

    def __init__(self, view: QListWidget) -> None:
        super().__init__(view)
        self.view = view

    def _document(self, option: QStyleOptionViewItem, index: _Index) -> QTextDocument:
        doc = QTextDocument()
        doc.setDocumentMargin(0)
        doc.setDefaultFont(option.font)
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        head, _, body = text.partition(SEGMENT_GAP)
        marks = index.data(MarksRole) or []
        parts, pos = [], 0
        for a, b in marks:
            parts.append(html.escape(body[pos:a]))
            parts.append(f"<span style='background:{theme.HIGHLIGHT_STRONG}; font-weight:600'>"
                         f"{html.escape(body[a:b])}</span>")
            pos = b
        parts.append(html.escape(body[pos:]))
        widest = "0:00:00" if len(head) > 5 else "00:00"  # one column for the times; wrapped text hangs right
        clock_w = QFontMetrics(option.font).horizontalAdvance(widest) + 10
        doc.setHtml(f"<table cellspacing='0' cellpadding='0' width='100%'><tr>"
                    f"<td width='{clock_w}' style='color:{theme.MUTED}'>{html.escape(head)}</td>"
                    f"<td style='color:{theme.TEXT}'>{''.join(parts)}</td></tr></table>")
        doc.setTextWidth(max(40, self.view.viewport().width() - 2 * SEGMENT_PAD_X))
        return doc

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        doc = self._document(option, index)
        return QSize(self.view.viewport().width(), ceil(doc.size().height()) + 2 * SEGMENT_PAD_Y + 1)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        painter.save()
        rect = option.rect
        match = index.data(MatchRole)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        color = {"best": theme.HIGHLIGHT_SENTENCE, "window": theme.HIGHLIGHT}.get(str(match))
        if color is None and (selected or hovered):
            color = "#eef3fd" if selected else "#f6f8fa"
        if color is not None:
            painter.fillRect(rect, QColor(color))
        if selected:  # the current segment: a bar at its left edge
            painter.fillRect(QRect(rect.left(), rect.top(), 3, rect.height()), QColor(theme.ACCENT))
        painter.setPen(QColor("#eef1f4"))
        painter.drawLine(rect.left(), rect.bottom(), rect.right(), rect.bottom())
        doc = self._document(option, index)
        painter.translate(rect.left() + SEGMENT_PAD_X, rect.top() + SEGMENT_PAD_Y)
        doc.drawContents(painter)
        painter.restore()


class RecordingView(QWidget):
    """A recording's transcript, one row per segment: every segment of the matched window highlighted, the
    best one more and made current, the query's words marked; "Play from the match" plays from the best
    segment, and a click on any segment plays from there."""

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
        self.caption.setWordWrap(True)
        lay.addWidget(self.caption)
        self.list = QListWidget()
        self.list.setObjectName("Segments")
        self.list.setWordWrap(True)
        self.list.setSpacing(0)
        self.list.setMouseTracking(True)
        self.list.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)  # wrapped segments grow as the pane narrows
        self.list.setItemDelegate(SegmentDelegate(self.list))
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
        self._match_start: float | None = None  # where the play button starts: the best segment, else the start
        self._play_label = "Play from the match"
        self._matched: list[str] = []
        self._best: list[str] = []

    def show_item(self, item: ResultItem) -> None:
        self._path = item.path
        r = item.result
        best_start, best_end = (r.start_s, r.end_s) if r.matched else (None, None)
        window_start, window_end = ((r.window_start_s, r.window_end_s) if r.window_start_s is not None
                                    else (best_start, best_end)) if r.matched else (None, None)
        self.list.clear()
        self._matched, self._best = [], []
        words = word_pattern(item.marked_words, ())
        segs = segments_of(item.meta)
        best: QListWidgetItem | None = None
        for seg in segs:
            row = QListWidgetItem(f"{clock(seg.start_s)}{SEGMENT_GAP}{seg.text}")
            row.setData(StartRole, seg.start_s)
            row.setToolTip(f"Play from {clock(seg.start_s)}")
            in_window = seg.within(window_start, window_end) or seg.within(best_start, best_end)
            if in_window:
                is_best = seg.within(best_start, best_end)
                row.setData(MatchRole, "best" if is_best else "window")
                self._matched.append(seg.text)
                if is_best:
                    self._best.append(seg.text)
                    best = best or row
                if words is not None:
                    row.setData(MarksRole, [(m.start(), m.end()) for m in words.finditer(seg.text)])
            self.list.addItem(row)
        duration = item.meta.get("duration_s")
        if not segs:
            self.caption.setText("No speech was found in this recording.")
        elif best_start is not None:
            at = f"Matched at {clock(best_start)}"
            if window_start is not None and (window_start < best_start - 0.05
                                             or (window_end or 0.0) > (best_end or best_start) + 0.05):
                at += f" (best) in {clock(window_start)}–{clock(window_end or window_start)}"
            else:
                at += f"–{clock(best_end or best_start)}"
            self.caption.setText(at + (f" · {clock(float(duration))} in all" if duration else ""))
        else:
            self.caption.setText("Transcript" + (f" ({clock(float(duration))})" if duration else ""))
        self.position.setText("")
        self._play_label = "Play from the match" if best_start is not None else "Play"
        self._match_start = best_start if best_start is not None else (segs[0].start_s if segs else 0.0)
        self.play_button.setText(self._play_label)
        self.play_button.setVisible(bool(segs) or best_start is not None)
        if best is not None:
            self.list.setCurrentItem(best)
            QTimer.singleShot(0, self, lambda: self.list.scrollToItem(
                best, QListWidget.ScrollHint.PositionAtCenter) if best is not None else None)

    def highlighted_segments(self) -> list[str]:
        """The texts of the segments marked as matched: the whole window."""
        return list(self._matched)

    def best_segments(self) -> list[str]:
        """The texts of the best segment(s), marked more strongly."""
        return list(self._best)

    def _play_match(self) -> None:
        if self._match_start is not None:
            self.segment_activated.emit(self._match_start)
            self.player.play_from(self._path, self._match_start)

    def _activated(self, row: QListWidgetItem) -> None:
        start = float(row.data(StartRole))
        self.segment_activated.emit(start)
        self.player.play_from(self._path, start)

    def _playing(self, playing: bool) -> None:
        self.play_button.setText("Pause" if playing else self._play_label)
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
    open_requested = Signal(object)  # ResultItem: the window opens it and says so when nothing could
    reveal_requested = Signal(object)  # ResultItem: show it in its folder

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
        self.zoom_button = self._button("zoom-in", "See the photo at full size (or double-click it)")
        head.addWidget(self.zoom_button)
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
        self.document = DocumentView()
        self.player = SegmentPlayer(self)
        self.recording = RecordingView(self.player)
        for w in (self.empty, self.photo, self.note, self.document, self.recording):
            self.stack.addWidget(w)
        lay.addWidget(self.stack, 1)
        self.open_button.clicked.connect(lambda: self.item and self.open_requested.emit(self.item))
        self.reveal_button.clicked.connect(lambda: self.item and self.reveal_requested.emit(self.item))
        self.zoom_button.clicked.connect(self.zoom)
        self.photo.canvas.double_clicked.connect(self.zoom)
        self.zoom_dialog: ZoomDialog | None = None
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
        self.zoom_button.setVisible(item.kind is Kind.PHOTO)
        self.title.setText(item.name)
        self.title.setToolTip(item.path)
        self.folder.setText(item.place or home_path(item.folder))
        self.folder.setToolTip(item.folder)
        if item.kind is Kind.PHOTO:
            self.photo.show_item(item, self.thumbnails.get(item.thumbnail_source), words)
            self.stack.setCurrentWidget(self.photo)
            self._load(number, lambda: read_scaled(item.path, PREVIEW_EDGE), self._photo_loaded)
        elif item.kind is Kind.NOTE:
            self.note.setPlainText("")
            self.stack.setCurrentWidget(self.note)
            library, path = self.library, item.path
            self._load(number, lambda: library.read_note(path, MAX_NOTE_CHARS), self._note_loaded)
        elif item.kind is Kind.DOCUMENT:  # its passage came with the result: nothing to load
            self.document.show_item(item, words)
            self.stack.setCurrentWidget(self.document)
            self._loading = False
            self.loaded.emit()
        else:
            self.recording.show_item(item)
            self.stack.setCurrentWidget(self.recording)
            self._loading = False
            self.loaded.emit()

    def zoom(self) -> ZoomDialog | None:
        """The shown photo at full size, in a window of its own (one at a time)."""
        item = self.item
        if item is None or item.kind is not Kind.PHOTO:
            return None
        if self.zoom_dialog is not None:
            self.zoom_dialog.close()
        dialog = ZoomDialog(item.path, self.photo.canvas.pixmap(), self.pool, self.window(),
                            boxes=self.photo.canvas.boxes())
        dialog.destroyed.connect(lambda _o=None: setattr(self, "zoom_dialog", None))
        dialog.show()
        self.zoom_dialog = dialog
        return dialog

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

    def _note_loaded(self, text: str) -> None:
        item = self.item
        r = item.result if item is not None else None
        if item is None or r is None or not r.matched:  # listed for the filters only: nothing to highlight
            self.note.show_text(text, None)
            return
        self.note.show_text(text, r.passage or None, r.snippet or None, item.marked_words, self.query_words)

    def _failed(self, exc: BaseException) -> None:
        log.info("preview failed: %s", exc)
        if self.item is not None and self.item.kind is Kind.NOTE:
            self.note.setPlainText(f"Cannot show this note: {exc}")
        elif self.item is not None and self.item.kind is Kind.PHOTO:
            self.photo.fields["Folder"].setText(f"{self.item.folder}\n(cannot show the photo: {exc})")
