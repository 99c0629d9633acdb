"""A million chunks: the vector index at the top of the size personal libraries reach.

* **Build.** 10^6 fused vectors (CLIP 512 + sentence 384, each part a unit vector scattered around
  1,000 random centres, as bench/search.py makes them) go into a ``core.vectors.VectorIndex`` in slices
  of 50,000, as an index run's writer adds them: the parts' HNSW graphs grow as they arrive. Then it is
  saved (three usearch files) beside a catalog holding its generation and checksums. The build is cached in
  bench/out/cache/million-v3 (it takes a long time on two cores); ``million_build_*`` come from the run
  that built it.
* **Start-up to first answer**, in a fresh process: Python starts, imports the catalog and vector code,
  opens the catalog, opens the index (``VectorIndex.open``: the file is memory-mapped, its checksum is
  checked by a background thread) and answers one query. Timed from the parent's spawn to the child's
  answer. The page cache is dropped first where the machine allows it (``million_cold_cache`` says
  whether it was: after a reboot); ``_warm`` is the same at once again (an app restarted, the files
  still in the page cache).
* **Search**: p50/p95 of 200 queries (as text queries weight the two parts) through
  ``VectorIndex.search`` (the parts' HNSW graphs above 10^5) for the top 10, and for the 400 candidates
  a search in the app asks for (``million_exact_top10_in_400_candidates``: how many of the exact top 10
  are among them; the app judges those candidates on their own evidence) after the background check is done, recall@10
  against exact search (usearch's brute force over the same float16 vectors), and the exact search's
  own p50 (what every query would cost without the graph); recall@10 also for 100 image queries (the
  picture's part alone, and refined by words weighing 0.5, as core.search weighs them).
* **RSS** of that process after its first answer and after the 200 queries (mapped pages of the file
  count in RSS as they are touched; ``RssAnon`` is the process's own memory), and the files' size.
* **Rescan of 10^5 unchanged files**: 100,000 tiny notes in 1,000 folders indexed once with cheap
  deterministic encoders (hashed bag of words; the encoders do not matter to a rescan, which encodes
  nothing), then ``Library.index()`` timed over the unchanged folder (median of 3), with the walk and
  the plan on their own. ``--quick`` uses 2*10^5 vectors and 10^4 files.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import HashedWords, cache_dir, p50_p95_ms, rnd, say, temp_dir
from bench.search import TEXT_DIM, VISUAL_DIM, _Space

SLICE = 50_000
QUERIES = 200
TOP_K = 10
REPO = Path(__file__).resolve().parents[1]


def _build(folder: Path, n: int) -> dict[str, Any]:
    """The index, its catalog, the queries and their exact answers, in ``folder`` (kept as a cache)."""
    from usearch.index import MetricKind
    from usearch.index import search as exact_search

    from core.catalog import Catalog
    from core.search import FusionWeights
    from core.vectors import VectorIndex

    rng = np.random.default_rng(42)
    visual, text = _Space(rng, VISUAL_DIM, 1_000), _Space(rng, TEXT_DIM, 1_000)
    vi = VectorIndex(folder, "m", VISUAL_DIM, "t", TEXT_DIM)
    mat = np.zeros((n, VISUAL_DIM + TEXT_DIM), dtype=np.float16)  # kept for the exact answers
    say("million: adding %d vectors in slices of %d (the graph grows as they arrive)", n, SLICE)
    t0 = time.perf_counter()
    for start in range(0, n, SLICE):
        k = min(SLICE, n - start)
        mat[start:start + k] = np.hstack([visual.sample(k), text.sample(k)])
        vi.add_many(np.arange(start + 1, start + k + 1, dtype=np.uint64), mat[start:start + k])
        say("million: %d of %d vectors, %.0f s", start + k, n, time.perf_counter() - t0)
    build_s = time.perf_counter() - t0
    catalog = Catalog(folder / "catalog.sqlite")
    try:
        catalog.set_setting("vector_generation", "1")
        t0 = time.perf_counter()
        path = vi.save(catalog)
        save_s = time.perf_counter() - t0
    finally:
        catalog.close()
    w = FusionWeights()
    queries = np.stack([vi.query_vector(v, t, w.text_query_visual, w.text_query_text)
                        for v, t in zip(visual.sample(QUERIES), text.sample(QUERIES), strict=True)])
    say("million: exact answers for %d queries", QUERIES)
    truth, exact_t = [], []
    for q in queries:
        t0 = time.perf_counter()
        m = exact_search(mat, q.astype(np.float16), TOP_K, MetricKind.IP, exact=True)
        exact_t.append(time.perf_counter() - t0)
        truth.append(np.asarray(m.keys, dtype=np.int64) + 1)  # rows -> keys
    np.save(folder / "queries.npy", queries)
    np.save(folder / "truth.npy", np.stack(truth))
    e50, e95 = p50_p95_ms(exact_t)
    built = {"million_build_s": rnd(build_s, 1), "million_build_vectors_per_s": rnd(n / build_s, 0),
             "million_save_s": rnd(save_s, 2), "million_exact_search_p50_ms": e50,
             "million_exact_search_p95_ms": e95, "million_file": path.name}
    (folder / "built.json").write_text(json.dumps(built))
    return built


CHILD = textwrap.dedent("""
    import json, sys, threading, time
    from pathlib import Path
    import numpy as np
    from core.catalog import Catalog
    from core.vectors import VectorIndex

    def status():
        out = {}
        for line in open("/proc/self/status"):
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile"):
                out[key] = int(value.split()[0]) / 1024
        return out

    folder = Path(sys.argv[1])
    t0 = time.perf_counter()
    catalog = Catalog(folder / "catalog.sqlite")
    vi = VectorIndex(folder, "m", 512, "t", 384)
    rebuilt = vi.open(catalog)
    t_open = time.perf_counter()
    queries = np.load(folder / "queries.npy")
    first = vi.search(queries[0], 10)
    answered = time.time()
    t_first = time.perf_counter()
    rss_first = status()
    for t in threading.enumerate():
        if t.name == "trove-vectors-check":
            t.join()
    t_checked = time.perf_counter()
    times, found, deep_times, deep = [], [], [], []
    for q in queries:
        a = time.perf_counter()
        hits = vi.search(q, 10)
        b = time.perf_counter()
        many = vi.search(q, 400)  # what a search in the app asks (SearchWeights.vector_candidates)
        deep_times.append(time.perf_counter() - b)
        times.append(b - a)
        found.append([k for k, _ in hits])
        deep.append([k for k, _ in many])
    # Image queries (core.search: the picture weighs 1.0, words refining it 0.5, or none): the same
    # queries' parts weighed that way, recall@10 against the exact answer (brute force over the file).
    image_recall = {}
    for name, text_weight in (("image", 0.0), ("image_and_words", 0.5)):
        got = []
        for q in queries[:100]:
            pic = q[:512] / max(float(np.linalg.norm(q[:512])), 1e-9)
            words = q[512:] / max(float(np.linalg.norm(q[512:])), 1e-9)
            iq = vi.query_vector(pic, words if text_weight else None, 1.0, text_weight)
            exact = {k for k, _ in vi.search(iq, 10, exact=True)}
            got.append(len(exact & {k for k, _ in vi.search(iq, 10)}) / 10)
        image_recall[name] = sum(got) / len(got)
    print(json.dumps({"answered": answered, "open_s": t_open - t0, "first_s": t_first - t_open,
                      "image_recall": image_recall,
                      "check_s": t_checked - t_first, "rebuilt": rebuilt, "count": len(vi), "first": len(first),
                      "rss_first": rss_first, "rss_after": status(), "times": times, "found": found,
                      "deep_times": deep_times, "deep": deep}))
