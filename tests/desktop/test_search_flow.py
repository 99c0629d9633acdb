"""Text search in the window: typing (debounced), Enter, Esc, Ctrl+F, the kind filter, stale answers,
"more like this", and the actions on a result."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from core.library import Library, SearchResponse
from core.search import Query
from core.types import Kind
from desktop import file_actions
from desktop.main_window import MainWindow
from tests.conftest import make_photo
from tests.desktop.conftest import names, search


def test_typing_shows_results(qtbot: QtBot, window: MainWindow) -> None:
    assert "Type to search your photos, notes, documents and recordings" in window.empty.text()
    assert search(qtbot, window, "banneton") == ["sourdough.md"]
    assert window.results_stack.currentWidget() is window.results_view
    assert window.query_bar.count.text() == "1 result"


def test_typing_is_debounced_into_one_search(qtbot: QtBot, window: MainWindow) -> None:
    started: list[int] = []
    window.search.started.connect(started.append)
    search(qtbot, window, "dentist")
    assert len(started) == 1  # seven keystrokes, one search


def test_enter_searches_at_once(qtbot: QtBot, window: MainWindow) -> None:
    window.query_bar.field.setText("dentist")
    before = window.search.latest
    qtbot.keyClick(window.query_bar.field, Qt.Key.Key_Return)
    assert window.search.latest == before + 1  # started synchronously, no debounce wait
    qtbot.waitSignal(window.results_shown, timeout=10000).wait()
    assert {"dentist.txt", "reminder.wav"} <= set(names(window))


def test_no_matches_says_so(qtbot: QtBot, window: MainWindow) -> None:
    assert search(qtbot, window, "zeppelin") == []
    assert "No matches for “zeppelin”" in window.empty.text()
    assert window.results_stack.currentWidget() is window.empty


def test_escape_clears(qtbot: QtBot, window: MainWindow) -> None:
    search(qtbot, window, "dentist")
    qtbot.keyClick(window.query_bar.field, Qt.Key.Key_Escape)
    assert window.query_bar.field.text() == ""
    assert window.model.rowCount() == 0
    assert window.results_stack.currentWidget() is window.empty
    assert "Type to search" in window.empty.text()
    assert window.preview.item is None


def test_ctrl_f_focuses_the_search_field(qtbot: QtBot, window: MainWindow) -> None:
    search(qtbot, window, "dentist")
    window.activateWindow()
    window.results_view.setFocus()
    qtbot.waitUntil(window.results_view.hasFocus, timeout=3000)
    qtbot.keyClick(window.results_view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(window.query_bar.field.hasFocus, timeout=3000)
    assert window.query_bar.field.selectedText() == "dentist"


def test_arrow_keys_move_between_field_and_results(qtbot: QtBot, window: MainWindow) -> None:
    search(qtbot, window, "dentist")
    window.activateWindow()
    window.query_bar.field.setFocus()
    qtbot.waitUntil(window.query_bar.field.hasFocus, timeout=3000)
    qtbot.keyClick(window.query_bar.field, Qt.Key.Key_Down)
    assert window.results_view.hasFocus()
    qtbot.keyClick(window.results_view, Qt.Key.Key_Up)
    assert window.query_bar.field.hasFocus()


def test_kind_filter(qtbot: QtBot, window: MainWindow) -> None:
    assert {"dentist.txt", "reminder.wav"} <= set(search(qtbot, window, "dentist"))
    with qtbot.waitSignal(window.results_shown, timeout=10000):
        qtbot.mouseClick(window.query_bar.kinds.buttons[Kind.RECORDING], Qt.MouseButton.LeftButton)
    assert names(window) == ["reminder.wav"]
    with qtbot.waitSignal(window.results_shown, timeout=10000):
        qtbot.mouseClick(window.query_bar.kinds.buttons[Kind.NOTE], Qt.MouseButton.LeftButton)
    assert names(window)[0] == "dentist.txt"
    assert {item.kind for item in window.model.items()} == {Kind.NOTE}
    # A kind with an empty field lists that kind, newest first.
    with qtbot.waitSignal(window.results_shown, timeout=10000):
        qtbot.mouseClick(window.query_bar.kinds.buttons[Kind.PHOTO], Qt.MouseButton.LeftButton)
        window.query_bar.clear()
    assert names(window) == ["black-cat-on-sofa.jpg", "sunset-at-the-beach.jpg"]


def test_an_older_slower_answer_never_overwrites_a_newer_one(qtbot: QtBot, window: MainWindow) -> None:
    real = window.search.search_fn
    release = threading.Event()

    def slow_for_sourdough(q: Query) -> SearchResponse:
        if q.text == "banneton":
            release.wait(10)
        return real(q)

    window.search.search_fn = slow_for_sourdough
    window.search_text("banneton")  # slow: answers last
    with qtbot.waitSignal(window.results_shown, timeout=10000):
        window.search_text("dentist")
    newer = names(window)
    assert "dentist.txt" in newer
    with qtbot.waitSignal(window.search.stale, timeout=10000) as dropped:
        release.set()
    assert dropped.args == [1]
    assert names(window) == newer
    assert window.query_bar.field.text() == "dentist"


def test_searches_run_one_at_a_time_and_only_the_newest_waiting_one_runs(qtbot: QtBot, window: MainWindow) -> None:
    """Typing fast while a search runs starts no second search beside it (two at once took the cores from
    the window on a busy machine); when it ends, only the newest request runs, and its answer is shown."""
    real = window.search.search_fn
    release = threading.Event()
    running: list[str] = []
    ran: list[str] = []
    most = [0]
    lock = threading.Lock()

    def tracked(q: Query) -> SearchResponse:
        with lock:
            running.append(q.text or "")
            ran.append(q.text or "")
            most[0] = max(most[0], len(running))
        try:
            if q.text == "banneton":
                release.wait(5)
            return real(q)
        finally:
            with lock:
                running.remove(q.text or "")

    window.search.search_fn = tracked
    window.search_text("banneton")
    qtbot.waitUntil(lambda: ran == ["banneton"], timeout=5000)
    window.search_text("sourdough")  # replaced by the next one before it can run
    window.search_text("dentist")
    qtbot.wait(100)
    assert ran == ["banneton"]
    with qtbot.waitSignal(window.results_shown, timeout=10000):
        release.set()
    assert ran == ["banneton", "dentist"]
    assert most[0] == 1
    assert "dentist.txt" in names(window)


def test_more_like_this(qtbot: QtBot, window: MainWindow, media: Path, lib: Library) -> None:
    cat = str(media / "photos" / "pets" / "black-cat-on-sofa.jpg")
    make_photo(media / "photos" / "pets" / "black-cat-again.jpg", color=(30, 30, 30), seed=3)  # a near-copy
    lib.index()
    with qtbot.waitSignal(window.results_shown, timeout=10000):
        window.more_like(cat)
    assert window.query_bar.chip.isVisible()
    assert "black-cat-on-sofa.jpg" in window.query_bar.chip.label.text()
    assert "black-cat-on-sofa.jpg" not in names(window)  # the file itself is left out
    assert names(window)[0] == "black-cat-again.jpg"
    assert "sunset-at-the-beach.jpg" not in names(window)  # an orange picture is nothing like it
    with qtbot.waitSignal(window.results_shown, timeout=10000):
        qtbot.mouseClick(window.query_bar.chip.close_button, Qt.MouseButton.LeftButton)
    assert window.query_bar.like_path() is None
    assert not window.query_bar.chip.isVisible()
    assert window.last_query is not None and window.last_query.like_path is None  # nothing left to search for:
    assert window.model.heading_rows() and "black-cat-on-sofa.jpg" in names(window)  # the library's timeline


def test_result_actions_open_and_copy_path(qtbot: QtBot, window: MainWindow,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr(file_actions, "open_file", lambda path: opened.append(path) or True)
    search(qtbot, window, "banneton")
    window.activateWindow()
    window.results_view.setFocus()
    qtbot.waitUntil(window.results_view.hasFocus, timeout=3000)
    qtbot.keyClick(window.results_view, Qt.Key.Key_Return)
    assert [Path(p).name for p in opened] == ["sourdough.md"]
    window.copy_action.trigger()
    assert QGuiApplication.clipboard().text() == opened[0]


def test_typing_in_the_results_goes_to_the_field(qtbot: QtBot, window: MainWindow) -> None:
    search(qtbot, window, "dentist")
    window.activateWindow()
    window.results_view.setFocus()
    qtbot.waitUntil(window.results_view.hasFocus, timeout=3000)
    qtbot.keyClicks(window.results_view, "s")
    assert window.query_bar.field.hasFocus()
    assert window.query_bar.field.text() == "dentists"


def test_folder_filter(qtbot: QtBot, window: MainWindow, media: Path) -> None:
    folders = window.query_bar.folders
    assert folders.itemText(1) == "library"  # the library folder is offered by name
    assert {"dentist.txt", "reminder.wav"} <= set(search(qtbot, window, "dentist"))
    with qtbot.waitSignal(window.results_shown, timeout=10000):
        folders.set_folder(str(media / "recordings"))
    assert names(window) == ["reminder.wav"]
    assert window.last_query is not None and window.last_query.folder == str(media / "recordings")
    # "Choose folder…" asks for a folder; cancelling keeps the current choice.
    folders.pick_folder = lambda _parent: None
    folders.activated.emit(folders.count() - 1)
    assert folders.folder() == str(media / "recordings")


def test_date_filter_with_and_without_words(qtbot: QtBot, window: MainWindow) -> None:
    dates = window.query_bar.dates
    window.query_bar.kinds.set_kind(Kind.PHOTO)
    qtbot.waitSignal(window.results_shown, timeout=10000).wait()
    assert set(names(window)) == {"black-cat-on-sofa.jpg", "sunset-at-the-beach.jpg"}
    with qtbot.waitSignal(window.results_shown, timeout=10000):
        dates.set_range(date(2022, 1, 1), date(2022, 1, 31))
    assert names(window) == ["black-cat-on-sofa.jpg"]
    assert "1 Jan 2022 – 31 Jan 2022" in dates.currentText()
    with qtbot.waitSignal(window.results_shown, timeout=10000):
        dates.set_range(date(2021, 7, 3), date(2021, 7, 3))  # one day, both ends included
    assert names(window) == ["sunset-at-the-beach.jpg"]
    assert search(qtbot, window, "cat sofa") == ["sunset-at-the-beach.jpg"]  # words and filters combine
    with qtbot.waitSignal(window.results_shown, timeout=10000):
        dates.set_range(date(1990, 1, 1), date(1990, 12, 31))
    assert names(window) == []
    assert "No matches for “cat sofa”" in window.empty.text() and "loosen the filters" in window.empty.text()
    window.query_bar.clear()  # Esc: the words go, the filters stay and still list what passes
    qtbot.waitSignal(window.results_shown, timeout=10000).wait()
    assert "Nothing passes these filters" in window.empty.text()
    with qtbot.waitSignal(window.results_shown, timeout=10000):
        dates.reset()
    assert set(names(window)) == {"black-cat-on-sofa.jpg", "sunset-at-the-beach.jpg"}
