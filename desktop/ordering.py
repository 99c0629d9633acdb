"""How the result list is ordered and sectioned: relevance (as search returns it), newest or oldest first,
always keeping the matches before the files listed only because they pass the filters; and, for a list
with nothing to match (browsing), one heading per month."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from desktop.formatting import count_text
from desktop.results_model import GroupHeading, ResultItem


class SortOrder(StrEnum):
    RELEVANCE = "relevance"
    NEWEST = "newest"
    OLDEST = "oldest"

    @property
    def label(self) -> str:
        return {"relevance": "Relevance", "newest": "Newest first", "oldest": "Oldest first"}[self.value]


def sort_items(items: list[ResultItem], order: SortOrder) -> list[ResultItem]:
    """``items`` in ``order``: matches first, then the rest, each part by date for newest/oldest (files with
    no date last); relevance keeps search's order. The sort is stable: equal dates keep search's order."""
    if order is SortOrder.RELEVANCE:
        return list(items)
    newest = order is SortOrder.NEWEST

    def key(it: ResultItem) -> tuple[bool, bool, float]:
        ts = it.result.date_ts
        return (not it.result.matched, ts is None, -(ts or 0.0) if newest else (ts or 0.0))

    return sorted(items, key=key)


def month_title(ts: float | None) -> str:
    """"November 2026"; "No date" for a file without one."""
    if ts is None:
        return "No date"
    d = datetime.fromtimestamp(ts)
    return f"{d:%B %Y}"


def month_sections(items: list[ResultItem]) -> list[tuple[int, GroupHeading]]:
    """A heading before each run of ``items`` from the same month: (index of its first item, heading)."""
    sections: list[tuple[int, GroupHeading]] = []
    counts: list[int] = []
    last: str | None = None
    for i, it in enumerate(items):
        title = month_title(it.result.date_ts)
        if title != last:
            sections.append((i, GroupHeading(title, "")))
            counts.append(0)
            last = title
        counts[-1] += 1
    return [(at, GroupHeading(h.title, count_text(n, "file"))) for (at, h), n in zip(sections, counts, strict=True)]
