"""Indexing inside the app: progress reaches the status bar, pause and resume, the watcher brings new files
into the results, the first-run welcome view, and the banner for missing CLIP weights."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from core.library import Library
from core.types import Progress
from desktop.indexing_status import progress_text
from desktop.main_window import CLIP_MISSING, MainWindow
from tests.conftest import FakeEncoders, make_note, make_photo
from tests.desktop.conftest import names, search


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Library]:
    """A library with no folders and nothing indexed."""
    monkeypatch.delenv("TROVE_CLIP_WEIGHTS", raising=False)
    library = Library.open(tmp_path / "fresh-data", encoders=FakeEncoders())
    yield library
    library.close()


def open_window(qtbot: QtBot, library: Library, **kw: object) -> MainWindow:
    w = MainWindow(library, **kw)  # type: ignore[arg-type]
    qtbot.addWidget(w)
    w.show()
    return w


def test_progress_signals_arrive_during_indexing(qtbot: QtBot, fresh: Library, media: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    fresh.add_root(media)
    seen: list[Progress] = []
    # What the run reports, before the window's 150 ms throttle keeps only the newest state (with fake
    # encoders the whole run can fit in one interval, so the window alone may never see "indexing 0 of 5").
    reported: list[Progress] = []
    index = fresh.index

    def recording_index(*args: object, progress: object = None, **kw: object) -> object:
        def both(p: Progress) -> None:
            reported.append(p)
            progress(p)  # type: ignore[operator]
        return index(*args, progress=both, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(fresh, "index", recording_index)
    w = open_window(qtbot, fresh, auto_index=False, watch=False)
    w.indexing.progress.connect(seen.append)
    try:
        with qtbot.waitSignal(w.indexing.finished, timeout=30000) as done:
            w.indexing.index()
            assert w.indexing.running
        summary = done.args[0]
        assert summary.added == 5
        assert seen, "no progress reached the window"
        assert seen[-1].phase == "done" and seen[-1].done == seen[-1].total == 5
        assert seen[-1].device == "cpu"
        # The count shows before the first file is done (while the models load), not a busy bar alone.
        first = next(p for p in reported if p.phase == "indexing")
        assert (first.done, first.total) == (0, 5)
        assert progress_text(first) == "Indexing 0 of 5 · starting (loading the models)"
        qtbot.waitUntil(lambda: "photos" in w.status.message.full_text(), timeout=5000)
        # What the run did, then what the library holds.
        text = w.status.message.full_text()
        assert re.fullmatch(r"Indexed 5 new in \d+:\d\d · Up to date · 2 photos · 2 notes · 1 recording", text), text
        assert not w.indexing.running and not w.status.bar.isVisible()
    finally:
        w.shutdown()


def test_pause_and_resume(qtbot: QtBot, fresh: Library, media: Path) -> None:
    fresh.add_root(media)
    w = open_window(qtbot, fresh, auto_index=False, watch=False)
    try:
        w.indexing.set_paused(True)
        assert fresh.indexer.pause.is_set()
        with qtbot.waitSignal(w.indexing.progress, timeout=10000):
            w.indexing.index()  # scans, then waits before encoding anything
        assert w.status.pause_button.isVisible() and w.status.pause_button.text() == "Resume"
        assert w.status.message.full_text().startswith("Paused")
        with qtbot.waitSignal(w.indexing.finished, timeout=30000) as done:
            qtbot.mouseClick(w.status.pause_button, Qt.MouseButton.LeftButton)  # resume
        assert not fresh.indexer.pause.is_set()
        assert done.args[0].added == 5
    finally:
        w.shutdown()


def test_searching_works_while_indexing_runs(qtbot: QtBot, fresh: Library, media: Path) -> None:
    fresh.add_root(media)
    w = open_window(qtbot, fresh, auto_index=False, watch=False)
    try:
        w.indexing.set_paused(True)
        w.indexing.index()
        assert search(qtbot, w, "banneton") == []  # nothing indexed yet, and the window answers
        assert "indexing is still running" in w.empty.text()
        with qtbot.waitSignal(w.results_shown, timeout=30000):  # results refresh when the run ends
            w.indexing.set_paused(False)
        qtbot.waitUntil(lambda: names(w) == ["sourdough.md"], timeout=30000)
    finally:
        w.shutdown()


def test_a_file_added_to_a_watched_folder_appears_in_results(qtbot: QtBot, lib: Library, media: Path) -> None:
    w = open_window(qtbot, lib, auto_index=False, watch=True, watcher_quiet_s=0.3)
    try:
        qtbot.waitSignal(w.indexing.watching, timeout=10000).wait() if w.indexing.watcher is None else None
        assert search(qtbot, w, "lanterns") == []
        with qtbot.waitSignal(w.library_updated, timeout=30000):
            make_note(media / "notes" / "festival.md", "Paper lanterns and boats for the autumn festival.")
        qtbot.waitUntil(lambda: "festival.md" in names(w), timeout=30000)
    finally:
        w.shutdown()


def test_welcome_view_with_no_folders(qtbot: QtBot, fresh: Library, media: Path) -> None:
    w = open_window(qtbot, fresh, auto_index=True, watch=False, pick_folder=lambda _parent: str(media))
    try:
        assert w.pages.currentWidget() is w.welcome
        assert not w.query_bar.isVisible()
        assert w.welcome.sample_button.isEnabled()
        with qtbot.waitSignal(w.indexing.finished, timeout=30000):
            qtbot.mouseClick(w.welcome.add_button, Qt.MouseButton.LeftButton)
            assert w.pages.currentWidget() is w.splitter  # usable at once, while indexing runs
            assert w.query_bar.isVisible()
        assert fresh.roots() == [str(media)]
        assert search(qtbot, w, "banneton") == ["sourdough.md"]
    finally:
        w.shutdown()


def test_welcome_offers_the_sample_library(qtbot: QtBot, fresh: Library) -> None:
    w = open_window(qtbot, fresh, auto_index=True, watch=False)
    try:
        with qtbot.waitSignal(w.welcome.folders_chosen, timeout=3000) as chosen:
            w.welcome.folders_chosen.disconnect(w.add_folders)  # check the offer, skip indexing it
            qtbot.mouseClick(w.welcome.sample_button, Qt.MouseButton.LeftButton)
        sample = Path(chosen.args[0][0])
        assert sample.name == "sample-library" and (sample / "photos").is_dir()
    finally:
        w.shutdown()


def test_missing_clip_weights_banner_and_a_failed_import(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    assert not window.library.clip.present
    assert window.banner.isVisible()
    assert window.banner.message.text() == CLIP_MISSING
    assert "Import model file…" in window.banner.buttons
    bogus = tmp_path / "weights.txt"
    bogus.write_text("not a checkpoint")
    button = window.banner.buttons["Import model file…"]
    window.import_clip_file(bogus)
    assert not button.isEnabled()  # busy, in the background
    qtbot.waitUntil(lambda: button.isEnabled(), timeout=10000)
    assert "Could not import the model" in window.banner.message.text()
    assert "expected an open_clip checkpoint" in window.banner.message.text()
    assert window.banner.property("error") is True
    search(qtbot, window, "dentist")  # nothing was blocked meanwhile


def test_download_without_a_network_says_to_import(qtbot: QtBot, window: MainWindow,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TROVE_NO_NETWORK", "1")  # tests never touch the network
    button = window.banner.buttons["Download…"]
    window.download_clip_now()
    # The job imports open_clip first (seconds on a busy 2-core machine; nothing else loads it any more).
    qtbot.waitUntil(lambda: button.isEnabled(), timeout=60000)
    assert "Could not download the model" in window.banner.message.text()
    assert "trove models import FILE" in window.banner.message.text()


def test_failed_files_are_listed_with_reasons_and_can_be_retried(qtbot: QtBot, fresh: Library, media: Path) -> None:
    broken = media / "photos" / "broken.jpg"
    broken.write_bytes(b"this is not a jpeg")
    fresh.add_root(media)
    w = open_window(qtbot, fresh, auto_index=False, watch=False)
    try:
        with qtbot.waitSignal(w.indexing.failures_changed, timeout=30000,
                              check_params_cb=lambda n: n == 1):
            w.indexing.index()
        button = w.status.failures_button
        assert button.isVisible() and button.text() == "1 file failed"
        with qtbot.waitSignal(w.status.failures_requested):
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        dialog = w.failures
        assert dialog is not None and dialog.isVisible() and not dialog.isModal()
        qtbot.waitUntil(lambda: dialog.tree.topLevelItemCount() == 1, timeout=5000)
        row = dialog.tree.topLevelItem(0)
        assert row.text(0) == "broken.jpg" and "not an image" in row.text(1)
        make_photo(broken, seed=9)  # replaced by a good photo: trying again indexes it
        with qtbot.waitSignal(dialog.loaded, timeout=30000, check_params_cb=lambda n: n == 0):
            qtbot.mouseClick(dialog.retry_button, Qt.MouseButton.LeftButton)
        assert dialog.caption.text() == "Every file was indexed."
        qtbot.waitUntil(lambda: not button.isVisible(), timeout=5000)
    finally:
        w.shutdown()
