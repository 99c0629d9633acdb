"""Query -> vectors -> usearch + FTS5 -> evidence per file, calibrated -> results that say why they matched
and how strongly, with the sentence that answers.

Candidates are the chunks nearest the query vector ``[a * visual_q, b * text_q]`` (fused chunk vectors
``[visual, text]``) and the chunks holding the query's distinctive words (FTS5). Each candidate is then
scored on its own evidence rather than by its rank among the others, so that a score can say "no match":

* ``sem``: sentence-embedding cosine of the passage to the query's words (MiniLM);
* ``vis``: CLIP cosine of the query (picture, or words through CLIP's text tower) to the chunk;
* ``cov``: the share of the query's words the passage holds, each word weighed by its rarity (IDF), so
  "spare key" on a note with both words beats a note with "spare" alone; ``near``: they stand together
  (FTS5 ``NEAR``); ``title``: they are in the file's name.

A channel (query mode x result kind, ``CHANNELS``) turns its evidence into a *level* through three
cut-offs: 1 at ``weak``, 2 at ``good``, 3 at ``strong``, linear between. The level is the score: results
are ranked by it across kinds, a result is ``matched`` from level 1, and its ``strength`` is the word of
the cut-off it passed. Cut-offs were calibrated on the tuning half of tests/eval (``tests/eval/
calibrate.py``); CLIP channels with seeded random weights (tests) count only near-copies of a picture,
because such weights carry no meaning. A file's level is its best chunk's, plus a little for each other
chunk that matches on its own (a note about the topic beats one with a passing mention).
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

import numpy as np

from core import snippets
from core.catalog import Catalog, ChunkRow, FileFilter, fts_query
from core.encoders import TextEncoder, Transcriber
from core.types import Kind, MediaError, ModelMissing, NotIndexed, Query, SearchResult, clock, segments_of
from core.vectors import VectorIndex

log = logging.getLogger(__name__)

STRENGTHS = ("weak", "good", "strong")  # level 1, 2, 3


@dataclass(frozen=True, slots=True)
class Cutoffs:
    """Where a channel's evidence becomes a weak, good and strong match."""

    weak: float
    good: float
    strong: float

    def level(self, x: float) -> float:
        """0..1 below ``weak`` (no match), 1..2..3 through the cut-offs, above 3 past ``strong``."""
        if x < self.weak:
            return max(0.0, x / self.weak) if self.weak > 0 else 0.0
        if x < self.good:
            return 1.0 + (x - self.weak) / (self.good - self.weak)
        if x < self.strong:
            return 2.0 + (x - self.good) / (self.strong - self.good)
        return 3.0 + (x - self.strong) / (self.strong - self.good)


NEVER = Cutoffs(9.0, 9.5, 10.0)  # evidence that cannot mean anything (random CLIP weights' text channels)

# Word channels: placed with tests/eval/calibrate.py on the tuning queries only: ``weak`` just above the
# best evidence the 20 tuning off-topic queries reach in the corpus (0.41 for notes, 0.36 for recordings,
# 0.35 for photos), ``good``/``strong`` about the middle and upper part of what relevant files reach. The
# sentence embedder cannot separate more finely: at that ``weak`` about a third of the tuning paraphrases
# (which share no word with their note, by design) fall under it; see README, "Retrieval quality". Their
# evidence is sem + cov/near/title terms (``FusionWeights``).
CHANNELS: dict[str, Cutoffs] = {
    "words:note": Cutoffs(0.42, 0.5, 0.62),  # typed words -> note passage
    "words:recording": Cutoffs(0.37, 0.47, 0.6),  # typed words -> transcript window
    "words:photo": Cutoffs(0.38, 0.6, 0.85),  # words -> a photo's folder, name, date and camera
    # Documents and text read in photos are prose like notes, embedded by the same model: the notes' cut-offs
    # (tests/eval/heldout.py measures them on their own queries).
    "words:document": Cutoffs(0.42, 0.5, 0.62),
    "words:photo-text": Cutoffs(0.42, 0.5, 0.62),
    "voice:note": Cutoffs(0.42, 0.5, 0.62),  # spoken words (their transcript), likewise
    "voice:document": Cutoffs(0.42, 0.5, 0.62),
    "voice:photo-text": Cutoffs(0.42, 0.5, 0.62),
    "voice:recording": Cutoffs(0.37, 0.47, 0.6),
    "voice:photo": Cutoffs(0.38, 0.6, 0.85),
    "like:text": Cutoffs(0.45, 0.6, 0.75),  # a note or recording -> other passages (sentence embeddings)
    # CLIP ViT-B-32 with trained weights. Not measured here (no weights on this machine): typical values
    # for that model: a caption and its photo score 0.28-0.35, unrelated pairs 0.10-0.20; two photos of
    # the same scene 0.8-0.9, unrelated photos 0.4-0.6.
    "clip:words->photo": Cutoffs(0.24, 0.28, 0.32),
    "clip:image->photo": Cutoffs(0.72, 0.82, 0.9),
    "clip:image->text": Cutoffs(0.24, 0.28, 0.32),
    # Seeded random weights (tests, benchmarks) carry no meaning: unrelated eval photos reach a cosine of
    # 0.977 between them and the off-topic pictures 0.964 (measured), so only a near-copy counts.
    "random:words->photo": NEVER,
    "random:image->photo": Cutoffs(0.995, 0.997, 0.999),
    "random:image->text": NEVER,
}


