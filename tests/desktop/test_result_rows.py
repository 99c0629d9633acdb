"""What a result row says and how the list is grouped: the strength of a match in words (never its score),
the query's words marked in the snippet (and still marked once the line is cut to fit), and the files a
filter lists without matching the words set apart under a heading that cannot be selected."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from core.types import Kind, SearchResult
from desktop import file_actions
from desktop.main_window import MainWindow
from desktop.result_delegate import fit_marked, fold_spaces, marked_snippet_line
from desktop.results_model import GroupHeading, ResultItem
from tests.desktop.conftest import names, search


def rows(window: MainWindow) -> list[str]:
    """The list as a person reads it: file names, and the heading as [title]."""
    out = []
    for row in range(window.model.rowCount()):
        entry = window.model.entry(row)
        out.append(f"[{entry.title}]" if isinstance(entry, GroupHeading) else Path(str(entry and entry.path)).name)
    return out


def filter_notes(qtbot: QtBot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.results_shown, timeout=10000):
        window.query_bar.kinds.set_kind(Kind.NOTE)


def focus_results(qtbot: QtBot, window: MainWindow) -> None:
    window.activateWindow()
    window.results_view.setFocus()
    qtbot.waitUntil(window.results_view.hasFocus, timeout=3000)


def current_name(window: MainWindow) -> str | None:
    item = window.model.item(window.results_view.currentIndex().row())
    return item.name if item is not None else None


# -- strength ------------------------------------------------------------------------------------------
def test_a_row_says_how_strongly_it_matched_in_words_never_the_score(qtbot: QtBot, window: MainWindow) -> None:
    search(qtbot, window, "dentist")
    words = {"weak": "Weak match", "good": "Good match", "strong": "Strong match"}
    for row, item in enumerate(window.model.items()):
        assert item.result.matched and item.result.strength in words
        index = window.model.index(row)
        described = index.data(Qt.ItemDataRole.AccessibleDescriptionRole)
        tip = index.data(Qt.ItemDataRole.ToolTipRole)
        assert words[item.result.strength] in described and words[item.result.strength] in tip
        assert item.result.why in described
        assert f"{item.result.score}" not in described and f"{item.result.score}" not in tip
        assert item.strength_steps == list(words).index(item.result.strength) + 1


def test_a_file_listed_only_for_the_filter_claims_no_strength(qtbot: QtBot, window: MainWindow) -> None:
    filter_notes(qtbot, window)
    search(qtbot, window, "banneton")
    dentist = window.model.item(window.model.row_of(next(p for p in window.model.paths() if p.endswith("dentist.txt"))))
    assert dentist is not None and not dentist.result.matched
    assert dentist.strength_steps == 0 and dentist.strength_text == ""
    described = window.model.index(window.model.row_of(dentist.path)).data(Qt.ItemDataRole.AccessibleDescriptionRole)
    assert "match" not in described.replace("does not match", "")


# -- grouping ------------------------------------------------------------------------------------------
def test_files_that_only_pass_the_filter_come_after_a_heading(qtbot: QtBot, window: MainWindow) -> None:
    filter_notes(qtbot, window)
    search(qtbot, window, "banneton")
    assert rows(window) == ["sourdough.md", "[Also in this filter]", "dentist.txt"]
    heading = window.model.index(1)
    assert "do not match “banneton”" in heading.data(Qt.ItemDataRole.AccessibleDescriptionRole)
    flags = window.model.flags(heading)
    assert not flags & Qt.ItemFlag.ItemIsSelectable and not flags & Qt.ItemFlag.ItemIsEnabled
    assert names(window) == ["sourdough.md", "dentist.txt"]  # the results themselves, without the heading
    assert window.query_bar.count.text() == "1 result · 1 more in this filter"
    # The heading is lower than a result row, and lies between the two.
    view = window.results_view
    first, head, last = (view.visualRect(window.model.index(r)) for r in range(3))
    assert first.bottom() < head.top() and head.bottom() < last.top()
    assert 0 < head.height() < first.height()


def test_with_no_match_the_heading_comes_first(qtbot: QtBot, window: MainWindow) -> None:
    search(qtbot, window, "zeppelin")
    filter_notes(qtbot, window)
    listed = rows(window)
    assert listed[0] == "[No match for “zeppelin”]"
    assert sorted(listed[1:]) == ["dentist.txt", "sourdough.md"]
    assert window.query_bar.count.text() == "No matches · 2 in this filter"
    assert window.results_view.currentIndex().row() == 1  # the first file, not the heading
    assert window.preview.item is not None and window.preview.item.path == window.model.items()[0].path


def test_filters_alone_list_without_a_heading(qtbot: QtBot, window: MainWindow) -> None:
    filter_notes(qtbot, window)
    assert window.query_bar.text() == ""
    assert sorted(rows(window)) == ["dentist.txt", "sourdough.md"]
    assert window.model.heading_row() is None
    assert all(not item.result.matched for item in window.model.items())
    assert window.query_bar.count.text() == "2 results"


def test_keys_open_and_more_like_this_pass_over_the_heading(qtbot: QtBot, window: MainWindow,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr(file_actions, "open_file", lambda path: opened.append(path) or True)
    search(qtbot, window, "banneton")
    filter_notes(qtbot, window)
    focus_results(qtbot, window)
    assert current_name(window) == "sourdough.md"
    qtbot.keyClick(window.results_view, Qt.Key.Key_Down)
    assert window.results_view.currentIndex().row() == 2 and current_name(window) == "dentist.txt"
    qtbot.keyClick(window.results_view, Qt.Key.Key_Return)
    assert [Path(p).name for p in opened] == ["dentist.txt"]
    qtbot.keyClick(window.results_view, Qt.Key.Key_Up)
    assert current_name(window) == "sourdough.md"
    # A click on the heading changes nothing.
    qtbot.mouseClick(window.results_view.viewport(), Qt.MouseButton.LeftButton,
                     pos=window.results_view.visualRect(window.model.index(1)).center())
    assert current_name(window) == "sourdough.md"
    assert window.preview.item is not None and window.preview.item.name == "sourdough.md"


def test_up_from_the_first_file_under_a_leading_heading_goes_back_to_the_field(
        qtbot: QtBot, window: MainWindow) -> None:
    search(qtbot, window, "zeppelin")
    filter_notes(qtbot, window)
    focus_results(qtbot, window)
    qtbot.keyClick(window.results_view, Qt.Key.Key_Down)
    assert window.results_view.currentIndex().row() == 2
    qtbot.keyClick(window.results_view, Qt.Key.Key_Home)
    assert window.results_view.currentIndex().row() == 1  # Home stops at the first file
    qtbot.keyClick(window.results_view, Qt.Key.Key_Up)
    assert window.query_bar.field.hasFocus()
    assert window.results_view.currentIndex().row() == 1
    like: list[str] = []
    window.more_like = like.append  # type: ignore[method-assign]
    window.like_action.trigger()
    assert like == [window.model.items()[0].path]


# -- the snippet line ----------------------------------------------------------------------------------
def one_per_char(text: str, marked: bool) -> int:
    """A stand-in for font metrics: every character one unit wide, marked ones two."""
    return len(text) * (2 if marked else 1)


def test_the_snippet_line_marks_the_query_words(qtbot: QtBot, window: MainWindow) -> None:
    search(qtbot, window, "milk bread")
    item = next(i for i in window.model.items() if i.name == "reminder.wav")
    line = marked_snippet_line(item)
    assert line.text.startswith("0:02  “")  # the best segment's time
    assert [line.text[a:b] for a, b in line.marks] == ["milk", "bread"]
    # Cut to fit, the time stays and the words before the first mark go.
    runs = fit_marked(line.text, line.marks, 40, one_per_char, keep=line.keep)
    shown = "".join(t for t, _m in runs)
    assert shown.startswith("0:02  “…") and ("milk", True) in runs
    assert sum(one_per_char(t, m) for t, m in runs) <= 40


def test_white_space_is_folded_and_the_marks_follow() -> None:
    text = "  Shape the\n\n dough  in the   banneton "
    spans = [(text.index(w), text.index(w) + len(w)) for w in ("dough", "banneton")]
    folded, marks = fold_spaces(text, spans)
    assert folded == "Shape the dough in the banneton"
    assert [folded[a:b] for a, b in marks] == ["dough", "banneton"]


def test_a_line_cut_to_fit_keeps_its_words_and_their_marks() -> None:
    text = "one two three four five six seven eight nine ten banneton eleven twelve"
    at = text.index("banneton")
    whole = fit_marked(text, [(at, at + 8)], 200, one_per_char)
    assert "".join(t for t, _m in whole) == text and ("banneton", True) in whole
    for width in (78, 60, 40, 20):  # the word would fall past the edge: the start is cut instead
        runs = fit_marked(text, [(at, at + 8)], width, one_per_char)
        shown = "".join(t for t, _m in runs)
        assert sum(one_per_char(t, m) for t, m in runs) <= width
        assert shown.startswith("…") and ("banneton", True) in runs
        assert shown.rstrip("…").lstrip("…") in text  # what is shown is the text itself, only cut
    runs = fit_marked("banneton then more words follow here", [(0, 8)], 20, one_per_char)
    assert runs[0] == ("banneton", True) and runs[-1] == ("…", False)
    assert sum(one_per_char(t, m) for t, m in runs) <= 20
    narrow = fit_marked(text, [(at, at + 8)], 8, one_per_char)
    assert sum(one_per_char(t, m) for t, m in narrow) <= 8


def test_a_photo_row_has_no_marks() -> None:
    result = SearchResult(path="/lib/photos/cat.jpg", kind=Kind.PHOTO, score=2.0, why="looks alike",
                          snippet="Photo photos cat", marks=((13, 16),), strength="good")
    line = marked_snippet_line(ResultItem(result, meta={"make": "Apple", "model": "iPhone 12"}, place="photos"))
    assert line.text == "Apple iPhone 12 · photos" and line.marks == []
