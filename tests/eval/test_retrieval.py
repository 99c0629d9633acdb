"""Retrieval quality: recall@1/3/10 and MRR per query type, on the TUNING queries (``corpus.py``, what the
weights and cut-offs were chosen on) and on the HELD-OUT queries (``heldout.py``, never read by tuning),
each without and with 1,200 distractor notes (``distractors.py``); and precision: off-topic queries (typed,
spoken, pictures) must get no matched result.

The corpus is indexed once per module with the real text and speech models and random CLIP weights, so
photos are found by their names, dates and camera only. A copy of that index then gets the distractors
(a second library folder), so both libraries share every corpus vector. Only MATCHED results count
(``harness.run_queries``). The tables are printed (run with ``-s``) and written to
``tests/eval/last_report.json``. ``TROVE_EVAL_WEIGHTS`` (JSON of ``FusionWeights`` fields) runs the eval with
other weights than the shipped defaults, e.g. to check values from ``python -m tests.eval.tune``.
"""

from __future__ import annotations

import json
import os
import shutil
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
from .distractors import write_distractors
from .harness import index_corpus, misses, off_topic_counts, open_library, run_queries
from .heldout import OFF_TOPIC_TEXT, build_heldout, build_off_topic_voice, off_topic_images
from .metrics import Ranked, TypeMetrics, summarise, table

pytestmark = pytest.mark.slow

REPORT = Path(__file__).with_name("last_report.json")
DISTRACTORS = 1200

# Lower bounds on recall@3, a little under what the shipped weights measured (README, "Retrieval quality"),
# so a change that loses a query or two fails. The targets on the held-out set with distractors
# (notes 0.95, spoken 0.9, MRR 0.85) are not all met: see the README.
MIN_RECALL_AT_3 = {
    "tuning": {"note": 0.55, "note_exact": 0.9, "recording_voice": 0.8, "recording_text": 0.9, "photo": 0.9},
    "heldout": {"note": 0.85, "recording_voice": 0.8, "recording_text": 0.9, "photo": 0.9},
}
# Off-topic matches allowed, per kind of query: the target is none. One spoken query measured one (see the
# README): what Whisper heard shares a word with a memo.
MAX_OFF_TOPIC_MATCHES = {"text": 0, "voice": 1, "image": 0}
NO_ESPEAK = "espeak-ng is not installed: no spoken recordings or voice queries (apt-get install espeak-ng)"


@dataclass
class Evaluation:
    root: Path
    lib: Library  # the corpus alone
    queries: list[EvalQuery]
    runs: dict[str, list[Ranked]]  # "tuning", "heldout", "tuning+distractors", "heldout+distractors"
    metrics: dict[str, dict[str, TypeMetrics]]
    off_topic: dict[str, dict[str, list[str]]]  # "text" | "voice" | "image" | "text+distractors" -> matched
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
    tuning = build_corpus(root, with_speech=speech)
    heldout = build_heldout(root, with_speech=speech)
    voice_off = build_off_topic_voice(root)
    images_off = off_topic_images(base / "off-topic-images")
    extra = base / "extra"
    write_distractors(extra, DISTRACTORS)
    timings = {"build_s": time.monotonic() - t0}
    runs: dict[str, list[Ranked]] = {}
    off: dict[str, dict[str, list[str]]] = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TROVE_CLIP_WEIGHTS", "random")
        lib = open_library(base / "data")
        lib.weights = _weights_from_env()
        t0 = time.monotonic()
        summary = index_corpus(lib, root)
        timings["index_s"] = time.monotonic() - t0
        t0 = time.monotonic()
        runs["tuning"] = run_queries(lib, root, tuning)
        runs["heldout"] = run_queries(lib, root, heldout)
        off["text"] = off_topic_counts(lib, (*OFF_TOPIC, *OFF_TOPIC_TEXT))
        off["voice"] = {}
        for p in voice_off:
            resp = lib.search(Query(voice_path=str(p)))
            off["voice"][f"{p.name} (heard {resp.query.transcript!r})"] = [r.path for r in resp.results if r.matched]
        off["image"] = {p.name: [r.path for r in lib.search(Query(image_path=str(p))).results if r.matched]
                        for p in images_off}
        timings["queries_s"] = time.monotonic() - t0
        # The same index plus the distractors, as a second library folder.
        lib.close()
        shutil.copytree(base / "data", base / "data+distractors")
        lib_d = open_library(base / "data+distractors", lib.encoders)
        lib_d.weights = lib.weights
        lib = open_library(base / "data", lib.encoders)
        lib.weights = lib_d.weights
        try:
            t0 = time.monotonic()
            lib_d.add_root(extra)
            summary_d = lib_d.index().to_json()
            timings["index_distractors_s"] = time.monotonic() - t0
            runs["tuning+distractors"] = run_queries(lib_d, root, tuning)
            runs["heldout+distractors"] = run_queries(lib_d, root, heldout)
            off["text+distractors"] = off_topic_counts(lib_d, (*OFF_TOPIC, *OFF_TOPIC_TEXT))
        finally:
            lib_d.close()
        metrics = {name: summarise(r) for name, r in runs.items()}
        _report(lib, metrics, runs, off, {"corpus": summary, "distractors": summary_d}, speech, timings)
        try:
            yield Evaluation(root, lib, tuning, runs, metrics, off, speech)
        finally:
            lib.close()


