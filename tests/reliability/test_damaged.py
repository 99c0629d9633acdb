"""A damaged catalog is said in one line with the way out, and `trove repair` rebuilds it from the
library folders it recorded, keeping the damaged file aside."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from core.library import Library, Query
from tests.conftest import FakeEncoders, make_note

REPO = Path(__file__).resolve().parents[2]


def damaged_library(tmp_path: Path, notes: int = 40) -> Path:
    root = tmp_path / "lib"
    for i in range(notes):
        make_note(root / f"n{i:02d}.md", f"Entry {i}: the code word is qv{i:02d}k. " + "Filler words here. " * 60)
    data = tmp_path / "data"
    with Library.open(data, encoders=FakeEncoders()) as lib:
        lib.add_root(root)
        lib.index()
        lib.catalog.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db = data / "catalog.sqlite"
    size = db.stat().st_size
    with open(db, "r+b") as fh:  # garbage over the second half: chunk and FTS pages, not the first tables
        fh.seek(size // 2)
        fh.write(os.urandom(size - size // 2))
    return data


def test_a_damaged_catalog_is_one_line_with_the_way_out(tmp_path: Path) -> None:
    data = damaged_library(tmp_path)
    results = [subprocess.run([sys.executable, "-m", "core.cli", "--data-dir", str(data), *args], cwd=REPO,
                              capture_output=True, text=True, timeout=300) for args in (["status"], ["search", "qv07k"])]
    for proc in results:
        lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("trove:")]
        assert proc.returncode != 0 and "Traceback" not in proc.stderr, proc.stderr[-800:]
        assert len(lines) == 1 and "trove repair" in lines[0], proc.stderr[-800:]


def test_repair_moves_it_aside_and_indexes_the_folders_again(tmp_path: Path) -> None:
    data = damaged_library(tmp_path)
    aside, summary = Library.repair(data, encoders=FakeEncoders())
    assert aside.parent == data and (aside / "catalog.sqlite").is_file()
    assert summary.added == 40
    with Library.open(data, encoders=FakeEncoders()) as lib:
        assert lib.roots() == [str(tmp_path / "lib")]
        assert lib.catalog.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        hits = lib.search(Query(text="qv07k", limit=1)).results
        assert hits and hits[0].path.endswith("n07.md")
