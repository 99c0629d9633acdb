"""The custom date range: typed dates apply exactly as typed (QDateEdit kept the old day: "1 Jan 2022" over
"29 Mar 2021" became 29 Jan 2022), a calendar can pick them, and a range that cannot be used says why and
cannot be applied."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QDialogButtonBox, QWidget
from pytestqt.qtbot import QtBot

from desktop.filters import DateFilter, DateRangeDialog, parse_date


def type_over(qtbot: QtBot, field: QWidget, text: str) -> None:
    """Select what the field holds and type ``text`` over it, key by key, as a person does."""
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(field, text)


def ok_button(dialog: DateRangeDialog) -> QWidget:
    return dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)


@pytest.fixture
def dialog(qtbot: QtBot) -> DateRangeDialog:
    # The days of the old dates (29, 30) are not those typed: a kept old day shows.
    d = DateRangeDialog(date(2021, 3, 29), date(2021, 12, 30))
    qtbot.addWidget(d)
    d.show()
    return d


def test_typed_dates_apply_exactly(qtbot: QtBot, dialog: DateRangeDialog) -> None:
    type_over(qtbot, dialog.start, "1 Jan 2022")
    type_over(qtbot, dialog.end, "31 Dec 2023")
    assert dialog.chosen() == (date(2022, 1, 1), date(2023, 12, 31))
    assert ok_button(dialog).isEnabled()


def test_typed_range_reaches_the_filter(qtbot: QtBot) -> None:
    def pick(parent: QWidget, after: date | None, before: date | None) -> tuple[date, date] | None:
        d = DateRangeDialog(date(2021, 3, 29), date(2021, 12, 30), parent)
        type_over(qtbot, d.start, "1 Jan 2022")
        type_over(qtbot, d.end, "31 Dec 2023")
        return d.chosen()

    dates = DateFilter(pick_range=pick)
    qtbot.addWidget(dates)
    with qtbot.waitSignal(dates.changed):
        dates.activated.emit(dates.count() - 1)  # "Custom range…"
    assert dates.range() == (date(2022, 1, 1), date(2024, 1, 1))  # before: the day after the last one
    assert dates.currentText() == "1 Jan 2022 – 31 Dec 2023"


def test_end_before_start_says_so_and_cannot_be_applied(qtbot: QtBot, dialog: DateRangeDialog) -> None:
    type_over(qtbot, dialog.start, "1 Jan 2023")
    type_over(qtbot, dialog.end, "31 Dec 2022")
    assert not ok_button(dialog).isEnabled()
    assert dialog.message.isVisible() and "before it starts" in dialog.message.text()
    assert "31 Dec 2022" in dialog.message.text() and "1 Jan 2023" in dialog.message.text()
    dialog.accept()  # Enter, say: nothing is applied
    assert dialog.isVisible() and dialog.result() != DateRangeDialog.DialogCode.Accepted
    type_over(qtbot, dialog.end, "31 Dec 2023")
    assert ok_button(dialog).isEnabled() and not dialog.message.isVisible()


def test_what_is_not_a_date_says_so_once_the_field_is_left(qtbot: QtBot, dialog: DateRangeDialog) -> None:
    type_over(qtbot, dialog.start, "32 Jan 2022")
    assert not ok_button(dialog).isEnabled()
    dialog.end.setFocus()  # leaving the field: now it is called wrong
    dialog.start.editingFinished.emit()
    assert dialog.message.isVisible() and "“32 Jan 2022” is not a date" in dialog.message.text()
    type_over(qtbot, dialog.start, "2021-01-31")
    dialog.start.editingFinished.emit()
    assert dialog.start.text() == "31 Jan 2021"  # written out the one way once typed
    assert ok_button(dialog).isEnabled() and not dialog.message.isVisible()


def test_a_date_can_be_picked_from_the_calendar(qtbot: QtBot, dialog: DateRangeDialog) -> None:
    dialog.start.calendar_action.trigger()
    assert dialog.start.calendar.isVisible()
    assert dialog.start.calendar.selectedDate() == QDate(2021, 3, 29)  # opens at the field's date
    dialog.start.calendar.clicked.emit(QDate(2022, 5, 17))
    assert not dialog.start.calendar.isVisible()
    assert dialog.start.text() == "17 May 2022" and dialog.start.value() == date(2022, 5, 17)


@pytest.mark.parametrize(("text", "period_end", "expected"), [
    ("1 Jan 2022", False, date(2022, 1, 1)),
    ("31 Dec 2023", True, date(2023, 12, 31)),
    ("January 5, 2022", False, date(2022, 1, 5)),
    ("5th March 2021", False, date(2021, 3, 5)),
    ("Sept 9 2021", False, date(2021, 9, 9)),
    ("2022-02-28", False, date(2022, 2, 28)),
    ("2/3/2022", False, date(2022, 3, 2)),  # day first (the parse's day_first below)
    ("13/2/2022", False, date(2022, 2, 13)),  # a part over 12 is the day whatever the order
    ("31.12.23", False, date(2023, 12, 31)),
    ("Feb 2024", False, date(2024, 2, 1)),
    ("Feb 2024", True, date(2024, 2, 29)),  # "to February": its last day
    ("2021", True, date(2021, 12, 31)),
    ("29 Feb 2023", False, None),
    ("32 Jan 2022", False, None),
    ("1 J", False, None),
    ("", False, None),
    ("soon", False, None),
])
def test_parse_date(text: str, period_end: bool, expected: date | None) -> None:
    assert parse_date(text, period_end, day_first=True) == expected


def test_month_first_numeric_dates() -> None:
    assert parse_date("2/3/2022", day_first=False) == date(2022, 2, 3)
