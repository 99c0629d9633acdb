"""Folder and date filters beside the kind filter; each combines with any query (or none: then the newest
files that pass are listed)."""

from __future__ import annotations

import calendar
import os
import re
from collections.abc import Callable
from datetime import date, timedelta
from functools import cache

from PySide6.QtCore import QDate, QLocale, QModelIndex, QPersistentModelIndex, QPoint, QSize, Qt, Signal
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QApplication,
    QCalendarWidget,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionComboBox,
    QStyleOptionViewItem,
    QStylePainter,
    QWidget,
)

from core.types import is_inside
from desktop import theme
from desktop.formatting import home_path

FolderPicker = Callable[[QWidget], str | None]
RangePicker = Callable[[QWidget, date | None, date | None], tuple[date, date] | None]

NARROW_COMBO_PX = 72
_CHOOSE = "choose"
_CUSTOM = "custom"


def _pick_folder(parent: QWidget) -> str | None:
    return QFileDialog.getExistingDirectory(parent, "Only search in this folder") or None


DEPTH_ROLE = Qt.ItemDataRole.UserRole + 1  # how far below its library folder a folder lies (0: the library folder)
INDENT_PX = 14


def folder_tree(roots: list[str], folders: list[str]) -> list[tuple[str, int]]:
    """(folder, depth) in the order a tree lists them: each library folder, then the folders below it that
    hold indexed files and the folders between, depth first, names in alphabetical order. A library folder
    inside another is listed as its own root."""
    out: list[tuple[str, int]] = []
    roots = sorted(set(roots))
    for root in roots:
        inner = [r for r in roots if r != root and is_inside(r, root)]
        below: set[str] = set()
        for folder in folders:
            if folder == root or not is_inside(folder, root) or any(is_inside(folder, r) for r in inner):
                continue
            while folder != root and folder not in below:  # the folder and those between it and the root
                below.add(folder)
                folder = os.path.dirname(folder)
        out.append((root, 0))
        parts = {f: os.path.relpath(f, root).split(os.sep) for f in below}
        for folder in sorted(below, key=lambda f: [p.casefold() for p in parts[f]]):
            out.append((folder, len(parts[folder])))
    return out


class _IndentDelegate(QStyledItemDelegate):
    """Draws a folder indented by its depth (``DEPTH_ROLE``), so the list reads as a tree while each item's
    text stays the folder's name (which the closed box shows)."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        depth = int(index.data(DEPTH_ROLE) or 0)
        if not depth:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        row = QStyleOptionViewItem(opt)
        row.showDecorationSelected = True  # the selection spans the whole row, indent included
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, row, painter, widget)
        opt.rect = opt.rect.adjusted(depth * INDENT_PX, 0, 0, 0)
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        return size + QSize(int(index.data(DEPTH_ROLE) or 0) * INDENT_PX, 0)


class FolderFilter(QComboBox):
    """All folders · each library folder with the folders below it, as an indented tree · Choose folder…

    The library folders come from ``set_roots``; the folders below them from ``set_folders`` (the owner
    reads ``Library.folders()`` off the GUI thread and hands them in: this widget never reads the catalog).
    """

    changed = Signal()

    def __init__(self, pick_folder: FolderPicker = _pick_folder, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("FolderFilter")
        self.setToolTip("Only search in one folder")
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)  # capped in sizeHint
        self.setMinimumWidth(NARROW_COMBO_PX)  # a narrow window shrinks it (text cut) before the kind tabs
        self.setMaxVisibleItems(20)
        self.setItemDelegate(_IndentDelegate(self))
        self.pick_folder = pick_folder
        self._roots: list[str] = []
        self._folders: list[str] = []
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

    def set_folders(self, folders: list[str]) -> None:
        """The folders that hold indexed files (``Library.folders()``); listed under their library folder."""
        if folders != self._folders:
            self._folders = list(folders)
            self._rebuild()

    def set_folder(self, folder: str | None) -> None:
        folder = os.path.abspath(folder) if folder else None
        if folder is not None and folder not in self._listed() and folder not in self._extra:
            self._extra.append(folder)
        self._current = folder
        self._rebuild()
        self.changed.emit()

    def _listed(self) -> set[str]:
        return {path for path, _depth in folder_tree(self._roots, self._folders)}

    def _rebuild(self) -> None:
        self.blockSignals(True)
        self.clear()
        self.addItem("All folders", None)
        tree = folder_tree(self._roots, self._folders)
        listed = {path for path, _depth in tree}
        self._extra = [p for p in self._extra if p not in listed]
        widest = 0
        fm = self.view().fontMetrics()
        for path, depth in [*tree, *((p, 0) for p in self._extra)]:
            name = os.path.basename(path.rstrip(os.sep)) or path
            self.addItem(name, path)
            row = self.count() - 1
            self.setItemData(row, home_path(path), Qt.ItemDataRole.ToolTipRole)
            self.setItemData(row, depth, DEPTH_ROLE)
            widest = max(widest, depth * INDENT_PX + fm.horizontalAdvance(name))
        self.addItem("Choose folder…", _CHOOSE)
        self.view().setMinimumWidth(min(widest + 4 * fm.averageCharWidth(), 40 * fm.averageCharWidth()))
        index = self.findData(self._current) if self._current else 0
        self.setCurrentIndex(max(0, index))
        self._update_tip()
        self.blockSignals(False)

    def _update_tip(self) -> None:
        self.setToolTip(f"Only searching in {home_path(self._current)}" if self._current else
                        "Only search in one folder")

    def sizeHint(self) -> QSize:
        """Wide enough for its items, up to about 16 characters: a long folder name does not widen the bar
        (the list opens wider, and the box shows the name cut with "…")."""
        hint = super().sizeHint()
        return QSize(min(hint.width(), self._widest()), hint.height())

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), self._widest()), hint.height())

    def _widest(self) -> int:
        return self.fontMetrics().horizontalAdvance("Choose folder…") + 6 * self.fontMetrics().averageCharWidth()

    def paintEvent(self, event: QPaintEvent) -> None:
        """As QComboBox draws itself, with a name too long for the box cut with "…" (Qt clips it)."""
        painter = QStylePainter(self)
        opt = QStyleOptionComboBox()
        self.initStyleOption(opt)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, opt)
        field = self.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, opt,
                                            QStyle.SubControl.SC_ComboBoxEditField, self)
        opt.currentText = self.fontMetrics().elidedText(opt.currentText, Qt.TextElideMode.ElideRight, field.width())
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, opt)

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
            self._update_tip()
            self.changed.emit()


_ENGLISH_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
                   "october", "november", "december")


@cache
def _month_names() -> dict[str, int]:
    """Lower-case month name or abbreviation -> 1..12: English and the system language's (Qt's and the C
    library's, which ``_day`` writes with)."""
    names: dict[str, int] = {}
    locale = QLocale()
    for m in range(1, 13):
        found = [_ENGLISH_MONTHS[m - 1], _ENGLISH_MONTHS[m - 1][:3], calendar.month_name[m], calendar.month_abbr[m],
                 "sept" if m == 9 else ""]
        for fmt in (QLocale.FormatType.LongFormat, QLocale.FormatType.ShortFormat):
            found += [locale.monthName(m, fmt), locale.standaloneMonthName(m, fmt)]
        for name in found:
            key = name.strip().rstrip(".").lower()
            if key:
                names.setdefault(key, m)
    return names


