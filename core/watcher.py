"""Keep the index current: watchdog events, debounced, become targeted index runs."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from core.indexer import IndexSummary
from core.worker import IndexingStopped

if TYPE_CHECKING:
    from core.library import Library

log = logging.getLogger(__name__)


class Watcher(FileSystemEventHandler):
    """Collects changed paths; after ``quiet_s`` without new events, indexes exactly those paths (a
    moved file's old and new path arrive together, so it is recognised as a move)."""

    def __init__(self, library: Library, on_update: Callable[[IndexSummary], None] | None = None,
                 quiet_s: float = 1.0) -> None:
        self.library = library
        self.on_update = on_update
        self.quiet_s = quiet_s
        self._paths: set[str] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._observer = Observer()
        self._thread = threading.Thread(target=self._loop, name="trove-watch", daemon=True)

    def start(self) -> None:
        for root in self.library.roots():
            if os.path.isdir(root):
                self._observer.schedule(self, root, recursive=True)
        self._observer.start()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._observer.stop()
        self._observer.join(timeout=5)
        self._thread.join(timeout=30)

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        paths = [event.src_path, getattr(event, "dest_path", "")]
        with self._lock:
            self._paths.update(os.fsdecode(p) for p in paths if p)
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            # Debounce: wait until no event arrives for quiet_s.
            while self._wake.is_set() and not self._stop.is_set():
                self._wake.clear()
                self._stop.wait(self.quiet_s)
            with self._lock:
                paths, self._paths = self._paths, set()
            if not paths or self._stop.is_set():
                continue
            try:
                summary = self.library.index(sorted(paths))
                if self.on_update is not None:
                    self.on_update(summary)
            except IndexingStopped as exc:  # the indexing process crashed or was killed: the next change retries
                log.warning("updating the index after changes stopped: %s", exc)
            except Exception:
                log.exception("updating the index after changes failed")
