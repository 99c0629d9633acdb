"""Grid search over how word evidence adds up (``core.search.FusionWeights``), on the TUNING queries only.

    .venv/bin/python -m tests.eval.tune [--dir DIR] [--top N] [--json FILE]

Builds the corpus and indexes it once (into DIR, reused on the next run, or a temporary folder), then
for every setting assigns ``lib.weights`` and re-runs the tuning queries (``corpus.py``) through
``Library.search``. Query encodings and voice transcripts are computed once and cached, so a setting costs
only the search itself. Settings are ranked by fewer off-topic matches (``corpus.OFF_TOPIC`` and
``calibrate.TUNING_OFF_TOPIC``), then mean recall@3 over the query types (each type weighs the same), then
MRR. The held-out queries (``heldout.py``) are never read here. The match cut-offs themselves are placed
with ``python -m tests.eval.calibrate``. Nothing is changed in ``core``: copy the values you choose into
``FusionWeights``' defaults.
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

from core.search import FusionWeights

from .calibrate import TUNING_OFF_TOPIC
from .corpus import OFF_TOPIC, build_corpus, have_espeak
from .harness import index_corpus, misses, off_topic_counts, open_library, run_queries
from .metrics import TypeMetrics, mean_over_types, summarise, table

GRID: dict[str, tuple[float, ...]] = {
    "coverage": (0.25, 0.4, 0.55),
    "coverage_power": (1.0, 1.5, 2.0),
    "near": (0.0, 0.08),
    "title": (0.0, 0.1),
}
OFF = (*OFF_TOPIC, *TUNING_OFF_TOPIC)


@dataclass
class Trial:
    weights: FusionWeights
    metrics: dict[str, TypeMetrics]
    recall3: float
    mrr: float
    off_topic_results: int  # matched results over all off-topic queries

    def key(self) -> tuple[float, ...]:
        return (self.off_topic_results, -round(self.recall3, 6), -round(self.mrr, 6))

    def row(self, types: list[str]) -> str:
        w = self.weights
        cells = "".join(f"{self.metrics[t].recall[3]:>8.3f}" for t in types)
        return (f"{w.coverage:>6.2f}{w.coverage_power:>6.2f}{w.near:>6.2f}{w.title:>6.2f}"
                f"{self.recall3:>8.3f}{self.mrr:>8.3f}{cells}{self.off_topic_results:>5}")

    def to_json(self) -> dict[str, Any]:
        return {"weights": asdict(self.weights), "mean_recall@3": round(self.recall3, 4), "mean_mrr": round(self.mrr, 4),
                "off_topic_results": self.off_topic_results, "metrics": {t: m.to_json() for t, m in self.metrics.items()}}


def header(types: list[str]) -> str:
    return (f"{'cov':>6}{'power':>6}{'near':>6}{'title':>6}{'R@3':>8}{'MRR':>8}"
            + "".join(f"{t[:7]:>8}" for t in types) + "  off-topic matches")


def grid() -> list[FusionWeights]:
    base = FusionWeights()
    names = list(GRID)
    return [replace(base, **dict[str, Any](zip(names, combo, strict=True))) for combo in itertools.product(*GRID.values())]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.eval.tune", description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", type=Path, help="where to build the corpus and index (reused when it exists)")
    ap.add_argument("--top", type=int, default=15, help="how many of the best settings to list")
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
            metrics = summarise(run_queries(lib, root, queries))
            r3, mrr = mean_over_types(metrics, 3)
            off = off_topic_counts(lib, OFF)
            return Trial(w, metrics, r3, mrr, sum(len(r) for r in off.values()))

        t0 = time.monotonic()
        default = trial(FusionWeights())  # also fills the query caches (encodings, transcripts)
        print(f"first pass (encodes and transcribes every query): {time.monotonic() - t0:.0f} s", file=sys.stderr)
        t0 = time.monotonic()
        trials = sorted((trial(w) for w in grid()), key=Trial.key)
        print(f"{len(trials)} settings in {time.monotonic() - t0:.0f} s", file=sys.stderr)
        types = list(default.metrics)
        print(f"\nCurrent defaults: {default.weights}")
        print(table(default.metrics))
        print(f"\nBest {min(args.top, len(trials))} of {len(trials)} settings:")
        print(header(types))
        for t in trials[: args.top]:
            print(t.row(types))
        best = trials[0]
        lib.weights = best.weights
        for m in misses(run_queries(lib, root, queries)):
            print(f"  miss@3 [{m['type']}] {m['query']!r}: rank {m['rank']}, top 3 {m['got']}")
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
