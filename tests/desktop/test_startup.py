"""The window is there before any model: models load in the background with a visible state, a search
typed meanwhile runs when they are in, and the last text search comes back on the next start."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from core.library import Library
from desktop.main_window import MainWindow
from tests.desktop.conftest import names


class SlowLoad:
    """Makes loading the sentence model (inside the query encoders' lock, where real loading happens)
    wait until the test lets it go."""

    def __init__(self, lib: Library) -> None:
        self.gate = threading.Event()
        self.started = threading.Event()
        real = lib.query._onnx_sentence

        def load() -> object:
            self.started.set()
            assert self.gate.wait(30), "the test never released the load"
            return real()

        lib.query._onnx_sentence = load  # type: ignore[method-assign]


@pytest.fixture
def slow(lib: Library) -> Iterator[SlowLoad]:
    s = SlowLoad(lib)
    yield s
    s.gate.set()


def test_the_window_says_models_are_loading_and_a_typed_search_waits_for_them(
        qtbot: QtBot, lib: Library, slow: SlowLoad) -> None:
    w = MainWindow(lib, auto_index=False, watch=False)
    qtbot.addWidget(w)
    w.resize(1000, 700)
    w.show()
    qtbot.waitExposed(w)
    assert slow.started.wait(10)
    assert w.status.models.isVisible() and "Loading search models" in w.status.models.text()
    shown: list[int] = []
    w.results_shown.connect(shown.append)
    w.search_text("banneton")
    qtbot.wait(300)
    assert shown == [] and w.search.busy  # waiting for the models, not lost
    with qtbot.waitSignal(w.results_shown, timeout=15000):
        slow.gate.set()
    assert names(w)[0] == "sourdough.md"
    qtbot.waitUntil(lambda: not w.status.models.isVisible(), timeout=10000)
    w.shutdown()


def test_the_last_text_search_comes_back_on_the_next_start(qtbot: QtBot, lib: Library) -> None:
    first = MainWindow(lib, auto_index=False, watch=False)
    qtbot.addWidget(first)
    first.show()
    with qtbot.waitSignal(first.results_shown, timeout=10000):
        first.search_text("dentist")
    first.shutdown()
    again = MainWindow(lib, auto_index=False, watch=False)
    qtbot.addWidget(again)
    again.show()
    with qtbot.waitSignal(again.results_shown, timeout=10000):
        assert again.restore_last_query()
    assert again.query_bar.text() == "dentist"
    assert "dentist.txt" in names(again)
    assert (lib.data_dir / "desktop-state.ini").stat().st_mode & 0o077 == 0  # private, like the catalog
    again.shutdown()
