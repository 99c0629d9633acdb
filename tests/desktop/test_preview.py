"""The preview pane shows the right thing for each kind: a photo with its details, a note with the
matching passage highlighted and scrolled to, a recording's transcript with the matching segment marked."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel
from PySide6.QtGui import QTextCursor
from pytestqt.qtbot import QtBot

from core.types import Kind
from desktop.main_window import MainWindow
from desktop.preview import NoteView
from tests.desktop.conftest import search


def passage_in_view(note: NoteView) -> bool:
    """The first line of the highlighted passage lies inside the visible part of the note."""
    start = note.toPlainText().index("Shape the dough")
    cursor = QTextCursor(note.document())
    cursor.setPosition(start)
    rect = note.cursorRect(cursor)
    return rect.top() >= 0 and rect.bottom() <= note.viewport().height()


def select(qtbot: QtBot, window: MainWindow, name: str) -> None:
    row = next(i for i, item in enumerate(window.model.items()) if item.name == name)
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
    colours = {sel.format.background().color().name() for sel in note.extraSelections()}
    assert len(colours) == 2  # the passage, and the keyword inside it


def test_recording_preview_marks_the_matching_segment(qtbot: QtBot, window: MainWindow) -> None:
    search(qtbot, window, "milk bread")
    select(qtbot, window, "reminder.wav")
    rec = window.preview.recording
    assert window.preview.stack.currentWidget() is rec
    assert rec.list.count() == 2  # FakeSpeech makes two segments
    assert any("milk and bread" in text for text in rec.highlighted_segments())
    assert rec.list.currentItem() is not None and "0:0" in rec.list.currentItem().text()
    assert "Matched at 0:00" in rec.caption.text()


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
