"""Browsing: an empty search field lists the library newest first under one heading per month; results can
be ordered by relevance, newest or oldest (matches staying before the files a filter adds); photos can
show as a grid of thumbnails; a photo in the preview opens at full size. Orders are checked by the
files' dates, headings and view modes by the model and the view's geometry, never by pixels."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QListView
from pytestqt.qtbot import QtBot

from core.library import Library
from core.types import Kind, SearchResult
from desktop.app import build_parser
from desktop.main_window import MainWindow
from desktop.ordering import SortOrder, month_sections, sort_items
from desktop.result_delegate import GRID_PAD, GRID_THUMB, GridDelegate, ResultDelegate
from desktop.results_model import GroupHeading, ResultItem, ResultsModel
from desktop.ui_state import UiState
from tests.conftest import make_photo
from tests.desktop.conftest import names, open_window, search

DATES = {  # file dates of the conftest library's notes and recording (photos carry theirs in EXIF)
    "notes/dentist.txt": datetime(2023, 3, 5, 9, 0),
    "notes/sourdough.md": datetime(2021, 7, 20, 12, 0),
    "recordings/reminder.wav": datetime(2024, 11, 2, 8, 30),
}
TIMELINE = ["[November 2024]", "reminder.wav", "[March 2023]", "dentist.txt", "[January 2022]",
            "black-cat-on-sofa.jpg", "[July 2021]", "sourdough.md", "sunset-at-the-beach.jpg",
            "[January 2020]", "big-panorama.jpg"]
BIG = (2400, 1800)


@pytest.fixture
def media(media: Path) -> Path:
    """The desktop library with known dates on every file, and one photo larger than any window."""
    for rel, when in DATES.items():
        ts = when.timestamp()
        os.utime(media / rel, (ts, ts))
    make_photo(media / "photos" / "big" / "big-panorama.jpg", (60, 140, 90), size=BIG,
               taken=datetime(2020, 1, 15, 12, 0), seed=3)
    return media


def rows(model: ResultsModel) -> list[str]:
    out = []
    for row in range(model.rowCount()):
        entry = model.entry(row)
        out.append(f"[{entry.title}]" if isinstance(entry, GroupHeading) else Path(str(entry and entry.path)).name)
    return out


def browse(qtbot: QtBot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.results_shown, timeout=10000):
        assert window.browse()


def result(name: str, year: int | None, matched: bool = True) -> ResultItem:
    ts = datetime(year, 6, 1).timestamp() if year is not None else None
    return ResultItem(SearchResult(f"/lib/{name}", Kind.NOTE, 1.0 if matched else 0.0, "", "", date_ts=ts,
                                   matched=matched, strength="good" if matched else None))


# -- the model and the ordering, alone ----------------------------------------------------------------------
def test_the_model_takes_several_headings_and_keeps_the_single_one() -> None:
    model = ResultsModel()
    items = [result("a", 2024), result("b", 2024), result("c", 2023, matched=False)]
    model.set_items(items, GroupHeading("Also in this filter", ""), [(0, GroupHeading("2024", "")),
                                                                     (2, GroupHeading("2023", ""))])
    assert rows(model) == ["[2024]", "a", "b", "[2023]", "[Also in this filter]", "c"]
    assert model.heading_rows() == [0, 3, 4] and model.first_result_row() == 1
    assert all(model.flags(model.index(r)) == Qt.ItemFlag.NoItemFlags for r in model.heading_rows())
    assert [model.item(r) for r in (1, 2, 5)] == items and model.items() == items
    model.set_items(items, GroupHeading("Also", ""))  # as before: one heading above the first non-match
    assert rows(model) == ["a", "b", "[Also]", "c"] and model.heading_row() == 2


def test_sorting_keeps_matches_first_and_orders_each_part_by_date() -> None:
    items = [result("m2021", 2021), result("m2024", 2024), result("mnodate", None),
             result("r2020", 2020, matched=False), result("r2023", 2023, matched=False)]
    by = [it.name for it in sort_items(items, SortOrder.NEWEST)]
    assert by == ["m2024", "m2021", "mnodate", "r2023", "r2020"]
    by = [it.name for it in sort_items(items, SortOrder.OLDEST)]
    assert by == ["m2021", "m2024", "mnodate", "r2020", "r2023"]
    assert sort_items(items, SortOrder.RELEVANCE) == items


def test_month_sections_head_each_run_of_a_month() -> None:
    items = [result("a", 2024), result("b", 2024), result("c", 2022), result("d", None)]
    sections = month_sections(items)
    assert [(at, h.title, h.detail) for at, h in sections] == [
        (0, "June 2024", "2 files"), (2, "June 2022", "1 file"), (3, "No date", "1 file")]


# -- browsing -------------------------------------------------------------------------------------------------
def test_an_empty_search_field_shows_the_library_as_a_timeline(qtbot: QtBot, window: MainWindow) -> None:
    assert window.current_query().text is None  # an empty bar is a query now: the whole library
    browse(qtbot, window)
    assert rows(window.model) == TIMELINE
    stamps = [it.result.date_ts or 0.0 for it in window.model.items()]
    assert stamps == sorted(stamps, reverse=True)
    assert window.results_stack.currentWidget() is window.results_view
    assert window.query_bar.count.text() == "6 files, newest first"
    assert window.results_view.currentIndex().row() == 1  # the newest file, not its month's heading
    assert window.preview.item is not None and window.preview.item.name == "reminder.wav"
    item = window.model.item(1)
    assert item is not None and item.why_text == "library/recordings"  # where it is, not "passes the filters"


def test_escape_after_a_search_goes_back_to_the_timeline(qtbot: QtBot, window: MainWindow) -> None:
    assert search(qtbot, window, "banneton") == ["sourdough.md"]
    with qtbot.waitSignal(window.results_shown, timeout=10000):
        qtbot.keyClick(window.query_bar.field, Qt.Key.Key_Escape)
    assert rows(window.model) == TIMELINE
    window.query_bar.field.setText("banneton")  # a search has no month headings
    with qtbot.waitSignal(window.results_shown, timeout=10000):
        window.query_bar.search_now()
    assert window.model.heading_rows() == [] and names(window) == ["sourdough.md"]


def test_keys_pass_over_month_headings(qtbot: QtBot, window: MainWindow) -> None:
    browse(qtbot, window)
    window.activateWindow()
    window.results_view.setFocus()
    qtbot.waitUntil(window.results_view.hasFocus, timeout=3000)
    seen = []
    for _ in range(5):
        qtbot.keyClick(window.results_view, Qt.Key.Key_Down)
        item = window.model.item(window.results_view.currentIndex().row())
        assert item is not None  # never a heading
        seen.append(item.name)
    assert seen == ["dentist.txt", "black-cat-on-sofa.jpg", "sourdough.md", "sunset-at-the-beach.jpg",
                    "big-panorama.jpg"]


def test_the_welcome_page_does_not_browse(qtbot: QtBot, tmp_path: Path) -> None:
    empty = Library.open(tmp_path / "empty-data")
    w = MainWindow(empty, auto_index=False, watch=False)
    qtbot.addWidget(w)
    try:
        assert w.pages.currentWidget() is w.welcome
        assert not w.browse() and w.search.latest == 0
    finally:
        w.shutdown()
        empty.close()


# -- sorting --------------------------------------------------------------------------------------------------
def test_sort_orders_the_results_by_date_and_is_remembered(qtbot: QtBot, window: MainWindow, lib: Library) -> None:
    assert set(search(qtbot, window, "dentist")) == {"dentist.txt", "reminder.wav"}
    window.query_bar.sort.set_order(SortOrder.NEWEST)  # re-ordered at once: no new search
    assert names(window) == ["reminder.wav", "dentist.txt"]
    window.query_bar.sort.set_order(SortOrder.OLDEST)
    assert names(window) == ["dentist.txt", "reminder.wav"]
    assert UiState(lib.data_dir).sort_order() == "oldest"
    browse_window = open_window(qtbot, lib)
    try:
        assert browse_window.query_bar.sort.order() is SortOrder.OLDEST
        browse(qtbot, browse_window)
        assert rows(browse_window.model)[:4] == ["[January 2020]", "big-panorama.jpg", "[July 2021]",
                                                 "sunset-at-the-beach.jpg"]
        assert browse_window.query_bar.count.text() == "6 files, oldest first"
    finally:
        browse_window.shutdown()


def test_sorting_a_filtered_search_keeps_the_matches_first(qtbot: QtBot, window: MainWindow) -> None:
    window.query_bar.sort.set_order(SortOrder.OLDEST)
    search(qtbot, window, "dentist")
    with qtbot.waitSignal(window.results_shown, timeout=10000):
        window.query_bar.kinds.set_kind(Kind.PHOTO)  # no photo matches: the three are listed, by date
    assert names(window) == ["big-panorama.jpg", "sunset-at-the-beach.jpg", "black-cat-on-sofa.jpg"]
    assert rows(window.model)[0] == "[No match for “dentist”]"
    with qtbot.waitSignal(window.results_shown, timeout=10000):
        window.query_bar.kinds.set_kind(None)
    matched = [it.result.matched for it in window.model.items()]
    assert matched == sorted(matched, reverse=True)  # every match above every other file


# -- the photo grid -------------------------------------------------------------------------------------------
def test_photos_as_a_grid_with_headings_across_it(qtbot: QtBot, window: MainWindow, lib: Library) -> None:
    browse(qtbot, window)
    view = window.results_view
    assert view.viewMode() is QListView.ViewMode.ListMode and isinstance(view.itemDelegate(), ResultDelegate)
    window.grid_action.trigger()  # View > Photos as a grid (Ctrl+G)
    assert window.is_grid_view() and view.viewMode() is QListView.ViewMode.IconMode
    assert isinstance(view.itemDelegate(), GridDelegate)
    assert window.query_bar.view_switch.is_grid() and window.grid_action.isChecked()
    assert UiState(lib.data_dir).grid_view()
    qtbot.waitUntil(lambda: view.visualRect(window.model.index(0)).width() > 0, timeout=3000)
    width = view.viewport().width()
    july = rows(window.model).index("[July 2021]")
    heading, first, second = (view.visualRect(window.model.index(r)) for r in (july, july + 1, july + 2))
    assert heading.width() >= width - 2 * view.spacing() - 1  # a heading spans the grid's width
    assert first.top() > heading.bottom() and second.top() == first.top()  # its month's tiles on one line under it
    assert second.left() > first.right()
    assert first.width() == GRID_THUMB + 2 * GRID_PAD
    assert first.height() > GRID_THUMB  # the square and the name under it
    assert view.horizontalScrollBar().maximum() == 0 or not view.horizontalScrollBar().isVisible()
    qtbot.mouseClick(window.query_bar.view_switch.list_button, Qt.MouseButton.LeftButton)
    assert not window.is_grid_view() and not window.grid_action.isChecked()
    assert not UiState(lib.data_dir).grid_view()


def test_the_grid_is_remembered_and_an_argument_wins_without_saving(qtbot: QtBot, window: MainWindow,
                                                                   lib: Library) -> None:
    window.set_grid_view(True)
    again = open_window(qtbot, lib)
    try:
        assert again.is_grid_view() and again.query_bar.view_switch.is_grid()
        again.set_grid_view(False, remember=False)  # trove-desktop --view list
        assert not again.is_grid_view() and UiState(lib.data_dir).grid_view()
    finally:
        again.shutdown()
    assert build_parser().parse_args(["--view", "grid"]).view == "grid"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--view", "mosaic"])


# -- zoom -----------------------------------------------------------------------------------------------------
@pytest.fixture
def zoomed(qtbot: QtBot, window: MainWindow) -> Iterator[MainWindow]:
    browse(qtbot, window)
    row = window.model.row_of(next(p for p in window.model.paths() if p.endswith("big-panorama.jpg")))
    assert row is not None
    window.results_view.setCurrentIndex(window.model.index(row))
    assert window.preview.zoom_button.isVisibleTo(window.preview)
    yield window
    if window.preview.zoom_dialog is not None:
        window.preview.zoom_dialog.close()


def test_a_photo_opens_at_full_size_fitted_then_at_100_percent(qtbot: QtBot, zoomed: MainWindow) -> None:
    dialog = zoomed.preview.zoom()
    assert dialog is not None
    with qtbot.waitSignal(dialog.full_loaded, timeout=10000):
        pass
    view = dialog.view
    assert view.fitting and view.scale < 1.0  # 2400x1800 in a 1000x720 window: the whole photo shows
    assert view.canvas.width() <= view.viewport().width() and view.canvas.height() <= view.viewport().height()
    qtbot.mouseClick(dialog.actual_button, Qt.MouseButton.LeftButton)
    assert view.scale == 1.0 and (view.canvas.width(), view.canvas.height()) == BIG
    assert view.horizontalScrollBar().maximum() > 0 and dialog.actual_button.isChecked()
    qtbot.mouseClick(dialog.fit_button, Qt.MouseButton.LeftButton)
    assert view.fitting and view.scale < 1.0 and dialog.fit_button.isChecked()


def test_ctrl_wheel_zooms_and_a_double_click_opens(qtbot: QtBot, zoomed: MainWindow) -> None:
    canvas = zoomed.preview.photo.canvas
    qtbot.waitUntil(lambda: not zoomed.preview.loading, timeout=10000)
    qtbot.mouseDClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(canvas.width() // 2, 20))
    dialog = zoomed.preview.zoom_dialog
    assert dialog is not None and dialog.isVisible()
    with qtbot.waitSignal(dialog.full_loaded, timeout=10000):
        pass
    view = dialog.view
    before = view.scale
    centre = QPointF(view.viewport().width() / 2, view.viewport().height() / 2)
    wheel = QWheelEvent(centre, view.viewport().mapToGlobal(centre), QPoint(0, 0), QPoint(0, 120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.ControlModifier, Qt.ScrollPhase.NoScrollPhase,
                        False)
    view.wheelEvent(wheel)
    assert view.scale == pytest.approx(before * 1.25) and not view.fitting
    assert dialog.zoom_label.text() == f"{view.scale:.0%}"


def test_no_zoom_for_notes(qtbot: QtBot, window: MainWindow) -> None:
    search(qtbot, window, "banneton")
    assert window.preview.item is not None and window.preview.item.kind is Kind.NOTE
    assert not window.preview.zoom_button.isVisibleTo(window.preview)
    assert window.preview.zoom() is None
