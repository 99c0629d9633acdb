"""Image and voice queries: a dropped image file, a pasted image, a voice file whose transcript lands in
the field."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from core.library import Library
from desktop.main_window import MainWindow
from tests.conftest import FakeEncoders, make_wav
from tests.desktop.conftest import names, search


def focus_field(qtbot: QtBot, window: MainWindow) -> QLineEdit:
    """Give the search field keyboard focus, as a click would, and wait until it has it."""
    window.activateWindow()
    field = window.query_bar.field
    field.setFocus()
    qtbot.waitUntil(field.hasFocus, timeout=3000)
    return field


def drag_enter(pos: QPoint, mime: QMimeData) -> QDragEnterEvent:
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    try:
        return QDragEnterEvent(QPointF(pos), *args)  # PySide6 6.12+ (the QPoint form is deprecated there)
    except TypeError:
        return QDragEnterEvent(pos, *args)  # earlier PySide6 takes only a QPoint


def drop(window: MainWindow, mime: QMimeData) -> bool:
    """Drag ``mime`` over the window and drop it, as a file manager would; True if it was accepted."""
    pos = window.rect().center()
    enter = drag_enter(pos, mime)
    QApplication.sendEvent(window, enter)
    if not enter.isAccepted():
        return False
    event = QDropEvent(QPointF(pos), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, event)
    return event.isAccepted()


def test_dropping_an_image_file_searches_by_it(qtbot: QtBot, window: MainWindow, media: Path) -> None:
    sunset = media / "photos" / "beach" / "sunset-at-the-beach.jpg"
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(sunset))])
    with qtbot.waitSignal(window.results_shown, timeout=10000):
        assert drop(window, mime)
    assert window.query_bar.image_path() == str(sunset)
    chip = window.query_bar.chip
    assert chip.isVisible() and "sunset-at-the-beach.jpg" in chip.label.text()
    assert names(window)[0] == "sunset-at-the-beach.jpg"  # the same pixels match best
    assert "looks like your picture" in window.model.items()[0].result.why
    assert not window.drop_overlay.isVisible()
    # The chip's thumbnail arrives from the loader, and the chip can be removed.
    qtbot.waitUntil(lambda: not chip.thumb.pixmap().isNull(), timeout=5000)
    qtbot.mouseClick(chip.close_button, Qt.MouseButton.LeftButton)
    assert window.query_bar.image_path() is None and not chip.isVisible()


def test_a_drop_that_is_not_an_image_or_recording_is_refused(window: MainWindow, media: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(media / "notes" / "dentist.txt"))])
    assert not drop(window, mime)
    assert window.search.latest == 0


def test_dropping_a_recording_searches_by_voice(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    spoken = make_wav(tmp_path / "query.wav", transcript="dentist appointment")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(spoken))])
    with qtbot.waitSignal(window.results_shown, timeout=10000):
        assert drop(window, mime)
    assert window.query_bar.field.text() == "dentist appointment"


def test_pasting_an_image_searches_by_it(qtbot: QtBot, window: MainWindow, media: Path) -> None:
    cat = QImage(str(media / "photos" / "pets" / "black-cat-on-sofa.jpg"))
    assert not cat.isNull()
    QGuiApplication.clipboard().setImage(cat)
    field = focus_field(qtbot, window)
    with qtbot.waitSignal(window.results_shown, timeout=10000):
        qtbot.keyClick(field, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    pasted = window.query_bar.image_path()
    assert pasted is not None and pasted.endswith(".png") and Path(pasted).is_file()
    assert field.text() == ""  # the image went to the chip, not into the text
    assert names(window)[0] == "black-cat-on-sofa.jpg"
    window.shutdown()
    assert not Path(pasted).exists()  # the temporary copy is cleaned up


def test_pasting_an_image_file_url_searches_by_it(qtbot: QtBot, window: MainWindow, media: Path) -> None:
    sunset = media / "photos" / "beach" / "sunset-at-the-beach.jpg"
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(sunset))])
    QGuiApplication.clipboard().setMimeData(mime)
    search(qtbot, window, "dentist")
    window.activateWindow()
    window.results_view.setFocus()  # the window's own Ctrl+V, not the field's
    qtbot.waitUntil(window.results_view.hasFocus, timeout=3000)
    with qtbot.waitSignal(window.results_shown, timeout=10000):
        qtbot.keyClick(window.results_view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert window.query_bar.image_path() == str(sunset)


def test_pasting_text_still_pastes_text(qtbot: QtBot, window: MainWindow) -> None:
    QGuiApplication.clipboard().setText("milk")
    field = focus_field(qtbot, window)
    with qtbot.waitSignal(window.results_shown, timeout=10000):
        qtbot.keyClick(field, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClick(field, Qt.Key.Key_Return)
    assert field.text() == "milk"
    assert window.query_bar.image_path() is None


def test_voice_file_puts_the_transcript_in_the_field(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    spoken = make_wav(tmp_path / "question.wav", transcript="when is the dentist appointment")
    with qtbot.waitSignal(window.results_shown, timeout=10000):
        window.search_voice(str(spoken))
    assert window.query_bar.field.text() == "when is the dentist appointment"
    assert {"reminder.wav", "dentist.txt"} <= set(names(window))
    # The transcript is editable: changing it runs an ordinary text search.
    with qtbot.waitSignal(window.results_shown, timeout=10000):
        qtbot.keyClicks(window.query_bar.field, " milk")
    assert window.query_bar.field.text() == "when is the dentist appointment milk"
    last = window.last_query
    assert last is not None and last.voice_path is None and last.text == "when is the dentist appointment milk"
    assert "reminder.wav" in names(window)


def test_without_a_microphone_the_mic_button_says_so(window: MainWindow) -> None:
    from desktop.audio import has_audio_input

    mic = window.query_bar.mic_button
    if has_audio_input():  # a machine with a microphone: the button is live
        assert mic.isEnabled()
    else:
        assert not mic.isEnabled()
        assert "No microphone" in mic.toolTip() and "voice file" in mic.toolTip()


def test_drop_overlay_shows_while_dragging(window: MainWindow, media: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(media / "photos" / "beach" / "sunset-at-the-beach.jpg"))])
    enter = drag_enter(QPoint(10, 10), mime)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted() and window.drop_overlay.isVisible()


def test_image_query_without_clip_weights_says_what_to_do(qtbot: QtBot, tmp_path: Path, media: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TROVE_CLIP_WEIGHTS", raising=False)
    library = Library.open(tmp_path / "no-clip", encoders=FakeEncoders(with_image=False))
    library.add_root(media)
    library.index()
    w = MainWindow(library, auto_index=False, watch=False)
    qtbot.addWidget(w)
    try:
        with qtbot.waitSignal(w.search_failed, timeout=10000) as failed:
            w.search_image(str(media / "photos" / "pets" / "black-cat-on-sofa.jpg"))
        assert "needs the CLIP model" in failed.args[0]
        assert w.error_banner.isVisibleTo(w) and "Import model file" in w.error_banner.message.text()
        assert "Could not search" in w.empty.text()
        assert w.query_bar.image_path() is None and not w.query_bar.chip.isVisibleTo(w)
        assert search(qtbot, w, "banneton") == ["sourdough.md"]  # words still work
    finally:
        w.shutdown()
        library.close()


def test_recorder_level_meter_and_wav(tmp_path: Path) -> None:
    import math
    import wave
    from array import array

    from desktop.recorder import level_of, write_wav

    silence = array("h", [0] * 1600).tobytes()
    loud = array("h", [int(30000 * math.sin(i / 5)) for i in range(1600)]).tobytes()
    quiet = array("h", [int(300 * math.sin(i / 5)) for i in range(1600)]).tobytes()
    assert level_of(silence) == 0.0
    assert 0.0 < level_of(quiet) < level_of(loud) <= 1.0
    path = write_wav(tmp_path / "rec.wav", loud + quiet)
    with wave.open(str(path), "rb") as w:
        assert (w.getframerate(), w.getnchannels(), w.getnframes()) == (16000, 1, 3200)


def test_record_without_a_microphone_offers_the_file_route(window: MainWindow) -> None:
    from desktop.audio import has_audio_input

    if has_audio_input():
        pytest.skip("this machine has a microphone: the no-microphone path is not reachable here")
    assert window.record_voice() is None
    assert window.error_banner.isVisibleTo(window)
    assert "No microphone" in window.error_banner.message.text()
    assert "voice file" in window.error_banner.message.text()
