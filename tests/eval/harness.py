"""Open a library over the eval corpus, index it, and run the labelled queries through ``Library.search``.

Shared by ``test_retrieval.py`` and ``tune.py``. CLIP runs with seeded random weights
(``TROVE_CLIP_WEIGHTS=random``; the caller sets it before ``open_library``), so photos can only be found by
their text signals (folder and file names, EXIF date and camera). Text and speech use the real bundled
models, wrapped so that re-running a query costs only the search and transcripts are reproducible. The
device is the CPU unless ``TROVE_EVAL_DEVICE`` says otherwise, so the figures do not move with fp16 on a GPU.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from core.encoders import Encoders, Segment
from core.library import Library, default_encoders
from core.models import ModelStore
from core.search import Query

from .corpus import EvalQuery
from .metrics import Ranked, recall_at


def eval_device() -> str:
    return os.environ.get("TROVE_EVAL_DEVICE", "cpu")



def _memo_single(cache: dict[str, np.ndarray], encode: Any, texts: list[str]) -> np.ndarray:
    """A single text (a query) is encoded once and cached; batches (indexing) pass straight through."""
    if len(texts) != 1:
        return np.asarray(encode(texts))
    if texts[0] not in cache:
        cache[texts[0]] = np.asarray(encode(texts))
    return cache[texts[0]].copy()

class _CachedText:
    """Wraps a TextEncoder; a single text (a query) is encoded once, batches pass through."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self._cache: dict[str, np.ndarray] = {}

    def encode(self, texts: list[str]) -> np.ndarray:
        return _memo_single(self._cache, self.inner.encode, texts)


class _CachedImage:
    """Wraps an ImageEncoder; single query texts go through CLIP's text tower once."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.image_size = inner.image_size
        self._cache: dict[str, np.ndarray] = {}

    def encode_images(self, pixels: np.ndarray) -> np.ndarray:
        return np.asarray(self.inner.encode_images(pixels))

    def encode_texts(self, texts: list[str]) -> np.ndarray:
        return _memo_single(self._cache, self.inner.encode_texts, texts)


class _CachedSpeech:
    """Wraps a Transcriber; each audio file is transcribed once (voice queries are re-run while tuning).

    Whisper falls back to sampling at higher temperatures when a decode looks poor, and CTranslate2's
    sampler is unseeded, so the same file can give different transcripts from run to run. Seeding it before
    each file makes every transcript a function of the audio alone."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self._cache: dict[str, list[Segment]] = {}

    def transcribe(self, path: str) -> list[Segment]:
        if path not in self._cache:
            import ctranslate2

            ctranslate2.set_random_seed(WHISPER_SEED)
            self._cache[path] = list(self.inner.transcribe(path))
        return list(self._cache[path])


WHISPER_SEED = 0


def eval_encoders(data_dir: Path, device: str) -> Encoders:
    """The default encoders, wrapped: query encodings and transcripts memoised, Whisper seeded. On the CPU
    the corpus is indexed as a library's first index run indexes it: the ONNX copies are written first (in
    a child process) and the encoders run on them (onnxruntime, CLIP int8 where chosen);
    ``TROVE_EVAL_INDEX=torch`` indexes on torch instead, to compare."""
    copies = None
    if device == "cpu" and os.environ.get("TROVE_EVAL_INDEX", "onnx") != "torch":
        import threading

        from core import copies as copy_writer

        copies = data_dir / "models" / "query"
        if not copy_writer.write_in_child(data_dir, copies, threading.Event()):
            raise RuntimeError("could not write the ONNX copies for the eval; see the log")
    base = default_encoders(ModelStore(data_dir).clip(), device, copies)

    def image() -> Any:
        inner = base.image
        return None if inner is None else _CachedImage(inner)

    return Encoders(lambda: _CachedText(base.text), image, lambda: _CachedSpeech(base.speech),
                    text_model_id=base.text_model_id, text_dim=base.text_dim,
                    visual_model_id=base.visual_model_id, visual_dim=base.visual_dim, device=device)


def open_library(data_dir: Path, encoders: Encoders | None = None) -> Library:
    """``Library.open`` with the default models (see ``eval_encoders``) on ``eval_device()``; pass another
    library's ``encoders`` to share its models and memoised transcripts."""
    if os.environ.get("TROVE_CLIP_WEIGHTS") != "random":
        raise RuntimeError("set TROVE_CLIP_WEIGHTS=random before opening the eval library")
    device = eval_device()
    return Library.open(data_dir, device=device, encoders=encoders or eval_encoders(data_dir, device))


def index_corpus(lib: Library, root: Path) -> dict[str, Any]:
    """Add ``root`` and index it; raise if anything failed (the corpus is all well-formed)."""
    lib.add_root(root)
    summary = lib.index()
    failed = lib.catalog.failures()
    if summary.failed or failed:
        raise RuntimeError(f"indexing the eval corpus failed for some files: {failed}")
    return summary.to_json()


def run_queries(lib: Library, root: Path, queries: Sequence[EvalQuery]) -> list[Ranked]:
    """Each query's MATCHED results, best first. A filtered query also lists files that only pass the filter:
    those count as not found, so a filter cannot flatter recall; a query of filters alone (no words) is
    answered by its listing."""
    root = root.resolve()
    out = []
    for q in queries:
        query = q.to_query(root)
        resp = lib.search(query)
        words = bool(q.text or q.voice_path)
        out.append(Ranked(q.qtype, q.label, tuple(str(root / e) for e in q.expected),
                          tuple(r.path for r in resp.results if r.matched or not words), query.transcript))
    return out


def off_topic_counts(lib: Library, texts: Iterable[str]) -> dict[str, list[str]]:
    """For each off-topic text, the files an unfiltered search says match it (ideally none)."""
    return {t: [r.path for r in lib.search(Query(text=t)).results if r.matched] for t in texts}


def misses(runs: Iterable[Ranked], k: int = 3) -> list[dict[str, Any]]:
    """Queries whose relevant files are not all in the top k, for the report."""
    out = []
    for r in runs:
        top = r.results[:k]
        if recall_at(r.expected, r.results, k) < 1.0:
            out.append({"type": r.qtype, "query": r.label, "transcript": r.transcript,
                        "rank": r.first_rank, "expected": [Path(e).name for e in r.expected],
                        "got": [Path(p).name for p in top]})
    return out
