"""The GUI is told, it does not ask: nothing the window does on the GUI thread runs SQL (a slow disk or a
long write must never freeze it)."""

from __future__ import annotations

import os
import sqlite3
import threading

import pytest
from pytestqt.qtbot import QtBot

import core.catalog
from core.library import Library
from desktop.main_window import MainWindow
from desktop.tasks import run_task
from tests.desktop.conftest import search


def test_the_gui_thread_never_queries_sqlite(qtbot: QtBot, lib: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    on_gui: list[str] = []

    def watch(conn: sqlite3.Connection) -> sqlite3.Connection:
        conn.set_trace_callback(
            lambda sql: on_gui.append(sql) if threading.current_thread() is threading.main_thread() else None)
        return conn

    for catalog in (lib.catalog, *lib._readers):
        watch(catalog.conn)
    real_connect = core.catalog.connect
    monkeypatch.setattr(core.catalog, "connect", lambda *args: watch(real_connect(*args)))

    w = MainWindow(lib, auto_index=False, watch=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    search(qtbot, w, "dentist")
    search(qtbot, w, "sunset beach")  # a photo preview, thumbnails
    qtbot.waitUntil(lambda: not w.preview.loading, timeout=10000)
    dialog = w.show_settings()
    dialog.close()
    w.indexing.refresh_counts()
    qtbot.waitUntil(lambda: w.status.message.full_text().startswith("Up to date"), timeout=10000)
    w.shutdown()
    assert on_gui == []


@pytest.mark.skipif(not hasattr(os, "setpriority"), reason="per-thread nice values are a Linux feature")
def test_background_pools_run_below_the_gui_threads_priority(qtbot: QtBot, window: MainWindow) -> None:
    """Searches, thumbnails and background jobs yield the cores to the GUI thread on a busy machine."""
    gui = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    seen: list[int] = []
    for pool in (window.search_pool, window.thumb_pool, window.background_pool):
        with qtbot.waitCallback(timeout=5000) as done:
            run_task(lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id()), done, pool=pool)
        seen.append(done.args[0])
    assert seen == [min(gui + 5, 19)] * 3
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == gui