def _report(lib: Library, metrics: dict[str, dict[str, TypeMetrics]], runs: dict[str, list[Ranked]],
            off: dict[str, dict[str, list[str]]], summary: dict[str, Any], speech: bool,
            timings: dict[str, float]) -> None:
    print(f"\nretrieval eval, weights: {lib.weights}")
    if not speech:
        print(f"note: {NO_ESPEAK}")
    for name, m in metrics.items():
        print(f"\n{name}:\n{table(m)}")
        for x in misses(runs[name]):
            print(f"  miss@3 [{x['type']}] {x['query']!r}" + (f" (heard {x['transcript']!r})" if x["transcript"] else "")
                  + f": rank {x['rank']}, top 3 {x['got']}")
    for name, results in off.items():
        wrong = {q: [Path(p).name for p in r] for q, r in results.items() if r}
        print(f"off-topic {name}: {len(results)} queries, {sum(len(r) for r in results.values())} matched results"
              + (f": {wrong}" if wrong else ""))
    report = {
        "weights": asdict(lib.weights),
        "device": lib.device.description,
        "speech": speech,
        "distractors": DISTRACTORS,
        "index": summary,
        "timings_s": {k: round(v, 1) for k, v in timings.items()},
        "metrics": {name: {t: x.to_json() for t, x in m.items()} for name, m in metrics.items()},
        "misses_at_3": {name: misses(r) for name, r in runs.items()},
        "off_topic_matched": {name: {q: [Path(p).name for p in r] for q, r in res.items()}
                              for name, res in off.items()},
    }
    REPORT.write_text(json.dumps(report, indent=2) + "\n")


def _check(ev: Evaluation, qtype: str, sets: tuple[str, ...] = ("tuning", "heldout")) -> None:
    """recall@3 of ``qtype`` is at least its bound in each named set, with and without distractors."""
    for name in sets:
        bound = MIN_RECALL_AT_3[name].get(qtype)
        for run in (name, f"{name}+distractors"):
            m = ev.metrics[run].get(qtype)
            assert m is not None and m.n > 0, f"no {qtype} queries were run in {run}"
            assert bound is not None and m.recall[3] >= bound, (
                f"{run}: {qtype} recall@3 is {m.recall[3]:.3f}, under {bound} (weights {ev.lib.weights}):\n"
                f"{table(ev.metrics[run])}\nmisses: {[x for x in misses(ev.runs[run]) if x['type'] == qtype]}")


def test_corpus_is_indexed_whole(evaluation: Evaluation) -> None:
    counts = evaluation.lib.catalog.counts()
    assert counts == {"note": len(NOTES), "photo": len(PHOTOS), "document": 0,
                      "recording": len(RECORDINGS) if evaluation.speech else 0}
    assert not evaluation.lib.catalog.failures()


