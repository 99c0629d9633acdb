"""One index run per library at a time, and a vector cache trusted by content: two `trove index` runs
at once used to save a cache holding deleted chunks' keys, which nothing ever repaired."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from usearch.index import Index

from core.library import Library, Query
from core.lock import index_lock
from core.types import LibraryBusy
from tests.conftest import FakeEncoders, make_note

REPO = Path(__file__).resolve().parents[2]


def notes(root: Path, n: int) -> Path:
    for i in range(n):
        make_note(root / f"note-{i:03d}.md", f"Entry {i}: the code word for this one is zq{i:03d}x, nothing else.")
    return root


def test_a_second_index_run_is_told_who_runs_and_can_wait(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from pathlib import Path
            from core.lock import index_lock
            with index_lock(Path({str(data)!r})):
                print("locked", flush=True)
                sys.stdin.readline()
        """)], cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdin is not None
    try:
        assert holder.stdout.readline().strip() == "locked"
        with Library.open(data, encoders=FakeEncoders()) as lib:
            lib.add_root(notes(tmp_path / "lib", 3))
            with pytest.raises(LibraryBusy, match=f"process {holder.pid}"):
                lib.index()
            holder.stdin.write("\n")  # the other run ends...
            holder.stdin.flush()
            assert lib.index(wait=True).added == 3  # ...and a waiting run goes on
    finally:
        holder.kill()
        holder.wait()


def test_a_killed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from pathlib import Path; "
                               "from core.lock import index_lock; cm = index_lock(Path(sys.argv[1])); "
                               "cm.__enter__(); print('locked', flush=True); time.sleep(600)", str(data)],
                              cwd=REPO, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    holder.kill()
    holder.wait()
    with index_lock(data):  # the kernel let go of it with the process
        pass


def indexed_cache(tmp_path: Path, n: int) -> tuple[Path, np.ndarray, np.ndarray]:
    """Index ``n`` notes; the saved vector cache file, its keys and its vectors."""
    with Library.open(tmp_path / "data", encoders=FakeEncoders()) as lib:
        lib.add_root(notes(tmp_path / "lib", n))
        lib.index()
    (cache,) = (tmp_path / "data").glob("vectors.*.usearch")
    saved = Index.restore(str(cache), view=False)
    keys = np.sort(np.fromiter(saved.keys, dtype=np.uint64))
    return cache, keys, np.asarray(saved.get(keys, dtype="f16"), dtype=np.float16)


def rewrite(cache: Path, keys: np.ndarray, mat: np.ndarray) -> None:
    """Write another index over the cache file, as usearch writes one (same format, same size)."""
    other = Index(ndim=mat.shape[1], metric="ip", dtype="f16")
    other.add(keys, mat)
    other.save(str(cache))


def test_a_cache_whose_keys_disagree_with_the_catalog_is_rebuilt(tmp_path: Path) -> None:
    cache, keys, mat = indexed_cache(tmp_path, 20)
    keys[:5] += 100_000  # same count, wrong chunks: what two racing runs could save
    rewrite(cache, keys, mat)
    with Library.open(tmp_path / "data", encoders=FakeEncoders()) as lib:
        assert lib.vectors.keys().tolist() == lib.catalog.chunk_ids().tolist()
        for i in range(20):
            hits = lib.search(Query(text=f"zq{i:03d}x", limit=1)).results
            assert hits and hits[0].path.endswith(f"note-{i:03d}.md")


def test_a_cache_with_the_right_keys_but_other_vectors_is_rebuilt(tmp_path: Path) -> None:
    cache, keys, mat = indexed_cache(tmp_path, 10)
    good = mat[0].astype(np.float32)
    mat[0] = 0
    rewrite(cache, keys, mat)
    with Library.open(tmp_path / "data", encoders=FakeEncoders()) as lib:
        assert np.allclose(lib.vectors.vector(int(keys[0])), good, atol=1e-3)


@pytest.mark.slow
def test_two_cli_index_runs_at_once_leave_every_note_findable(tmp_path: Path) -> None:
    root = notes(tmp_path / "lib", 120)
    data = tmp_path / "data"
    env = dict(os.environ, TROVE_CLIP_WEIGHTS="", TROVE_DATA_DIR=str(data))
    env.pop("TROVE_CLIP_WEIGHTS")
    runs = [subprocess.Popen([sys.executable, "-m", "core.cli", "index", str(root), "--json", *extra], cwd=REPO,
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for extra in ([], ["--wait"], [])]
    results = [(r.wait(timeout=600), r.stdout.read() if r.stdout else "", r.stderr.read() if r.stderr else "")
               for r in runs]
    ok = [json.loads(out) for code, out, _err in results if code == 0]
    busy = [err for code, _out, err in results if code == 2]
    odd = [(code, err[-1500:]) for code, _out, err in results if code not in (0, 2)]
    assert not odd and ok, odd
    assert all("another index run is using" in err and "Traceback" not in err for err in busy)
    assert sum(o["added"] for o in ok) == 120  # each note indexed once, by whichever run had it
    with Library.open(data) as lib:
        assert lib.catalog.chunk_count() == len(lib.vectors) == 120
        for i in range(0, 120, 7):
            hits = lib.search(Query(text=f"zq{i:03d}x", limit=1)).results
            assert hits and hits[0].path.endswith(f"note-{i:03d}.md"), i


def test_processes_opening_a_new_library_at_once_all_succeed(tmp_path: Path) -> None:
    """Found by the concurrent test above under load: two processes creating the schema of a new catalog
    at once failed with 'database is locked' (1 trial in 8 here); one creates it now, the others wait."""
    for trial in range(5):
        data = tmp_path / f"d{trial}"
        data.mkdir()
        code = "import sys; from pathlib import Path; from core.library import Library; Library.open(Path(sys.argv[1])).close()"
        procs = [subprocess.Popen([sys.executable, "-c", code, str(data)], cwd=REPO, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(4)]
        outcomes = [(p.wait(timeout=300), p.stderr.read() if p.stderr else "") for p in procs]
        assert all(rc == 0 for rc, _err in outcomes), [err[-500:] for rc, err in outcomes if rc]
