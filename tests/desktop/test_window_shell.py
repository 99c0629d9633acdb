"""The window as an application: a live refresh keeps the list where it was, failed opens are answered,
the menus (Quit, About, preview), the remembered size and split, the test-weights badge, and no stale
results while a spoken query is transcribed."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from core.library import Library, SearchResponse
from core.search import Query
from core.types import Kind, SearchResult
from desktop import file_actions
from desktop.main_window import MIN_SIZE, MainWindow
from tests.desktop.conftest import search


def _many(media: Path, n: int = 40):  # type: ignore[no-untyped-def]
    """A search function answering any query with ``n`` matched notes (the list then has to scroll)."""
    def fn(q: Query) -> SearchResponse:
        return SearchResponse(q, [SearchResult(path=str(media / "notes" / f"note-{i:02d}.md"), kind=Kind.NOTE,
                                               score=3.0 - i / n, why="has the words: x", snippet=f"note {i}",
                                               strength="good") for i in range(n)])
    return fn


def test_a_live_refresh_keeps_the_scroll_position_and_the_selection(qtbot: QtBot, window: MainWindow,
                                                                     media: Path) -> None:
    window.search.search_fn = _many(media)
    search(qtbot, window, "anything")
    view, bar = window.results_view, window.results_view.verticalScrollBar()
    assert bar.maximum() > 0, "the list must be taller than its view for this test"
    view.setCurrentIndex(window.model.index(5))
    bar.setValue(bar.maximum())  # the person scrolled down past the selected row
    scrolled, current = bar.value(), window.model.item(5)
    assert current is not None
    with qtbot.waitSignal(window.results_shown, timeout=10000):
        window.refresh()  # what the indexing timer does every 2 s
    assert bar.value() == scrolled
    assert window.model.item(view.currentIndex().row()).path == current.path  # type: ignore[union-attr]
    assert window.query_bar.count.text() == "40 results"  # no "Searching…" flash either


def test_a_new_search_starts_at_the_top(qtbot: QtBot, window: MainWindow, media: Path) -> None:
    window.search.search_fn = _many(media)
    search(qtbot, window, "anything")
    window.results_view.verticalScrollBar().setValue(window.results_view.verticalScrollBar().maximum())
    search(qtbot, window, "something else")
    assert window.results_view.verticalScrollBar().value() == 0


def test_open_and_show_in_folder_say_so_when_nothing_opens(qtbot: QtBot, window: MainWindow,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(file_actions, "open_file", lambda _path: False)
    monkeypatch.setattr(file_actions, "show_in_folder", lambda _path: False)
    search(qtbot, window, "dentist")
    item = window.model.items()[0]
    window.open_item(item)
    assert window.error_banner.isVisible() and item.name in window.error_banner.message.text()
    assert "default application" in window.error_banner.message.text()
    window.error_banner.hide()
    window.preview.reveal_button.click()  # the preview's buttons go through the window too
    assert window.error_banner.isVisible() and "file manager" in window.error_banner.message.text()


def test_menus_have_quit_about_and_the_preview_switch(qtbot: QtBot, window: MainWindow) -> None:
    assert window.quit_action.shortcut().toString() == "Ctrl+Q"
    text = window.about_text()
    assert "Trove" in text and window.library.encoders.text_model_id in text and "faster-whisper" in text
    assert window.preview.isVisible() and window.preview_action.isChecked()
    search(qtbot, window, "dentist")
    window.results_view.setFocus()
    qtbot.keyClick(window.results_view, Qt.Key.Key_Space)  # Space in the list hides the preview...
    assert not window.preview.isVisible() and not window.preview_action.isChecked()  # ...and the menu says so
    window.preview_action.trigger()
    assert window.preview.isVisible()
    window.quit_action.trigger()
    assert not window.isVisible()


def test_size_and_split_are_remembered(qtbot: QtBot, lib: Library) -> None:
    first = MainWindow(lib, auto_index=False, watch=False)
    qtbot.addWidget(first)
    first.show()
    first.resize(700, 520)  # within the offscreen screen (800x600): restoring clamps to the screen
    first.splitter.setSizes([250, 450])
    qtbot.waitUntil(lambda: first.width() == 700)
    sizes = first.splitter.sizes()
    first.close()
    again = MainWindow(lib, auto_index=False, watch=False)
    qtbot.addWidget(again)
    assert again.restore_window_state()
    again.show()
    qtbot.waitUntil(lambda: again.width() == 700)
    assert (again.width(), again.height()) == (700, 520)
    assert again.splitter.sizes() == sizes
    assert (again.minimumWidth(), again.minimumHeight()) == MIN_SIZE
    again.close()


def test_random_clip_weights_are_flagged_in_the_window(qtbot: QtBot, window: MainWindow, lib: Library) -> None:
    assert not window.test_weights_badge.isVisibleTo(window)
    lib.clip = replace(lib.clip, weights="random")
    flagged = MainWindow(lib, auto_index=False, watch=False)
    qtbot.addWidget(flagged)
    assert flagged.test_weights_badge.isVisibleTo(flagged)
    assert "random test weights" in flagged.about_text()
    flagged.shutdown()


def test_old_results_go_while_a_spoken_query_is_transcribed(qtbot: QtBot, window: MainWindow,
                                                            media: Path) -> None:
    search(qtbot, window, "dentist")
    assert window.model.rowCount() > 0
    with qtbot.waitSignal(window.results_shown, timeout=20000):
        window.search_voice(str(media / "recordings" / "reminder.wav"))
        assert window.model.rowCount() == 0 and "Transcribing" in window.empty.text()
