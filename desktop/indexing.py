"""Indexing while the app runs: ``Library.index`` in the background with its progress turned into a
throttled Qt signal, pause and resume, and the core watcher keeping the index current afterwards."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QObject, QThreadPool, Signal

from core.library import IndexingStopped, IndexSummary, Library, Watching
from core.types import Progress
from desktop.tasks import Throttled, run_task

log = logging.getLogger(__name__)


class IndexingController(QObject):
    progress = Signal(object)  # core.types.Progress, at most every ~150 ms, on the main thread
    finished = Signal(object)  # IndexSummary of a run started here
    failed = Signal(object)  # the exception that stopped a run
    updated = Signal(object)  # IndexSummary of a watcher run: files changed on disk
    counts_changed = Signal(dict)  # {"photo": n, "note": n, "document": n, "recording": n}: files of each kind
    failures_changed = Signal(int)  # how many files could not be indexed
    running_changed = Signal(bool)
    paused_changed = Signal(bool)
    watching = Signal(bool)  # the watcher started (True) or stopped

    def __init__(self, library: Library, pool: QThreadPool, *, watch: bool = True,
                 quiet_s: float = 1.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.pool = pool
        self.watch = watch
        self.quiet_s = quiet_s
        self._progress = Throttled(150, self)
        self._progress.delivered.connect(self._on_progress)
        self._updates = Throttled(300, self)
        self._updates.delivered.connect(self._on_update)
        self._running = False
        self._again = False
        self._queued_roots: list[str] = []
        self._retry = False
        self._watcher: Watching | None = None
        self._watched_roots: list[str] = []
        self._watcher_busy = False
        self._shut = False
        self.last_progress: Progress | None = None

    # -- state ---------------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._running

    @property
    def paused(self) -> bool:
        return self.library.indexing_paused

    @property
    def watcher(self) -> Watching | None:
        return self._watcher

    def set_paused(self, paused: bool) -> None:
        if paused == self.paused:
            return
        self.library.pause_indexing(paused)
        self.paused_changed.emit(paused)

    # -- runs ----------------------------------------------------------------------------------------
    def index(self, add_roots: Iterable[str | Path] = (), retry_failed: bool = False) -> None:
        """Add ``add_roots`` to the library (if any) and bring the whole index up to date, in the background
        (``retry_failed``: also try again the files that failed before). A call while a run is going queues
        one more run after it."""
        if self._shut:
            return
        self._queued_roots.extend(str(p) for p in add_roots)
        self._retry = self._retry or retry_failed
        if self._running:
            self._again = True
            return
        roots, self._queued_roots = self._queued_roots, []
        retry, self._retry = self._retry, False
        self._running = True
        self.running_changed.emit(True)
        library, put = self.library, self._progress.put

        def job() -> IndexSummary:
            for root in roots:
                library.add_root(root)
            return library.index(progress=put, retry_failed=retry)

        run_task(job, self._done, self._failed, pool=self.pool, context=self)

    def _done(self, summary: IndexSummary) -> None:
        log.info("index run finished: %d added, %d updated, %d removed, %d failed, text in %d, in %.1f s",
                 summary.added, summary.updated, summary.removed, summary.failed, summary.with_text, summary.seconds)
        self._progress.flush()
        self._end_run()
        self.finished.emit(summary)
        self._after_run()

    def _failed(self, exc: BaseException) -> None:
        self._progress.flush()
        self._end_run()
        if not isinstance(exc, OSError | IndexingStopped):  # the machine's doing, not a bug: no traceback
            log.error("indexing failed", exc_info=(type(exc), exc, exc.__traceback__))
        self.failed.emit(exc)
        self._after_run()

    def _end_run(self) -> None:
        self._running = False
        self.running_changed.emit(False)

    def _after_run(self) -> None:
        self.refresh_counts()
        if self._shut:
            return
        if self._again:
            self._again = False
            self.index()
            return
        if self.watch:
            self.ensure_watcher()

    def _on_progress(self, p: Progress) -> None:
        self.last_progress = p
        self.progress.emit(p)

    def refresh_counts(self) -> None:
        if self._shut:
            return
        library = self.library

        def done(value: tuple[dict[str, int], int]) -> None:
            self.counts_changed.emit(value[0])
            self.failures_changed.emit(value[1])

        run_task(lambda: (library.counts(), library.failure_count()), done,
                 lambda exc: log.warning("counting failed: %s", exc), pool=self.pool, context=self)

    # -- the watcher -----------------------------------------------------------------------------------
    def ensure_watcher(self) -> None:
        """Watch the library's current folders (restarting the watcher when they changed)."""
        if self._shut or self._watcher_busy:
            return
        roots = self.library.roots()
        if self._watcher is not None and roots == self._watched_roots:
            return
        old, self._watcher = self._watcher, None
        self._watcher_busy = True
        library, quiet_s, put = self.library, self.quiet_s, self._updates.put

        def job() -> Watching:
            if old is not None:
                old.stop()
            w = library.watch(on_update=put, quiet_s=quiet_s)  # inotify over every folder: can take a while
            if self._shut:  # the app closed meanwhile
                w.stop()
                raise RuntimeError("the app is closing")
            return w

        def started(w: Watching) -> None:
            self._watcher_busy = False
            if self._shut:
                w.stop()
                return
            self._watcher, self._watched_roots = w, roots
            self.watching.emit(True)

        def failed(exc: BaseException) -> None:
            self._watcher_busy = False
            log.warning("cannot watch the library folders for changes: %s", exc)
            self.watching.emit(False)

        run_task(job, started, failed, pool=self.pool, context=self)

    def _on_update(self, summary: IndexSummary) -> None:
        self.updated.emit(summary)
        self.refresh_counts()

    # -- the end -----------------------------------------------------------------------------------------
    def shutdown(self, timeout_ms: int = 30000) -> None:
        """Stop the watcher and cancel a run (the index stays consistent); wait for the workers."""
        if self._shut:
            return
        self._shut = True
        self.library.cancel_indexing()
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None
        self.pool.waitForDone(timeout_ms)
