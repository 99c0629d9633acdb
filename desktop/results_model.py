"""The result list as a Qt model: one row per ``SearchResult`` plus what the view needs to draw it, and
heading rows: above the files a query with words (or a picture) lists only because they pass its
filters, or above each month of a timeline. A heading cannot be selected, and the keys, Enter and "More
like this" pass over it."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from core.types import Kind, SearchResult
from desktop.formatting import format_day

ItemRole = Qt.ItemDataRole.UserRole + 1
HeadingRole = Qt.ItemDataRole.UserRole + 2

_Index = QModelIndex | QPersistentModelIndex

TEXT_IN_PHOTO = "text in the photo"  # a photo result's ``location`` when the text read in it matched
STRENGTH_STEPS = {"weak": 1, "good": 2, "strong": 3}  # how many of the row's three bars are filled
STRENGTH_WORDS = {"weak": "Weak match", "good": "Good match", "strong": "Strong match"}


@dataclass(frozen=True, slots=True)
class ResultItem:
    result: SearchResult
    thumbnail: str | None = None  # cached thumbnail file (photos); None: draw from the photo itself
    meta: dict[str, Any] = field(default_factory=dict)
    place: str = ""  # the folder as shown: from its library folder down
    timeline: bool = False  # listed by date with nothing searched for: no reason to show, its place instead

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
    def text_in_photo(self) -> bool:
        """A photo found by the text read in it (its passage and snippet are that text)."""
        return self.kind is Kind.PHOTO and self.result.location == TEXT_IN_PHOTO

    @property
    def date_text(self) -> str:
        if self.result.date_ts is None:
            return ""
        return format_day(self.result.date_ts)

    @property
    def why_text(self) -> str:
        """The row's last line: why it is listed, or where it is when the library is browsed."""
        return (self.place or self.folder) if self.timeline else self.result.why

    @property
    def strength_steps(self) -> int:
        """0 (listed only because it passes the filters) to 3 (a strong match)."""
        r = self.result
        return STRENGTH_STEPS.get(r.strength or "", 0) if r.matched else 0

    @property
    def strength_text(self) -> str:
        """"Strong match", "Good match", "Weak match"; "" for a file that does not match."""
        r = self.result
        return STRENGTH_WORDS.get(r.strength or "", "") if r.matched else ""

    @property
    def marked_words(self) -> list[str]:
        """The query's words as the snippet has them (its ``marks``), lower case, each once."""
        r = self.result
        return list(dict.fromkeys(r.snippet[a:b].lower() for a, b in r.marks if 0 <= a < b <= len(r.snippet)))


@dataclass(frozen=True, slots=True)
class GroupHeading:
    """The row above the files listed only because they pass the query's filters."""

    title: str
    detail: str


class ResultsModel(QAbstractListModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[ResultItem | GroupHeading] = []
        self._items: list[ResultItem] = []
        self._rows_by_thumb: dict[str, list[int]] = {}

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if isinstance(self.entry(index.row()) if index.isValid() else None, GroupHeading):
            return Qt.ItemFlag.NoItemFlags  # not enabled: the list's keys and clicks pass over it
        return super().flags(index)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.entry(index.row())
        if isinstance(row, GroupHeading):
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
                return row.title
            if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleDescriptionRole):
                return row.detail
            if role == HeadingRole:
                return row
            return None
        if row is None:
            return None
        strength = row.strength_text
        where = f" ({row.result.location})" if row.result.matched and row.result.location else ""
        if role == Qt.ItemDataRole.DisplayRole:
            return row.name
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{row.path}\n" + (f"{strength}{where}: " if strength else "") + row.why_text
        if role == Qt.ItemDataRole.AccessibleDescriptionRole:
            return f"{row.kind.value}{where}: " + (f"{strength}; " if strength else "") + row.why_text
        if role == ItemRole:
            return row
        return None

    def set_items(self, items: list[ResultItem], heading: GroupHeading | None = None,
                  sections: Sequence[tuple[int, GroupHeading]] = ()) -> None:
        """Show ``items`` (matched ones first, as search returns them); ``heading`` goes above the first
        one that does not match, or last when all match. ``sections`` are more headings, each as (index of
        the item it goes above, heading): a timeline's months."""
        self.beginResetModel()
        self._items = list(items)
        placed = list(sections)
        if heading is not None:
            at = next((i for i, it in enumerate(self._items) if not it.result.matched), len(self._items))
            placed.append((at, heading))
        above: dict[int, list[GroupHeading]] = {}
        for at, h in placed:
            above.setdefault(at, []).append(h)
        self._rows = []
        for i, it in enumerate(self._items):
            self._rows += above.pop(i, [])
            self._rows.append(it)
        for at in sorted(above):  # past the last item
            self._rows += above[at]
        self._rows_by_thumb = {}
        for row, entry in enumerate(self._rows):
            if isinstance(entry, ResultItem) and entry.kind is Kind.PHOTO:
                self._rows_by_thumb.setdefault(entry.thumbnail_source, []).append(row)
        self.endResetModel()

    def clear(self) -> None:
        self.set_items([])

    def entry(self, row: int) -> ResultItem | GroupHeading | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def items(self) -> list[ResultItem]:
        """The results, in order, without the heading."""
        return list(self._items)

    def item(self, row: int) -> ResultItem | None:
        entry = self.entry(row)
        return entry if isinstance(entry, ResultItem) else None

    def heading_row(self) -> int | None:
        return next((i for i, r in enumerate(self._rows) if isinstance(r, GroupHeading)), None)

    def heading_rows(self) -> list[int]:
        return [i for i, r in enumerate(self._rows) if isinstance(r, GroupHeading)]

    def headings(self) -> list[GroupHeading]:
        return [r for r in self._rows if isinstance(r, GroupHeading)]

    def row_of(self, path: str) -> int | None:
        """The row that shows ``path``."""
        return next((i for i, r in enumerate(self._rows) if isinstance(r, ResultItem) and r.path == path), None)

    def first_result_row(self) -> int | None:
        return next((i for i, r in enumerate(self._rows) if isinstance(r, ResultItem)), None)

    def paths(self) -> list[str]:
        return [i.path for i in self._items]

    def refresh_thumbnail(self, source: str) -> None:
        """A thumbnail finished loading: repaint the rows that show it."""
        for row in self._rows_by_thumb.get(source, []):
            idx = self.index(row)
            self.dataChanged.emit(idx, idx, [ItemRole])