def test_notes_found_by_paraphrase(evaluation: Evaluation) -> None:
    _check(evaluation, "note")


def test_notes_found_by_their_rare_words(evaluation: Evaluation) -> None:
    _check(evaluation, "note_exact", ("tuning",))


def test_recordings_found_by_spoken_query(evaluation: Evaluation) -> None:
    if not evaluation.speech:
        pytest.skip(NO_ESPEAK)
    heard = [r.transcript for r in evaluation.runs["heldout"] if r.qtype == "recording_voice"]
    assert heard and all(heard), f"every spoken query should be transcribed to some text: {heard}"
    _check(evaluation, "recording_voice")


def test_recordings_found_by_typed_query(evaluation: Evaluation) -> None:
    if not evaluation.speech:
        pytest.skip(NO_ESPEAK)
    _check(evaluation, "recording_text")


def test_photos_found_by_names_dates_and_camera(evaluation: Evaluation) -> None:
    _check(evaluation, "photo")


def test_off_topic_queries_match_nothing(evaluation: Evaluation) -> None:
    """Typed, spoken and picture queries about things no file holds get no matched result at all."""
    off = evaluation.off_topic
    assert len(off["text"]) >= 20 and len(off["image"]) >= 5
    assert evaluation.speech is False or len(off["voice"]) >= 5
    for name, most in MAX_OFF_TOPIC_MATCHES.items():
        wrong = {q: [Path(p).name for p in r] for q, r in off[name].items() if r}
        assert sum(len(r) for r in wrong.values()) <= most, f"off-topic {name} queries matched: {wrong}"


def test_off_topic_queries_match_no_corpus_file_among_distractors(evaluation: Evaluation) -> None:
    """With 1,200 distractor notes in the library the corpus files still do not match off-topic queries
    (a distractor may: the fortunes and package descriptions were not written to avoid their meaning)."""
    root = str(evaluation.root)
    wrong = {q: [Path(p).name for p in r if p.startswith(root)] for q, r in evaluation.off_topic["text+distractors"].items()}
    assert not any(wrong.values()), {q: r for q, r in wrong.items() if r}


def test_filters_never_hide_files(evaluation: Evaluation) -> None:
    """With a filter, every file passing it is listed (matched ones first, then the rest), however poor the
    match; with unrelated words none of them is matched."""
    lib, root = evaluation.lib, evaluation.root
    for text in OFF_TOPIC[:3]:
        res = lib.search(Query(text=text, kind=Kind.NOTE, limit=100)).results
        assert len(res) == len(NOTES), (text, len(res))
        assert {r.kind for r in res} == {Kind.NOTE}
        assert {r.path for r in res} == {str(root / n.path) for n in NOTES}
        assert not any(r.matched or r.strength for r in res), [r.path for r in res if r.matched]
        assert all(r.why.startswith("passes the filters") for r in res)
        assert [r.score for r in res] == sorted((r.score for r in res), reverse=True)
        assert len(lib.search(Query(text=text, kind=Kind.NOTE, limit=5)).results) == 5
    # A date range and kind: exactly the photos taken in it, whatever the words.
    in_2023 = {str(root / p.path) for p in PHOTOS if p.taken.startswith("2023")}
    res = lib.search(Query(text=OFF_TOPIC[0], kind=Kind.PHOTO, after=date(2023, 1, 1), before=date(2024, 1, 1),
                           limit=100)).results
    assert {r.path for r in res} == in_2023 and not any(r.matched for r in res)


def test_a_filter_lists_matches_before_the_rest(evaluation: Evaluation) -> None:
    lib, root = evaluation.lib, evaluation.root
    res = lib.search(Query(text="boiler pressure fault code", kind=Kind.NOTE, limit=100)).results
    assert len(res) == len(NOTES)
    flags = [r.matched for r in res]
    assert flags[0] and flags == sorted(flags, reverse=True), flags  # matched first, then the others
    assert res[0].path == str(root / "Notes/Home/boiler_pressure.md")
