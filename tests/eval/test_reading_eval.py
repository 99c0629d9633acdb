"""Reading eval: text in photos (OCR), documents (passages with their page or heading) and places (GPS ->
city, region, country), each measured as recall@1/3/5 and MRR over labelled queries (``reading_corpus.py``).

The corpus is written to a temporary folder and indexed once per module with the real sentence model, the
real OCR reader (``core.ocr.TextReader``, which ``harness.eval_encoders`` leaves out) and random CLIP
weights, so photos are found only by the text read in them, their place, name, date and camera. Only
MATCHED results count. Besides recall:

* precision of reading: queries of words printed on no photo must match no photo through read text;
* documents: of the top-1 hits on the right file, the share whose ``location`` is the labelled one;
* places: ``Query(near=...)`` lists exactly the photos taken at that place.

The tables are printed (run with ``-s``) and written to ``tests/eval/reading_report.json`` with the counts
and this machine's timings (whole index run, its reading pass). Targets: recall@3 >= 0.9 for text in
photos and documents, recall@5 >= 0.9 for places; the asserted bounds below are what was measured, a
little lower, so a regression fails.

Measured (CPU, shipped weights; deterministic from run to run): text in photos recall@3 1.0 (19 queries,
51/51 printed lines read exactly, no match through read text for words printed on no photo); documents
recall@3 0.917 (paraphrases 0.857, own words 1.0) with the right page or heading on 21/21 top-1 hits;
places recall@5 0.979, the place filter exact for all six places. All three targets are met. The misses:
two paraphrases rank their document first among documents but below the weak cut-off, so they match
nothing ("boiler shows a red light and won't heat water", level 0.84; the RTF minutes' "rubbish
containers blocking the footpath", 0.74: the RTF is one passage); "trip to Portugal" leaves out one of the
two Lisbon photos (level 0.94, just under the cut-off; "Portugal" alone finds all three). Place queries
are found but not precise: "pictures in Japan" also matches eight photos taken elsewhere, "photos from
Norway" four (mean precision of matched files 0.80), because a photo's place words also match other
place names by meaning.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from core.encoders import Encoders
from core.library import Library
from core.places import place_of
from core.search import Query
from core.types import Progress, SearchResult

from .harness import eval_device, eval_encoders
from .metrics import Ranked, TypeMetrics, recall_at, summarise, table
from .reading_corpus import (
    DOCUMENTS,
    GROUPS,
    NEAR_CHECKS,
    NEIGHBOURHOOD_CENTRES,
    NOT_PRINTED,
    PLACED,
    PLAIN_PHOTOS,
    READ_LOCATION,
    TEXT_PHOTOS,
    UNPLACED,
    LabelledQuery,
    build_reading_corpus,
)

pytestmark = pytest.mark.slow

REPORT = Path(__file__).with_name("reading_report.json")
KS = (1, 3, 5)
# The targets: (k, recall@k) per group.
TARGETS = {"text in photos": (3, 0.9), "documents": (3, 0.9), "places": (5, 0.9)}
# Lower bounds, a little under what was measured (see the module docstring; never above the truth).
MIN_RECALL = {"text in photos": 0.94, "documents": 0.87, "places": 0.95}
MIN_LOCATION_SHARE = 0.95  # top-1 hits on the right document that name the right page or heading
MIN_LINES_READ = 0.95  # printed lines read back exactly (spacing aside)
MIN_PLACE_PRECISION = 0.75  # mean share of a place query's matched files that were taken there


@dataclass
class ReadingEval:
    root: Path
    lib: Library
    queries: list[LabelledQuery]
    runs: list[Ranked]
    top: dict[str, SearchResult | None]  # query text -> its first matched result
    by_type: dict[str, TypeMetrics]
    by_group: dict[str, TypeMetrics]
    summary: dict[str, Any]
    timings: dict[str, float]


def reading_encoders(data_dir: Path, device: str) -> Encoders:
    """The eval's encoders (memoised sentence model, random CLIP) plus the real OCR reader, configured as
    ``core.library.default_encoders`` configures it."""
    from core.ocr import TextReader

    base = eval_encoders(data_dir, device)
    return Encoders(lambda: base.text, lambda: base.image, lambda: base.speech,
                    text_model_id=base.text_model_id, text_dim=base.text_dim,
                    visual_model_id=base.visual_model_id, visual_dim=base.visual_dim, device=device,
                    reader=lambda: TextReader(threads=max(1, min(4, os.cpu_count() or 2))))


class _Clock:
    """Progress callback that notes when each phase is first and last seen."""

    def __init__(self) -> None:
        self.first: dict[str, float] = {}
        self.last: dict[str, float] = {}

    def __call__(self, p: Progress) -> None:
        now = time.monotonic()
        self.first.setdefault(p.phase, now)
        self.last[p.phase] = now


@pytest.fixture(scope="module")
def ev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReadingEval]:
    base = tmp_path_factory.mktemp("reading-eval")
    root = (base / "corpus").resolve()
    t0 = time.monotonic()
    queries = build_reading_corpus(root)
    timings = {"build_s": time.monotonic() - t0}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TROVE_CLIP_WEIGHTS", "random")
        device = eval_device()
        lib = Library.open(base / "data", device=device, encoders=reading_encoders(base / "data", device))
        try:
            lib.add_root(root)
            clock = _Clock()
            t0 = time.monotonic()
            summary = lib.index(progress=clock)
            timings["index_s"] = time.monotonic() - t0
            if "reading" in clock.first:
                timings["reading_pass_s"] = clock.last["reading"] - clock.first["reading"]
            if lib.failures():
                raise RuntimeError(f"indexing the reading corpus failed for some files: {lib.failures()}")
            t0 = time.monotonic()
            runs, top = [], {}
            for q in queries:
                matched = [r for r in lib.search(Query(text=q.text, limit=20)).results if r.matched]
                runs.append(Ranked(q.qtype, q.text, tuple(str(root / e) for e in q.expected),
                                   tuple(r.path for r in matched)))
                top[q.text] = matched[0] if matched else None
            timings["queries_s"] = time.monotonic() - t0
            by_group = summarise([Ranked(GROUPS[r.qtype], r.label, r.expected, r.results) for r in runs], KS)
            result = ReadingEval(root, lib, queries, runs, top, summarise(runs, KS), by_group, summary.to_json(),
                                 timings)
            _report(result)
            yield result
        finally:
            lib.close()


# -- figures that need the library (shared by the report and the tests) ------------------------------------


def _read_matches(ev: ReadingEval) -> dict[str, list[str]]:
    """For each query of words printed on no photo: the photos it matched through their read text."""
    return {t: [Path(r.path).name for r in ev.lib.search(Query(text=t)).results
                if r.matched and r.location == READ_LOCATION] for t in NOT_PRINTED}


def _near(ev: ReadingEval) -> dict[str, dict[str, Any]]:
    out = {}
    for name, expected in NEAR_CHECKS:
        got = {r.path for r in ev.lib.search(Query(near=name, limit=100)).results}
        want = {str(ev.root / e) for e in expected}
        out[name] = {"precision": len(got & want) / len(got) if got else 0.0, "recall": len(got & want) / len(want),
                     "got": sorted(Path(p).name for p in got), "expected": sorted(Path(p).name for p in want)}
    return out


def _locations(ev: ReadingEval) -> dict[str, Any]:
    """Of the document queries whose top-1 result is the right file and that name a location: how many of
    those results give that location."""
    rows = []
    for q, run in zip(ev.queries, ev.runs, strict=True):
        if q.qtype.startswith("doc") and q.location is not None and run.first_rank == 1:
            hit = ev.top[q.text]
            rows.append({"query": q.text, "expected": q.location, "got": hit.location if hit else None})
    right = sum(1 for r in rows if r["expected"] == r["got"])
    return {"n": len(rows), "right": right, "share": right / len(rows) if rows else 0.0,
            "wrong": [r for r in rows if r["expected"] != r["got"]]}


def _lines_read(ev: ReadingEval) -> dict[str, Any]:
    """How many printed lines the reader gave back exactly (runs of spaces aside), and the others."""
    paths = [str(ev.root / p.path) for p in TEXT_PHOTOS]
    details = ev.lib.file_details(paths)
    total, exact, wrong = 0, 0, []
    for photo, path in zip(TEXT_PHOTOS, paths, strict=True):
        read = {" ".join(str(ln[4]).split()) for ln in details[path].meta.get("text_lines", [])}
        for text, _ in photo.lines:
            total += 1
            if " ".join(text.split()) in read:
                exact += 1
            else:
                wrong.append({"photo": Path(path).name, "printed": text, "read": sorted(read)})
    return {"lines": total, "exact": exact, "share": exact / total, "not_read_exactly": wrong}


def _place_precision(ev: ReadingEval) -> dict[str, Any]:
    """For each place query, the share of its matched files that were taken at that place (the labels); a
    photo whose printed text names the place (a ticket to Porto) counts against it."""
    rows: dict[str, dict[str, Any]] = {}
    precisions = []
    for r in ev.runs:
        if r.qtype == "place":
            right = sum(p in r.expected for p in r.results)
            precisions.append(right / len(r.results) if r.results else 0.0)
            rows[r.label] = {"matched": len(r.results), "right": right, "precision": round(precisions[-1], 4),
                             "others": [Path(p).name for p in r.results if p not in r.expected]}
    return {"mean": sum(precisions) / len(precisions), "queries": rows}


def _misses_at_1(ev: ReadingEval) -> list[dict[str, Any]]:
    return [{"type": r.qtype, "query": r.label, "top": Path(r.results[0]).name if r.results else None,
             "rank": r.first_rank} for r in ev.runs if r.first_rank != 1]


def _misses(ev: ReadingEval) -> list[dict[str, Any]]:
    """Queries whose relevant files are not all in the top k of their group's target, with what the top
    results were (and, for a photo, what was read in it)."""
    out = []
    for q, r in zip(ev.queries, ev.runs, strict=True):
        k = TARGETS[GROUPS[q.qtype]][0]
        if recall_at(r.expected, r.results, k) < 1.0:
            hit = ev.top[q.text]
            row: dict[str, Any] = {"type": q.qtype, "query": q.text, "k": k, "rank": r.first_rank,
                                   "expected": [Path(e).name for e in r.expected],
                                   "got": [Path(p).name for p in r.results[:k]],
                                   "top_location": hit.location if hit else None}
            if q.qtype == "photo_text":
                path = r.expected[0]
                row["read"] = [ln[4] for ln in ev.lib.file_details([path])[path].meta.get("text_lines", [])]
            out.append(row)
    return out


def _place_names() -> dict[str, str | None]:
    out = {}
    for name, (lat, lon) in NEIGHBOURHOOD_CENTRES.items():
        p = place_of(lat, lon)
        out[name] = p.label() if p else None
    return out


def _report(ev: ReadingEval) -> None:
    near, locations, read, misses = _near(ev), _locations(ev), _read_matches(ev), _misses(ev)
    lines, precision, first = _lines_read(ev), _place_precision(ev), _misses_at_1(ev)
    print(f"\nreading eval on {ev.lib.device.description}; index {ev.summary}")
    print(f"\nby group:\n{table(ev.by_group, KS)}\n\nby query type:\n{table(ev.by_type, KS)}")
    targets = {}
    for group, (k, target) in TARGETS.items():
        got = ev.by_group[group].recall[k]
        targets[group] = {"k": k, "target": target, "measured": round(got, 4), "met": got >= target}
        print(f"target {group}: recall@{k} {got:.3f} (target {target}) {'met' if got >= target else 'NOT MET'}")
    print(f"document location right on {locations['right']}/{locations['n']} top-1 hits"
          + (f"; wrong: {locations['wrong']}" if locations["wrong"] else ""))
    for m in misses:
        print(f"  miss@{m['k']} [{m['type']}] {m['query']!r}: rank {m['rank']}, top {m['got']}, expected "
              f"{m['expected']}" + (f", read {m['read']}" if "read" in m else ""))
    for m in first:
        if m["rank"] is not None:
            print(f"  not first [{m['type']}] {m['query']!r}: rank {m['rank']}, first {m['top']}")
    print(f"printed lines read exactly: {lines['exact']}/{lines['lines']}"
          + (f"; not: {lines['not_read_exactly']}" if lines["not_read_exactly"] else ""))
    print(f"place queries: mean precision of matched files {precision['mean']:.3f}")
    for q, x in precision["queries"].items():
        if x["others"]:
            print(f"  {q!r}: {x['right']}/{x['matched']} matched were taken there; also {x['others']}")
    print(f"words printed on no photo: {sum(len(v) for v in read.values())} photos matched through read text"
          + (f": { {k: v for k, v in read.items() if v} }" if any(read.values()) else ""))
    for name, x in near.items():
        print(f"near={name!r}: precision {x['precision']:.2f} recall {x['recall']:.2f}")
    names = _place_names()
    print("famous centres resolving to a neighbourhood or local name: "
          + "; ".join(f"{k} -> {v}" for k, v in names.items()))
    t = ev.timings
    print("timings: " + ", ".join(f"{k} {v:.1f}" for k, v in t.items()))
    report = {
        "device": ev.lib.device.description,
        "counts": {"photos_with_text": len(TEXT_PHOTOS), "photos_without_text": len(PLAIN_PHOTOS),
                   "photos_with_gps": len(PLACED), "photos_without_gps": len(UNPLACED),
                   "documents": len(DOCUMENTS), "not_printed_queries": len(NOT_PRINTED),
                   "near_checks": len(NEAR_CHECKS),
                   "queries": {qt: sum(q.qtype == qt for q in ev.queries) for qt in GROUPS}},
        "index": ev.summary,
        "timings_s": {k: round(v, 1) for k, v in t.items()},
        "metrics_by_group": {g: m.to_json() for g, m in ev.by_group.items()},
        "metrics_by_type": {qt: m.to_json() for qt, m in ev.by_type.items()},
        "targets": targets,
        "document_location_at_1": {k: (round(v, 4) if isinstance(v, float) else v) for k, v in locations.items()},
        "misses": misses,
        "misses_at_1": first,
        "printed_lines_read_exactly": {k: (round(v, 4) if isinstance(v, float) else v) for k, v in lines.items()},
        "place_query_precision": {"mean": round(precision["mean"], 4), "queries": precision["queries"]},
        "not_printed_read_matches": read,
        "near": near,
        "neighbourhood_centres": names,
    }
    REPORT.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")


# -- the tests ---------------------------------------------------------------------------------------------


def test_corpus_is_indexed_whole_and_only_text_is_read(ev: ReadingEval) -> None:
    counts = ev.lib.counts()
    photos = len(TEXT_PHOTOS) + len(PLAIN_PHOTOS) + len(PLACED) + len(UNPLACED)
    assert counts.get("photo") == photos and counts.get("document") == len(DOCUMENTS), counts
    assert not ev.lib.failures()
    # The photos with print and the scanned letter hold text; nothing else does.
    assert ev.summary["with_text"] == len(TEXT_PHOTOS) + 1, ev.summary


def test_place_coordinates_resolve_to_their_cities() -> None:
    got = {p.path: (q.label() if (q := place_of(*p.gps)) else None) for p in PLACED}
    wrong = {p.path: (p.label, got[p.path]) for p in PLACED if got[p.path] != p.label}
    assert not wrong, wrong


def _check_group(ev: ReadingEval, group: str) -> None:
    k = TARGETS[group][0]
    m = ev.by_group[group]
    assert m.n > 0
    assert m.recall[k] >= MIN_RECALL[group], (
        f"{group}: recall@{k} is {m.recall[k]:.3f}, under {MIN_RECALL[group]}:\n{table(ev.by_type, KS)}\n"
        f"misses: {[x for x in _misses(ev) if GROUPS[x['type']] == group]}")


def test_photos_found_by_the_text_printed_in_them(ev: ReadingEval) -> None:
    _check_group(ev, "text in photos")
    for q, r in zip(ev.queries, ev.runs, strict=True):
        hit = ev.top[q.text]
        if q.qtype == "photo_text" and r.first_rank == 1:
            assert hit is not None and hit.location == READ_LOCATION, (q.text, hit)


def test_printed_lines_are_read_back(ev: ReadingEval) -> None:
    lines = _lines_read(ev)
    assert lines["share"] >= MIN_LINES_READ, lines


def test_words_printed_on_no_photo_match_no_read_text(ev: ReadingEval) -> None:
    read = _read_matches(ev)
    assert not any(read.values()), {k: v for k, v in read.items() if v}


def test_documents_found_by_paraphrase_and_by_their_words(ev: ReadingEval) -> None:
    _check_group(ev, "documents")


def test_document_hits_name_the_right_page_or_heading(ev: ReadingEval) -> None:
    loc = _locations(ev)
    assert loc["n"] >= 10 and loc["share"] >= MIN_LOCATION_SHARE, loc


def test_photos_found_by_the_place_they_were_taken(ev: ReadingEval) -> None:
    _check_group(ev, "places")


def test_place_queries_match_few_photos_taken_elsewhere(ev: ReadingEval) -> None:
    precision = _place_precision(ev)
    assert precision["mean"] >= MIN_PLACE_PRECISION, precision


def test_place_filter_keeps_exactly_the_photos_taken_there(ev: ReadingEval) -> None:
    near = _near(ev)
    wrong = {k: v for k, v in near.items() if v["precision"] < 1.0 or v["recall"] < 1.0}
    assert not wrong, wrong
