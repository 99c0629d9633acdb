"""The watcher keeps the index current: new, moved and deleted files show up without a rescan."""

from __future__ import annotations

import os
import queue
from pathlib import Path

from core.indexer import IndexSummary
from core.library import Library
from core.search import Query
from core.watcher import Watcher
from tests.conftest import make_note


def wait_for(updates: queue.Queue[IndexSummary], cond, timeout_s: float = 30.0) -> None:
    """Wait on the watcher's own update events (never a blind sleep) until ``cond()`` holds."""
    while not cond():
        updates.get(timeout=timeout_s)


def names(lib: Library, text: str) -> list[str]:
    return [Path(r.path).name for r in lib.search(Query(text=text)).results]


def test_watcher_follows_adds_moves_and_deletes(tmp_path: Path, library: Library) -> None:
    root = tmp_path / "lib"
    make_note(root / "first.md", "an early note about kites")
    library.add_root(root)
    library.index()
    updates: queue.Queue[IndexSummary] = queue.Queue()
    watcher = Watcher(library, on_update=updates.put, quiet_s=0.3)
    watcher.start()
    try:
        make_note(root / "sub" / "new.md", "a fresh note about lanterns and paper boats")
        wait_for(updates, lambda: "new.md" in names(library, "lanterns"))
        os.replace(root / "sub" / "new.md", root / "renamed.md")
        wait_for(updates, lambda: names(library, "lanterns") == ["renamed.md"])
        (root / "first.md").unlink()
        wait_for(updates, lambda: "first.md" not in names(library, "kites"))
    finally:
        watcher.stop()
    assert library.status()["counts"]["note"] == 1
