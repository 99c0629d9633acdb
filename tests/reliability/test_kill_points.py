"""kill -9 at 10 random moments of a first run and of an update run: after each kill the catalog is whole
(integrity, no orphans, FTS = chunks), and the run after the last kill leaves exactly the files on disk,
each findable by its own words. Seeded, so a failure can be replayed."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.library import Library, Query
from tests.conftest import assert_catalog_whole, make_note

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
SEED = 20261129
N = 150


def write_notes(root: Path, ids: range, version: int = 1) -> None:
    for i in ids:
        make_note(root / f"n{i:03d}.md", f"Note {i} version {version}: the word is kp{i:03d}v{version}q. "
                  + "Ordinary filler about the day and the weather. " * 15)


def start(data: Path, root: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env.pop("TROVE_CLIP_WEIGHTS", None)  # text only: each round starts faster
    return subprocess.Popen([sys.executable, "-m", "core.cli", "--data-dir", str(data), "index", str(root), "--json"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


def kill_after(proc: subprocess.Popen[bytes], delay_s: float) -> None:
    time.sleep(delay_s)  # a random moment: model loading, scanning, encoding, writing, saving
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait()


def check_whole(data: Path) -> None:
    assert_catalog_whole(data / "catalog.sqlite")


def finish_and_check(data: Path, root: Path, version_of: dict[int, int]) -> None:
    proc = start(data, root)
    out, _ = proc.communicate(timeout=900)
    assert proc.returncode == 0 and json.loads(out)["failed"] == 0
    check_whole(data)
    with Library.open(data) as lib:
        on_disk = sorted(str(root / f"n{i:03d}.md") for i in version_of)
        assert sorted(lib.catalog.files_under(str(root))) == on_disk  # nothing lost, nothing twice, none stale
        assert len(lib.vectors) == lib.catalog.chunk_count()
        for i in random.Random(SEED).sample(sorted(version_of), 12):
            hits = lib.search(Query(text=f"kp{i:03d}v{version_of[i]}q", limit=1)).results
            assert hits and hits[0].path.endswith(f"n{i:03d}.md"), i


def test_kill_minus_nine_at_ten_random_moments_of_a_first_and_an_update_run(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    root, data = tmp_path / "lib", tmp_path / "data"
    write_notes(root, range(N))
    version_of = dict.fromkeys(range(N), 1)
    for _ in range(10):
        kill_after(start(data, root), rng.uniform(0.5, 12.0))
        if (data / "catalog.sqlite").exists():
            check_whole(data)
    finish_and_check(data, root, version_of)

    # The update: 40 notes changed, 30 deleted, 30 new.
    changed = rng.sample(range(N), 40)
    for i in changed:
        write_notes(root, range(i, i + 1), version=2)
        version_of[i] = 2
    for i in rng.sample(sorted(set(range(N)) - set(changed)), 30):
        (root / f"n{i:03d}.md").unlink()
        del version_of[i]
    write_notes(root, range(N, N + 30))
    version_of.update(dict.fromkeys(range(N, N + 30), 1))
    for _ in range(10):
        kill_after(start(data, root), rng.uniform(0.5, 8.0))
        check_whole(data)
    finish_and_check(data, root, version_of)
