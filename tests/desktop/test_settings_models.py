"""The settings dialog: exclude patterns are plain editable text (the built-in ones listed apart, the hint a
sentence, not greyed patterns); the Models tab imports or downloads CLIP weights and says when the weights
are random test weights."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from core.library import DEFAULT_EXCLUDES, Library
from core.types import Settings
from desktop.settings_dialog import SettingsDialog
from desktop.tasks import make_pool
from tests.conftest import FakeEncoders


@pytest.fixture
def open_library(tmp_path: Path) -> Iterator[Any]:
    opened: list[Library] = []

    def open_it() -> Library:
        library = Library.open(tmp_path / "data", encoders=FakeEncoders())
        opened.append(library)
        return library

    yield open_it
    for library in opened:
        library.close()


def dialog_for(qtbot: QtBot, library: Library, **kw: Any) -> SettingsDialog:
    pool = make_pool(1, "test-settings")
    dialog = SettingsDialog(library, pool, **kw)
    qtbot.addWidget(dialog)
    dialog.resize(620, 460)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.model_labels["clip"].text() != "…", timeout=10000)
    return dialog


def test_exclude_patterns_are_editable_text_and_the_hint_is_not_a_pattern(qtbot: QtBot, open_library: Any,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TROVE_CLIP_WEIGHTS", raising=False)
    library = open_library()
    library.save_settings(Settings(excludes=("*.tmp", "Private")))
    dialog = dialog_for(qtbot, library)
    edit = dialog.excludes
    assert edit.toPlainText() == "*.tmp\nPrivate"  # the person's patterns, as text
    assert edit.isEnabled() and not edit.isReadOnly()
    hint = edit.placeholderText()
    assert hint and not set(hint.replace(",", "\n").split()) & set(DEFAULT_EXCLUDES), hint
    # The built-in patterns are listed apart, as a label in normal text, all of them.
    builtin = dialog.builtin_excludes
    assert not builtin.isHidden() and builtin.isEnabled()
    assert all(p in builtin.text() for p in DEFAULT_EXCLUDES)
    assert edit.geometry().bottom() <= builtin.geometry().top()  # under the box, not inside it
    edit.setPlainText("")  # emptied: the hint shows, and what is saved is nothing
    assert dialog.change().excludes == ""


def test_random_test_weights_are_flagged_and_can_be_replaced(qtbot: QtBot, open_library: Any,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TROVE_CLIP_WEIGHTS", "random")
    calls: list[str] = []
    dialog = dialog_for(qtbot, open_library(), import_clip=lambda: calls.append("import"),
                        download_clip=lambda: calls.append("download"))
    assert not dialog.test_weights.isHidden()
    assert "Test weights: photos are not understood" in dialog.test_weights.text()
    assert "random test weights" in dialog.model_labels["clip"].text()
    assert not dialog.import_button.isHidden() and not dialog.download_button.isHidden()
    assert dialog.import_button.text() == "Import CLIP weights…" and dialog.download_button.text() == "Download…"
    with qtbot.waitSignal(dialog.import_requested):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(dialog.download_requested):
        qtbot.mouseClick(dialog.download_button, Qt.MouseButton.LeftButton)
    assert calls == ["import", "download"]


def test_missing_weights_offer_import_and_download(qtbot: QtBot, open_library: Any,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TROVE_CLIP_WEIGHTS", raising=False)
    dialog = dialog_for(qtbot, open_library())
    assert "missing" in dialog.model_labels["clip"].text()
    assert dialog.test_weights.isHidden()
    assert not dialog.import_button.isHidden() and not dialog.download_button.isHidden()


def test_real_weights_offer_to_replace_them_only(qtbot: QtBot, open_library: Any,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TROVE_CLIP_WEIGHTS", raising=False)
    library = open_library()
    real = {"clip": {"arch": "ViT-B-32", "present": True, "source": "imported from clip.pt", "file": "/m/clip.pt"}}
    monkeypatch.setattr(library.models, "describe", lambda: real)
    dialog = dialog_for(qtbot, library)
    assert "installed" in dialog.model_labels["clip"].text() and dialog.test_weights.isHidden()
    assert dialog.import_button.text() == "Replace CLIP weights…" and dialog.download_button.isHidden()
    dialog.model_labels["clip"].setText("…")
    dialog.refresh_models()  # after an import: read again
    qtbot.waitUntil(lambda: "installed" in dialog.model_labels["clip"].text(), timeout=5000)