@dataclass(frozen=True, slots=True)
class FusionWeights:
    """How word evidence adds up, chosen on the tuning half of tests/eval (``python -m tests.eval.tune``).

    A passage's word evidence is ``sem + coverage * cov + near * [words together] + title * title_cov``;
    a rare code (a word with digits, an invoice number or "F22", in at most ``rare_keyword_df`` passages)
    adds ``rare_code``, because sentence embeddings blur such tokens. ``text_query_visual`` is the CLIP
    share of the candidate vector search for typed queries (measured with random weights only: there it
    is noise, so it stays small)."""

    text_query_visual: float = 0.2  # a for text queries: CLIP text->image/passage similarity
    text_query_text: float = 1.0  # b for text queries: sentence-embedding similarity
    coverage: float = 0.4  # weight of the IDF-weighted share of query words in the passage...
    coverage_power: float = 2.0  # ...raised to this power: a partial share counts less than its part
    near: float = 0.08  # the query's words stand together (FTS5 NEAR)
    title: float = 0.1  # the query's words are in the file's name (IDF-weighted share)
    rare_code: float = 0.3  # a rare code of the query is in the passage
    other_chunk: float = 0.1  # level added per other chunk of the file that matches too (at most 3)
    vector_candidates: int = 400  # chunks taken from the vector index before grouping by file
    keyword_max_df_fraction: float = 0.2  # a word in more than this share of passages brings no candidates
    keyword_min_df: int = 5  # ...unless it is in at most this many (small libraries)
    distinctive_share: float = 0.05  # a word in more passages than this share adds no word evidence
    rare_keyword_df: int = 2
    image_query_text: float = 0.5  # b for an image query refined by words (a is 1): the image leads
    snippet_results: int = 20  # results whose best sentence is chosen by embedding (the rest by keywords)


@dataclass(slots=True)
class QueryVectors:
    visual: np.ndarray | None
    text: np.ndarray | None
    visual_weight: float
    text_weight: float
    keywords: list[str]  # keyword_terms() of the query's words
    mode: str  # text | image | voice | like | filter
    own_chunks: set[int] = field(default_factory=set)  # "more like this": leave the file itself out
    like_kind: Kind | None = None  # "more like this": the kind of the file it started from


@dataclass(slots=True)
class _Hit:
    """A candidate chunk and its evidence."""

    chunk_id: int
    file_id: int
    fused: float = float("-inf")  # inner product with the query vector (candidate order)
    read: bool = False  # text read in a photo (OCR), judged as prose, not as the photo's description
    sem: float | None = None
    vis: float | None = None
    cov: float = 0.0
    title: float = 0.0
    near: bool = False
    code: bool = False
    level: float = 0.0
    channel: str = ""
    x: float = 0.0  # the evidence the channel judged


@dataclass(slots=True)
class _File:
    file_id: int
    best: _Hit
    level: float
    kind: Kind | None = None


_WORD = re.compile(r"\w+", re.UNICODE)


