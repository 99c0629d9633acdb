"""Draws one result row: a thumbnail (photos) or a kind tile (notes, recordings), the file name elided to
fit, a kind badge and the date, the snippet, and why it matched."""

from __future__ import annotations

import re

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from core.types import Kind
from desktop import theme
from desktop.formatting import camera_text, clock
from desktop.results_model import ItemRole, ResultItem
from desktop.thumbnails import ThumbnailCache

ROW_HEIGHT = 78
TILE = 60
PAD = 10

_Index = QModelIndex | QPersistentModelIndex
_SPACES = re.compile(r"\s+")


def snippet_line(item: ResultItem) -> str:
    """The second line: where a photo is and what it is; the passage of a note; what was said when."""
    r = item.result
    if r.kind is Kind.PHOTO:
        meta = item.meta
        bits = []
        camera = camera_text(meta)
        if camera:
            bits.append(camera)
        if meta.get("width") and meta.get("height"):
            bits.append(f"{meta['width']}×{meta['height']}")
        bits.append(item.place or item.folder)
        return " · ".join(bits)
    text = _SPACES.sub(" ", r.snippet).strip()
    if r.kind is Kind.RECORDING and r.start_s is not None:
        return f"{clock(r.start_s)}  “{text}”"
    return text


class ResultDelegate(QStyledItemDelegate):
    def __init__(self, thumbnails: ThumbnailCache, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.thumbnails = thumbnails

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        return QSize(max(option.rect.width(), 200), ROW_HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        item = index.data(ItemRole)
        if not isinstance(item, ResultItem):
            super().paint(painter, option, index)
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

        left = tile.right() + 1 + 12
        right = rect.right() - PAD
        base = QFont(option.font)
        small = QFont(base)
        small.setPointSizeF(max(7.0, base.pointSizeF() - 1))
        bold = QFont(base)
        bold.setWeight(QFont.Weight.DemiBold)
        bold.setPointSizeF(base.pointSizeF() + 1)

        # Line 1: name ........ [badge] date
        fm_small = QFontMetrics(small)
        date = item.date_text
        date_w = fm_small.horizontalAdvance(date) if date else 0
        label = theme.KIND_LABEL[item.kind]
        badge_w = fm_small.horizontalAdvance(label) + 14
        badge_h = fm_small.height() + 4
        fm_bold = QFontMetrics(bold)
        line1_h = fm_bold.height()
        fm_base = QFontMetrics(base)
        fm_why = fm_small
        total_h = line1_h + 4 + fm_base.height() + 3 + fm_why.height()
        y = rect.top() + (rect.height() - total_h) // 2

        x_end = right
        if date:
            painter.setFont(small)
            painter.setPen(QColor(theme.FAINT))
            painter.drawText(QRect(x_end - date_w, y, date_w, line1_h),
                             int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), date)
            x_end -= date_w + 10
        badge = QRect(x_end - badge_w, y + (line1_h - badge_h) // 2, badge_w, badge_h)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(theme.KIND_TINT[item.kind]))
        painter.drawRoundedRect(QRectF(badge), badge_h / 2, badge_h / 2)
        painter.setPen(QColor(theme.KIND_COLOR[item.kind]))
        painter.setFont(small)
        painter.drawText(badge, int(Qt.AlignmentFlag.AlignCenter), label)
        x_end = badge.left() - 10

        painter.setFont(bold)
        painter.setPen(QColor(theme.TEXT))
        name = fm_bold.elidedText(item.name, Qt.TextElideMode.ElideMiddle, max(0, x_end - left))
        painter.drawText(QRect(left, y, max(0, x_end - left), line1_h),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), name)
        y += line1_h + 4

        # Line 2: the snippet
        painter.setFont(base)
        painter.setPen(QColor(theme.MUTED))
        width = max(0, right - left)
        text = fm_base.elidedText(snippet_line(item), Qt.TextElideMode.ElideRight, width)
        painter.drawText(QRect(left, y, width, fm_base.height()),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), text)
        y += fm_base.height() + 3

        # Line 3: why it matched
        painter.setFont(small)
        painter.setPen(QColor(theme.ACCENT))
        why = fm_why.elidedText(item.result.why, Qt.TextElideMode.ElideRight, width)
        painter.drawText(QRect(left, y, width, fm_why.height()),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), why)
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


def _center_crop(pm: QPixmap, target: QSize) -> QRect:
    """The part of ``pm`` that fills ``target`` without distortion (like CSS object-fit: cover)."""
    ratio = pm.devicePixelRatio()
    w, h = pm.width() / ratio, pm.height() / ratio
    scale = max(target.width() / w, target.height() / h)
    cw, ch = target.width() / scale, target.height() / scale
    return QRect(round((w - cw) / 2 * ratio), round((h - ch) / 2 * ratio), round(cw * ratio), round(ch * ratio))
