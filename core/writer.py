"""The one writer of an index run, and the throttle that turns its counts into progress events."""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from core.catalog import Catalog
from core.media import name_words
from core.scanner import display_path
from core.types import Chunk, IndexSummary, Progress
from core.vectors import VectorIndex
from core.work import Amend, Failed, Gone, Touch, Write

log = logging.getLogger(__name__)

ProgressFn = Callable[[Progress], None]


class Throttle:
    """Progress to the caller at most every 0.2 s (the GUI must not drown in events)."""

    def __init__(self, fn: ProgressFn | None, device: str) -> None:
        self.fn = fn
        self.device = device
        self.t0 = time.monotonic()
        self.last = 0.0
        self.start_done = 0

    def phase(self, phase: str, done: int, total: int, current: str = "", force: bool = True) -> None:
        if self.fn is None:
            return
        now = time.monotonic()
        if not force and now - self.last < 0.2 and (done < total or not total):  # the last step always shows
            return
        self.last = now
        elapsed = max(now - self.t0, 1e-6)
        rate = done / elapsed
        eta = (total - done) / rate if rate > 0 and total >= done else None
        try:
            self.fn(Progress(phase, done, total, rate, eta, self.device, current))
        except Exception:  # a broken progress consumer must not stop indexing
            log.exception("progress callback failed")


class Writer(threading.Thread):
    """The one writer: batches of items, one transaction per batch; the vector index follows each commit."""

    def __init__(self, catalog_path: Path, vectors: VectorIndex, summary: IndexSummary, emit: Throttle,
                 total: int) -> None:
        super().__init__(name="trove-writer", daemon=True)
        self.catalog_path = catalog_path
        self.vectors = vectors
        self.summary = summary
        self.emit = emit
        self.total = total
        self.done = 0
        self.queue: queue.Queue[object] = queue.Queue(maxsize=256)
        self.error: BaseException | None = None
        self._stop_token = object()

    def put(self, item: object) -> None:
        if self.error is None:
            self.queue.put(item)

    def finish(self) -> None:
        self.queue.put(self._stop_token)
        self.join()

    def run(self) -> None:
        catalog = Catalog(self.catalog_path)
        try:
            stop = False
            while not stop:
                items = [self.queue.get()]
                deadline = time.monotonic() + 0.25
                while len(items) < 64 and items[-1] is not self._stop_token and time.monotonic() < deadline:
                    try:
                        items.append(self.queue.get(timeout=max(0.0, deadline - time.monotonic())))
                    except queue.Empty:
                        break
                if items[-1] is self._stop_token or self._stop_token in items:
                    stop = True
                    items = [i for i in items if i is not self._stop_token]
                if items:
                    self._write(catalog, items)
        except BaseException as exc:  # surfaced to the caller, never swallowed
            if isinstance(exc, sqlite3.OperationalError | OSError):  # the machine's doing (a full disk)
                log.warning("the index writer stopped: %s", exc)
            else:  # a bug
                log.exception("the index writer failed")
            self.error = exc
            while True:  # drain so producers never block on a dead writer
                try:
                    if self.queue.get_nowait() is self._stop_token:
                        break
                except queue.Empty:
                    break
        finally:
            catalog.close()

    def _write(self, catalog: Catalog, items: list[object]) -> None:
        adds: list[tuple[int, Chunk]] = []
        removes: list[int] = []
        counts: dict[str, int] = {}
        last = ""
        with catalog.transaction() as conn:
            for item in items:
                if isinstance(item, Write):
                    removes.extend(catalog.chunk_ids_of(item.stat.path, conn))
                    if item.replaces:
                        removes.extend(catalog.remove_file(conn, item.replaces))
                    _, chunk_rows = catalog.put_file(
                        conn, path=item.stat.path, kind=item.stat.kind, size_bytes=item.stat.size_bytes,
                        mtime_ns=item.stat.mtime_ns, content_hash=item.content_hash, date_ts=item.date_ts,
                        meta=item.meta, thumbnail=item.thumbnail, visual_pending=item.visual_pending,
                        chunks=item.chunks, name=name_words(item.stat.path, item.stat.root),
                    )
                    adds.extend(chunk_rows)
                    counts[item.counted_as] = counts.get(item.counted_as, 0) + 1
                    last = item.stat.path
                elif isinstance(item, Touch):
                    catalog.touch_file(conn, item.file_id, item.stat.mtime_ns)
                    counts["unchanged"] = counts.get("unchanged", 0) + 1
                elif isinstance(item, Failed):
                    removes.extend(catalog.remove_file(conn, item.path))
                    catalog.record_failure(conn, item.path, item.reason, item.size_bytes, item.mtime_ns)
                    log.warning("skipping %s: %s", display_path(item.path), item.reason)
                    counts["failed"] = counts.get("failed", 0) + 1
                elif isinstance(item, Gone):
                    ids = catalog.remove_file(conn, item.path)
                    removes.extend(ids)
                    if ids:
                        counts["removed"] = counts.get("removed", 0) + 1
                elif isinstance(item, Amend):
                    done = catalog.amend_file(conn, item.file_id, item.content_hash, item.meta, item.from_ordinal,
                                              item.chunks)
                    if done is not None:
                        removes.extend(done[0])
                        adds.extend(done[1])
        # Committed: now the in-memory vector index follows (a crash here only makes the cache stale).
        self.vectors.remove(removes)
        self.vectors.add_all([(chunk_id, ch.visual, ch.visual_model, ch.textvec, ch.text_model)
                              for chunk_id, ch in adds])
        for key, n in counts.items():
            setattr(self.summary, key, getattr(self.summary, key) + n)
            if key != "removed":
                self.done += n
        if counts:  # the reading pass (Amend only) says its own progress
            self.emit.phase("indexing", min(self.done, self.total), self.total, last, force=False)
