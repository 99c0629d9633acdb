"""Text read in photos (OCR) and where photos were taken, in the app: a photo found by the words written in
it says so on its row, its preview outlines the lines that hold the query's words (where the photo is
drawn, and in the zoomed view) and shows the read text under it; the preview names the place it was taken
beside the date; the status bar reports the reading pass; the setting turns the reading off."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from core.library import Library
from core.types import IndexSummary, Kind, Progress, SearchResult
from desktop import theme
from desktop.indexing_status import progress_text, summary_text
from desktop.main_window import MIN_SIZE, MainWindow
from desktop.preview import PHOTO_TEXT_LINES
from desktop.result_delegate import TEXT_PREFIX, marked_snippet_line
from desktop.results_model import ResultItem
from tests.conftest import FakeEncoders, FakeReader, make_photo
from tests.desktop.conftest import open_window, search

SIGN = (250, 250, 250)  # the fake reader finds LINES in photos of this colour
LINES = ["CAFE CENTRAL", "Espresso 1.20", "Pastel de nata 1.50"]
LISBON = (38.7223, -9.1393)


@pytest.fixture
def media(tmp_path: Path) -> Path:
    root = tmp_path / "library"
    make_photo(root / "trip" / "cafe-menu.jpg", color=SIGN, size=(400, 300), taken=datetime(2023, 5, 2, 10, 0),
               gps=LISBON, seed=3)
    make_photo(root / "trip" / "harbour.jpg", color=(40, 90, 160), taken=datetime(2023, 5, 3, 18, 0), seed=4)
    return root


@pytest.fixture
def lib(tmp_path: Path, media: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Library]:
    monkeypatch.delenv("TROVE_CLIP_WEIGHTS", raising=False)
    library = Library.open(tmp_path / "data", encoders=FakeEncoders(reader=FakeReader({SIGN: LINES})))
    library.add_root(media)
    assert library.index().with_text == 1
    yield library
    library.close()


@pytest.fixture
def window(qtbot: QtBot, lib: Library) -> Iterator[MainWindow]:
    w = open_window(qtbot, lib)
    yield w
    w.shutdown()


def shown_photo(qtbot: QtBot, window: MainWindow, name: str) -> None:
    """Wait until the preview shows ``name`` with its full-size picture."""
    pane = window.preview
    qtbot.waitUntil(lambda: pane.item is not None and pane.item.name == name and not pane.loading, timeout=10000)
    qtbot.waitUntil(lambda: (pm := pane.photo.canvas.pixmap()) is not None and pm.width() == 400, timeout=10000)


# -- text in photos ------------------------------------------------------------------------------------------
def test_a_photo_found_by_its_text_says_so_on_its_row(qtbot: QtBot, window: MainWindow) -> None:
    search(qtbot, window, "espresso")
    item = window.model.items()[0]
    assert item.name == "cafe-menu.jpg" and item.result.location == "text in the photo"
    line = marked_snippet_line(item)
    assert line.text.startswith(TEXT_PREFIX) and "Espresso 1.20" in line.text
    assert [line.text[a:b] for a, b in line.marks] == ["Espresso"]
    assert line.keep == len(TEXT_PREFIX)  # "Text in the photo" is never cut off when the line is
    assert "written in the photo" in item.why_text


def test_the_preview_outlines_the_lines_with_the_query_words(qtbot: QtBot, window: MainWindow) -> None:
    search(qtbot, window, "espresso")
    shown_photo(qtbot, window, "cafe-menu.jpg")
    canvas = window.preview.photo.canvas
    assert canvas.boxes() == [(0.1, 0.2, 0.9, 0.28)]  # "Espresso 1.20", not the other two lines
    target = canvas.image_rect()
    assert not target.isEmpty() and target.width() <= canvas.width() and target.height() <= canvas.height()
    (rect,) = canvas.box_rects()
    expected = QRectF(target.left() + 0.1 * target.width(), target.top() + 0.2 * target.height(),
                      0.8 * target.width(), 0.08 * target.height())
    assert rect.contains(expected) and target.contains(rect)  # around the line, a little larger, on the photo
    assert rect.width() - expected.width() <= 4.01 and rect.height() - expected.height() <= 4.01
    # A smaller pane draws the photo smaller: the outline follows it.
    window.resize(*MIN_SIZE)
    QApplication.processEvents()
    smaller = canvas.image_rect()
    assert smaller.width() < target.width()
    (moved,) = canvas.box_rects()
    assert abs(moved.width() - (0.8 * smaller.width() + 4)) <= 0.01 and smaller.contains(moved)


def test_the_read_text_shows_under_the_photo_with_the_words_marked(qtbot: QtBot, window: MainWindow) -> None:
    search(qtbot, window, "espresso")
    shown_photo(qtbot, window, "cafe-menu.jpg")
    photo = window.preview.photo
    assert photo.text.isVisible() and photo.keys["Text"].isVisible()
    assert photo.text.toPlainText() == "\n".join(LINES)
    assert photo.text.isReadOnly() and photo.text.textInteractionFlags() & photo.text.textInteractionFlags().TextSelectableByMouse
    assert photo.text.marked_text() == ["Espresso"]
    assert {s.format.background().color().name() for s in photo.text.extraSelections()} == {theme.HIGHLIGHT_STRONG}
    qtbot.waitUntil(lambda: photo.text.height() == photo.text.sizeHint().height(), timeout=5000)  # laid out
    assert photo.text.verticalScrollBar().maximum() == 0  # three lines: all in sight
    taken = photo.keys["Taken"]
    assert photo.canvas.geometry().bottom() < taken.mapTo(photo, taken.rect().topLeft()).y()


def test_a_long_read_text_scrolls_in_a_box_of_bounded_height(qtbot: QtBot, window: MainWindow) -> None:
    lines = [[0.05, 0.02 + i * 0.04, 0.95, 0.05 + i * 0.04, f"Line {i} of the small print"] for i in range(20)]
    result = SearchResult(path="/lib/scan.jpg", kind=Kind.PHOTO, score=2.0, why="written in the photo",
                          snippet="Line 7 of the small print", marks=((0, 4),), strength="good",
                          location="text in the photo")
    item = ResultItem(result, meta={"width": 400, "height": 300, "text_lines": lines}, place="lib")
    pane = window.preview
    with qtbot.waitSignal(pane.loaded, timeout=10000):  # the photo itself is not there: only its details show
        pane.show_item(item, "line")
    photo = pane.photo
    assert pane.stack.currentWidget() is photo
    text = photo.text
    qtbot.waitUntil(lambda: text.height() == text.sizeHint().height(), timeout=5000)  # laid out
    line_h = text.line_height()
    assert PHOTO_TEXT_LINES * line_h <= text.viewport().height() < (PHOTO_TEXT_LINES + 0.5) * line_h
    assert text.verticalScrollBar().maximum() > 0  # the rest scrolls
    assert len(photo.canvas.boxes()) == 20  # every line holds "Line"


def test_the_zoomed_photo_outlines_the_same_lines(qtbot: QtBot, window: MainWindow) -> None:
    search(qtbot, window, "espresso")
    shown_photo(qtbot, window, "cafe-menu.jpg")
    dialog = window.preview.zoom()
    assert dialog is not None
    try:
        with qtbot.waitSignal(dialog.full_loaded, timeout=10000):
            pass
        canvas = dialog.view.canvas
        assert canvas.boxes == [(0.1, 0.2, 0.9, 0.28)]
        (rect,) = canvas.box_rects()
        assert abs(rect.top() - (0.2 * canvas.height() - 2)) <= 0.01
        dialog.view.actual_size()  # 100%: the outline grows with the photo
        (big,) = canvas.box_rects()
        assert abs(big.width() - (0.8 * 400 + 4)) <= 0.01
    finally:
        dialog.close()


def test_a_photo_found_another_way_outlines_nothing(qtbot: QtBot, window: MainWindow) -> None:
    search(qtbot, window, "harbour")
    shown_photo_name = "harbour.jpg"
    pane = window.preview
    qtbot.waitUntil(lambda: pane.item is not None and pane.item.name == shown_photo_name and not pane.loading,
                    timeout=10000)
    assert pane.photo.canvas.boxes() == [] and not pane.photo.text.isVisible()
    assert not pane.photo.keys["Text"].isVisible()


# -- places --------------------------------------------------------------------------------------------------
def test_the_preview_names_the_place_beside_the_date(qtbot: QtBot, window: MainWindow) -> None:
    search(qtbot, window, "lisbon")
    shown_photo(qtbot, window, "cafe-menu.jpg")
    photo = window.preview.photo
    assert photo.fields["Place"].text() == "Lisbon, Portugal" and photo.fields["Place"].isVisible()
    assert "38.72230, -9.13930" in photo.fields["Place"].toolTip()
    rows = [photo.grid.getItemPosition(photo.grid.indexOf(photo.keys[key])) for key in ("Taken", "Place")]
    assert [r[0] for r in rows] == [0, 1]  # type: ignore[index]  # (row, column, rows, columns)
    assert photo.canvas.boxes() == []  # found by its place: no line of its text says "Lisbon"
    item = window.model.items()[0]
    assert marked_snippet_line(item).text.startswith("Lisbon, Portugal · ")


def test_a_photo_without_a_place_has_no_place_row(qtbot: QtBot, window: MainWindow) -> None:
    search(qtbot, window, "harbour")
    pane = window.preview
    qtbot.waitUntil(lambda: pane.item is not None and pane.item.name == "harbour.jpg", timeout=10000)
    assert not pane.photo.fields["Place"].isVisible() and not pane.photo.keys["Place"].isVisible()


# -- the reading pass in the status bar ---------------------------------------------------------------------
def test_reading_progress_and_summary_texts() -> None:
    p = Progress("reading", 120, 900, 3.1, 40.0, "cpu", "/photos/receipt.jpg")
    assert progress_text(p) == "Reading text in photos 120 of 900 · 3.1/s · 0:40 left"
    assert progress_text(p, paused=True) == "Paused · 120 of 900 read"
    assert summary_text(IndexSummary(added=400, failed=3, with_text=12, seconds=65.0)) == \
        "Indexed 400 new, 3 failed in 1:05, text found in 12 photos"
    assert summary_text(IndexSummary(unchanged=5, with_text=1, seconds=40.0)) == "Text found in 1 photo in 0:40"
    assert summary_text(IndexSummary(added=2, seconds=3.0)) == "Indexed 2 new in 0:03"


def test_the_status_bar_shows_the_reading_pass(qtbot: QtBot, window: MainWindow) -> None:
    status = window.status
    status.show_progress(Progress("reading", 120, 900, 3.1, 40.0, "cpu", "/photos/receipt.jpg"))
    assert status.message.full_text() == "Reading text in photos 120 of 900 · 3.1/s · 0:40 left"
    assert (status.bar.minimum(), status.bar.maximum(), status.bar.value()) == (0, 900, 120)
    assert status.bar.isVisible()


def test_an_index_run_reports_the_text_it_found(qtbot: QtBot, tmp_path: Path, media: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TROVE_CLIP_WEIGHTS", raising=False)
    library = Library.open(tmp_path / "fresh", encoders=FakeEncoders(reader=FakeReader({SIGN: LINES})))
    library.add_root(media)
    w = open_window(qtbot, library)
    try:
        with qtbot.waitSignal(w.indexing.finished, timeout=30000) as done:
            w.indexing.index()
        assert done.args[0].with_text == 1
        qtbot.waitUntil(lambda: "photos" in w.status.message.full_text(), timeout=10000)
        text = w.status.message.full_text()
        assert re.fullmatch(r"Indexed 2 new in \d+:\d\d, text found in 1 photo · Up to date · 2 photos .*", text), text
    finally:
        w.shutdown()
        library.close()