def keyword_terms(text: str) -> list[str]:
    """The words of a query worth matching as keywords: no stop words, no duplicates."""
    return list(dict.fromkeys(w for w in _WORD.findall(text.lower()) if len(w) > 1 and w not in _STOP))


_STOP = frozenset("""
a about above after again against all am an and any are aren as at be because been before being below between
both but by can cannot could couldn did didn do does doesn doing don down during each few for from further had
hadn has hasn have haven having he her here hers herself him himself his how i if in into is isn it its itself
just let me more most mustn my myself no nor not now of off on once only or other ought our ours ourselves out
over own same shan she should shouldn so some such than that the their theirs them themselves then there these
they this those through to too under until up very was wasn we were weren what when where which while who whom
why will with won would wouldn you your yours yourself yourselves also get got say said says tell told think
thought know knew want wanted like thing things something anything one ones make made see find show look
remember came come go went going check ask asked
photo photos picture pictures pic pics image images note notes recording recordings memo memos voice
""".split())


def file_filter(q: Query) -> FileFilter:
    def ts(d: date | None) -> float | None:
        return None if d is None else datetime.combine(d, datetime.min.time()).timestamp()

    return FileFilter(str(q.kind) if q.kind is not None else None, q.folder, ts(q.after), ts(q.before),
                      q.near.strip() or None if q.near else None)


def _lists_all(q: Query, qv: QueryVectors) -> bool:
    """Whether the search lists everything that passes (matches first, then the rest newest first): a
    query with filters, and one with nothing to match at all (no words, picture or file: browsing)."""
    return q.filtered or qv.mode == "filter"


def strength_of(level: float) -> str | None:
    return None if level < 1.0 else STRENGTHS[min(2, int(level) - 1)]


