"""The vector index on disk: a usearch index mapped at open (not read whole), changed in memory only by
the process that writes, followed through a flat part by one that does not, trusted by checksum."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from usearch.index import Index

import core.vectors
from core.catalog import Catalog
from core.library import Library, Query
from core.vectors import VectorIndex
from tests.conftest import FakeEncoders, make_note


def notes(root: Path, first: int, n: int) -> Path:
    for i in range(first, first + n):
        make_note(root / f"note-{i:03d}.md", f"Entry {i}: the code word for this one is zq{i:03d}x, nothing else.")
    return root


def indexed(tmp_path: Path, n: int) -> Path:
    data = tmp_path / "data"
    with Library.open(data, encoders=FakeEncoders()) as lib:
        lib.add_root(notes(tmp_path / "lib", 0, n))
        lib.index()
    return data


def cache_file(data: Path) -> Path:
    (cache,) = data.glob("vectors.*.usearch")
    return cache


def finds(lib: Library, i: int) -> bool:
    hits = lib.search(Query(text=f"zq{i:03d}x", limit=1)).results
    return bool(hits) and hits[0].path.endswith(f"note-{i:03d}.md")


def test_the_saved_index_is_mapped_at_open_and_answers_without_a_rebuild(tmp_path: Path) -> None:
    data = indexed(tmp_path, 12)
    cache = cache_file(data)
    saved = Index.metadata(str(cache))
    assert saved is not None and saved["count_present"] == 12
    with Library.open(data, encoders=FakeEncoders()) as lib:
        assert lib.vectors._mapped and lib.vectors.has_graph and len(lib.vectors) == 12
        assert all(finds(lib, i) for i in range(12))
    assert cache_file(data) == cache  # opening and searching wrote nothing


def test_a_follower_catches_up_beside_the_mapped_file_and_the_writer_saves_one_index(tmp_path: Path) -> None:
    data = indexed(tmp_path, 10)
    cache = cache_file(data)
    before = cache.read_bytes()
    with Library.open(data, encoders=FakeEncoders()) as app, Library.open(data, encoders=FakeEncoders()) as runner:
        notes(tmp_path / "lib", 10, 5)  # five new notes
        (tmp_path / "lib" / "note-003.md").unlink()  # one deleted
        runner.index()  # another "process" writes and saves generation + 1
        follower = Catalog(app.catalog.path)
        try:
            assert app.vectors.follow(follower) == (5, 1)
        finally:
            follower.close()
        assert app.vectors._mapped and not app.vectors.has_graph  # the file was not loaded or changed
        assert len(app.vectors) == 14 and app.vectors.vector(int(app.catalog.chunk_ids()[0])) is not None
        assert all(finds(app, i) for i in range(15) if i != 3)
        assert not any(h.path.endswith("note-003.md") for h in app.search(Query(text="zq003x")).results)
        assert cache.exists() is False  # the runner's save replaced the old generation's file
        new = cache_file(data)
        assert new.read_bytes() != before and Index.metadata(str(new))["count_present"] == 14
        follower = Catalog(app.catalog.path)
        try:
            assert app.vectors.open(follower) is False  # the runner's file, mapped; the flat part dropped
        finally:
            follower.close()
        assert app.vectors.has_graph and len(app.vectors) == 14


def test_a_writer_loads_the_mapped_file_only_when_it_changes_something(tmp_path: Path) -> None:
    data = indexed(tmp_path, 8)
    with Library.open(data, encoders=FakeEncoders()) as lib:
        s = lib.index()  # nothing changed: the file stays mapped
        assert s.unchanged == 8 and lib.vectors._mapped
        notes(tmp_path / "lib", 8, 2)
        lib.index()
        assert not lib.vectors._mapped and len(lib.vectors) == 10
        assert all(finds(lib, i) for i in range(10))
    with Library.open(data, encoders=FakeEncoders()) as lib:
        assert lib.vectors._mapped and len(lib.vectors) == 10 and all(finds(lib, i) for i in range(10))


def test_a_large_file_is_checked_in_the_background_and_rebuilt_when_damaged(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = indexed(tmp_path, 10)
    cache = cache_file(data)
    with Library.open(data, encoders=FakeEncoders()) as lib:
        good = {int(k): lib.vectors.vector(int(k)) for k in lib.catalog.chunk_ids()}
    raw = bytearray(cache.read_bytes())
    key = next(iter(good))
    want = good[key]
    assert want is not None
    at = raw.find(want.astype(np.float16).tobytes())
    assert at > 0
    raw[at:at + 64] = bytes(64)  # the vector's first 32 numbers zeroed: same size, other content
    cache.write_bytes(bytes(raw))
    monkeypatch.setattr(core.vectors, "VERIFY_INLINE_MAX", 0)  # every file counts as large
    monkeypatch.setattr(core.vectors, "VERIFY_DELAY_S", 0.0)
    with Library.open(data, encoders=FakeEncoders()) as lib:
        for t in threading.enumerate():
            if t.name == "trove-vectors-check":
                t.join(30)
        v = lib.vectors.vector(key)
        assert v is not None and np.allclose(v, want, atol=1e-3)  # rebuilt from the catalog
        assert all(finds(lib, i) for i in range(10))


def test_a_small_file_is_checked_before_it_answers(tmp_path: Path) -> None:
    data = indexed(tmp_path, 6)
    cache = cache_file(data)
    raw = bytearray(cache.read_bytes())
    raw[-200:-100] = bytes(100)
    cache.write_bytes(bytes(raw))
    with Library.open(data, encoders=FakeEncoders()) as lib:
        assert not lib.vectors._mapped or lib.vectors.keys().tolist() == lib.catalog.chunk_ids().tolist()
        assert all(finds(lib, i) for i in range(6))
        assert Index.metadata(str(cache_file(data)))["count_present"] == 6  # saved again, whole


def test_a_large_rebuild_answers_from_the_flat_part_and_the_next_index_run_saves_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = indexed(tmp_path, 12)
    cache_file(data).unlink()
    monkeypatch.setattr(core.vectors, "SAVE_REBUILT_MAX", 5)
    with Library.open(data, encoders=FakeEncoders()) as lib:
        assert not list(data.glob("vectors.*.usearch"))  # opening did not build a graph
        assert not lib.vectors.has_graph and len(lib.vectors) == 12
        assert all(finds(lib, i) for i in range(12))
        lib.index()  # nothing changed, but this run saves (and so builds the graph)
        assert lib.vectors.has_graph
    assert Index.metadata(str(cache_file(data)))["count_present"] == 12


def test_removed_vectors_are_compacted_away_when_they_outnumber_the_live_ones(tmp_path: Path) -> None:
    vi = VectorIndex(tmp_path, "v", 8, "t", 8)
    rng = np.random.default_rng(0)
    for key in range(1, 3001):
        vi.add(key, rng.standard_normal(8), "v", rng.standard_normal(8), "t")
    vi.remove(range(1, 2801))
    db = Catalog(tmp_path / "catalog.sqlite")
    try:
        path = vi.save(db)
    finally:
        db.close()
    meta = Index.metadata(str(path))
    assert meta is not None and meta["count_present"] == 200 and meta["count_deleted"] == 0
    assert len(vi) == 200 and {k for k, _ in vi.search(np.ones(16), 300)} == set(range(2801, 3001))


def test_a_key_added_twice_in_one_batch_keeps_the_last_vector(tmp_path: Path) -> None:
    vi = VectorIndex(tmp_path, "v", 4, "t", 4)
    vi.add_all([(7, np.ones(4), "v", None, "t"), (7, None, "v", np.ones(4), "t")])
    v = vi.vector(7)
    assert len(vi) == 1 and v is not None and np.all(v[:4] == 0) and np.allclose(v[4:], 0.5, atol=1e-3)


def test_each_part_has_its_own_graph_file_and_a_damaged_one_is_rebuilt(tmp_path: Path) -> None:
    data = indexed(tmp_path, 9)
    fused = cache_file(data)
    parts = {p.suffix: p for p in data.glob("vectors.*-graph")}
    assert set(parts) == {".visual-graph", ".text-graph"}
    enc = FakeEncoders()
    for suffix, dim in ((".visual-graph", enc.visual_dim), (".text-graph", enc.text_dim)):
        meta = Index.metadata(str(parts[suffix]))
        assert meta is not None and meta["dimensions"] == dim and meta["count_present"] == 9
    assert Index.metadata(str(fused))["dimensions"] == enc.visual_dim + enc.text_dim
    raw = bytearray(parts[".text-graph"].read_bytes())
    raw[-64:] = bytes(64)
    parts[".text-graph"].write_bytes(bytes(raw))
    with Library.open(data, encoders=FakeEncoders()) as lib:
        assert all(finds(lib, i) for i in range(9))
    assert Index.metadata(str(next(data.glob("vectors.*.text-graph"))))["count_present"] == 9


def test_above_the_exact_limit_each_part_of_the_query_walks_its_own_graph(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fused vectors made of two independent clusterings; queries weighted as text, image and "more
    like this" queries weight them. The graphs' answer must match exact search closely."""
    monkeypatch.setattr(core.vectors, "EXACT_SEARCH_MAX", 100)
    rng = np.random.default_rng(4)

    def clustered(n: int, d: int) -> np.ndarray:
        centres = rng.standard_normal((40, d))
        m = centres[rng.integers(0, 40, n)] + rng.standard_normal((n, d)) / np.sqrt(d)
        return m / np.linalg.norm(m, axis=1, keepdims=True)

    n, dv, dt = 4000, 24, 16
    vis, txt = clustered(n, dv), clustered(n, dt)
    vi = VectorIndex(tmp_path, "v", dv, "t", dt)
    vi.add_many(np.arange(1, n + 1, dtype=np.uint64), np.hstack([vis, txt]))
    full = np.hstack([vis, txt]).astype(np.float16).astype(np.float32)
    for a, b in ((0.2, 1.0), (1.0, 0.3), (1.0, 1.0)):
        recall = []
        for q_v, q_t in zip(clustered(30, dv), clustered(30, dt), strict=True):
            q = vi.query_vector(q_v, q_t, a, b)
            truth = set((np.argsort(-(full @ q))[:10] + 1).tolist())
            got = vi.search(q, 10)
            assert got == sorted(got, key=lambda h: -h[1])
            recall.append(len({k for k, _ in got} & truth) / 10)
        assert np.mean(recall) >= 0.97, (a, b, np.mean(recall))
    only_text = vi.query_vector(None, txt[0], 0.0, 1.0)  # one part of the query empty: one walk
    assert vi.search(only_text, 1)[0][0] == 1