def _day_first() -> bool:
    """Whether the system writes numeric dates day first (1/2/2022 is 1 February) or month first."""
    fmt = QLocale().dateFormat(QLocale.FormatType.ShortFormat)
    return not fmt.lstrip().lower().startswith("m")


def parse_date(text: str, period_end: bool = False, day_first: bool | None = None) -> date | None:
    """The date ``text`` means, as a person types it: "1 Jan 2022", "January 1, 2022", "2022-01-01",
    "1/1/2022" (day or month first as the system writes dates, unless a part is over 12), or a month or a
    year alone ("Jan 2022", "2022"), which means its first day, or with ``period_end`` its last. None if it
    is no date."""
    tokens = [t for t in re.split(r"[\s,/.\-]+", text.strip().lower()) if t]
    if not tokens or len(tokens) > 3:
        return None
    months = _month_names()
    month: int | None = None
    numbers: list[str] = []
    for t in tokens:
        t = re.sub(r"(?<=\d)(st|nd|rd|th)$", "", t)  # "1st"
        if t.isdigit():
            numbers.append(t)
        elif t in months and month is None:
            month = months[t]
        else:
            return None
    day: int | None = None
    if month is not None:  # a month by name: the number with 3-4 digits (or the last) is the year
        if len(numbers) == 2:
            y = 0 if len(numbers[0]) >= 3 else 1
            year, day = int(numbers[y]), int(numbers[1 - y])
        elif len(numbers) == 1:
            year = int(numbers[0])
        else:
            return None
    elif len(numbers) == 3:
        if len(numbers[0]) >= 3:  # 2022-01-31
            year, month, day = int(numbers[0]), int(numbers[1]), int(numbers[2])
        else:
            a, b, year = int(numbers[0]), int(numbers[1]), int(numbers[2])
            first = _day_first() if day_first is None else day_first
            if a > 12 >= b:
                first = True
            elif b > 12 >= a:
                first = False
            day, month = (a, b) if first else (b, a)
    elif len(numbers) == 1 and len(numbers[0]) == 4:
        year, month = int(numbers[0]), 12 if period_end else 1
    else:
        return None
    if year < 100:  # "22"
        year += 2000 if year <= date.today().year % 100 + 1 else 1900
    if day is None:
        day = calendar.monthrange(year, month)[1] if period_end and 1 <= month <= 12 and year >= 1 else 1
    try:
        return date(year, month, day)
    except ValueError:  # 31 Feb, month 13, year 0
        return None


