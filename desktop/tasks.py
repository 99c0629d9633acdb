"""Background work for the app: run a job off the GUI thread and hand the main thread either its result or
its error (Picard's ``run_task`` + ``to_main``), plus the two small tools that keep the GUI honest about
what comes back: ``Sequencer`` (results of an older request never overwrite newer ones) and ``Throttled``
(a stream of updates from another thread, coalesced to the latest value and delivered at a bounded rate).

Widgets never start threads themselves; they call ``run_task``.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Qt, QThreadPool, QTimer, Signal, Slot

log = logging.getLogger(__name__)

T = TypeVar("T")

ResultFn = Callable[[T], None]
ErrorFn = Callable[[BaseException], None]


class _Dispatcher(QObject):
    """Lives in the main thread; a queued signal carries callables there."""

    call = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.call.connect(self._run, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _run(self, fn: Callable[[], None]) -> None:
        fn()  # an exception here is a bug: it reaches sys.excepthook (and fails a pytest-qt test)


_dispatcher_lock = threading.Lock()
_dispatcher: _Dispatcher | None = None


def _get_dispatcher() -> _Dispatcher:
    global _dispatcher
    with _dispatcher_lock:
        if _dispatcher is None or not shiboken6.isValid(_dispatcher):
            app = QCoreApplication.instance()
            if app is None:
                raise RuntimeError("run_task/to_main need a QApplication")
            d = _Dispatcher()
            if d.thread() is not app.thread():
                d.moveToThread(app.thread())
            _dispatcher = d
        return _dispatcher


def to_main(fn: Callable[..., Any], *args: Any) -> None:
    """Call ``fn(*args)`` on the main thread, from any thread (always queued, never re-entrant)."""
    _get_dispatcher().call.emit(functools.partial(fn, *args))


def _log_error(exc: BaseException) -> None:
    log.error("background task failed: %s", exc, exc_info=(type(exc), exc, exc.__traceback__))


def run_task(job: Callable[[], T], on_result: ResultFn[T], on_error: ErrorFn | None = None, *,
             pool: QThreadPool | None = None, context: QObject | None = None) -> None:
    """Run ``job()`` on ``pool`` (default: the global pool). Exactly one of ``on_result(value)`` or
    ``on_error(exc)`` then runs on the main thread, unless ``context`` (a widget the callbacks belong to)
    has been deleted by then. Without ``on_error`` the error is logged with its traceback."""
    _get_dispatcher()  # created here, on the main thread, before any worker needs it
    fail = on_error or _log_error

    def deliver(fn: Callable[[Any], None], value: Any) -> None:
        if context is not None and not shiboken6.isValid(context):
            return
        fn(value)

    target = pool or QThreadPool.globalInstance()
    nice = _NICE.get(id(target), 0)

    def work() -> None:
        _lower_priority(nice)
        try:
            value = job()
        except BaseException as exc:  # handed to the main thread; nothing is swallowed
            to_main(deliver, fail, exc)
        else:
            to_main(deliver, on_result, value)

    target.start(work)


_NICE: dict[int, int] = {}  # id(pool) -> niceness its threads run at, above the GUI thread's
_thread = threading.local()


def make_pool(threads: int, name: str, nice: int = 0) -> QThreadPool:
    """A pool of ``threads`` workers. ``nice`` > 0 runs them below the GUI thread's priority (Linux: a
    thread's own nice value), so on a busy machine the window answers first and background work (searches,
    thumbnails, and the ONNX threads a search's models start, which inherit it) takes what is left."""
    pool = QThreadPool()
    pool.setMaxThreadCount(threads)
    pool.setObjectName(name)
    pool.setExpiryTimeout(-1)  # keep the few workers: per-thread resources (SQLite readers) stay bounded
    if nice:
        _NICE[id(pool)] = nice
    return pool


def _lower_priority(nice: int) -> None:
    """Once per worker thread: run it ``nice`` steps below the main thread (only this thread; best effort).
    A thread inherits its creator's value, so it is set, not added to."""
    if not nice or getattr(_thread, "niced", False):
        return
    _thread.niced = True
    try:
        main = threading.main_thread().native_id
        target = min(19, os.getpriority(os.PRIO_PROCESS, main or 0) + nice)
        tid = threading.get_native_id()
        if os.getpriority(os.PRIO_PROCESS, tid) < target:
            os.setpriority(os.PRIO_PROCESS, tid, target)
    except (AttributeError, OSError) as exc:  # not Linux, or not allowed: the thread keeps its priority
        log.debug("could not lower a worker thread's priority: %s", exc)


class Sequencer:
    """Numbers requests; only the newest one's answer is current (main thread only)."""

    def __init__(self) -> None:
        self._latest = 0

    def next(self) -> int:
        self._latest += 1
        return self._latest

    def is_current(self, number: int) -> bool:
        return number == self._latest

    @property
    def latest(self) -> int:
        return self._latest


_NOTHING = object()


class Throttled(QObject):
    """``put(value)`` from any thread; ``delivered(value)`` fires on the main thread with the newest value,
    at most once per ``interval_ms``. Values in between are dropped (progress is a state, not a log)."""

    delivered = Signal(object)

    def __init__(self, interval_ms: int = 150, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.interval_ms = interval_ms
        self._lock = threading.Lock()
        self._value: Any = _NOTHING
        self._scheduled = False
        self._last = 0.0

    def put(self, value: object) -> None:
        with self._lock:
            self._value = value
            if self._scheduled:
                return
            self._scheduled = True
        to_main(self._schedule)

    def flush(self) -> None:
        """Deliver a pending value now (main thread), e.g. before announcing that the job ended."""
        self._deliver()

    def _schedule(self) -> None:
        if not shiboken6.isValid(self):
            return
        wait_ms = max(0.0, self.interval_ms - (time.monotonic() - self._last) * 1000.0)
        QTimer.singleShot(int(wait_ms), self, self._deliver)

    def _deliver(self) -> None:
        with self._lock:
            value, self._value = self._value, _NOTHING
            self._scheduled = False
        if value is _NOTHING:
            return
        self._last = time.monotonic()
        self.delivered.emit(value)
