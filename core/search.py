"""Query -> vectors -> usearch + FTS5 -> rank fusion -> filters -> results that say why they matched.

A query vector is ``[a * visual_q, b * text_q]`` against fused chunk vectors ``[visual, text]``, so its
inner product is ``a*cos_visual + b*cos_text``: per-query weights with one index. Keyword hits (FTS5,
BM25) are fused with the vector ranking by reciprocal rank fusion. Weights and the no-match cut-off
were chosen on tests/eval (see ``FusionWeights``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

import numpy as np

from core.catalog import Catalog, FileFilter
from core.encoders import TextEncoder, Transcriber
from core.types import Kind, MediaError, ModelMissing, NotIndexed, Query, SearchResult, clock
from core.vectors import VectorIndex

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FusionWeights:
    """Chosen by measurement on tests/eval (``python -m tests.eval.tune --wide``, 420 settings, CLIP with
    random weights). Among settings within one missed query of the best recall@3, this one has the best
    MRR: recall@3 0.996 and MRR 0.965 over the query types, against recall@3 1.000 / MRR 0.888 for the
    recall-first best (keyword_weight 0.3). Keywords then mostly decide the no-match cut-off (a rare word
    like "banneton" is found although its sentence-embedding similarity is 0.15) and break ties.
    ``text_query_visual`` was measured with random CLIP weights, where it is noise; revisit with real ones."""

    text_query_visual: float = 0.2  # a for text queries: CLIP text->image/passage similarity
    text_query_text: float = 1.0  # b for text queries: sentence-embedding similarity
    rrf_k: float = 5.0  # reciprocal rank fusion constant
    keyword_weight: float = 0.1  # weight of the keyword ranking in the fusion
    min_text_score: float = 0.22  # below this (and no keyword hit), an unfiltered text result is dropped
    vector_candidates: int = 400  # chunks taken from the vector index before grouping by file
    keyword_max_df_fraction: float = 0.2  # a word in more than this share of passages is not a keyword...
    keyword_min_df: int = 5  # ...unless it is in at most this many (small libraries)
    rare_keyword_df: int = 2  # a query code (word with digits) in at most this many passages is rare...
    rare_keyword_weight: float = 1.0  # ...and then the keyword ranking weighs this much
    image_query_text: float = 0.5  # b for an image query refined by words (a is 1): the image leads


@dataclass(slots=True)
class QueryVectors:
    visual: np.ndarray | None
    text: np.ndarray | None
    visual_weight: float
    text_weight: float
    keywords: list[str]  # keyword_terms() of the query's words
    mode: str  # text | image | voice | like | filter
    own_chunks: set[int] = field(default_factory=set)  # "more like this": leave the file itself out


@dataclass(slots=True)
class _Candidate:
    file_id: int
    chunk_id: int
    vscore: float | None = None  # best fused vector score among its chunks, None if not a vector hit
    tscore: float = 0.0  # text-space part of the score, for the cut-off and "why"
    kw_rank: int | None = None
    v_rank: int | None = None
    kw_snippet: str | None = None


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

    return FileFilter(str(q.kind) if q.kind is not None else None, q.folder, ts(q.after), ts(q.before))


class Searcher:
    def __init__(self, catalog: Catalog, vectors: VectorIndex, weights: FusionWeights | None = None) -> None:
        self.catalog = catalog
        self.vectors = vectors
        self.w = weights or FusionWeights()

    def search(self, q: Query, qv: QueryVectors) -> list[SearchResult]:
        flt = file_filter(q)
        cands: dict[int, _Candidate] = {}  # by file id
        has_vector = qv.visual is not None or qv.text is not None
        if has_vector:
            qvec = self.vectors.query_vector(qv.visual, qv.text, qv.visual_weight, qv.text_weight)
            for chunk_id, file_id, score in self._vector_hits(qvec, q, flt, qv.own_chunks):
                c = cands.get(file_id)
                if c is None or c.vscore is None or score > c.vscore:
                    t = self._text_part(chunk_id, qv) if qv.text is not None else 0.0
                    if c is None:
                        cands[file_id] = _Candidate(file_id, chunk_id, score, t)
                    else:
                        c.chunk_id, c.vscore, c.tscore = chunk_id, score, t
        terms, rare = self._distinctive(qv.keywords)
        keyword_weight = self.w.rare_keyword_weight if rare else self.w.keyword_weight
        if terms:
            rank = 0
            for chunk_id, file_id, snip in self.catalog.keyword_hits(terms, flt):
                if chunk_id in qv.own_chunks:
                    continue
                c = cands.get(file_id)
                if c is None:
                    c = cands[file_id] = _Candidate(file_id, chunk_id)
                if c.kw_rank is None:
                    rank += 1
                    c.kw_rank = rank
                    c.kw_snippet = snip
        if q.filtered and not cands:
            # Filters with no usable query (or an empty one): everything that passes, newest first.
            for file_id, chunk_id in self.catalog.newest_passing(flt, q.limit):
                cands[file_id] = _Candidate(file_id, chunk_id)
        by_vec = sorted((c for c in cands.values() if c.vscore is not None), key=lambda c: -(c.vscore or 0.0))
        for i, c in enumerate(by_vec, 1):
            c.v_rank = i
        k = self.w.rrf_k
        scored = []
        for c in cands.values():
            if not q.filtered and qv.mode in ("text", "voice") and c.kw_rank is None and c.tscore < self.w.min_text_score:
                continue
            s = (1.0 / (k + c.v_rank) if c.v_rank else 0.0) + (
                keyword_weight / (k + c.kw_rank) if c.kw_rank else 0.0)
            scored.append((s, c))
        scored.sort(key=lambda t: (-t[0], -(t[1].vscore or 0.0)))
        return [self._result(c, s, qv) for s, c in scored[: q.limit]]

    def _distinctive(self, terms: list[str]) -> tuple[list[str], bool]:
        """The query words worth a keyword search, and whether one of them is a rare code.

        Words found in many passages ("water", "stop") are dropped: a hit on one says little, and rank
        fusion would otherwise let it beat the best semantic match. A code (a word with digits: an
        invoice number, "T14", "F22") found in only a few passages is the opposite: sentence embeddings
        blur such tokens (notes that differ only by a code look alike to them), so then the keyword
        ranking counts fully. Rare plain words are not boosted: in the eval that cost paraphrased
        queries recall@3 0.98 -> 0.94 (incidental rare words matched the wrong notes).
        """
        if not terms:
            return [], False
        total = self.catalog.chunk_count()
        cap = max(self.w.keyword_min_df, self.w.keyword_max_df_fraction * total)
        keep, rare = [], False
        for t in terms:
            df = self.catalog.passage_frequency(t)
            if 0 < df <= cap:
                keep.append(t)
                rare = rare or (df <= self.w.rare_keyword_df and any(ch.isdigit() for ch in t))
        return keep, rare

    def _vector_hits(self, qvec: np.ndarray, q: Query, flt: FileFilter,
                     exclude: set[int]) -> list[tuple[int, int, float]]:
        if q.filtered:
            rows = [r for r in self.catalog.chunks_passing(flt) if r[0] not in exclude]
            scores = self.vectors.score(qvec, [r[0] for r in rows])
            return [(r[0], r[1], float(s)) for r, s in zip(rows, scores, strict=True)]
        hits = self.vectors.search(qvec, self.w.vector_candidates + len(exclude))
        hits = [h for h in hits if h[0] not in exclude]
        if not hits:
            return []
        owner = self.catalog.chunk_owners([h[0] for h in hits])
        return [(cid, owner[cid], s) for cid, s in hits if cid in owner]

    def _text_part(self, chunk_id: int, qv: QueryVectors) -> float:
        vec = self.vectors.vector(chunk_id)
        if vec is None or qv.text is None:
            return 0.0
        t = vec[self.vectors.visual_dim:]
        n = float(np.linalg.norm(qv.text))
        return float(t @ qv.text) / n if n else 0.0

    def _result(self, c: _Candidate, score: float, qv: QueryVectors) -> SearchResult:
        row = self.catalog.chunk_row(c.file_id, c.chunk_id)
        path, kind, date_ts, text, start_s, end_s = row.path, row.kind, row.date_ts, row.text, row.start_s, row.end_s
        reasons = []
        if kind is Kind.PHOTO:
            if qv.mode in ("image", "like"):
                reasons.append(f"looks similar (visual match {c.vscore or 0.0:.2f})")
            elif c.v_rank:
                reasons.append(f"described by its name, date and camera (match {c.vscore or 0.0:.2f})")
            snippet = text
        elif kind is Kind.RECORDING:
            if start_s is not None:
                reasons.append(f"said at {clock(start_s)}–{clock(end_s or start_s)}")
            snippet = text
        else:
            reasons.append("note passage" + (f" (match {c.vscore or 0.0:.2f})" if c.v_rank else ""))
            snippet = _trim(text)
        if c.kw_rank is not None and c.kw_snippet:
            words = sorted({w.lower() for w in re.findall(r"\[([^\]]+)\]", c.kw_snippet)})
            if words:
                reasons.append("keywords: " + ", ".join(words[:5]))
        if qv.mode == "filter":
            reasons = ["passes the filters"]
        return SearchResult(path=path, kind=kind, score=score, why="; ".join(reasons) or "match", snippet=snippet,
                            start_s=start_s, end_s=end_s, chunk_id=c.chunk_id, date_ts=date_ts)


def _trim(text: str, words: int = 50) -> str:
    parts = text.split()
    return text if len(parts) <= words else " ".join(parts[:words]) + " …"


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


def like_vectors(chunk_ids: set[int], vectors: VectorIndex) -> QueryVectors:
    """"More like this": the mean of a file's own fused vectors, both spaces at full weight."""
    vecs = [v for v in (vectors.vector(i) for i in chunk_ids) if v is not None]
    if not vecs:
        raise NotIndexed("that file has no vectors yet; let the index run finish")
    mean = np.mean(np.stack(vecs), axis=0)
    d = vectors.visual_dim
    return QueryVectors(mean[:d], mean[d:], 1.0, 1.0, [], "like", chunk_ids)
