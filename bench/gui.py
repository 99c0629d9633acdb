"""The app's GUI thread while a 400-file library indexes: the longest stall, with searching and scrolling.

The window is the real ``MainWindow`` over ``Library.open(isolated=True)`` (as ``trove-desktop`` opens it: the
index run is a child process), offscreen, on a library that already holds the sample library, so its ONNX
query models exist and are loaded, as in every start but the very first (``--quick`` skips that: then the
first searches load the query models in the app's process, torch included, and stall the window for
about half a second while its libraries load, which is what a library's first minute looks like). A 5 ms ``QTimer`` heartbeat runs on the GUI thread for the whole
run; every gap between two beats beyond the interval is time the GUI thread could not answer. Meanwhile a
search is started every 0.4 s (alternating queries, as Enter in the field starts one) and the
result list is scrolled to its end and back. Keys:

* ``gui_longest_stall_ms``: the longest gap between heartbeats minus the interval, while indexing ran
  (target < 50 ms); ``gui_stall_p99_ms``; ``gui_stalls_over_50ms``: how many gaps exceeded 50 ms;
* ``gui_idle_longest_stall_ms``: the same over 3 s with nothing running, for reference;
* ``gui_index_files`` / ``gui_index_s``: what was indexed and how long it took; ``gui_searches``: answered;
  ``gui_worst_stalls``: the longest stalls with what the status bar said at the time; ``gui_stall_stacks``:
  where every thread's Python code was during the longest stalls over 40 ms (a watchdog thread looks once
  per stall): the GUI thread waiting in the event loop while another thread holds the GIL or the cores.

Absolute numbers, for reading: nothing is asserted.
"""

from __future__ import annotations

import os
import random
import shutil
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from bench.common import percentile, rnd, say, temp_dir
from bench.media import photo_files, photo_library
from resources import sample_library

HEARTBEAT_MS = 5
STACK_AFTER_MS = 40  # a stall this long has every thread's stack taken once
PHOTOS = 48
NOTES = 352
QUERIES = ("garden", "kitchen renovation", "lisbon trip", "birthday party plans", "hiking boots", "invoice")
_WORDS = ("garden kitchen trip birthday party hiking boots invoice plumber budget recipe train ticket "
          "holiday lisbon beach tomato meeting notes shed paint window roof insurance school piano dentist "
          "coffee bread weekend family walk river bridge winter summer camera letter bank").split()


def _notes(root: Path, n: int) -> None:
    rng = random.Random(7)
    for i in range(n):
        words = [rng.choice(_WORDS) for _ in range(rng.randint(60, 240))]
        text = ". ".join(" ".join(words[j:j + 12]).capitalize() for j in range(0, len(words), 12)) + "."
        path = root / "notes" / f"folder-{i % 8}" / f"note-{i:03d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# Note {i}\n\n{text}\n", encoding="utf-8")


def _thread_name(ident: int) -> str:
    for t in threading.enumerate():
        if t.ident == ident:
            return t.name
    return str(ident)


def run(quick: bool = False) -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from core.library import Library
    from desktop.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    with temp_dir("gui") as tmp:
        root = tmp / "library"
        for f in photo_files(photo_library(PHOTOS)):
            dest = root / "photos" / f.parent.name / f.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, dest)
        _notes(root, NOTES // (4 if quick else 1))
        files = sum(1 for p in root.rglob("*") if p.is_file())
        lib = Library.open(tmp / "data", isolated=True)
        if not quick:  # as a library the app has opened before: query models prepared and loaded
            say("gui: preparing the query models on the sample library (not measured)")
            lib.add_root(sample_library())
            lib.index()
            lib.close()  # opened again as the app opens it: the window loads the query models its own way
            lib = Library.open(tmp / "data", isolated=True)
        t_open = time.monotonic()
        window = MainWindow(lib, auto_index=False, watch=False)
        window.resize(1200, 760)
        window.show()
        gaps: list[float] = []
        clock = QElapsedTimer()
        clock.start()
        last = [clock.nsecsElapsed()]

        worst: list[tuple[float, str]] = []  # the longest stalls and what the status bar said then

        def beat() -> None:
            now = clock.nsecsElapsed()
            gap = max(0.0, (now - last[0]) / 1e6 - HEARTBEAT_MS)
            gaps.append(gap)
            if gap > 20:
                worst.append((round(gap, 1), window.status.message.full_text()[:60]))
            last[0] = now

        gui_thread = threading.get_ident()
        stacks: list[tuple[float, str]] = []  # where the GUI thread was while it did not beat (one per stall)
        watching = [True]

        def watchdog() -> None:
            seen = None
            while watching[0]:
                time.sleep(0.01)
                age = (clock.nsecsElapsed() - last[0]) / 1e6
                if age > STACK_AFTER_MS and seen != last[0]:
                    frames = sys._current_frames()
                    where = []
                    for ident, frame in frames.items():
                        if ident == threading.get_ident():
                            continue
                        top = traceback.extract_stack(frame)[-3:][::-1]
                        name = "GUI" if ident == gui_thread else _thread_name(ident)
                        where.append(name + ": " + " < ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}"
                                                             for f in top))
                    stacks.append((round(age), " | ".join(sorted(where))))
                    seen = last[0]

        threading.Thread(target=watchdog, daemon=True).start()
        heart = QTimer()
        heart.setInterval(HEARTBEAT_MS)
        heart.timeout.connect(beat)

        def pump(seconds: float) -> None:
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                app.processEvents()
                time.sleep(0.001)

        pump(0.5)
        while not window.status.models.isHidden() and time.monotonic() - t_open < 60:
            pump(0.1)  # the window loads its query models (on its search pool, as at every start)
        heart.start()
        pump(3.0)
        idle = list(gaps)
        gaps.clear()
        searches = [0]
        window.results_shown.connect(lambda _n: searches.__setitem__(0, searches[0] + 1))
        done = [False]
        window.indexing.finished.connect(lambda _s: done.__setitem__(0, True))
        window.indexing.failed.connect(lambda _e: done.__setitem__(0, True))
        say("gui: indexing %d files with searches every 0.4 s", files)
        t0 = time.monotonic()
        window.indexing.index(add_roots=[str(root)])
        i = 0
        while not done[0] and time.monotonic() - t0 < 600:
            window.search_text(QUERIES[i % len(QUERIES)])  # what Enter in the field does
            bar = window.results_view.verticalScrollBar()
            bar.setValue(bar.maximum() if i % 2 else 0)
            i += 1
            pump(0.4)
        index_s = time.monotonic() - t0
        pump(1.0)
        heart.stop()
        watching[0] = False
        busy = list(gaps)
        window.shutdown()
        window.close()
        lib.close()
    return {
        "gui_longest_stall_ms": rnd(max(busy, default=0.0), 1),
        "gui_stall_p99_ms": rnd(percentile(busy, 99), 1) if busy else 0.0,
        "gui_stalls_over_50ms": sum(1 for g in busy if g > 50),
        "gui_idle_longest_stall_ms": rnd(max(idle, default=0.0), 1),
        "gui_index_files": files,
        "gui_index_s": rnd(index_s, 1),
        "gui_searches": searches[0],
        "gui_heartbeats": len(busy),
        "gui_worst_stalls": sorted(worst, reverse=True)[:5],
        "gui_stall_stacks": sorted(stacks, reverse=True)[:5],
    }
