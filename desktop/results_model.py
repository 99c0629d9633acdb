"""The result list as a Qt model: one row per ``SearchResult`` plus what the view needs to draw it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from core.types import Kind, SearchResult
from desktop.formatting import format_day

ItemRole = Qt.ItemDataRole.UserRole + 1

_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True, slots=True)
class ResultItem:
    result: SearchResult
    thumbnail: str | None = None  # cached thumbnail file (photos); None: draw from the photo itself
    meta: dict[str, Any] = field(default_factory=dict)
    place: str = ""  # the folder as shown: from its library folder down

    @property
    def path(self) -> str:
        return self.result.path

    @property
    def kind(self) -> Kind:
        return self.result.kind

    @property
    def name(self) -> str:
        return os.path.basename(self.result.path)

    @property
    def folder(self) -> str:
        return os.path.dirname(self.result.path)

    @property
    def thumbnail_source(self) -> str:
        """What the thumbnail loader reads: the cached thumbnail, else the photo itself."""
        return self.thumbnail or self.result.path

    @property
    def date_text(self) -> str:
        if self.result.date_ts is None:
            return ""
        return format_day(self.result.date_ts)


class ResultsModel(QAbstractListModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._items: list[ResultItem] = []
        self._rows_by_thumb: dict[str, list[int]] = {}

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return item.name
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{item.path}\n{item.result.why}"
        if role == Qt.ItemDataRole.AccessibleDescriptionRole:
            return f"{item.kind.value}: {item.result.why}"
        if role == ItemRole:
            return item
        return None

    def set_items(self, items: list[ResultItem]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self._rows_by_thumb = {}
        for row, item in enumerate(self._items):
            if item.kind is Kind.PHOTO:
                self._rows_by_thumb.setdefault(item.thumbnail_source, []).append(row)
        self.endResetModel()

    def clear(self) -> None:
        self.set_items([])

    def items(self) -> list[ResultItem]:
        return list(self._items)

    def item(self, row: int) -> ResultItem | None:
        return self._items[row] if 0 <= row < len(self._items) else None

    def paths(self) -> list[str]:
        return [i.path for i in self._items]

    def refresh_thumbnail(self, source: str) -> None:
        """A thumbnail finished loading: repaint the rows that show it."""
        for row in self._rows_by_thumb.get(source, []):
            idx = self.index(row)
            self.dataChanged.emit(idx, idx, [ItemRole])
