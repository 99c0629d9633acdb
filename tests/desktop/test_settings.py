"""Settings: folders added and removed, exclude patterns and the device, all persisted in the catalog."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from core.library import Library
from desktop.main_window import MainWindow
from tests.conftest import FakeEncoders, make_note
from tests.desktop.conftest import search


@pytest.fixture
def extra(tmp_path: Path) -> Path:
    folder = tmp_path / "more"
    make_note(folder / "kites.txt", "How to fly a stunt kite on the beach in strong wind.")
    return folder


def test_settings_are_saved_and_applied(qtbot: QtBot, lib: Library, media: Path, extra: Path) -> None:
    w = MainWindow(lib, auto_index=False, watch=False, pick_folder=lambda _parent: str(extra))
    qtbot.addWidget(w)
    w.show()
    try:
        dialog = w.show_settings()
        assert [dialog.folders.item(i).toolTip() for i in range(dialog.folders.count())] == [str(media)]
        qtbot.waitUntil(lambda: "installed" in dialog.model_labels["text"].text(), timeout=10000)
        assert "missing" in dialog.model_labels["clip"].text() and not dialog.import_button.isHidden()
        qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
        dialog.excludes.setPlainText("*.md\n")
        dialog.device.setCurrentIndex(dialog.device.findData("cpu"))
        save = dialog.buttons.button(dialog.buttons.StandardButton.Save)
        with qtbot.waitSignal(w.indexing.finished, timeout=30000), qtbot.waitSignal(dialog.saved, timeout=10000):
            qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
        # Persisted where core reads them: a second Library over the same data sees them.
        again = Library.open(lib.data_dir, encoders=FakeEncoders())
        try:
            assert again.roots() == sorted([str(media), str(extra)])
            assert again.catalog.get_setting("excludes") == "*.md"
            assert again.catalog.get_setting("device") == "cpu"
            assert "*.md" in again.excludes()
        finally:
            again.close()
        assert search(qtbot, w, "stunt kite") == ["kites.txt"]  # the new folder was indexed
        assert search(qtbot, w, "banneton") == []  # and *.md is now skipped
        assert w.query_bar.folders.findData(str(extra)) > 0  # the folder filter offers it

        dialog = w.show_settings()
        row = next(i for i in range(dialog.folders.count()) if dialog.folders.item(i).toolTip() == str(extra))
        dialog.folders.setCurrentRow(row)
        qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
        with qtbot.waitSignal(dialog.saved, timeout=30000):
            dialog.save()
        assert lib.roots() == [str(media)]
        if w.indexing.running:
            qtbot.waitSignal(w.indexing.finished, timeout=30000).wait()
        assert search(qtbot, w, "stunt kite") == []
    finally:
        w.shutdown()


def test_reading_text_in_photos_can_be_turned_off(qtbot: QtBot, lib: Library) -> None:
    w = MainWindow(lib, auto_index=False, watch=False)
    qtbot.addWidget(w)
    w.show()
    try:
        dialog = w.show_settings()
        box = dialog.read_text
        assert box.text() == "Read text in photos and scanned pages (OCR)"
        assert box.isChecked() and lib.settings().read_text  # on unless the person turns it off
        box.setChecked(False)
        dialog.follow_links.setChecked(True)
        with qtbot.waitSignal(dialog.saved, timeout=10000):
            dialog.save()
        assert lib.settings().read_text is False and lib.settings().follow_links_out is True
        again = Library.open(lib.data_dir, encoders=FakeEncoders())
        try:
            assert again.settings().read_text is False  # persisted where core reads it
        finally:
            again.close()
        assert w.show_settings().read_text.isChecked() is False  # and shown so the next time
    finally:
        w.shutdown()