class DateField(QLineEdit):
    """A date typed as the person writes it (see ``parse_date``) or picked from a calendar (the icon at the
    right); ``value()`` is None while the text is not a date. Unlike QDateEdit, what is typed is what counts: QDateEdit edits one section at a time and kept
    the old day when "1 Jan 2022" was typed over "29 Mar 2021"."""

    date_changed = Signal()

    def __init__(self, value: date, period_end: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.period_end = period_end
        self.setPlaceholderText("e.g. 1 Jan 2022")
        self.setToolTip("Type a date (1 Jan 2022, 2022-01-31, Jan 2022) or pick one from the calendar")
        self.calendar_action = self.addAction(theme.icon("calendar", theme.MUTED, 16),
                                              QLineEdit.ActionPosition.TrailingPosition)
        self.calendar_action.setToolTip("Pick from a calendar")
        self.calendar_action.triggered.connect(self.show_calendar)
        self.calendar = QCalendarWidget(self)
        self.calendar.setWindowFlags(Qt.WindowType.Popup)
        self.calendar.setGridVisible(False)
        self.calendar.setVerticalHeaderFormat(QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader)
        self.calendar.clicked.connect(self._picked)
        self.calendar.activated.connect(self._picked)
        self.set_date(value)
        self.textChanged.connect(lambda _t: self.date_changed.emit())
        self.editingFinished.connect(self._tidy)

    def value(self) -> date | None:
        """The date typed or picked; None while the text is not a date."""
        return parse_date(self.text(), self.period_end)

    def set_date(self, value: date) -> None:
        self.setText(_day(value))

    def show_calendar(self) -> None:
        shown = self.value() or date.today()
        self.calendar.setSelectedDate(_qdate(shown))
        self.calendar.move(self.mapToGlobal(QPoint(0, self.height())))
        self.calendar.show()
        self.calendar.setFocus()

    def _picked(self, value: QDate) -> None:
        picked = value.toPython()
        assert isinstance(picked, date)
        self.calendar.hide()
        self.set_date(picked)
        self.setFocus()

    def _tidy(self) -> None:
        """Once typed: written out the one way, so "1/2/2022" shows which of 1 Feb or 2 Jan it was taken as."""
        value = self.value()
        if value is not None and self.text() != _day(value):
            self.set_date(value)


class DateRangeDialog(QDialog):
    """From and To, both days included. OK is off, and a line says why, while a date is not one or the
    range ends before it starts."""

    def __init__(self, after: date | None, before: date | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Date range")
        form = QFormLayout(self)
        today = date.today()
        self.start = DateField(after or today - timedelta(days=365))
        self.end = DateField((before - timedelta(days=1)) if before else today, period_end=True)
        form.addRow("From", self.start)
        form.addRow("To", self.end)
        self.message = QLabel()
        self.message.setObjectName("FieldError")
        self.message.setWordWrap(True)
        self.message.hide()
        form.addRow(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.start.date_changed.connect(self._validate)
        self.end.date_changed.connect(self._validate)
        self.start.editingFinished.connect(self._validate)
        self.end.editingFinished.connect(self._validate)
        # Wide enough for a message on one or two lines; the dialog grows to show it (and shrinks back).
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 48)
        form.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)
        self._validate()

    @property
    def ok_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def problem(self) -> str | None:
        """Why the range cannot be used now, in words; None when it can."""
        return self._problem()[0]

    def _problem(self) -> tuple[str | None, DateField | None]:
        """(why, the field that is not a date, if that is why)."""
        for label, field in (("From", self.start), ("To", self.end)):
            if field.value() is None:
                typed = field.text().strip()
                return (f"{label}: “{typed}” is not a date. Type it like 1 Jan 2022 or 2022-01-31." if typed
                        else f"{label}: type a date, e.g. 1 Jan 2022."), field
        first, last = self.start.value(), self.end.value()
        if first is not None and last is not None and last < first:
            return f"The range ends ({_day(last)}) before it starts ({_day(first)}).", None
        return None, None

    def _validate(self) -> None:
        problem, field = self._problem()
        self.ok_button.setEnabled(problem is None)
        typing = field is not None and field.hasFocus()  # "1 J" is not called wrong until the field is left
        self.message.setText(problem or "")
        self.message.setVisible(problem is not None and not typing)

    def accept(self) -> None:
        self._validate()
        if self.problem() is None:
            super().accept()

    def chosen(self) -> tuple[date, date]:
        a, b = self.start.value(), self.end.value()
        if a is None or b is None:
            raise ValueError(self.problem())
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
        self.setMinimumWidth(NARROW_COMBO_PX)  # a narrow window shrinks it (text cut) before the kind tabs
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
