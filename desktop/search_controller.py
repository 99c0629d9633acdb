"""Runs searches off the GUI thread. Each search is numbered; an answer to an older one is dropped, so a
slow query never overwrites the results of a newer one. One search runs at a time: a request made while one
runs waits, and a newer request replaces a waiting one (only the newest is worth answering); a search that
runs past ``OVERTAKE_AFTER_MS`` (a voice query transcribing, a stuck disk) no longer holds the newest request
back, which then runs beside it. Searches that
ran side by side took both cores from the GUI thread on a 2-core machine while an index run was going:
stalls of 100-260 ms (``python -m bench --only gui``)."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal

from core.library import Library, Query, SearchResponse
from core.types import TroveError
from desktop.formatting import short_folder
from desktop.results_model import ResultItem
from desktop.tasks import Sequencer, run_task

log = logging.getLogger(__name__)

SearchFn = Callable[[Query], SearchResponse]
OVERTAKE_AFTER_MS = 1000


@dataclass(frozen=True, slots=True)
class SearchOutcome:
    number: int
    query: Query
    items: list[ResultItem]


class SearchController(QObject):
    started = Signal(int)  # request number
    finished = Signal(object)  # SearchOutcome of the newest request
    failed = Signal(int, object)  # request number, the exception (newest request only)
    stale = Signal(int)  # an older request's answer arrived late and was dropped

    def __init__(self, library: Library, pool: QThreadPool,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.pool = pool
        self.search_fn: SearchFn = library.search  # tests may slow one down
        self._seq = Sequencer()
        self._busy = False
        self._running = 0  # jobs on the pool (maybe for requests that are no longer current)
        self._waiting: tuple[int, Query] | None = None
        self._overtake = QTimer(self)
        self._overtake.setSingleShot(True)
        self._overtake.setInterval(OVERTAKE_AFTER_MS)
        self._overtake.timeout.connect(self._start_waiting)

    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def latest(self) -> int:
        return self._seq.latest

    def search(self, query: Query) -> int:
        number = self._seq.next()
        self._busy = True
        if self._running and self._overtake.isActive():  # the newest job started under a second ago
            self._waiting = (number, query)
        else:
            self._start(number, query)
        self.started.emit(number)
        return number

    def _start(self, number: int, query: Query) -> None:
        self._running += 1
        self._overtake.start()
        search_fn, library = self.search_fn, self.library

        def job() -> SearchOutcome:
            response = search_fn(query)
            details = library.file_details(r.path for r in response.results)
            roots = library.roots()
            items = []
            for r in response.results:
                d = details.get(r.path)
                items.append(ResultItem(r, d.thumbnail if d else None, d.meta if d else {},
                                        short_folder(os.path.dirname(r.path), roots)))
            return SearchOutcome(number, response.query, items)

        run_task(job, self._done, lambda exc: self._failed(number, exc), pool=self.pool, context=self)

    def _next(self) -> None:
        """A job ended: start the waiting request, if any."""
        self._running -= 1
        self._start_waiting()

    def _start_waiting(self) -> None:
        if self._waiting is not None:
            (number, query), self._waiting = self._waiting, None
            if self._seq.is_current(number):
                self._start(number, query)

    def cancel(self) -> None:
        """Forget whatever is in flight (the query was cleared)."""
        self._seq.next()
        self._busy = False
        self._waiting = None

    def _done(self, outcome: SearchOutcome) -> None:
        self._next()
        if not self._seq.is_current(outcome.number):
            log.debug("dropping the answer to search %d (newest is %d)", outcome.number, self._seq.latest)
            self.stale.emit(outcome.number)
            return
        self._busy = False
        self.finished.emit(outcome)

    def _failed(self, number: int, exc: BaseException) -> None:
        self._next()
        if not self._seq.is_current(number):
            self.stale.emit(number)
            return
        self._busy = False
        if not _is_environment_error(exc):
            log.error("search failed", exc_info=(type(exc), exc, exc.__traceback__))
        self.failed.emit(number, exc)


def _is_environment_error(exc: BaseException) -> bool:
    """Errors that say something about the input or the machine, not a bug: shown without a traceback."""
    return isinstance(exc, TroveError | OSError)
