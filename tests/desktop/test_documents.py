"""Documents (PDF, Word, ...) in the app: a kind tab of their own between Notes and Recordings (words or
icons, never squeezed), rows that say the format and the page of the match, a preview with what the
document is, where the match is and the passage with its best sentence and the query's words marked, and
their count in the status bar."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from core.library import Library
from core.types import Kind, SearchResult
from desktop import file_actions, theme
from desktop.indexing_status import counts_text
from desktop.main_window import MIN_SIZE, MainWindow
from desktop.result_delegate import ROW_HEIGHT, badge_text, fit_location, location_text, marked_snippet_line
from desktop.results_model import ResultItem
from tests.conftest import FakeEncoders, make_note, make_pdf, make_photo
from tests.desktop.conftest import names, open_window, search

PAGES = [
    "Dishwasher model DW-450. Installation guide. Read every step before you connect the water supply.",
    "Warranty. The manufacturer repairs faults in materials for two years from the date of purchase. "
    "Water damage caused by a loose hose is not covered.",
    "Cleaning the filter. Twist the filter anticlockwise, rinse it under the tap and put it back.",
]


@pytest.fixture
def docs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Library]:
    monkeypatch.delenv("TROVE_CLIP_WEIGHTS", raising=False)
    root = tmp_path / "library"
    make_pdf(root / "manuals" / "dishwasher.pdf", PAGES, title="Dishwasher DW-450 manual")
    make_note(root / "notes" / "dentist.txt", "Call the dentist on Monday to move the appointment.")
    make_photo(root / "photos" / "kitchen.jpg", color=(200, 200, 180), seed=5)
    library = Library.open(tmp_path / "data", encoders=FakeEncoders())
    library.add_root(root)
    summary = library.index()
    assert (summary.added, summary.failed) == (3, 0)
    yield library
    library.close()


@pytest.fixture
def window(qtbot: QtBot, docs: Library) -> Iterator[MainWindow]:
    w = open_window(qtbot, docs)
    yield w
    w.shutdown()


def test_documents_have_a_tab_between_notes_and_recordings(qtbot: QtBot, window: MainWindow) -> None:
    kinds = window.query_bar.kinds
    assert [b.text() for b in kinds.buttons.values()] == ["All", "Photos", "Notes", "Documents", "Recordings"]
    assert kinds.buttons[Kind.DOCUMENT].shortcut().toString() == "Alt+4"
    search(qtbot, window, "water")
    with qtbot.waitSignal(window.results_shown, timeout=10000):
        kinds.set_kind(Kind.DOCUMENT)
    assert window.last_query is not None and window.last_query.kind is Kind.DOCUMENT
    assert names(window) == ["dishwasher.pdf"]


@pytest.mark.parametrize("size", [(1200, 760), (800, 600), MIN_SIZE])
def test_the_kind_tabs_are_never_squeezed(qtbot: QtBot, window: MainWindow, size: tuple[int, int]) -> None:
    """Five tabs and the filters do not all fit with their words in a narrow window: the tabs then show
    their icons (the names in tooltips) rather than being cut to "Docu…"."""
    window.resize(*size)
    QApplication.processEvents()
    bar = window.query_bar
    kinds = bar.kinds
    for button in kinds.buttons.values():
        assert button.width() >= button.sizeHint().width(), (size, button.text(), button.width())
        assert button.accessibleName() == button.text()
    if size[0] >= 1200:
        assert not kinds.compact  # a wide window has room for the words
    if not kinds.compact:  # words only where the folder and date filters keep their whole width beside them
        assert bar.folders.width() >= bar.folders.sizeHint().width()
        assert bar.dates.width() >= bar.dates.sizeHint().width()
    assert kinds.geometry().right() < bar.folders.geometry().left()  # no overlap with the folder filter
    if kinds.compact:
        assert all(b.toolTip().startswith("Show ") for b in kinds.buttons.values())
        assert not kinds.buttons[Kind.DOCUMENT].icon().isNull()


def test_a_document_row_says_its_format_and_the_page_of_the_match(qtbot: QtBot, window: MainWindow) -> None:
    search(qtbot, window, "warranty hose")
    item = window.model.items()[0]
    r = item.result
    assert item.name == "dishwasher.pdf" and r.kind is Kind.DOCUMENT and r.location == "page 2"
    assert badge_text(item) == "PDF" and location_text(item) == "page 2"
    line = marked_snippet_line(item)
    assert line.text.startswith("Warranty.")
    assert [line.text[a:b] for a, b in line.marks] == ["Warranty"]
    at = window.model.row_of(item.path)
    assert at is not None
    described = window.model.index(at).data(Qt.ItemDataRole.AccessibleDescriptionRole)
    assert described.startswith("document (page 2): ")
    # Drawn in order on the first line: the name, the page, the badge, the date; nothing overlaps, at any width.
    for width in (1200, *MIN_SIZE[:1]):
        window.resize(width, 600)
        QApplication.processEvents()
        row = window.results_view.visualRect(window.model.index(at))
        top = window.list_delegate.first_line(row, window.results_view.font(), item)
        assert top.badge_text == "PDF" and top.where_text in ("page 2", "")  # whole, or none in a narrow list
        if width >= 1200:
            assert top.where_text == "page 2"
        if top.where_text:
            assert top.name.right() < top.where.left() < top.where.right() < top.badge.left()
        assert top.name.right() < top.badge.left()
        assert top.badge.right() < top.date.left() and top.date.right() <= row.right()


def test_a_long_location_gives_way_to_the_name(qtbot: QtBot, window: MainWindow) -> None:
    """A chapter's title is dropped before the name is squeezed; what is left is cut, never the page."""
    result = SearchResult(path="/lib/books/storm.epub", kind=Kind.DOCUMENT, score=2.0, why="has the words: storm",
                          snippet="The storm broke at dawn.", marks=((4, 9),), strength="good",
                          location="chapter 3 · The Storm That Came In From The Sea And Stayed All Winter")
    item = ResultItem(result, meta={"format": "EPUB"}, place="books")
    row = QRect(0, 0, 600, ROW_HEIGHT)
    top = window.list_delegate.first_line(row, window.results_view.font(), item)
    assert top.badge_text == "EPUB" and top.where_text == "chapter 3"
    assert top.name_text == "storm.epub" and top.name.right() < top.where.left()
    one = len  # a character is one unit wide: the rules, not the font
    assert fit_location("page 12", 30, one, lambda t, w: t[:w - 1] + "…") == "page 12"  # up to half the room
    assert fit_location("chapter 3 · The Storm", 90, one, lambda t, w: t[:w - 1] + "…") == "chapter 3 · The Storm"
    assert fit_location("A very long heading without parts", 30, one, lambda t, w: t[:w - 1] + "…") == "A very lo…"
    assert fit_location("page 12", 12, one, lambda t, w: t[:w - 1] + "…") == ""  # no room: left to the preview


