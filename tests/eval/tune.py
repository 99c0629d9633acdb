"""Grid search over ``core.search.FusionWeights`` on the eval corpus.

    .venv/bin/python -m tests.eval.tune [--dir DIR] [--wide] [--top N] [--json FILE]

Builds the corpus and indexes it once (into DIR, reused on the next run, or a temporary folder), then for
every setting assigns ``lib.weights`` and re-runs all labelled queries through ``Library.search``. Query
encodings and voice transcripts are computed once and cached, so a setting costs only the search itself.
Settings are ranked by mean recall@3 over the query types (each type weighs the same), then MRR, then fewer
off-topic results. ``--wide`` adds lower keyword weights to the grid. Nothing is changed in ``core``: copy the
values you choose into ``FusionWeights``' defaults.

CLIP has random weights here, so ``text_query_visual`` is only measured as noise added to text queries; its
value for real CLIP weights needs an eval with them.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from core.catalog import from_blob
from core.library import Library
from core.search import FusionWeights

from .corpus import OFF_TOPIC, EvalQuery, build_corpus, have_espeak
from .harness import index_corpus, misses, off_topic_counts, open_library, run_queries
from .metrics import Ranked, TypeMetrics, mean_over_types, summarise, table

GRID: dict[str, tuple[float, ...]] = {
    "text_query_visual": (0.0, 0.2, 0.35, 0.5),
    "rrf_k": (5.0, 20.0, 60.0),
    "keyword_weight": (0.5, 1.0, 2.0),
    "min_text_score": (0.1, 0.15, 0.18, 0.22, 0.25),
}
WIDE_KEYWORD_WEIGHTS = (0.0, 0.1, 0.2, 0.3)


@dataclass
class Trial:
    weights: FusionWeights
    metrics: dict[str, TypeMetrics]
    recall3: float
    mrr: float
    off_topic_queries: int  # off-topic queries that returned anything
    off_topic_results: int  # results over all off-topic queries

    def key(self) -> tuple[float, ...]:
        return (-round(self.recall3, 6), -round(self.mrr, 6), self.off_topic_results, -self.weights.min_text_score)

    @property
    def recall1(self) -> float:
        return mean_over_types(self.metrics, 1)[0]

    def row(self, types: list[str]) -> str:
        w = self.weights
        cells = "".join(f"{self.metrics[t].recall[3]:>8.3f}" for t in types)
        return (f"{w.text_query_visual:>5.2f}{w.rrf_k:>6.0f}{w.keyword_weight:>6.2f}{w.min_text_score:>6.2f}"
                f"{self.recall3:>8.3f}{self.recall1:>8.3f}{self.mrr:>8.3f}{cells}"
                f"{self.off_topic_queries:>5}/{self.off_topic_results:<4}")

    def to_json(self) -> dict[str, Any]:
        return {"weights": asdict(self.weights), "mean_recall@3": round(self.recall3, 4), "mean_mrr": round(self.mrr, 4),
                "off_topic_queries_with_results": self.off_topic_queries, "off_topic_results": self.off_topic_results,
                "metrics": {t: m.to_json() for t, m in self.metrics.items()}}


def header(types: list[str]) -> str:
    short = {"note": "note", "note_exact": "exact", "recording_voice": "voice", "recording_text": "rectext",
             "photo": "photo"}
    return (f"{'vis':>5}{'rrf_k':>6}{'kw':>6}{'min':>6}{'R@3':>8}{'R@1':>8}{'MRR':>8}"
            + "".join(f"{short.get(t, t)[:7]:>8}" for t in types) + "  off-topic q/results\n"
            + f"{'':23}{'(mean over types)':>24}" + f"{'(recall@3 per type)':>{8 * len(types)}}")


def text_score_margins(lib: Library, queries: list[EvalQuery], runs: list[Ranked]) -> dict[str, Any]:
    """Where ``min_text_score`` can sit: the sentence-embedding cosine between each labelled query (its
    transcript for voice) and the best chunk of its relevant file, against the best cosine any off-topic
    query reaches in the whole library."""
    rows = lib.catalog.conn.execute("SELECT f.path, c.textvec FROM chunks c JOIN files f ON f.id = c.file_id")
    by_path: dict[str, list[np.ndarray]] = {}
    for path, blob in rows:
        vec = from_blob(blob)
        if vec is not None:
            by_path.setdefault(path, []).append(vec)
    every = np.stack([v for vs in by_path.values() for v in vs])
    relevant = []
    for q, r in zip(queries, runs, strict=True):
        text = r.transcript if q.voice_path else q.text
        if not text or q.kind is not None or q.after or q.before:
            continue  # filtered queries are never cut off
        qv = lib.encoders.text.encode([text])[0]
        best = max(float(v @ qv) for e in r.expected for v in by_path.get(e, []))
        relevant.append((best, q.qtype, r.label))
    relevant.sort()
    off = sorted(((float(np.max(every @ lib.encoders.text.encode([t])[0])), t) for t in OFF_TOPIC), reverse=True)
    below = {m: sum(1 for s, _, _ in relevant if s < m) for m in GRID["min_text_score"]}
    above = {m: sum(1 for s, _ in off if s >= m) for m in GRID["min_text_score"]}
    return {"relevant_lowest": relevant[:5], "relevant_p10": relevant[len(relevant) // 10][0],
            "relevant_n": len(relevant), "off_topic_highest": off[:3], "relevant_below": below,
            "off_topic_at_or_above": above}


def grid(wide: bool) -> list[FusionWeights]:
    values = dict(GRID)
    if wide:
        values["keyword_weight"] = tuple(sorted(set(WIDE_KEYWORD_WEIGHTS) | set(GRID["keyword_weight"])))
    base = FusionWeights()
    names = list(values)
    combos = itertools.product(*values.values())
    return [replace(base, **dict[str, Any](zip(names, combo, strict=True))) for combo in combos]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.eval.tune", description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", type=Path, help="where to build the corpus and index (reused when it exists)")
    ap.add_argument("--wide", action="store_true", help=f"also try keyword_weight in {WIDE_KEYWORD_WEIGHTS}")
    ap.add_argument("--top", type=int, default=15, help="how many of the best settings to list")
    ap.add_argument("--types", help="comma-separated query types to average over (default: all present)")
    ap.add_argument("--json", type=Path, help="also write every trial to this JSON file")
    args = ap.parse_args(argv)
    os.environ["TROVE_CLIP_WEIGHTS"] = "random"  # the eval's premise: photos are found by their words only

    tmp = None
    if args.dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="trove-eval-")
        base = Path(tmp.name)
    else:
        base = args.dir.expanduser().resolve()
    root = base / "corpus"
    try:
        t0 = time.monotonic()
        queries = build_corpus(root)
        if not have_espeak():
            print("note: espeak-ng is not installed, so there are no recording queries", file=sys.stderr)
        lib = open_library(base / "data")
        summary = index_corpus(lib, root)
        print(f"corpus: {len(queries)} queries; index: {summary}; {time.monotonic() - t0:.0f} s", file=sys.stderr)

        def trial(w: FusionWeights) -> Trial:
            lib.weights = w
            runs = run_queries(lib, root, queries)
            metrics = summarise(runs)
            if args.types:
                metrics = {t: metrics[t] for t in args.types.split(",")}
            r3, mrr = mean_over_types(metrics, 3)
            off = off_topic_counts(lib, OFF_TOPIC)
            return Trial(w, metrics, r3, mrr, sum(1 for r in off.values() if r), sum(len(r) for r in off.values()))

        t0 = time.monotonic()
        default = trial(FusionWeights())  # also fills the query caches (encodings, transcripts)
        default_runs = run_queries(lib, root, queries)
        print(f"first pass (encodes and transcribes every query): {time.monotonic() - t0:.0f} s", file=sys.stderr)
        t0 = time.monotonic()
        trials = [trial(w) for w in grid(args.wide)]
        print(f"{len(trials)} settings in {time.monotonic() - t0:.0f} s", file=sys.stderr)
        trials.sort(key=Trial.key)
        types = list(default.metrics)

        print(f"\nCurrent defaults: {default.weights}")
        print(table(default.metrics))
        print(f"mean recall@3 {default.recall3:.3f}, mean MRR {default.mrr:.3f}; off-topic queries with results "
              f"{default.off_topic_queries}/{len(OFF_TOPIC)} ({default.off_topic_results} results)")
        for m in misses(default_runs):
            print(f"  miss@3 [{m['type']}] {m['query']!r}: rank {m['rank']}, top 3 {m['got']}")

        print(f"\nBest {min(args.top, len(trials))} of {len(trials)} settings (recall@3 per type; mean over types):")
        print(header(types))
        for t in trials[: args.top]:
            print(t.row(types))
        print("\nBest for each text_query_visual (with random CLIP weights the visual part is noise for photos,")
        print("and a crude word-overlap signal between texts; choose this weight with real weights):")
        print(header(types))
        for vis in GRID["text_query_visual"]:
            print(next(t for t in trials if t.weights.text_query_visual == vis).row(types))
        best = trials[0]
        print(f"\nBest: {best.weights}")
        print(table(best.metrics))
        lib.weights = best.weights
        for m in misses(run_queries(lib, root, queries)):
            print(f"  miss@3 [{m['type']}] {m['query']!r}" + (f" (heard {m['transcript']!r})" if m["transcript"] else "")
                  + f": rank {m['rank']}, top 3 {m['got']}")
        off = off_topic_counts(lib, OFF_TOPIC)
        print("off-topic results: " + ", ".join(f"{t!r}: {len(r)}" for t, r in off.items()))
        margins = text_score_margins(lib, queries, default_runs)
        print("\nno-match cut-off (min_text_score) margins, sentence-embedding cosine:")
        print("  relevant files, lowest: " + "; ".join(f"{s:.3f} [{t}] {q!r}" for s, t, q in margins["relevant_lowest"]))
        print(f"  relevant files, 10th percentile: {margins['relevant_p10']:.3f}")
        print("  off-topic queries, best match anywhere: " + "; ".join(f"{s:.3f} {q!r}" for s, q in margins["off_topic_highest"]))
        for cut in GRID["min_text_score"]:
            print(f"  min_text_score {cut:.2f}: {margins['relevant_below'][cut]}/{margins['relevant_n']} relevant files "
                  f"under it (dropped unless a keyword hits); {margins['off_topic_at_or_above'][cut]}/{len(OFF_TOPIC)} "
                  "off-topic queries reach it")
        changed = {k: v for k, v in asdict(best.weights).items() if v != getattr(FusionWeights(), k)}
        print(f"\nTry it: TROVE_EVAL_WEIGHTS='{json.dumps(changed)}' pytest tests/eval -s")
        if args.json:
            args.json.write_text(json.dumps({"default": default.to_json(), "trials": [t.to_json() for t in trials]},
                                            indent=1))
        lib.close()
    finally:
        if tmp is not None:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
