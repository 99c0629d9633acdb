"""Kill -9 a real `trove index` at several moments; the next run finishes the job with nothing lost,
nothing duplicated, and search answers correctly."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.library import Library
from core.search import Query
from tests.conftest import assert_catalog_whole, make_note, make_photo

pytestmark = pytest.mark.slow

N_NOTES, N_PHOTOS = 60, 40
REPO = Path(__file__).resolve().parents[2]


def corpus(root: Path) -> set[str]:
    paths = set()
    for i in range(N_NOTES):
        p = make_note(root / "notes" / f"n{i:03d}.md", f"Note number {i}. The secret word is marker{i:03d}zz. "
                      + "Some filler text about everyday things. " * 20)
        paths.add(str(p))
    for i in range(N_PHOTOS):
        p = make_photo(root / "photos" / f"album{i % 4}" / f"p{i:03d}.jpg", ((i * 37) % 255, (i * 91) % 255, 80),
                       size=(640, 480), seed=i)
        paths.add(str(p))
    return paths


def start_index(data: Path, root: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, TROVE_CLIP_WEIGHTS="random", PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-m", "core.cli", "--data-dir", str(data), "index", str(root), "--json"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


def files_committed(data: Path) -> int:
    db = data / "catalog.sqlite"
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM files").fetchone()[0])
    except sqlite3.Error:
        return 0


def kill_when(proc: subprocess.Popen[bytes], data: Path, at_least: int, timeout_s: float = 300) -> int:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        n = files_committed(data)
        if n >= at_least:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return n
        if proc.poll() is not None:
            pytest.fail(f"indexer ended (rc={proc.returncode}) before {at_least} files were committed")
        time.sleep(0.05)
    proc.kill()
    pytest.fail("indexer made no progress")


def test_kill_minus_nine_then_resume(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "lib"
    expected = corpus(root)
    data = tmp_path / "data"
    killed_at = []
    for at_least in (1, len(expected) // 3, 2 * len(expected) // 3):
        killed_at.append(kill_when(start_index(data, root), data, at_least))
    assert killed_at[-1] < len(expected), "the last kill should land before the end"
    proc = start_index(data, root)
    out, _ = proc.communicate(timeout=600)
    assert proc.returncode == 0
    summary = json.loads(out)
    assert summary["failed"] == 0 and summary["unchanged"] + summary["added"] == len(expected)

    conn = sqlite3.connect(data / "catalog.sqlite")
    rows = conn.execute("SELECT path FROM files").fetchall()
    conn.close()
    assert sorted(r[0] for r in rows) == sorted(expected)  # nothing lost, nothing twice
    n_chunks = assert_catalog_whole(data / "catalog.sqlite")

    monkeypatch.setenv("TROVE_CLIP_WEIGHTS", "random")
    with Library.open(data) as lib:
        assert len(lib.vectors) == n_chunks
        for i in (0, 17, 59):
            hits = lib.search(Query(text=f"marker{i:03d}zz", limit=3)).results
            assert hits and hits[0].path == str(root / "notes" / f"n{i:03d}.md")
        photos = lib.search(Query(text="album2", limit=50)).results
        assert sum(1 for r in photos if "/album2/" in r.path) == N_PHOTOS // 4
