"""Folder and date filters beside the kind filter; each combines with any query (or none: then the newest
files that pass are listed)."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QWidget,
)

from desktop.formatting import home_path

FolderPicker = Callable[[QWidget], str | None]
RangePicker = Callable[[QWidget, date | None, date | None], tuple[date, date] | None]

_CHOOSE = "choose"
_CUSTOM = "custom"


def _pick_folder(parent: QWidget) -> str | None:
    return QFileDialog.getExistingDirectory(parent, "Only search in this folder") or None


class FolderFilter(QComboBox):
    """All folders · each library folder · Choose folder…"""

    changed = Signal()

    def __init__(self, pick_folder: FolderPicker = _pick_folder, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("FolderFilter")
        self.setToolTip("Only search in one folder")
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.pick_folder = pick_folder
        self._roots: list[str] = []
        self._extra: list[str] = []
        self._current: str | None = None
        self._rebuild()
        self.activated.connect(self._activated)

    def folder(self) -> str | None:
        return self._current

    def set_roots(self, roots: list[str]) -> None:
        if roots != self._roots:
            self._roots = list(roots)
            self._rebuild()

    def set_folder(self, folder: str | None) -> None:
        folder = os.path.abspath(folder) if folder else None
        if folder is not None and folder not in self._roots and folder not in self._extra:
            self._extra.append(folder)
        self._current = folder
        self._rebuild()
        self.changed.emit()

    def _rebuild(self) -> None:
        self.blockSignals(True)
        self.clear()
        self.addItem("All folders", None)
        for path in [*self._roots, *self._extra]:
            self.addItem(os.path.basename(path.rstrip(os.sep)) or path, path)
            self.setItemData(self.count() - 1, home_path(path), Qt.ItemDataRole.ToolTipRole)
        self.addItem("Choose folder…", _CHOOSE)
        index = self.findData(self._current) if self._current else 0
        self.setCurrentIndex(max(0, index))
        self.blockSignals(False)

    def _activated(self, index: int) -> None:
        data = self.itemData(index)
        if data == _CHOOSE:
            chosen = self.pick_folder(self)
            if chosen:
                self.set_folder(chosen)
            else:
                self._rebuild()  # back to what was selected
            return
        if data != self._current:
            self._current = data
            self.changed.emit()


class DateRangeDialog(QDialog):
    def __init__(self, after: date | None, before: date | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Date range")
        form = QFormLayout(self)
        today = date.today()
        self.start = QDateEdit(_qdate(after or today - timedelta(days=365)))
        self.end = QDateEdit(_qdate((before - timedelta(days=1)) if before else today))
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
        form.addRow("From", self.start)
        form.addRow("To", self.end)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def chosen(self) -> tuple[date, date]:
        a, b = self.start.date().toPython(), self.end.date().toPython()
        assert isinstance(a, date) and isinstance(b, date)
        return (a, b) if a <= b else (b, a)


def _pick_range(parent: QWidget, after: date | None, before: date | None) -> tuple[date, date] | None:
    dialog = DateRangeDialog(after, before, parent)
    return dialog.chosen() if dialog.exec() == QDialog.DialogCode.Accepted else None


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


class DateFilter(QComboBox):
    """Any time · Past week · Past month · Past year · Custom range…"""

    changed = Signal()

    PRESETS: tuple[tuple[str, int | None], ...] = (
        ("Any time", None), ("Past week", 7), ("Past month", 31), ("Past year", 365))

    def __init__(self, pick_range: RangePicker = _pick_range, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DateFilter")
        self.setToolTip("Only files taken (photos) or changed within a date range")
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.pick_range = pick_range
        for label, days in self.PRESETS:
            self.addItem(label, days)
        self.addItem("Custom range…", _CUSTOM)
        self._range: tuple[date | None, date | None] = (None, None)
        self._index = 0
        self.activated.connect(self._activated)

    def range(self) -> tuple[date | None, date | None]:
        """(after, before): on or after ``after``, strictly before ``before``; None where open."""
        return self._range

    def set_range(self, first: date, last: date) -> None:
        """A custom range, both days included."""
        self._range = (first, last + timedelta(days=1))
        self._index = self.count() - 1
        self.setItemText(self._index, f"{_day(first)} – {_day(last)}")
        self.setCurrentIndex(self._index)
        self.changed.emit()

    def _activated(self, index: int) -> None:
        data = self.itemData(index)
        if data == _CUSTOM:
            chosen = self.pick_range(self, *self._range)
            if chosen is None:
                self.setCurrentIndex(self._index)
                return
            self.set_range(*chosen)
            return
        self.setItemText(self.count() - 1, "Custom range…")
        self._index = index
        days = data if isinstance(data, int) else None
        new = (date.today() - timedelta(days=days), None) if days else (None, None)
        if new != self._range:
            self._range = new
            self.changed.emit()

    def reset(self) -> None:
        self._activated(0)
        self.setCurrentIndex(0)


def _day(d: date) -> str:
    return f"{d.day} {d:%b %Y}"