class Searcher:
    """One search over a catalog and its vectors. ``sentences`` encodes snippet candidates with the query's
    sentence model; ``random_clip`` says the CLIP weights are seeded random ones (their cut-offs)."""

    def __init__(self, catalog: Catalog, vectors: VectorIndex, weights: FusionWeights | None = None,
                 sentences: Callable[[list[str]], np.ndarray] | None = None, random_clip: bool = False) -> None:
        self.catalog = catalog
        self.vectors = vectors
        self.w = weights or FusionWeights()
        self.sentences = sentences
        self.clip = "random" if random_clip else "clip"

    def search(self, q: Query, qv: QueryVectors) -> list[SearchResult]:
        flt = file_filter(q)
        files, words = self.evidence(q, qv, flt)
        matched = sorted((f for f in files.values() if f.level >= 1.0 and qv.mode != "filter"),
                         key=lambda f: (-f.level, -f.best.fused))
        shown: list[tuple[_File, bool]] = [(f, True) for f in matched[: q.limit]]
        if _lists_all(q, qv) and len(shown) < q.limit:
            rest = [f for f in files.values() if f.level < 1.0 or qv.mode == "filter"]
            rest.sort(key=lambda f: (-f.level, -f.best.fused))
            shown += [(f, False) for f in rest[: q.limit - len(shown)]]
            if len(shown) < q.limit:  # files with no candidate chunk: newest first
                have = {f.file_id for f, _ in shown}
                if qv.own_chunks:  # "more like this" leaves its own file out
                    have |= set(self.catalog.chunk_owners(list(qv.own_chunks)).values())
                for file_id, chunk_id in self.catalog.newest_passing(flt, q.limit + len(have)):
                    if file_id not in have and len(shown) < q.limit:
                        shown.append((_File(file_id, _Hit(chunk_id, file_id), 0.0), False))
        return self._results(shown, qv, words)

    def evidence(self, q: Query, qv: QueryVectors, flt: FileFilter) -> tuple[dict[int, _File], _Words | None]:
        """Every candidate file with its best chunk, channel, evidence and level (tests/eval/calibrate.py
        reads the evidence to place the cut-offs)."""
        total = self.catalog.chunk_count()
        df = {t: self.catalog.passage_frequency(t) for t in qv.keywords}  # once: both steps below use it
        hits = self._candidates(q, qv, flt, df, total)
        kinds = self.catalog.file_kinds(list({h.file_id for h in hits.values()}))
        for cid in self.catalog.photo_text_chunks([h.chunk_id for h in hits.values()
                                                   if kinds.get(h.file_id) is Kind.PHOTO]):
            hits[cid].read = True
        words = self._word_evidence(qv, hits, df, total) if qv.keywords else None
        files: dict[int, _File] = {}
        for h in hits.values():
            kind = kinds.get(h.file_id)
            if kind is None:
                continue
            self._level(h, kind, qv)
            f = files.get(h.file_id)
            if f is None:
                files[h.file_id] = _File(h.file_id, h, h.level, kind)
            elif h.level > f.best.level:
                f.best, f.level = h, h.level
        for h in hits.values():  # other chunks of a file that match on their own add a little
            f = files.get(h.file_id)
            if f is not None and h is not f.best and h.level >= 1.0 and f.level >= 1.0:
                f.level = min(f.level + self.w.other_chunk, f.best.level + 3 * self.w.other_chunk)
        return files, words

    # -- candidates ---------------------------------------------------------------------------------------
    def _candidates(self, q: Query, qv: QueryVectors, flt: FileFilter, df: dict[str, int],
                    total: int) -> dict[int, _Hit]:
        hits: dict[int, _Hit] = {}
        qvec = None
        if qv.visual is not None or qv.text is not None:
            qvec = self.vectors.query_vector(qv.visual, qv.text, qv.visual_weight, qv.text_weight)
            count = max(self.w.vector_candidates, q.limit)
            for chunk_id, file_id, score in self._vector_hits(qvec, q, flt, qv.own_chunks, count):
                hits[chunk_id] = _Hit(chunk_id, file_id, score)
        if qv.keywords:
            terms = self._distinctive(df, total)
            if terms:
                for chunk_id, file_id, _snip in self.catalog.keyword_hits(terms, flt):
                    if chunk_id not in qv.own_chunks and chunk_id not in hits:
                        hits[chunk_id] = _Hit(chunk_id, file_id)
        if _lists_all(q, qv) and not hits:
            for file_id, chunk_id in self.catalog.newest_passing(flt, q.limit):
                hits[chunk_id] = _Hit(chunk_id, file_id)
        held = list(hits.values())
        mats, present = self.vectors.vectors([h.chunk_id for h in held])  # one lookup for all candidates
        for h, vec, ok in zip(held, mats, present, strict=True):
            if not ok:
                continue
            d = self.vectors.visual_dim
            if qvec is not None and h.fused == float("-inf"):
                h.fused = float(vec @ qvec)
            if qv.text is not None:
                h.sem = _cos(vec[d:], qv.text)
            if qv.visual is not None and d:
                h.vis = _cos(vec[:d], qv.visual)
        return hits

    def _vector_hits(self, qvec: np.ndarray, q: Query, flt: FileFilter, exclude: set[int],
                     count: int) -> list[tuple[int, int, float]]:
        if q.filtered:
            rows = [r for r in self.catalog.chunks_passing(flt) if r[0] not in exclude]
            scores = self.vectors.score(qvec, [r[0] for r in rows])
            order: list[int] = [int(i) for i in np.argsort(-scores)[:count]] if len(rows) else []
            return [(rows[i][0], rows[i][1], float(scores[i])) for i in order]
        found = self.vectors.search(qvec, count + len(exclude))
        found = [h for h in found if h[0] not in exclude]
        if not found:
            return []
        owner = self.catalog.chunk_owners([h[0] for h in found])
        return [(cid, owner[cid], s) for cid, s in found if cid in owner]

    def _distinctive(self, df: dict[str, int], total: int) -> list[str]:
        """The query words (with their passage counts) worth a keyword search: found, and not in so many
        passages ("water", "stop") that a hit says little and the list would fill with them."""
        cap = max(self.w.keyword_min_df, self.w.keyword_max_df_fraction * total)
        return [t for t, n in df.items() if 0 < n <= cap]

    # -- evidence -----------------------------------------------------------------------------------------
    def _word_evidence(self, qv: QueryVectors, hits: dict[int, _Hit], df: dict[str, int], total: int) -> _Words:
        """Which query words each candidate holds (in its text or its file's name), weighed by rarity.

        ``cov`` is the IDF-weighted share (squared by default, ``coverage_power``) of the query's words that
        the passage holds, counting only distinctive words (in at most ``distinctive_share`` of the passages, or ``keyword_min_df``): a
        passage with every word of "boiler pressure" scores 1, one with "pressure" alone about a quarter, and
        "time", in a tenth of all passages, adds nothing (a spoken "what time is it" matched every note
        that mentions a time). A word found nowhere still counts in the whole, so a query that is mostly
        about something absent ("hairdresser price list") gains little from its one common word."""
        ids = list(hits)
        total = max(1, total)
        cap = max(self.w.keyword_min_df, self.w.distinctive_share * total)
        idf = {t: math.log((total + 1) / (df[t] + 0.5)) for t in qv.keywords}
        present = [t for t in qv.keywords if df[t]]
        counted = [t for t in present if df[t] <= cap]
        norm = sum(idf.values()) or 1.0
        share: dict[int, float] = {}
        read = [cid for cid in ids if hits[cid].read]  # text read in a photo: its file's name is not its words
        other = [cid for cid in ids if not hits[cid].read] if read else ids
        for t in counted:
            quoted = fts_query([t]) or ""
            found = self.catalog.chunks_matching(quoted, other)
            if read:
                found |= self.catalog.chunks_matching(f"text : {quoted}", read)
            for cid in found:
                share[cid] = share.get(cid, 0.0) + idf[t] / norm
            for cid in self.catalog.chunks_matching(f"name : {quoted}", other):
                hits[cid].title += idf[t] / norm
            if any(ch.isdigit() for ch in t) and df[t] <= self.w.rare_keyword_df:
                for cid in found:
                    hits[cid].code = True
        for cid, x in share.items():
            hits[cid].cov = min(1.0, x) ** self.w.coverage_power
        if len(present) >= 2:
            near = f"NEAR({' '.join(fts_query([t]) or '' for t in present)}, {max(6, 3 * len(present))})"
            for cid in self.catalog.chunks_matching(near, ids):
                hits[cid].near = True
        return _Words(present, fts_query(qv.keywords))

    def _words_x(self, h: _Hit) -> float:
        w = self.w
        return ((h.sem or 0.0) + w.coverage * h.cov + (w.near if h.near else 0.0) + w.title * h.title
                + (w.rare_code if h.code else 0.0))

    def _level(self, h: _Hit, kind: Kind, qv: QueryVectors) -> None:
        """The hit's level and the channel that gave it."""
        options: list[tuple[str, float]] = []  # (channel, evidence)
        textual = kind is not Kind.PHOTO
        words_of = "photo-text" if h.read else str(kind)
        if qv.mode in ("text", "voice"):
            options.append((f"{'voice' if qv.mode == 'voice' else 'words'}:{words_of}", self._words_x(h)))
            if kind is Kind.PHOTO and h.vis is not None:
                options.append((f"{self.clip}:words->photo", h.vis))
        elif qv.mode == "image":
            options.append((f"{self.clip}:image->{'text' if textual else 'photo'}", h.vis or 0.0))
            if qv.keywords:  # words that refine the picture count as typed words would
                options.append((f"words:{words_of}", self._words_x(h)))
        elif qv.mode == "like":
            if qv.like_kind is Kind.PHOTO:
                options.append((f"{self.clip}:image->{'text' if textual else 'photo'}", h.vis or 0.0))
            elif textual:
                options.append(("like:text", h.sem or 0.0))
            else:
                options.append((f"{self.clip}:words->photo", h.vis or 0.0))
        for name, x in options:
            level = CHANNELS[name].level(x)
            if level > h.level or not h.channel:
                h.level, h.channel, h.x = level, name, x

    # -- results ------------------------------------------------------------------------------------------
    def _results(self, shown: list[tuple[_File, bool]], qv: QueryVectors, words: _Words | None) -> list[SearchResult]:
        rows = {f.best.chunk_id: self.catalog.chunk_row(f.file_id, f.best.chunk_id) for f, _ in shown}
        marked = self.catalog.highlighted(words.match, list(rows)) if words and words.match else {}
        pending: list[tuple[int, str, list[snippets.Piece], list[tuple[int, int]]]] = []
        places: list[tuple[str | None, str | None]] = []  # (location in the file, place taken) per result
        for i, (f, _m) in enumerate(shown):
            row = rows[f.best.chunk_id]
            text, marks = snippets.unmark(marked[f.best.chunk_id]) if f.best.chunk_id in marked else (row.text, [])
            info = self.catalog.file_info(f.file_id) if row.kind is not Kind.NOTE else None
            meta = info.meta if info else {}
            if row.kind is Kind.RECORDING:
                pieces = snippets.segment_pieces(text, segments_of(meta), row.start_s, row.end_s)
            elif row.kind is Kind.PHOTO and row.ordinal == 0:
                pieces = [snippets.Piece(0, len(text))] if text else []
            else:  # notes, documents, text read in a photo
                pieces = snippets.sentences(text)
            pending.append((i, text, pieces, marks))
            places.append((_location(row, meta), _place(meta)))
        sims = self._similarities(qv, [(i, t, p) for i, t, p, _ in pending])
        out = []
        for (i, text, pieces, marks), (f, matched), (location, place) in zip(pending, shown, places, strict=True):
            row = rows[f.best.chunk_id]
            best = snippets.best_piece(pieces, text, marks, sims.get(i)) if pieces else 0
            snip = snippets.snippet_of(text, marks, pieces, best)
            why = self._why(f, row.kind, qv, matched, marks, text)
            said = snip.start_s if snip.start_s is not None else row.start_s
            if row.kind is Kind.RECORDING and said is not None and matched:
                why = f"said at {clock(said)}; {why}"
            out.append(SearchResult(
                path=row.path, kind=row.kind, score=round(f.level, 4), why=why,
                snippet=snip.text, start_s=snip.start_s if snip.start_s is not None else row.start_s,
                end_s=snip.end_s if snip.start_s is not None else row.end_s, chunk_id=f.best.chunk_id,
                date_ts=row.date_ts, matched=matched, strength=strength_of(f.level) if matched else None,
                marks=snip.marks, passage=text, window_start_s=row.start_s, window_end_s=row.end_s,
                location=location, place=place))
        return out

    def _similarities(self, qv: QueryVectors, items: list[tuple[int, str, list[snippets.Piece]]]) -> dict[int, list[float]]:
        """Cosine of each piece (sentence, segment) to the query's words, for the first results, one batch."""
        if self.sentences is None or qv.text is None or qv.mode not in ("text", "voice", "image"):
            return {}
        todo = [(i, t, p) for i, t, p in items[: self.w.snippet_results] if len(p) > 1]
        texts = [t[x.start:x.end] for _i, t, ps in todo for x in ps]
        if not texts:
            return {}
        vecs = np.asarray(self.sentences(texts), dtype=np.float32)
        qn = qv.text / (float(np.linalg.norm(qv.text)) or 1.0)
        norms = np.linalg.norm(vecs, axis=1)
        sims = (vecs @ qn) / np.where(norms > 0, norms, 1.0)
        out, k = {}, 0
        for i, _t, ps in todo:
            out[i] = [float(s) for s in sims[k:k + len(ps)]]
            k += len(ps)
        return out

    def _why(self, f: _File, kind: Kind, qv: QueryVectors, matched: bool, marks: Sequence[tuple[int, int]],
             text: str) -> str:
        """Why the file is listed, in words; never a raw score."""
        if qv.mode == "filter":
            return "passes the filters"
        if not matched:
            return "passes the filters; does not match the query"
        h = f.best
        reasons = []
        words = list(dict.fromkeys(text[a:b].lower() for a, b in marks))
        if h.channel.endswith("image->photo"):
            reasons.append("looks like your picture" if qv.mode == "image" else "looks alike")
        elif h.channel.endswith("image->text"):
            reasons.append("about what the picture shows")
        elif h.channel.endswith("words->photo"):
            reasons.append("looks like the description")
        elif h.channel == "like:text":
            reasons.append("about the same things")
        else:
            if h.near and len(words) > 1:
                reasons.append("has the words together: " + ", ".join(words[:5]))
            elif words:
                reasons.append("has the words: " + ", ".join(words[:5]))
            if h.title > 0:
                reasons.append("named after them" if kind is not Kind.PHOTO else "its folder or name says so")
            if h.read:
                reasons.append("written in the photo")
            elif (h.sem or 0.0) >= CHANNELS[h.channel].weak * 0.8 or not words:
                reasons.append({Kind.PHOTO: "its folder, name, date, camera or place fit the words",
                                Kind.NOTE: "close in meaning",
                                Kind.DOCUMENT: "close in meaning",
                                Kind.RECORDING: "what was said is close in meaning"}[kind])
        return "; ".join(reasons) or "matches"


