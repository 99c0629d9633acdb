"""Text read in a photo (OCR): its lines with their boxes from the photo's metadata, which of them hold the
query's words, and the outlines drawn around those over the photo (in the preview and the zoomed view)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from desktop import theme

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 as fractions (0..1) of the upright photo


def box_rects(boxes: Sequence[Box], target: QRectF, pad: float = 2.0) -> list[QRectF]:
    """``boxes`` (fractions of the photo) drawn over the photo at ``target``, a little larger than the
    text they surround and never outside the photo."""
    if target.isEmpty():
        return []
    out = []
    for x0, y0, x1, y1 in boxes:
        rect = QRectF(target.left() + x0 * target.width(), target.top() + y0 * target.height(),
                      (x1 - x0) * target.width(), (y1 - y0) * target.height())
        out.append(rect.adjusted(-pad, -pad, pad, pad).intersected(target))
    return out


def paint_boxes(painter: QPainter, rects: Sequence[QRectF]) -> None:
    """An outline (dark, then the highlight colour inside it: it shows on light and dark photos alike)
    and a faint fill over each rectangle."""
    if not rects:
        return
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    fill = QColor(theme.TEXT_BOX)
    fill.setAlpha(50)
    for rect in rects:
        painter.setBrush(fill)
        painter.setPen(QPen(QColor(0, 0, 0, 140), 3.5))
        painter.drawRoundedRect(rect, 3, 3)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(QColor(theme.TEXT_BOX), 2))
        painter.drawRoundedRect(rect, 3, 3)
    painter.restore()


def text_lines(meta: dict[str, Any]) -> list[tuple[Box, str]]:
    """The lines of text read in a photo (its ``text_lines``: ``[[x0, y0, x1, y1, text], ...]``), boxes as
    fractions of the upright photo; malformed entries are skipped."""
    out = []
    lines = meta.get("text_lines")
    for line in lines if isinstance(lines, list) else []:
        try:
            x0, y0, x1, y1, text = line
            box = (min(max(float(x0), 0.0), 1.0), min(max(float(y0), 0.0), 1.0),
                   min(max(float(x1), 0.0), 1.0), min(max(float(y1), 0.0), 1.0))
        except (TypeError, ValueError):
            continue
        if isinstance(text, str) and text.strip() and box[0] < box[2] and box[1] < box[3]:
            out.append((box, text.strip()))
    return out


def matching_boxes(lines: Sequence[tuple[Box, str]], words: re.Pattern[str] | None) -> list[Box]:
    """The boxes of the lines that hold one of the query's ``words`` (case-insensitive, whole words)."""
    if words is None:
        return []
    return [box for box, text in lines if words.search(text)]
