"""Planning an index run: the scanner's findings (stat only) against the catalog."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from core.catalog import Catalog, FileRow
from core.scanner import scan
from core.types import FileStat, is_inside


@dataclass(slots=True)
class Plan:
    todo: list[tuple[FileStat, FileRow | None]] = field(default_factory=list)  # (new stat, old row or None)
    missing: dict[str, FileRow] = field(default_factory=dict)  # in the catalog, not on disk
    failures: list[tuple[str, str]] = field(default_factory=list)
    unchanged: int = 0
    failed_gone: list[str] = field(default_factory=list)  # recorded as failed, no longer on disk: forget them


def plan(catalog: Catalog, scopes: Iterable[str], excludes: Iterable[str], data_dir: Path, visual_model: str | None,
         retry_failed: bool = False, roots: Iterable[str] = (), follow_links_out: bool = False,
         found: Callable[[int], None] | None = None) -> Plan:
    """Compare what is on disk (stat only) with the catalog: what to index, what vanished, what failed.
    ``found`` hears how many files the scan has found so far, over all scopes."""
    out = Plan()
    before = 0
    roots = sorted(roots, key=len, reverse=True)  # innermost first
    # Vectors of other CLIP weights keep answering (their visual part counts as missing) until
    # these files are encoded again with the current ones.
    stale = catalog.files_with_stale_visual(visual_model) if visual_model is not None else set()
    for scope in scopes:
        counted = None if found is None else (lambda n, base=before: found(base + n))
        result = scan(scope, excludes, skip_dirs=[str(data_dir)], within=None if follow_links_out else roots or [scope],
                      found=counted)
        before += len(result.files)
        out.failures.extend(result.failures)
        known = catalog.files_under(scope)
        failed = catalog.failures_under(scope)
        root = next((r for r in roots if is_inside(scope, r)), scope)
        for path, st in result.files.items():
            st = dataclasses.replace(st, root=root)
            row = known.get(path)
            if row is not None and row.id in stale:
                row = dataclasses.replace(row, visual_pending=True)
            if row is not None and row.size_bytes == st.size_bytes and row.mtime_ns == st.mtime_ns:
                if visual_model is not None and row.visual_pending:
                    out.todo.append((st, row))  # weights arrived or changed since: encode what waited
                else:
                    out.unchanged += 1
                continue
            if row is None and not retry_failed and failed.get(path) == (st.size_bytes, st.mtime_ns):
                out.unchanged += 1  # failed before and unchanged since: already recorded
                continue
            out.todo.append((st, row))
        for path, row in known.items():
            if path not in result.files:
                out.missing[path] = row
        reported = {p for p, _ in result.failures}
        out.failed_gone.extend(p for p in failed if p not in result.files and p not in reported
                               and not os.path.lexists(p))
    return out
