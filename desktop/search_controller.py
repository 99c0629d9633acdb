"""Runs searches off the GUI thread. Each search is numbered; an answer to an older one is dropped, so a
slow query never overwrites the results of a newer one."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QThreadPool, Signal

from core.library import Library, Query, SearchResponse
from core.types import TroveError
from desktop.formatting import short_folder
from desktop.results_model import ResultItem
from desktop.tasks import Sequencer, run_task

log = logging.getLogger(__name__)

SearchFn = Callable[[Query], SearchResponse]


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

    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def latest(self) -> int:
        return self._seq.latest

    def search(self, query: Query) -> int:
        number = self._seq.next()
        self._busy = True
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
        self.started.emit(number)
        return number

    def cancel(self) -> None:
        """Forget whatever is in flight (the query was cleared)."""
        self._seq.next()
        self._busy = False

    def _done(self, outcome: SearchOutcome) -> None:
        if not self._seq.is_current(outcome.number):
            log.debug("dropping the answer to search %d (newest is %d)", outcome.number, self._seq.latest)
            self.stale.emit(outcome.number)
            return
        self._busy = False
        self.finished.emit(outcome)

    def _failed(self, number: int, exc: BaseException) -> None:
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
