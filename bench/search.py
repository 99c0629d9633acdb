"""Search latency.

* Vector search over 100,000 fused vectors (CLIP 512 + sentence 384, each part L2-normalised, as
  ``core.vectors.fuse`` makes them) in a ``core.vectors.VectorIndex``, added in slices as a writer adds
  them (the HNSW graph grows with them, so the add time includes its inserts): exact search (brute
  force, what ``search`` does at <= 100k) against the graph on the same index, with the graph's
  recall@10 measured against the exact answers. The vectors are random unit vectors scattered around 1,000 random
  centres per part (real embeddings form clusters; in isotropic random vectors every inner product is
  near zero, so the true top 10 stand out from the next hundred by noise only: the worst case for any
  graph index).
  The full run also reports the recall on isotropic random vectors (20k of them), as that lower bound.
* Text query end to end: ``Library.search(Query(text=...))`` on a library of a few hundred notes,
  including both query embeddings, the vector search, FTS5 and fusion.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from bench.common import open_library, p50_p95_ms, rnd, say, temp_dir, warm_up
from bench.media import queries, write_notes

VISUAL_DIM, TEXT_DIM = 512, 384
VECTORS = 100_000
QUERIES = 200
TOP_K = 10


def _unit_rows(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    m = rng.standard_normal((n, dim), dtype=np.float32)
    m /= np.linalg.norm(m, axis=1, keepdims=True)
    return m


class _Space:
    """Random unit vectors of one part (visual or text): isotropic, or around random centres."""

    def __init__(self, rng: np.random.Generator, dim: int, centres: int | None, spread: float = 1.0) -> None:
        self.rng, self.dim, self.spread = rng, dim, spread
        self.centres = _unit_rows(rng, centres, dim) if centres else None

    def sample(self, n: int) -> np.ndarray:
        if self.centres is None:
            return _unit_rows(self.rng, n, self.dim)
        pick = self.rng.integers(0, len(self.centres), n)
        noise = self.rng.standard_normal((n, self.dim), dtype=np.float32) * (self.spread / np.sqrt(self.dim))
        m = self.centres[pick] + noise
        m /= np.linalg.norm(m, axis=1, keepdims=True)
        return m


def _measure(n: int, n_queries: int, centres: int | None, seed: int) -> dict[str, Any]:
    """Build a VectorIndex of ``n`` fused vectors, run ``n_queries`` exact and HNSW queries."""
    from core.search import FusionWeights
    from core.vectors import EXACT_SEARCH_MAX, VectorIndex

    rng = np.random.default_rng(seed)
    visual, text = _Space(rng, VISUAL_DIM, centres), _Space(rng, TEXT_DIM, centres)
    w = FusionWeights()
    with temp_dir("vectors") as tmp:
        vi = VectorIndex(tmp, "m", VISUAL_DIM, "t", TEXT_DIM)
        say("search: building a %d-vector index (%d dims, %s)", n, vi.ndim,
            f"{centres} centres" if centres else "isotropic")
        t0 = time.perf_counter()
        for start in range(0, n, 20_000):  # in slices, as a writer adds them: the graph grows with them
            k = min(20_000, n - start)
            mat = np.hstack([visual.sample(k), text.sample(k)])
            vi.add_many(np.arange(start + 1, start + k + 1, dtype=np.uint64), mat)
        build_s = time.perf_counter() - t0
        assert len(vi) == n and vi.has_graph
        # Queries as a text query makes them: [a * visual, b * text] with the library's weights.
        qs = [vi.query_vector(v, t, w.text_query_visual, w.text_query_text)
              for v, t in zip(visual.sample(n_queries), text.sample(n_queries), strict=True)]
        for q in qs[:5]:  # warm caches and the thread pool
            vi.search(q, TOP_K, exact=True)
            vi.search(q, TOP_K, exact=False)
        say("search: %d exact and %d HNSW queries (the graph answers above %d vectors)", n_queries, n_queries,
            EXACT_SEARCH_MAX)
        exact_t, hnsw_t, recalls = [], [], []
        for q in qs:  # interleaved, so both see the same machine load
            t0 = time.perf_counter()
            hits = vi.search(q, TOP_K, exact=True)
            t1 = time.perf_counter()
            graph = vi.search(q, TOP_K, exact=False)
            t2 = time.perf_counter()
            exact_t.append(t1 - t0)
            hnsw_t.append(t2 - t1)
            exact = {k for k, _ in hits}
            recalls.append(len(exact & {k for k, _ in graph}) / len(exact))
    return {"build_s": build_s, "exact_t": exact_t, "hnsw_t": hnsw_t, "recall": float(np.mean(recalls))}


def vector_search(quick: bool) -> dict[str, Any]:
    n = 20_000 if quick else VECTORS  # building the graph is most of the time: about 2 ms a vector on 2 cores
    n_queries = 50 if quick else QUERIES
    size = f"{n // 1000}k"
    r = _measure(n, n_queries, centres=1_000, seed=42)
    e50, e95 = p50_p95_ms(r["exact_t"])
    h50, h95 = p50_p95_ms(r["hnsw_t"])
    out: dict[str, Any] = {
        "vector_count": n,
        "vector_dims": VISUAL_DIM + TEXT_DIM,
        "vector_queries": n_queries,
        "vector_index_build_s": rnd(r["build_s"], 2),
        "vector_index_add_ms_per_vector": rnd(1000 * r["build_s"] / n, 3),  # the graph's insert included
        f"vector_search_p50_ms_{size}": e50,
        f"vector_search_p95_ms_{size}": e95,
        f"vector_search_hnsw_p50_ms_{size}": h50,
        f"vector_search_hnsw_p95_ms_{size}": h95,
        "vector_search_exact_vs_hnsw_p50_ratio": rnd(e50 / h50, 2) if h50 else None,
        "vector_search_recall_at_10_hnsw_vs_exact": rnd(r["recall"], 4),
    }
    if not quick:
        iso = _measure(20_000, 100, centres=None, seed=43)
        out["vector_search_recall_at_10_hnsw_vs_exact_isotropic_20k"] = rnd(iso["recall"], 4)
    return out


def text_query(quick: bool) -> dict[str, Any]:
    from core.search import Query

    n_notes = 300
    n_queries = 20 if quick else 50
    with temp_dir("notes") as tmp:
        notes = tmp / "notes"
        write_notes(notes, n_notes, folders=10, words=(20, 80), seed=7)
        lib = open_library(tmp / "data")
        try:
            say("search: indexing %d notes", n_notes)
            warm_up(lib)
            lib.add_root(notes)
            t0 = time.perf_counter()
            summary = lib.index(query_copies=False)
            index_s = time.perf_counter() - t0
            if summary.added != n_notes:
                raise RuntimeError(f"indexed {summary.added} of {n_notes} notes")
            texts = queries(n_queries + 5, seed=3)
            for t in texts[:5]:
                lib.search(Query(text=t))
            say("search: %d text queries", n_queries)
            times, hits = [], 0
            for t in texts[5:]:
                t0 = time.perf_counter()
                resp = lib.search(Query(text=t))
                times.append(time.perf_counter() - t0)
                hits += bool(resp.results)
        finally:
            lib.close()
    p50, p95 = p50_p95_ms(times)
    return {
        "text_query_notes": n_notes,
        "text_query_count": n_queries,
        "text_query_p50_ms": p50,
        "text_query_p95_ms": p95,
        "text_query_with_results_fraction": rnd(hits / n_queries),
        "index_300_notes_s": rnd(index_s, 2),
    }


def run(quick: bool = False) -> dict[str, Any]:
    return {**vector_search(quick), **text_query(quick)}
