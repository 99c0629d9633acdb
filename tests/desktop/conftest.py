"""A tiny generated library indexed with the fake encoders, and a window over it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtGui import QFont
from pytestqt.qtbot import QtBot

from core.library import Library
from desktop.main_window import MainWindow
from tests.conftest import FakeEncoders, make_note, make_photo, make_wav

FILLER = ("The weather was mild and the walk along the river took most of the afternoon. We talked about "
          "the garden, the neighbours, the price of train tickets and whether the old bridge would be "
          "repaired before winter. Nothing much was decided. ")

# Forty short paragraphs before the passage: taller than any preview pane at any font, so whether the
# view must scroll to the passage does not depend on the machine's fonts or screen.
SOURDOUGH = (
    "# Sourdough\n\n" + "".join(f"Step {i}. {FILLER}\n\n" for i in range(40))
    + "Shape the dough and let it proof overnight in the banneton, dusted with rice flour so it "
    "releases cleanly in the morning.\n\n" + FILLER * 2
)

WINDOW_SIZE = (1200, 760)
FONT_PX = 13


@pytest.fixture
def media(tmp_path: Path) -> Path:
    root = tmp_path / "library"
    make_photo(root / "photos" / "beach" / "sunset-at-the-beach.jpg", color=(240, 140, 40),
               taken=datetime(2021, 7, 3, 20, 15), camera=("Canon", "Canon EOS 80D"), seed=1)
    make_photo(root / "photos" / "pets" / "black-cat-on-sofa.jpg", color=(30, 30, 30),
               taken=datetime(2022, 1, 9, 11, 0), camera=("Apple", "iPhone 12"), seed=2)
    make_note(root / "notes" / "sourdough.md", SOURDOUGH)
    make_note(root / "notes" / "dentist.txt", "Call the dentist on Monday to move the appointment.")
    make_wav(root / "recordings" / "reminder.wav", seconds=4.0,
             transcript="remember the dentist appointment on thursday then buy milk and bread")
    return root


@pytest.fixture
def lib(tmp_path: Path, media: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Library]:
    monkeypatch.delenv("TROVE_CLIP_WEIGHTS", raising=False)
    library = Library.open(tmp_path / "data", encoders=FakeEncoders())
    library.add_root(media)
    library.index()
    yield library
    library.close()


@pytest.fixture
def window(qtbot: QtBot, lib: Library) -> Iterator[MainWindow]:
    w = open_window(qtbot, lib)
    yield w
    w.shutdown()


def open_window(qtbot: QtBot, library: Library) -> MainWindow:
    """A window over ``library`` at the tests' size and font, shown (the caller shuts it down)."""
    w = MainWindow(library, auto_index=False, watch=False)
    qtbot.addWidget(w)
    font = QFont(w.font())  # one size in pixels whatever the machine's fonts and DPI
    font.setPixelSize(FONT_PX)
    w.setFont(font)
    w.resize(*WINDOW_SIZE)
    w.show()
    qtbot.waitExposed(w)
    return w


def search(qtbot: QtBot, window: MainWindow, text: str) -> list[str]:
    """Type ``text`` and wait for the (debounced) search's results; the file names shown. Results of an
    earlier search (the timeline refreshed when an index run ends) are not taken for them."""
    window.query_bar.field.clear()

    def answers_text(_n: int) -> bool:
        q = window.last_query
        return q is not None and q.text == (text.strip() or None)

    with qtbot.waitSignal(window.results_shown, timeout=10000, check_params_cb=answers_text):
        qtbot.keyClicks(window.query_bar.field, text)
    return names(window)


def names(window: MainWindow) -> list[str]:
    return [Path(p).name for p in window.model.paths()]