def _location(row: ChunkRow, meta: dict[str, Any]) -> str | None:
    """Where in its file a passage is: a document's page, chapter or heading; "text in the photo"."""
    if row.kind is Kind.PHOTO:
        return "text in the photo" if row.ordinal > 0 else None
    if row.kind is Kind.DOCUMENT:
        where = meta.get("locations")
        if isinstance(where, list) and 0 <= row.ordinal < len(where) and isinstance(where[row.ordinal], str):
            return where[row.ordinal]
    return None


def _place(meta: dict[str, Any]) -> str | None:
    from core.places import Place

    place = Place.from_meta(meta["place"]) if isinstance(meta.get("place"), dict) else None
    return place.label() if place is not None else None


@dataclass(frozen=True, slots=True)
class _Words:
    present: list[str]  # query words found somewhere in the library
    match: str | None  # FTS5 query over every query word, for marking them


def _cos(part: np.ndarray, q: np.ndarray) -> float:
    n = float(np.linalg.norm(q)) * float(np.linalg.norm(part))
    return float(part @ q) / n if n else 0.0


# -- turning a query into vectors ------------------------------------------------------------------------
class QueryModels(Protocol):
    """What ``encode_query`` needs (``core.encoders.query.QueryEncoders``), each loaded on first use."""

    @property
    def sentence(self) -> TextEncoder: ...

    @property
    def clip_text(self) -> Any: ...  # encode_texts(list[str]) -> array, or None without CLIP weights

    @property
    def image(self) -> Any: ...  # encode_images(pixels) and image_size, or None without CLIP weights

    @property
    def speech(self) -> Transcriber: ...