def test_the_document_preview_says_what_it_is_and_marks_the_passage(qtbot: QtBot, window: MainWindow,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []

    def open_file(path: str) -> bool:
        opened.append(path)
        return True

    monkeypatch.setattr(file_actions, "open_file", open_file)
    search(qtbot, window, "warranty hose")
    pane = window.preview
    qtbot.waitUntil(lambda: pane.item is not None and pane.item.name == "dishwasher.pdf", timeout=5000)
    doc = pane.document
    assert pane.stack.currentWidget() is doc
    info = doc.info.text()
    assert info.startswith("PDF · Dishwasher DW-450 manual · 3 pages"), info
    assert doc.where.text() == "Match on page 2"
    r = pane.item.result if pane.item else None
    assert r is not None
    assert doc.text.toPlainText() == r.passage and "loose hose" in r.passage
    assert doc.text.sentence_text() == r.snippet
    shades: dict[str, set[str]] = {}
    for sel in doc.text.extraSelections():
        shades.setdefault(sel.format.background().color().name(), set()).add(sel.cursor.selectedText())
    assert {w.lower() for w in shades[theme.HIGHLIGHT_STRONG]} == {"warranty", "hose"}
    assert theme.HIGHLIGHT not in shades  # the passage is all that is shown: it is not tinted as a whole
    assert pane.open_button.isVisible() and not pane.zoom_button.isVisible()
    pane.open_button.click()
    assert [Path(p).name for p in opened] == ["dishwasher.pdf"]


def test_a_document_listed_for_the_filter_only_marks_nothing(qtbot: QtBot, window: MainWindow) -> None:
    search(qtbot, window, "dentist")
    with qtbot.waitSignal(window.results_shown, timeout=10000):
        window.query_bar.kinds.set_kind(Kind.DOCUMENT)
    pane = window.preview
    qtbot.waitUntil(lambda: pane.item is not None and pane.item.name == "dishwasher.pdf", timeout=5000)
    assert pane.item is not None and not pane.item.result.matched
    assert pane.document.text.extraSelections() == [] and pane.document.text.sentence_text() == ""
    assert not pane.document.where.isVisible()


def test_the_status_bar_counts_documents_once_there_are_some(qtbot: QtBot, window: MainWindow) -> None:
    assert counts_text({"photo": 6, "note": 6, "document": 0, "recording": 2}) == \
        "Up to date · 6 photos · 6 notes · 2 recordings"
    assert counts_text({"photo": 6, "note": 1, "document": 3, "recording": 0}) == \
        "Up to date · 6 photos · 1 note · 3 documents · 0 recordings"
    with qtbot.waitSignal(window.indexing.counts_changed, timeout=10000) as counted:
        window.indexing.refresh_counts()
    assert counted.args[0]["document"] == 1
    qtbot.waitUntil(lambda: "1 document" in window.status.message.full_text(), timeout=5000)
    assert window.status.message.full_text() == "Up to date · 1 photo · 1 note · 1 document · 0 recordings"
