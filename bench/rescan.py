"""Rescanning a library where nothing changed: the cost of ``trove index`` (and of the watcher's
catch-up at start) on a large, unchanged library. Every file must come out as unchanged.

10,000 tiny notes in 100 folders are indexed once with the real models (that first index is reported
too, it is the notes' indexing speed), then ``Library.index()`` is timed three times over the same files;
the median is reported. Where the time of a rescan goes is shown by timing its two big parts on their
own: the folder walk (``core.scanner.scan``), the plan (walk + comparison with the catalog,
``Indexer.plan``), the vector-cache save (``VectorIndex.save``), and what an ``Indexer.run`` over
nothing costs (the fixed overhead every ``index()`` call pays, the save included).
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from bench.common import open_library, rnd, say, temp_dir, warm_up
from bench.media import write_notes

FOLDERS = 100
RESCANS = 3


def first_index(lib: Any, count: int) -> float:
    """Seconds of ``lib.index()`` over ``count`` new notes; raises unless every one was added."""
    t0 = time.perf_counter()
    first = lib.index(query_copies=False)
    seconds = time.perf_counter() - t0
    if first.added != count:
        raise RuntimeError(f"first index added {first.added} of {count} notes ({first.failed} failed)")
    return seconds


def rescan_once(lib: Any, count: int, attempt: int) -> float:
    """Seconds of ``lib.index()`` over ``count`` unchanged files; raises unless every one came out unchanged."""
    t0 = time.perf_counter()
    again = lib.index(query_copies=False)
    seconds = time.perf_counter() - t0
    if again.unchanged != count or again.added or again.updated or again.removed or again.failed:
        raise RuntimeError(f"rescan {attempt} did not find every file unchanged: {again.to_json()}")
    return seconds


def run(quick: bool = False) -> dict[str, Any]:
    from core.scanner import scan

    # A first index of 10k notes takes well over 5 minutes on a 2-core machine, so --quick uses fewer.
    count = 1_000 if quick else 10_000
    with temp_dir("rescan") as tmp:
        notes = tmp / "notes"
        write_notes(notes, count, folders=FOLDERS, words=(3, 8), seed=11)
        lib = open_library(tmp / "data")
        try:
            warm_up(lib)
            root = lib.add_root(notes)
            say("rescan: first index of %d notes (real models)", count)
            index_s = first_index(lib, count)
            rescans = []
            for i in range(RESCANS):
                rescans.append(rescan_once(lib, count, i + 1))
                say("rescan %d: %.3f s", i + 1, rescans[-1])
            t0 = time.perf_counter()
            found = scan(root, lib.excludes(), skip_dirs=[str(lib.data_dir)])
            scan_s = time.perf_counter() - t0
            assert len(found.files) == count
            plan_t, save_t, empty_t = [], [], []
            for _ in range(RESCANS):
                t0 = time.perf_counter()
                plan = lib.indexer.plan(lib.catalog, [root])  # the walk plus the comparison with the catalog
                plan_t.append(time.perf_counter() - t0)
                assert plan.unchanged == count and not plan.todo
                t0 = time.perf_counter()
                lib.vectors.save(lib.catalog)
                save_t.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                lib.indexer.run([])  # nothing to scan: what every index() call costs on top of its work
                empty_t.append(time.perf_counter() - t0)
        finally:
            lib.close()
    rescan_s = statistics.median(rescans)
    key = f"{count // 1000}k"
    return {
        "rescan_files": count,
        f"index_{key}_notes_s": rnd(index_s, 1),
        "index_notes_per_s": rnd(count / index_s, 2),
        f"rescan_{key}_unchanged_s": rnd(rescan_s),
        "rescan_runs_s": [rnd(x) for x in rescans],
        "rescan_files_per_s": rnd(count / rescan_s, 0),
        "rescan_walk_s": rnd(scan_s),
        "rescan_plan_s": rnd(statistics.median(plan_t)),
        "rescan_vector_save_s": rnd(statistics.median(save_t)),
        # Indexer.run over nothing: the writer thread's start and stop, the vector save, the summary
        "index_call_fixed_overhead_s": rnd(statistics.median(empty_t)),
        "rescan_vs_first_index_ratio": rnd(rescan_s / index_s, 5),
    }
