"""Draws one result row: a thumbnail (photos) or a kind tile (notes, documents, recordings), the file name
elided to fit, where in a document the match is (its page), a kind badge (a document's format) and the
date, the snippet with the query's words marked (for a photo, where it was taken and what it is, or the
text read in it that matched), and how strongly and why it matched; and the heading above the files that
only pass the filters (or above a timeline's month). The grid delegate draws the same results as square
tiles: a photo's thumbnail, or a note's, document's or recording's icon, with the name and date under it; a
heading there spans the grid's width."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPixmap
from PySide6.QtWidgets import QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from core.types import Kind
from desktop import theme
from desktop.formatting import camera_text, clock
from desktop.results_model import GroupHeading, HeadingRole, ItemRole, ResultItem
from desktop.thumbnails import ThumbnailCache

ROW_HEIGHT = 78
MIN_ROW_WIDTH = 200
TILE = 60
PAD = 10
HEADING_TOP = 14  # room above a group heading's title (the rule sits in it)
HEADING_BOTTOM = 8

GRID_THUMB = 140  # the square a grid tile's picture fills
GRID_PAD = 6
GRID_SPACING = 4  # between tiles (QListView.spacing)

_Index = QModelIndex | QPersistentModelIndex
_SPACE_RUN = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class SnippetLine:
    """A row's second line: its text, where the query's words are in it, and how many characters at its
    start are never cut off (a recording's time)."""

    text: str
    marks: list[tuple[int, int]]
    keep: int = 0


TEXT_PREFIX = "Text in the photo: “"


def snippet_line(item: ResultItem) -> str:
    """The second line: where a photo was taken and what it is, or the text read in it that matched; the
    best sentence of a note or document; what was said when."""
    return marked_snippet_line(item).text


def marked_snippet_line(item: ResultItem) -> SnippetLine:
    """The second line, and where the query's words are in it (the result's ``marks``, moved along as white
    space is folded and the time put in front)."""
    r = item.result
    if item.text_in_photo and r.snippet.strip():
        text, marks = fold_spaces(r.snippet, r.marks)
        return _quoted(TEXT_PREFIX, text, marks)
    if r.kind is Kind.PHOTO:
        meta = item.meta
        bits = [r.place] if r.place else []
        camera = camera_text(meta)
        if camera:
            bits.append(camera)
        if meta.get("width") and meta.get("height"):
            bits.append(f"{meta['width']}×{meta['height']}")
        bits.append(item.place or item.folder)
        return SnippetLine(" · ".join(bits), [])
    text, marks = fold_spaces(r.snippet, r.marks)
    if r.kind is Kind.RECORDING and r.start_s is not None:
        return _quoted(f"{clock(r.start_s)}  “", text, marks)
    return SnippetLine(text, marks)


def _quoted(prefix: str, text: str, marks: Sequence[tuple[int, int]]) -> SnippetLine:
    """“text” after ``prefix`` (which ends with the opening quote), never cut off."""
    return SnippetLine(f"{prefix}{text}”", [(a + len(prefix), b + len(prefix)) for a, b in marks], len(prefix))


def badge_text(item: ResultItem) -> str:
    """What the kind badge says: a document's format ("PDF", "Word"), else the kind ("Photo")."""
    if item.kind is Kind.DOCUMENT:
        fmt = item.meta.get("format")
        if isinstance(fmt, str) and fmt.strip():
            return fmt.strip()
    return theme.KIND_LABEL[item.kind]


def location_text(item: ResultItem) -> str:
    """Where in a document the match is ("page 12", a chapter or heading), shown beside the date; "" for
    other kinds (a photo's "text in the photo" is said on its second line)."""
    r = item.result
    return " ".join(r.location.split()) if r.kind is Kind.DOCUMENT and r.matched and r.location else ""


def fold_spaces(text: str, marks: Sequence[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """``text`` with each run of white space made one space and the ends stripped; ``marks`` follow."""
    out: list[str] = []
    where = [0] * (len(text) + 1)  # offset in ``text`` -> offset in the result
    pos = 0
    for m in re.finditer(r"\s+|\S+", text):
        if m.group()[0].isspace():
            where[m.start():m.end()] = [pos] * (m.end() - m.start())
            if out and m.end() < len(text):  # inside: one space; at either end: none
                out.append(" ")
                pos += 1
        else:
            where[m.start():m.end()] = range(pos, pos + m.end() - m.start())
            out.append(m.group())
            pos += m.end() - m.start()
    where[len(text)] = pos
    spans = [(where[a], where[b - 1] + 1) for a, b in sorted(marks) if 0 <= a < b <= len(text)]
    return "".join(out), [(a, b) for a, b in spans if a < b]


Advance = Callable[[str, bool], int]  # the width of a text, plain or marked


def fit_marked(text: str, marks: Sequence[tuple[int, int]], width: int, advance: Advance,
               ellipsis: str = "…", keep: int = 0) -> list[tuple[str, bool]]:
    """``text`` cut to ``width`` as runs of (text, marked). Where the first marked word would fall past
    the edge, the words before it are cut (after the first ``keep`` characters, shown as ``ellipsis``)
    so that it shows with the words after it; the end is cut at the edge, followed by ``ellipsis``."""
    spans = _clean(marks, len(text))

    def runs_of(t: str, sp: list[tuple[int, int]]) -> list[tuple[str, bool]]:
        out, pos = [], 0
        for a, b in sp:
            if a > pos:
                out.append((t[pos:a], False))
            out.append((t[a:b], True))
            pos = b
        if pos < len(t):
            out.append((t[pos:], False))
        return out

    def total(rs: list[tuple[str, bool]]) -> int:
        return sum(advance(t, m) for t, m in rs)

    runs = runs_of(text, spans)
    if width <= 0:
        return []
    if total(runs) <= width:
        return runs
    if spans and spans[0][0] > keep and total(runs_of(text[:spans[0][1]], spans[:1])) > width * 3 // 4:
        first_a, first_b = spans[0]
        head = text[:keep] + ellipsis
        head_w = advance(head, False)
        starts = [m.end() for m in _SPACE_RUN.finditer(text, keep, first_a) if m.end() > keep] + [first_a]

        def fits(s: int) -> bool:  # all the rest fits, or the words up to the mark take at most 3/5
            rest = [(a - s, b - s) for a, b in spans]
            return (head_w + total(runs_of(text[s:], rest)) <= width
                    or head_w + total(runs_of(text[s:first_b], rest[:1])) <= width * 3 // 5)

        start = next((s for s in starts if fits(s)), first_a)
        text = head + text[start:]
        spans = [(a - start + len(head), b - start + len(head)) for a, b in spans if a >= start]
        runs = runs_of(text, spans)
        if total(runs) <= width:
            return runs
    room = width - advance(ellipsis, False)
    out: list[tuple[str, bool]] = []
    used = 0
    for t, marked in runs:
        w = advance(t, marked)
        if used + w <= room:
            out.append((t, marked))
            used += w
            continue
        lo, hi = 0, len(t)  # the longest start of ``t`` that fits
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if used + advance(t[:mid], marked) <= room:
                lo = mid
            else:
                hi = mid - 1
        if lo:
            out.append((t[:lo].rstrip() if not marked else t[:lo], marked))
        break
    if not out or not out[-1][0].endswith(ellipsis):  # a cut start alone needs no second one
        out.append((ellipsis, False))
    return out


def _clean(marks: Sequence[tuple[int, int]], n: int) -> list[tuple[int, int]]:
    """Marks inside the text, sorted, overlapping ones merged."""
    out: list[tuple[int, int]] = []
    for a, b in sorted((max(0, a), min(n, b)) for a, b in marks):
        if a >= b:
            continue
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


@dataclass(frozen=True, slots=True)
class FirstLine:
    """Where a row's first line puts its parts, and what each says (cut to fit): the name at the left; at
    the right the date, the kind badge before it and, before that, where in a document the match is."""

    name: QRect
    name_text: str
    where: QRect
    where_text: str
    badge: QRect
    badge_text: str
    date: QRect
    date_text: str


def text_span(row: QRect) -> tuple[int, int]:
    """The left and right edges of a list row's text (right of its tile), from the row's rectangle."""
    rect = row.adjusted(6, 3, -6, -3)
    return rect.left() + PAD + TILE + 12, rect.right() - PAD


def _text_top(row: QRect, fonts: _Fonts) -> int:
    """Where a list row's three lines start: centred in the row."""
    rect = row.adjusted(6, 3, -6, -3)
    total_h = (QFontMetrics(fonts.name).height() + 4 + QFontMetrics(fonts.base).height() + 3
               + QFontMetrics(fonts.small).height())
    return rect.top() + (rect.height() - total_h) // 2


def fit_location(where: str, room: int, advance: Callable[[str], int], elide: Callable[[str, int], str]) -> str:
    """A document location for a first line with ``room`` left beside the badge and date: whole when it
    takes at most a third of it; else its first part ("chapter 3" of "chapter 3 · The Storm"; "page 12"
    itself) when that takes at most half; else cut to a third, when a third holds more than a few letters;
    else nothing (the name needs the room; the preview says where the match is)."""
    if advance(where) <= room // 3:
        return where
    head = where.split(" · ")[0]
    if advance(head) <= room // 2:
        return head
    return elide(where, room // 3) if room // 3 >= advance("page 000") else ""


def first_line(item: ResultItem, fonts: _Fonts, left: int, right: int, y: int) -> FirstLine:
    """Lay out the first line between ``left`` and ``right`` at ``y``: the date and the badge at the
    right, the location before them (``fit_location``), the name, elided in the middle, in the rest."""
    fm_small, fm_bold = QFontMetrics(fonts.small), QFontMetrics(fonts.name)
    line_h = fm_bold.height()
    x_end = right
    date = item.date_text
    date_rect = QRect(x_end, y, 0, line_h)
    if date:
        date_w = fm_small.horizontalAdvance(date)
        date_rect = QRect(x_end - date_w, y, date_w, line_h)
        x_end -= date_w + 10
    label = badge_text(item)
    badge_w, badge_h = fm_small.horizontalAdvance(label) + 14, fm_small.height() + 4
    badge = QRect(x_end - badge_w, y + (line_h - badge_h) // 2, badge_w, badge_h)
    x_end = badge.left() - 10
    where = location_text(item)
    where_rect = QRect(x_end, y, 0, line_h)
    if where:
        where = fit_location(where, max(0, x_end - left), fm_small.horizontalAdvance,
                             lambda t, w: fm_small.elidedText(t, Qt.TextElideMode.ElideRight, w))
        where_w = fm_small.horizontalAdvance(where)
        if where_w:
            where_rect = QRect(x_end - where_w, y, where_w, line_h)
            x_end -= where_w + 10
        else:
            where = ""
    name_w = max(0, x_end - left)
    name = fm_bold.elidedText(item.name, Qt.TextElideMode.ElideMiddle, name_w)
    return FirstLine(QRect(left, y, name_w, line_h), name, where_rect, where, badge, label, date_rect, date)


class ResultDelegate(QStyledItemDelegate):
    def __init__(self, thumbnails: ThumbnailCache, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.thumbnails = thumbnails

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        """The least width a row needs (the list makes every row as wide as itself) and its height."""
        if isinstance(index.data(HeadingRole), GroupHeading):
            fonts = _Fonts(option.font)
            return QSize(MIN_ROW_WIDTH, HEADING_TOP + QFontMetrics(fonts.heading).height() + 2
                         + QFontMetrics(fonts.small).height() + HEADING_BOTTOM)
        return QSize(MIN_ROW_WIDTH, ROW_HEIGHT)

    def first_line(self, row: QRect, font: QFont, item: ResultItem) -> FirstLine:
        """How the first line of ``item``'s row lays out in ``row`` (the view's rectangle for it) in ``font``."""
        fonts = _Fonts(font)
        left, right = text_span(row)
        return first_line(item, fonts, left, right, _text_top(row, fonts))

    def _result_to_paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> ResultItem | None:
        """The result a row shows; a heading row or anything else is painted here and None returned."""
        heading = index.data(HeadingRole)
        if isinstance(heading, GroupHeading):
            self._paint_heading(painter, option, heading, index.row() == 0)
            return None
        item = index.data(ItemRole)
        if not isinstance(item, ResultItem):
            QStyledItemDelegate.paint(self, painter, option, index)
            return None
        return item

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        item = self._result_to_paint(painter, option, index)
        if item is None:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = option.rect.adjusted(6, 3, -6, -3)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        if selected:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#dbe7fd"))
            painter.drawRoundedRect(QRectF(rect), 8, 8)
        elif hovered:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#f3f5f8"))
            painter.drawRoundedRect(QRectF(rect), 8, 8)

        tile = QRect(rect.left() + PAD, rect.top() + (rect.height() - TILE) // 2, TILE, TILE)
        self._paint_tile(painter, tile, item)

        left, right = text_span(option.rect)
        fonts = _Fonts(option.font)
        base, small, bold = fonts.base, fonts.small, fonts.name

        # Line 1: name ........ page 12  [badge] date
        fm_bold, fm_base, fm_why = QFontMetrics(bold), QFontMetrics(base), QFontMetrics(small)
        line1_h = fm_bold.height()
        y = _text_top(option.rect, fonts)
        top = first_line(item, fonts, left, right, y)
        if top.date_text:
            painter.setFont(small)
            painter.setPen(QColor(theme.FAINT))
            painter.drawText(top.date, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), top.date_text)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(theme.KIND_TINT[item.kind]))
        painter.drawRoundedRect(QRectF(top.badge), top.badge.height() / 2, top.badge.height() / 2)
        painter.setPen(QColor(theme.KIND_COLOR[item.kind]))
        painter.setFont(small)
        painter.drawText(top.badge, int(Qt.AlignmentFlag.AlignCenter), top.badge_text)
        if top.where_text:
            painter.setPen(QColor(theme.MUTED))
            painter.drawText(top.where, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                             top.where_text)
        painter.setFont(bold)
        painter.setPen(QColor(theme.TEXT))
        painter.drawText(top.name, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), top.name_text)
        y += line1_h + 4

        # Line 2: the snippet, the query's words in it marked
        width = max(0, right - left)
        self._paint_snippet(painter, QRect(left, y, width, fm_base.height()), item, fonts)
        y += fm_base.height() + 3

        # Line 3: how strongly and why it matched
        x = left
        steps = item.strength_steps
        if steps:
            x = self._paint_strength(painter, QRect(x, y, width, fm_why.height()), steps, item.strength_text,
                                     fonts.strength)
        painter.setFont(small)
        painter.setPen(QColor(theme.ACCENT if steps else theme.FAINT))
        rest = max(0, right - x)
        why = fm_why.elidedText(item.why_text, Qt.TextElideMode.ElideRight, rest)
        painter.drawText(QRect(x, y, rest, fm_why.height()),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), why)
        painter.restore()

    def _paint_snippet(self, painter: QPainter, box: QRect, item: ResultItem, fonts: _Fonts) -> None:
        line = marked_snippet_line(item)
        fm_plain, fm_mark = QFontMetrics(fonts.base), QFontMetrics(fonts.mark)

        def advance(t: str, marked: bool) -> int:
            return (fm_mark if marked else fm_plain).horizontalAdvance(t)

        x = box.left()
        for run, marked in fit_marked(line.text, line.marks, box.width(), advance, keep=line.keep):
            w = advance(run, marked)
            if marked:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(QColor(theme.HIGHLIGHT))
                painter.drawRoundedRect(QRectF(x, box.top() + 1, w, box.height() - 2), 3, 3)
            painter.setFont(fonts.mark if marked else fonts.base)
            painter.setPen(QColor(theme.TEXT if marked else theme.MUTED))
            painter.drawText(QRect(x, box.top(), w + 1, box.height()),
                             int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), run)
            x += w

    def _paint_strength(self, painter: QPainter, box: QRect, steps: int, word: str, font: QFont) -> int:
        """Three small bars, ``steps`` of them filled, and the word; returns where the reasons start."""
        bar_w, gap = 3, 2
        bottom = box.top() + (box.height() + 9) // 2
        painter.setPen(Qt.PenStyle.NoPen)
        for i in range(3):
            h = 5 + 2 * i
            painter.setBrush(QColor(theme.ACCENT if i < steps else theme.BORDER))
            painter.drawRoundedRect(QRectF(box.left() + i * (bar_w + gap), bottom - h, bar_w, h), 1, 1)
        x = box.left() + 3 * bar_w + 2 * gap + 6
        painter.setFont(font)
        painter.setPen(QColor(theme.TEXT))
        label = f"{word}  ·  "
        w = QFontMetrics(font).horizontalAdvance(label)
        painter.drawText(QRect(x, box.top(), w + 1, box.height()),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), label)
        return x + w

    def _paint_heading(self, painter: QPainter, option: QStyleOptionViewItem, heading: GroupHeading,
                       first: bool) -> None:
        painter.save()
        fonts = _Fonts(option.font)
        rect = option.rect.adjusted(6 + PAD, 0, -6 - PAD, 0)
        if not first:  # a rule between the rows above and those under it
            painter.setPen(QColor(theme.BORDER))
            painter.drawLine(rect.left(), option.rect.top() + HEADING_TOP // 2,
                             rect.right(), option.rect.top() + HEADING_TOP // 2)
        fm_head, fm_small = QFontMetrics(fonts.heading), QFontMetrics(fonts.small)
        y = option.rect.top() + HEADING_TOP
        painter.setFont(fonts.heading)
        painter.setPen(QColor(theme.TEXT))
        painter.drawText(QRect(rect.left(), y, rect.width(), fm_head.height()),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         fm_head.elidedText(heading.title, Qt.TextElideMode.ElideRight, rect.width()))
        y += fm_head.height() + 2
        painter.setFont(fonts.small)
        painter.setPen(QColor(theme.MUTED))
        painter.drawText(QRect(rect.left(), y, rect.width(), fm_small.height()),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         fm_small.elidedText(heading.detail, Qt.TextElideMode.ElideRight, rect.width()))
        painter.restore()

    def _paint_tile(self, painter: QPainter, tile: QRect, item: ResultItem) -> None:
        path = QPainterPath()
        path.addRoundedRect(QRectF(tile), 8, 8)
        pm: QPixmap | None = None
        if item.kind is Kind.PHOTO:
            pm = self.thumbnails.get(item.thumbnail_source)
        if pm is not None and not pm.isNull():
            painter.save()
            painter.setClipPath(path)
            painter.drawPixmap(tile, pm, _center_crop(pm, tile.size()))
            painter.restore()
            painter.setPen(QColor(0, 0, 0, 30))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(path)
            return
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(theme.KIND_TINT[item.kind]))
        painter.drawPath(path)
        glyph = theme.pixmap(theme.KIND_ICON[item.kind], theme.KIND_COLOR[item.kind], 26)
        edge = 26
        painter.drawPixmap(QRect(tile.center().x() - edge // 2 + 1, tile.center().y() - edge // 2 + 1, edge, edge),
                           glyph)


class GridDelegate(ResultDelegate):
    """Results as square tiles: a photo's thumbnail (centre-cropped), or a note's or recording's icon on its
    kind's tint, with the name and the date under it. A heading is as wide as the grid, so it has a line of
    its own and the tiles after it start a new one."""

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        fonts = _Fonts(option.font)
        if isinstance(index.data(HeadingRole), GroupHeading):
            return QSize(self._line_width(), super().sizeHint(option, index).height())
        text_h = QFontMetrics(fonts.name_small).height() + QFontMetrics(fonts.small).height()
        return QSize(GRID_THUMB + 2 * GRID_PAD, GRID_PAD + GRID_THUMB + 6 + text_h + GRID_PAD)

    def _line_width(self) -> int:
        """A heading's width: the grid's whole line, less the spacing on both sides (and a pixel, so it
        never wraps onto two)."""
        view = self.parent()
        if isinstance(view, QListView):
            return max(MIN_ROW_WIDTH, view.viewport().width() - 2 * view.spacing() - 1)
        return MIN_ROW_WIDTH

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        item = self._result_to_paint(painter, option, index)
        if item is None:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = option.rect
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        if selected or hovered:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#dbe7fd" if selected else "#f3f5f8"))
            painter.drawRoundedRect(QRectF(rect), 8, 8)
        tile = QRect(rect.left() + (rect.width() - GRID_THUMB) // 2, rect.top() + GRID_PAD, GRID_THUMB, GRID_THUMB)
        self._paint_tile(painter, tile, item)
        if item.kind is not Kind.PHOTO:  # the tile says what it is: a note's first words, or a recording
            self._paint_kind_label(painter, tile, item, _Fonts(option.font))
        fonts = _Fonts(option.font)
        fm_name, fm_small = QFontMetrics(fonts.name_small), QFontMetrics(fonts.small)
        y = tile.bottom() + 1 + 6
        width = rect.width() - 2 * GRID_PAD
        painter.setFont(fonts.name_small)
        painter.setPen(QColor(theme.TEXT))
        painter.drawText(QRect(rect.left() + GRID_PAD, y, width, fm_name.height()), int(Qt.AlignmentFlag.AlignCenter),
                         fm_name.elidedText(item.name, Qt.TextElideMode.ElideMiddle, width))
        y += fm_name.height()
        painter.setFont(fonts.small)
        painter.setPen(QColor(theme.FAINT))
        painter.drawText(QRect(rect.left() + GRID_PAD, y, width, fm_small.height()), int(Qt.AlignmentFlag.AlignCenter),
                         fm_small.elidedText(item.date_text, Qt.TextElideMode.ElideRight, width))
        painter.restore()

    def _paint_tile(self, painter: QPainter, tile: QRect, item: ResultItem) -> None:
        if item.kind is Kind.PHOTO:
            super()._paint_tile(painter, tile, item)
            return
        path = QPainterPath()
        path.addRoundedRect(QRectF(tile), 10, 10)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(theme.KIND_TINT[item.kind]))
        painter.drawPath(path)
        edge = 40
        glyph = theme.pixmap(theme.KIND_ICON[item.kind], theme.KIND_COLOR[item.kind], edge)
        painter.drawPixmap(QRect(tile.center().x() - edge // 2 + 1, tile.top() + 22, edge, edge), glyph)

    def _paint_kind_label(self, painter: QPainter, tile: QRect, item: ResultItem, fonts: _Fonts) -> None:
        """Under the icon: the kind, and the best sentence (a note) or what was said (a recording)."""
        fm = QFontMetrics(fonts.small)
        box = tile.adjusted(10, 22 + 40 + 8, -10, -8)
        painter.setFont(fonts.strength)
        painter.setPen(QColor(theme.KIND_COLOR[item.kind]))
        painter.drawText(QRect(box.left(), box.top(), box.width(), fm.height()), int(Qt.AlignmentFlag.AlignCenter),
                         badge_text(item))
        text = _SPACE_RUN.sub(" ", item.result.snippet).strip()
        if text:
            painter.setFont(fonts.small)
            painter.setPen(QColor(theme.MUTED))
            lines = max(0, (box.height() - fm.height()) // fm.height())
            rest = QRect(box.left(), box.top() + fm.height(), box.width(), lines * fm.height())
            painter.drawText(rest, int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
                                       | Qt.TextFlag.TextWordWrap),
                             fm.elidedText(text, Qt.TextElideMode.ElideRight, box.width() * max(1, lines) - 8))


class _Fonts:
    """The row's fonts, from the view's."""

    def __init__(self, font: QFont) -> None:
        self.base = QFont(font)
        self.small = _resized(font, -1)
        self.name = _resized(font, +1)
        self.name.setWeight(QFont.Weight.DemiBold)
        self.mark = QFont(font)
        self.mark.setWeight(QFont.Weight.DemiBold)
        self.strength = QFont(self.small)
        self.strength.setWeight(QFont.Weight.DemiBold)
        self.heading = QFont(font)
        self.heading.setWeight(QFont.Weight.DemiBold)
        self.name_small = QFont(font)
        self.name_small.setWeight(QFont.Weight.DemiBold)


def _resized(font: QFont, delta: int) -> QFont:
    """``font`` a point (or a pixel, for a font sized in pixels) larger or smaller."""
    out = QFont(font)
    if font.pointSizeF() > 0:
        out.setPointSizeF(max(7.0, font.pointSizeF() + delta))
    elif font.pixelSize() > 0:
        out.setPixelSize(max(9, font.pixelSize() + delta))
    return out


def _center_crop(pm: QPixmap, target: QSize) -> QRect:
    """The part of ``pm`` that fills ``target`` without distortion (like CSS object-fit: cover)."""
    ratio = pm.devicePixelRatio()
    w, h = pm.width() / ratio, pm.height() / ratio
    scale = max(target.width() / w, target.height() / h)
    cw, ch = target.width() / scale, target.height() / scale
    return QRect(round((w - cw) / 2 * ratio), round((h - ch) / 2 * ratio), round(cw * ratio), round(ch * ratio))
