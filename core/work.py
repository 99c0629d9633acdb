"""What passes between the indexing stages: the decode pool's verdict on each file, and what the
encoder stage hands the writer."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from core.catalog import FileRow
from core.types import Chunk, Extracted, FileStat


@dataclass(slots=True)
class Fresh:  # decoded, needs encoding
    extracted: Extracted
    replaces: str | None = None  # path of a vanished file with this content: a move (the old row goes)
    existed: bool = False


@dataclass(slots=True)
class Reuse:  # same content as a file already in the catalog: reuse its chunks
    stat: FileStat
    source: FileRow
    replaces: str | None  # source path when the source is gone (a move), else None (a copy)
    existed: bool


@dataclass(slots=True)
class Touch:  # same path, same content, new mtime
    stat: FileStat
    file_id: int


@dataclass(slots=True)
class Failed:
    path: str
    reason: str
    size_bytes: int | None
    mtime_ns: int | None


@dataclass(slots=True)
class Gone:  # vanished between scan and decode
    path: str


@dataclass(slots=True)
class Write:  # what the encoder stage hands the writer for one file
    stat: FileStat
    content_hash: str
    date_ts: float
    meta: dict[str, Any]
    thumbnail: str | None
    visual_pending: bool
    chunks: list[Chunk]
    replaces: str | None
    counted_as: str  # added | updated | moved


@dataclass(slots=True)
class Amend:  # text read in an indexed photo or scanned pages: its chunks from ``from_ordinal`` and its meta
    file_id: int
    path: str
    content_hash: str  # as read: a file changed since is left alone
    meta: dict[str, Any]
    from_ordinal: int
    chunks: list[Chunk]


class LookAhead:
    """Jobs submitted to ``pool`` ahead of the stage that takes their results, at most ``size`` at a time,
    taken in order (the indexer's decodes, the reading pass's small decodes)."""

    def __init__(self, pool: ThreadPoolExecutor, job: Callable[..., object],
                 todo: Iterable[tuple[Any, Any]], size: int) -> None:
        self._pool, self._job, self._todo, self._size = pool, job, iter(todo), size
        self._pending: deque[Future[object]] = deque()
        self._fill()

    def __bool__(self) -> bool:
        return bool(self._pending)

    def take(self) -> object:
        """The oldest job's result (waiting for it), topping the window up."""
        result = self._pending.popleft().result()
        self._fill()
        return result

    def cancel(self) -> None:
        for f in self._pending:
            f.cancel()
        self._pending.clear()

    def _fill(self) -> None:
        while len(self._pending) < self._size:
            nxt = next(self._todo, None)
            if nxt is None:
                return
            self._pending.append(self._pool.submit(self._job, nxt[0], nxt[1]))


class Prefetch:
    """Batches made ready by ``prepare`` in a thread of its own, at most ``depth`` ahead of the stage that
    takes them: on a GPU the next batch of photos decodes while this one is encoded. Iterate to take them
    in order; an exception in the thread comes out of the iteration. ``close`` stops the thread (after the
    batch it is on) and must be called before anything ``batches`` reads from is cancelled."""

    _END = object()

    def __init__(self, batches: Iterator[list[object]], prepare: Callable[[list[object]], list[object]],
                 depth: int = 2, name: str = "trove-prefetch") -> None:
        self._batches, self._prepare = batches, prepare
        self._queue: queue.Queue[tuple[object, BaseException | None]] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            for batch in self._batches:
                if self._stop.is_set():
                    return
                self._put((self._prepare(batch), None))
        except BaseException as exc:  # handed to the taking stage, which raises it
            self._put((None, exc))
        finally:
            self._put((self._END, None))

    def _put(self, item: tuple[object, BaseException | None]) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def __iter__(self) -> Iterator[list[object]]:
        while True:
            value, error = self._queue.get()
            if error is not None:
                raise error
            if value is self._END:
                return
            yield value  # type: ignore[misc]

    def close(self) -> None:
        self._stop.set()
        while self._thread.is_alive():
            with contextlib.suppress(queue.Empty):
                self._queue.get(timeout=0.1)
        self._thread.join()