""")


def _drop_page_cache() -> bool:
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def _start_and_search(folder: Path, drop_cache: bool = True) -> dict[str, Any]:
    cold = _drop_page_cache() if drop_cache else False
    spawned = time.time()
    out = subprocess.run([sys.executable, "-c", CHILD, str(folder)], cwd=REPO, capture_output=True, text=True,
                         check=False, env=dict(os.environ, PYTHONPATH=str(REPO)))
    if out.returncode != 0:
        raise RuntimeError(f"the search process failed: {out.stderr[-2000:]}")
    r = json.loads(out.stdout.strip().splitlines()[-1])
    if r["rebuilt"]:
        raise RuntimeError("the saved index was not used: it was rebuilt from the (empty) catalog")
    truth = np.load(folder / "truth.npy")
    recall = [len(set(f) & set(t.tolist())) / TOP_K for f, t in zip(r["found"], truth, strict=True)]
    in_deep = [len(set(f) & set(t.tolist())) / TOP_K for f, t in zip(r["deep"], truth, strict=True)]
    p50, p95 = p50_p95_ms(r["times"])
    d50, d95 = p50_p95_ms(r["deep_times"])
    size = sum(p.stat().st_size for p in folder.glob("vectors.*") if not p.name.endswith(".tmp"))
    return {
        "million_vectors": r["count"],
        "million_cold_cache": cold,
        "million_first_answer_after_start_s": rnd(r["answered"] - spawned, 3),
        "million_open_s": rnd(r["open_s"], 3),
        "million_first_search_s": rnd(r["first_s"], 3),
        "million_background_check_s": rnd(r["check_s"], 2),
        "million_search_p50_ms": p50,
        "million_search_p95_ms": p95,
        "million_recall_at_10_vs_exact": rnd(statistics.mean(recall), 4),
        "million_recall_at_10_image_queries": rnd(r["image_recall"]["image"], 4),
        "million_recall_at_10_image_and_words_queries": rnd(r["image_recall"]["image_and_words"], 4),
        "million_search_400_p50_ms": d50,
        "million_search_400_p95_ms": d95,
        "million_exact_top10_in_400_candidates": rnd(statistics.mean(in_deep), 4),
        "million_rss_after_first_answer_mb": rnd(r["rss_first"]["VmRSS"], 0),
        "million_rss_after_queries_mb": rnd(r["rss_after"]["VmRSS"], 0),
        "million_rss_anon_after_queries_mb": rnd(r["rss_after"]["RssAnon"], 0),
        "million_index_files_mb": rnd(size / 2**20, 0),
    }


def rescan(count: int) -> dict[str, Any]:
    from bench.media import write_notes
    from bench.rescan import first_index, rescan_once
    from core.encoders import Encoders
    from core.library import Library
    from core.scanner import scan

    def no_speech() -> Any:
        raise RuntimeError("no recordings in this benchmark")

    words = HashedWords()
    encoders = Encoders(lambda: words, lambda: None, no_speech, text_model_id=words.model_id, text_dim=words.dim,
                        visual_model_id=None, visual_dim=VISUAL_DIM)
    with temp_dir("million-rescan") as tmp:
        notes = tmp / "notes"
        say("million: writing %d notes", count)
        write_notes(notes, count, folders=max(1, count // 100), words=(3, 8), seed=11)
        with Library.open(tmp / "data", encoders=encoders) as lib:
            lib.add_root(notes)
            say("million: first index of %d notes (hashed words, no real model)", count)
            index_s = first_index(lib, count)
        runs = []
        for i in range(3):
            with Library.open(tmp / "data", encoders=encoders) as lib:  # as `trove index` does: a fresh open
                runs.append(rescan_once(lib, count, i + 1))
                say("million: rescan %d of %d files: %.2f s", i + 1, count, runs[-1])
        with Library.open(tmp / "data", encoders=encoders) as lib:
            t0 = time.perf_counter()
            found = scan(str(notes), lib.excludes(), skip_dirs=[str(lib.data_dir)])
            walk_s = time.perf_counter() - t0
            assert len(found.files) == count
            t0 = time.perf_counter()
            plan = lib.indexer.plan(lib.catalog, [str(notes)])
            plan_s = time.perf_counter() - t0
            assert plan.unchanged == count and not plan.todo
    key = f"{count // 1000}k"
    return {f"million_rescan_{key}_unchanged_s": rnd(statistics.median(runs), 2),
            "million_rescan_runs_s": [rnd(x, 2) for x in runs],
            "million_rescan_files_per_s": rnd(count / statistics.median(runs), 0),
            "million_rescan_walk_s": rnd(walk_s, 2), "million_rescan_plan_s": rnd(plan_s, 2),
            f"million_first_index_{key}_notes_s": rnd(index_s, 1)}


def run(quick: bool = False) -> dict[str, Any]:
    n = 200_000 if quick else 1_000_000
    folder = cache_dir(f"million-v3/{n}")
    built_file = folder / "built.json"
    if built_file.exists() and list(folder.glob("vectors.*.usearch")):
        built = json.loads(built_file.read_text())
        say("million: using the index built earlier in %s", folder)
    else:
        for old in folder.iterdir():
            old.unlink()
        built = _build(folder, n)
    out = {**built, **_start_and_search(folder)}
    warm = _start_and_search(folder, drop_cache=False)  # again at once: the files are in the page cache
    out["million_first_answer_after_start_s_warm"] = warm["million_first_answer_after_start_s"]
    out["million_first_search_s_warm"] = warm["million_first_search_s"]
    out.update(rescan(10_000 if quick else 100_000))
    return out
