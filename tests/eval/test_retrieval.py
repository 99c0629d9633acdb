"""Retrieval quality on the labelled corpus (``corpus.py``): recall@1/3/10 and MRR per query type.

The corpus is indexed once per module with the real text and speech models and random CLIP weights, so
photos are found by their names, dates and camera only. The table is printed (run with ``-s``) and written
to ``tests/eval/last_report.json``. ``TROVE_EVAL_WEIGHTS`` (JSON of ``FusionWeights`` fields) runs the eval
with other weights than the shipped defaults, e.g. to check values from ``python -m tests.eval.tune``
before changing ``core/search.py``.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from core.library import Library
from core.search import FusionWeights, Query
from core.types import Kind

from .corpus import NOTES, OFF_TOPIC, PHOTOS, RECORDINGS, EvalQuery, build_corpus, have_espeak
from .harness import index_corpus, misses, off_topic_counts, open_library, run_queries
from .metrics import Ranked, TypeMetrics, summarise, table

pytestmark = pytest.mark.slow

REPORT = Path(__file__).with_name("last_report.json")

# Lower bounds on recall@3. Targets: notes 0.9, spoken queries 0.8. The others sit a little under what the
# shipped weights measured (FusionWeights' docstring: recall@3 0.98 notes, 1.0 the other types; 0.9 allows
# one miss in 12 recording queries, two in 20 photo queries).
MIN_RECALL_AT_3 = {
    "note": 0.9,
    "note_exact": 0.9,
    "recording_voice": 0.8,
    "recording_text": 0.9,
    "photo": 0.9,
}
NO_ESPEAK = "espeak-ng is not installed: no spoken recordings or voice queries (apt-get install espeak-ng)"


@dataclass
class Evaluation:
    root: Path
    lib: Library
    queries: list[EvalQuery]
    runs: list[Ranked]
    metrics: dict[str, TypeMetrics]
    off_topic: dict[str, list[str]]
    speech: bool


def _weights_from_env() -> FusionWeights:
    raw = os.environ.get("TROVE_EVAL_WEIGHTS", "").strip()
    return replace(FusionWeights(), **json.loads(raw)) if raw else FusionWeights()


@pytest.fixture(scope="module")
def evaluation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Evaluation]:
    base = tmp_path_factory.mktemp("eval")
    root = (base / "corpus").resolve()
    speech = have_espeak()
    t0 = time.monotonic()
    queries = build_corpus(root, with_speech=speech)
    built_s = time.monotonic() - t0
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TROVE_CLIP_WEIGHTS", "random")
        lib = open_library(base / "data")
        lib.weights = _weights_from_env()
        try:
            t0 = time.monotonic()
            summary = index_corpus(lib, root)
            index_s = time.monotonic() - t0
            t0 = time.monotonic()
            runs = run_queries(lib, root, queries)
            off = off_topic_counts(lib, OFF_TOPIC)
            query_s = time.monotonic() - t0
            metrics = summarise(runs)
            _report(lib, metrics, runs, off, summary, speech,
                    {"build_s": built_s, "index_s": index_s, "queries_s": query_s})
            yield Evaluation(root, lib, queries, runs, metrics, off, speech)
        finally:
            lib.close()


def _report(lib: Library, metrics: dict[str, TypeMetrics], runs: list[Ranked], off: dict[str, list[str]],
            summary: dict[str, Any], speech: bool, timings: dict[str, float]) -> None:
    print(f"\nretrieval eval, weights: {lib.weights}")
    if not speech:
        print(f"note: {NO_ESPEAK}")
    print(table(metrics))
    print("off-topic queries (unfiltered), results: " + ", ".join(f"{t!r}: {len(r)}" for t, r in off.items()))
    for m in misses(runs):
        print(f"  miss@3 [{m['type']}] {m['query']!r}" + (f" (heard {m['transcript']!r})" if m["transcript"] else "")
              + f": rank {m['rank']}, top 3 {m['got']}")
    report = {
        "weights": asdict(lib.weights),
        "device": lib.device.description,
        "speech": speech,
        "index": summary,
        "timings_s": {k: round(v, 1) for k, v in timings.items()},
        "metrics": {t: m.to_json() for t, m in metrics.items()},
        "misses_at_3": misses(runs),
        "off_topic_results": {t: [Path(p).name for p in r] for t, r in off.items()},
        "transcripts": {r.label: r.transcript for r in runs if r.transcript is not None},
    }
    REPORT.write_text(json.dumps(report, indent=2) + "\n")


def _check(ev: Evaluation, qtype: str) -> None:
    m = ev.metrics.get(qtype)
    assert m is not None and m.n > 0, f"no {qtype} queries were run"
    bound = MIN_RECALL_AT_3[qtype]
    assert m.recall[3] >= bound, (
        f"{qtype} recall@3 is {m.recall[3]:.3f}, under {bound} (weights {ev.lib.weights}):\n{table(ev.metrics)}\n"
        f"misses: {[x for x in misses(ev.runs) if x['type'] == qtype]}\n"
        "run `python -m tests.eval.tune` to see which FusionWeights meet it"
    )


def test_corpus_is_indexed_whole(evaluation: Evaluation) -> None:
    counts = evaluation.lib.catalog.counts()
    assert counts == {"note": len(NOTES), "photo": len(PHOTOS),
                      "recording": len(RECORDINGS) if evaluation.speech else 0}
    assert not evaluation.lib.catalog.failures()


def test_notes_found_by_paraphrase(evaluation: Evaluation) -> None:
    _check(evaluation, "note")


def test_notes_found_by_their_rare_words(evaluation: Evaluation) -> None:
    _check(evaluation, "note_exact")


def test_recordings_found_by_spoken_query(evaluation: Evaluation) -> None:
    if not evaluation.speech:
        pytest.skip(NO_ESPEAK)
    heard = [r.transcript for r in evaluation.runs if r.qtype == "recording_voice"]
    assert all(heard), f"every spoken query should be transcribed to some text: {heard}"
    _check(evaluation, "recording_voice")


def test_recordings_found_by_typed_query(evaluation: Evaluation) -> None:
    if not evaluation.speech:
        pytest.skip(NO_ESPEAK)
    _check(evaluation, "recording_text")


def test_photos_found_by_names_dates_and_camera(evaluation: Evaluation) -> None:
    _check(evaluation, "photo")


def test_off_topic_queries_find_little(evaluation: Evaluation) -> None:
    """Without filters, the no-match cut-off keeps unrelated files out: no results, or a few (a shared word
    such as "gauge" is a genuine keyword hit)."""
    counts = {t: len(r) for t, r in evaluation.off_topic.items()}
    assert all(n <= 2 for n in counts.values()), counts
    assert sum(1 for n in counts.values() if n == 0) >= len(counts) - 1, counts


def test_filters_never_hide_files(evaluation: Evaluation) -> None:
    """With a filter, every file passing it is listed (best first, up to the limit), however poor the match."""
    lib, root = evaluation.lib, evaluation.root
    for text in OFF_TOPIC[:3]:
        res = lib.search(Query(text=text, kind=Kind.NOTE, limit=100)).results
        assert len(res) == len(NOTES), (text, len(res))
        assert {r.kind for r in res} == {Kind.NOTE}
        assert {r.path for r in res} == {str(root / n.path) for n in NOTES}
        assert [r.score for r in res] == sorted((r.score for r in res), reverse=True)
        assert len(lib.search(Query(text=text, kind=Kind.NOTE, limit=5)).results) == 5
    # A date range and kind: exactly the photos taken in it, whatever the words.
    in_2023 = {str(root / p.path) for p in PHOTOS if p.taken.startswith("2023")}
    res = lib.search(Query(text=OFF_TOPIC[0], kind=Kind.PHOTO, after=date(2023, 1, 1), before=date(2024, 1, 1),
                           limit=100)).results
    assert {r.path for r in res} == in_2023
