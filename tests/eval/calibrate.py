"""Where the match cut-offs (``core.search.CHANNELS``) can sit, measured on the TUNING queries only.

    .venv/bin/python -m tests.eval.calibrate [--dir DIR] [--distractors N]

Builds the eval corpus (plus N distractor notes, default 1,200) and indexes it once into DIR (reused), then
for every tuning query (``corpus.py``: the queries the weights were chosen on) records the evidence of
its relevant file in the channel that judged it, and for every tuning off-topic query (``corpus.OFF_TOPIC``
and ``TUNING_OFF_TOPIC`` below; the held-out ones in ``heldout.py`` are never read here) the highest
evidence any file reaches. It prints, per channel, the relevant files' low percentiles beside the
off-topic maximum, and the recall the shipped cut-offs give. ``weak`` belongs above the off-topic maximum;
``good`` and ``strong`` near the relevant files' 25th and 60th percentiles.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections import defaultdict
from pathlib import Path

from core.library import Library
from core.search import CHANNELS, Searcher, file_filter

from .corpus import OFF_TOPIC, EvalQuery, build_corpus
from .distractors import write_distractors
from .harness import index_corpus, open_library, run_queries
from .metrics import summarise, table

# Off-topic queries for tuning, written apart from heldout.OFF_TOPIC_TEXT: everyday searches whose subject
# is nowhere in the corpus.
TUNING_OFF_TOPIC = (
    "chess opening repertoire",
    "yoga class timetable",
    "fishing licence renewal",
    "surfing lessons in Cornwall",
    "stamp collection valuation",
    "jury duty summons",
    "solar panel installation quote",
    "pottery kiln firing",
    "sailing knots for beginners",
    "volunteer rota at the food bank",
    "origami crane instructions",
    "telescope eyepiece for the planets",
    "beekeeping hive inspection",
    "karaoke night song list",
    # everyday searches that share one common word with the corpus, but not their subject
    "chess club membership list",
    "yoga timetable for next week",
    "the password for the pottery class booking",
    "train times to the football match",
    "library opening hours on saturday",
)


def evidence(lib: Library, q: EvalQuery | str, root: Path) -> dict[str, tuple[str, float, float]]:
    """path -> (channel, evidence, level) for every candidate file of a query."""
    query = q.to_query(root) if isinstance(q, EvalQuery) else EvalQuery("off", ("-",), text=q).to_query(root)
    qv = lib.query_vectors(query)
    searcher = Searcher(lib.catalog, lib.vectors, lib.weights, random_clip=lib.clip.weights == "random")
    files, _words = searcher.evidence(query, qv, file_filter(query))
    paths = {f.file_id: lib.catalog.file_info(f.file_id) for f in files.values()}
    return {info.path: (f.best.channel, f.best.x, f.level) for fid, f in files.items()
            if (info := paths[fid]) is not None}


def pct(values: list[float], p: float) -> float:
    vs = sorted(values)
    return vs[min(len(vs) - 1, int(p * len(vs)))] if vs else float("nan")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.eval.calibrate", description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", type=Path, help="where to build the corpus and index (reused when it exists)")
    ap.add_argument("--distractors", type=int, default=1200, help="distractor notes added to the corpus")
    args = ap.parse_args(argv)
    os.environ["TROVE_CLIP_WEIGHTS"] = "random"
    tmp = tempfile.TemporaryDirectory(prefix="trove-cal-") if args.dir is None else None
    base = Path(tmp.name) if tmp else args.dir.expanduser().resolve()
    root = base / "corpus"
    queries = build_corpus(root)
    if args.distractors:
        write_distractors(root, args.distractors)
    lib = open_library(base / "data")
    try:
        index_corpus(lib, root)
        relevant: dict[str, list[tuple[float, str]]] = defaultdict(list)
        for q in queries:
            if q.kind or q.after or q.before:
                continue  # filtered queries list everything that passes; no cut-off applies
            ev = evidence(lib, q, root)
            got = [ev[str(root / e)] for e in q.expected if str(root / e) in ev]
            if got:
                ch, x, _ = max(got, key=lambda t: t[2])
                relevant[ch].append((x, q.label))
            else:
                relevant["(not a candidate)"].append((0.0, q.label))
        off: dict[str, list[tuple[float, str, str]]] = defaultdict(list)
        for text in (*OFF_TOPIC, *TUNING_OFF_TOPIC):
            best: dict[str, tuple[float, str]] = {}
            for path, (ch, x, _lvl) in evidence(lib, text, root).items():
                if ch not in best or x > best[ch][0]:
                    best[ch] = (x, Path(path).name)
            for ch, (x, name) in best.items():
                off[ch].append((x, text, name))
        print(f"{'channel':<18}{'n':>4}{'p5':>7}{'p10':>7}{'p25':>7}{'p60':>7}{'off max':>9}   cut-offs now")
        for ch in sorted(set(relevant) | set(off)):
            xs = [x for x, _ in relevant.get(ch, [])]
            offmax = max((x for x, _, _ in off.get(ch, [])), default=float("nan"))
            cut = CHANNELS.get(ch)
            print(f"{ch:<18}{len(xs):>4}{pct(xs, .05):>7.3f}{pct(xs, .10):>7.3f}{pct(xs, .25):>7.3f}"
                  f"{pct(xs, .60):>7.3f}{offmax:>9.3f}   {cut}")
        for ch, rows in sorted(off.items()):
            for x, text, name in sorted(rows, reverse=True)[:3]:
                print(f"  off-topic {ch}: {x:.3f} {text!r} -> {name}")
        for ch, rows in sorted(relevant.items()):
            for x, label in sorted(rows)[:4]:
                print(f"  lowest relevant {ch}: {x:.3f} {label!r}")
        metrics = summarise(run_queries(lib, root, queries))
        print(table(metrics))
    finally:
        lib.close()
        if tmp:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