def encode_query(q: Query, models: QueryModels, weights: FusionWeights,
                 like: Callable[[str], QueryVectors], clip_hint: Callable[[], str]) -> QueryVectors:
    """The vectors, weights and keywords of a query. A voice query is transcribed first (the transcript is
    kept on ``q``, so searching it again does not transcribe again); "more like this" asks ``like``."""
    words = q.text
    if q.voice_path:
        if q.transcript is None:
            q.transcript = " ".join(s.text for s in models.speech.transcribe(q.voice_path)).strip()
            if not q.transcript and not q.text:
                raise MediaError(f"{q.voice_path}: no speech heard in it; record the question again, closer to "
                                 "the microphone, or type it")
        words = " ".join(x for x in (q.text, q.transcript) if x) or None
    if q.like_path:
        return like(q.like_path)
    visual = text = None
    mode = "voice" if q.voice_path else "text"
    if q.image_path:
        image = models.image
        if image is None:
            raise ModelMissing("searching by image needs CLIP weights. " + clip_hint())
        from core.media.photos import query_pixels

        visual = image.encode_images(query_pixels(q.image_path, image.image_size))[0]
        mode = "image"
    if words and words.strip():
        text = models.sentence.encode([words])[0]
        tower = models.clip_text if visual is None else None
        if tower is not None:
            visual = tower.encode_texts([words])[0]
    if mode == "image":
        vw, tw = 1.0, (weights.image_query_text if text is not None else 0.0)
    else:
        vw, tw = weights.text_query_visual, weights.text_query_text
    if visual is None and text is None:
        mode = "filter"
    return QueryVectors(visual, text, vw, tw, keyword_terms(words) if words else [], mode)


def like_vectors(chunk_ids: set[int], vectors: VectorIndex, kind: Kind | None = None) -> QueryVectors:
    """"More like this": the mean of a file's own fused vectors, both spaces at full weight. ``kind`` (the
    file's) chooses how similarity is judged: by the picture for a photo, by the words for the others."""
    vecs = [v for v in (vectors.vector(i) for i in chunk_ids) if v is not None]
    if not vecs:
        raise NotIndexed("that file has no vectors yet; let the index run finish")
    mean = np.mean(np.stack(vecs), axis=0)
    d = vectors.visual_dim
    return QueryVectors(mean[:d], mean[d:], 1.0, 1.0, [], "like", chunk_ids, kind)
