"""The preview pane shows the right thing for each kind: a photo with its details, a note with the
matched passage highlighted, its best sentence more and the query's words most, scrolled to; a
recording's transcript with every segment of the matched window marked, the best one more, playing from
the best one."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel
from PySide6.QtGui import QTextCursor
from pytestqt.qtbot import QtBot

from core.types import Kind
from desktop import theme
from desktop.main_window import MainWindow
from desktop.preview import SEGMENT_GAP, MarksRole, MatchRole, NoteView
from tests.desktop.conftest import search


def passage_in_view(note: NoteView) -> bool:
    """The first line of the highlighted passage lies inside the visible part of the note."""
    start = note.toPlainText().index("Shape the dough")
    cursor = QTextCursor(note.document())
    cursor.setPosition(start)
    rect = note.cursorRect(cursor)
    return rect.top() >= 0 and rect.bottom() <= note.viewport().height()


def select(qtbot: QtBot, window: MainWindow, name: str) -> None:
    row = window.model.row_of(next(p for p in window.model.paths() if p.endswith("/" + name)))
    assert row is not None
    if window.results_view.currentIndex().row() == row:  # the top result is previewed already
        qtbot.waitUntil(lambda: not window.preview.loading, timeout=10000)
        return
    with qtbot.waitSignal(window.preview.loaded, timeout=10000):
        window.results_view.selectionModel().setCurrentIndex(
            window.model.index(row), QItemSelectionModel.SelectionFlag.ClearAndSelect)


def test_photo_preview_shows_the_photo_with_date_camera_and_folder(qtbot: QtBot, window: MainWindow) -> None:
    search(qtbot, window, "sunset beach")
    select(qtbot, window, "sunset-at-the-beach.jpg")
    pane = window.preview
    assert pane.stack.currentWidget() is pane.photo
    assert pane.title.full_text() == "sunset-at-the-beach.jpg"
    fields = {k: v.text() for k, v in pane.photo.fields.items()}
    assert fields["Taken"] == "3 July 2021, 20:15"
    assert fields["Camera"] == "Canon EOS 80D"
    assert fields["Size"] == "320 × 240"
    assert fields["Folder"].endswith("photos/beach")
    pixmap = pane.photo.canvas.pixmap()
    assert pixmap is not None and (pixmap.width(), pixmap.height()) == (320, 240)  # the full image, not the thumb


def test_note_preview_highlights_and_scrolls_to_the_passage(qtbot: QtBot, window: MainWindow) -> None:
    search(qtbot, window, "banneton")
    select(qtbot, window, "sourdough.md")
    note = window.preview.note
    assert window.preview.stack.currentWidget() is note
    assert "proof overnight in the banneton" in note.highlighted_text()
    assert note.toPlainText().startswith("# Sourdough")
    # The passage is far down the note (below forty paragraphs): the view scrolls until it is in sight.
    qtbot.waitUntil(lambda: passage_in_view(note), timeout=5000)
    assert note.verticalScrollBar().value() > 0


def test_note_preview_highlights_the_best_sentence_more_and_the_words_most(qtbot: QtBot,
                                                                          window: MainWindow) -> None:
    search(qtbot, window, "banneton")
    select(qtbot, window, "sourdough.md")
    note = window.preview.note
    sentence = ("Shape the dough and let it proof overnight in the banneton, dusted with rice flour so it "
                "releases cleanly in the morning.")
    assert note.sentence_text() == sentence
    shades: dict[str, set[str]] = {}  # colour -> the highlighted texts
    for sel in note.extraSelections():
        shades.setdefault(sel.format.background().color().name(), set()).add(sel.cursor.selectedText())
    assert shades[theme.HIGHLIGHT_SENTENCE] == {sentence}
    assert shades[theme.HIGHLIGHT_STRONG] == {"banneton"}
    assert any(text.startswith("Step 38.") for text in shades[theme.HIGHLIGHT])  # the rest of the passage
    assert len({theme.HIGHLIGHT, theme.HIGHLIGHT_SENTENCE, theme.HIGHLIGHT_STRONG}) == 3
    qtbot.waitUntil(lambda: passage_in_view(note), timeout=5000)  # scrolled to the sentence


def test_a_note_listed_only_for_the_filter_is_shown_without_highlights(qtbot: QtBot, window: MainWindow) -> None:
    search(qtbot, window, "banneton")
    with qtbot.waitSignal(window.results_shown, timeout=10000):
        window.query_bar.kinds.set_kind(Kind.NOTE)
    select(qtbot, window, "dentist.txt")
    note = window.preview.note
    assert note.toPlainText().startswith("Call the dentist")
    assert note.extraSelections() == [] and note.highlighted_text() == "" and note.sentence_text() == ""


def test_recording_preview_marks_the_whole_window_and_plays_from_the_best_segment(
        qtbot: QtBot, window: MainWindow) -> None:
    search(qtbot, window, "milk bread")
    select(qtbot, window, "reminder.wav")
    rec = window.preview.recording
    result = window.preview.item.result if window.preview.item else None
    assert result is not None and (result.start_s, result.window_start_s) == (2.0, 0.0)
    assert window.preview.stack.currentWidget() is rec
    assert rec.list.count() == 2  # FakeSpeech makes two segments, both inside the matched window
    assert rec.highlighted_segments() == ["remember the dentist appointment on", "thursday then buy milk and bread"]
    assert rec.best_segments() == ["thursday then buy milk and bread"]
    first, second = rec.list.item(0), rec.list.item(1)
    assert (first.data(MatchRole), second.data(MatchRole)) == ("window", "best")
    body = second.text().split(SEGMENT_GAP, 1)[1]
    assert [body[a:b] for a, b in second.data(MarksRole)] == ["milk", "bread"]
    assert not first.data(MarksRole)
    assert rec.list.currentItem() is second
    assert rec.caption.text().startswith("Matched at 0:02 (best) in 0:00–0:04")
    with qtbot.waitSignal(rec.segment_activated, timeout=3000) as started:
        rec.play_button.clicked.emit()
    assert started.args == [2.0]


def test_a_recording_listed_only_for_the_filter_marks_nothing_and_plays_from_the_start(qtbot: QtBot, window: MainWindow) -> None:
    search(qtbot, window, "banneton")
    with qtbot.waitSignal(window.results_shown, timeout=10000):
        window.query_bar.kinds.set_kind(Kind.RECORDING)
    select(qtbot, window, "reminder.wav")
    rec = window.preview.recording
    assert rec.highlighted_segments() == [] and rec.best_segments() == []
    assert all(rec.list.item(i).data(MatchRole) is None for i in range(rec.list.count()))
    assert rec.caption.text().startswith("Transcript")
    assert rec.play_button.text() == "Play"  # from the start: there is no match to play from
    with qtbot.waitSignal(rec.segment_activated, timeout=3000) as started:
        rec.play_button.clicked.emit()
    assert started.args == [0.0]


def test_clicking_a_segment_asks_to_play_from_its_start(qtbot: QtBot, window: MainWindow) -> None:
    search(qtbot, window, "milk bread")
    select(qtbot, window, "reminder.wav")
    rec = window.preview.recording
    second = rec.list.item(1)
    with qtbot.waitSignal(rec.segment_activated, timeout=3000) as started:
        rec.list.itemClicked.emit(second)
    assert started.args == [2.0]  # the 4 s recording's second half
    if not rec.player.available:
        assert not rec.play_button.isEnabled() and "No audio output" in rec.play_button.toolTip()


def test_preview_follows_the_selection_and_clears(qtbot: QtBot, window: MainWindow) -> None:
    search(qtbot, window, "dentist")
    kinds = {item.kind for item in window.model.items()}
    assert {Kind.NOTE, Kind.RECORDING} <= kinds
    assert window.preview.item is not None  # the top result is previewed at once
    search(qtbot, window, "zeppelin")
    assert window.preview.item is None and not window.preview.header.isVisible()