def mapping_flags(paths: list[Path]) -> set[str]:
    """The VmFlags of this process's mappings of ``paths`` (/proc/self/smaps): "rr" is MADV_RANDOM,
    "sr" MADV_SEQUENTIAL."""
    import os

    wanted = {os.path.realpath(p) for p in paths}
    flags: set[str] = set()
    inside = False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        head = line.split(maxsplit=5)
        if len(head) >= 5 and "-" in head[0] and ":" not in head[0]:  # a mapping's first line
            inside = len(head) == 6 and head[5] in wanted
        elif inside and line.startswith("VmFlags:"):
            flags.update(line.split()[1:])
    return flags


@pytest.mark.skipif(not Path("/proc/self/smaps").exists(), reason="Linux: reads /proc/self/smaps")
def test_large_mapped_files_are_read_page_by_page_and_copied_with_read_ahead(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    data = indexed(tmp_path, 12)
    files = sorted(data.glob("vectors.*"))
    assert len(files) == 3
    with Library.open(data, encoders=FakeEncoders()) as lib:  # small: exact scans, the kernel's read-ahead
        assert lib.vectors._mapped and "rr" not in mapping_flags(files)
    monkeypatch.setattr(core.vectors, "EXACT_SEARCH_MAX", 5)  # "large": graph walks, random reads
    with Library.open(data, encoders=FakeEncoders()) as lib:
        assert lib.vectors._mapped
        flags = mapping_flags(files)
        assert "rr" in flags and "sr" not in flags
        assert all(finds(lib, i) for i in range(12))
        base = lib.vectors._base
        assert base is not None
        copied = base.copy()  # what a writer does on its first change: one pass through the mapping
        assert "sr" in mapping_flags(files) and len(copied) == 12


def test_a_follower_reads_only_new_ids_while_the_writer_only_adds(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    data = indexed(tmp_path, 6)
    full_reads: list[int] = []
    every_id = Catalog.chunk_ids
    monkeypatch.setattr(Catalog, "chunk_ids", lambda self: full_reads.append(1) or every_id(self))
    with Library.open(data, encoders=FakeEncoders()) as app, Library.open(data, encoders=FakeEncoders()) as runner:
        follower = Catalog(app.catalog.path)
        try:
            assert app.vectors.follow(follower) == (0, 0) and len(full_reads) == 1  # the first: every id
            notes(tmp_path / "lib", 6, 4)
            runner.index()
            assert app.vectors.follow(follower) == (4, 0) and len(full_reads) == 1  # only added: ids above
            assert all(finds(app, i) for i in range(10))
            assert app.vectors.follow(follower) == (0, 0) and len(full_reads) == 1
            (tmp_path / "lib" / "note-002.md").unlink()
            notes(tmp_path / "lib", 10, 1)  # one gone, one new: the count alone cannot tell
            runner.index()
            assert app.vectors.follow(follower) == (1, 1) and len(full_reads) == 2  # every id again
            assert finds(app, 10) and not any(h.path.endswith("note-002.md")
                                              for h in app.search(Query(text="zq002x")).results)
            notes(tmp_path / "lib", 11, 2)
            runner.index()
            assert app.vectors.follow(follower) == (2, 0) and len(full_reads) == 2
            assert len(app.vectors) == follower.chunk_count() == 12
        finally:
            follower.close()
