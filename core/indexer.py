"""The indexing pipeline.

    plan (core/planner.py: scan, stat only, against the catalog)
        -> decode pool (threads: hash, decode, EXIF, thumbnails, preprocess)
           [on a CUDA GPU the pool only reads a JPEG's bytes and EXIF, and a prefetch thread decodes whole
            batches on the GPU while the previous batch is encoded: core/media/gpu_photos.py]
        -> encoder stage (this thread: owns the models, batches per kind)
        -> writer thread (core/writer.py: the only writer of SQLite and the vector index) -> progress events

What passes between the stages is in core/work.py.

A file is identified by its content hash, so a moved or renamed file keeps its vectors and transcript
(only a photo's name-derived text is re-embedded, which is cheap). Every file's row and chunks are
written in one transaction with the catalog's vector generation, so kill -9 at any moment leaves the
catalog consistent and the vector cache detectably stale (it is then rebuilt at open).
"""

from __future__ import annotations

import filecmp
import functools
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from core.catalog import Catalog, FileRow
from core.config import environment
from core.encoders import Encoders
from core.media.gpu_photos import stack_pixels
from core.media.notes import extract_note
from core.media.photos import extract_photo, extract_photo_bytes, photo_text
from core.media.recordings import extract_recording, windows
from core.planner import Plan, plan
from core.reading import READ_VERSION, read_pass
from core.scanner import DEFAULT_EXCLUDES, content_hash, os_reason
from core.types import Chunk, Extracted, FileStat, IndexSummary, Kind, MediaError, Passage, PauseSwitch
from core.vectors import VectorIndex
from core.work import Failed, Fresh, Gone, LookAhead, Prefetch, Reuse, Touch, Write
from core.writer import ProgressFn, Throttle, Writer

log = logging.getLogger(__name__)

__all__ = ["Indexer", "IndexSummary", "ProgressFn"]


class Indexer:
    def __init__(self, data_dir: Path, catalog_path: Path, vectors: VectorIndex, encoders: Encoders,
                 excludes: Iterable[str] = DEFAULT_EXCLUDES, decode_threads: int | None = None,
                 photo_batch: int = 16) -> None:
        self.data_dir = data_dir
        self.catalog_path = catalog_path
        self.vectors = vectors
        self.encoders = encoders
        self.excludes = tuple(excludes)
        self.follow_links_out = False  # links out of the library folders are not followed unless allowed
        self.read_text = True  # the reading pass (core/reading.py) after the files are in
        self.decode_threads = decode_threads or max(2, min(8, (os.cpu_count() or 2)))
        self.photo_batch = photo_batch
        # Photos decoded on the GPU (core.media.gpu_photos.GpuPhotos): made at a run's start on CUDA unless
        # TROVE_GPU_DECODE=0; tests set one that runs on the CPU.
        self.gpu_photos: Any = None
        self.thumb_dir = data_dir / "thumbnails"
        self.pause = PauseSwitch()  # set = paused
        self.cancel = threading.Event()
        self._claim_lock = threading.Lock()

    # -- planning (stat only) ---------------------------------------------------------------------------
    def plan(self, catalog: Catalog, scopes: Iterable[str], retry_failed: bool = False,
             roots: Iterable[str] = (), found: Callable[[int], None] | None = None) -> Plan:
        return plan(catalog, scopes, self.excludes, self.data_dir, self.encoders.visual_model_id, retry_failed, roots,
                    self.follow_links_out, found)

    # -- the run ----------------------------------------------------------------------------------------
    def run(self, scopes: list[str], progress: ProgressFn | None = None, retry_failed: bool = False,
            roots: Iterable[str] = ()) -> IndexSummary:
        t0 = time.monotonic()
        self.cancel.clear()  # a cancel stops the run it was meant for, not the next one
        summary = IndexSummary(device=self.encoders.device)
        reader = Catalog(self.catalog_path)
        try:
            emit = Throttle(progress, self.encoders.device)
            emit.phase("scanning", 0, 0)
            plan = self.plan(reader, scopes, retry_failed, roots, lambda n: emit.phase("scanning", n, 0, force=False))
            if plan.todo:  # the count shows at once, while the models load for the first file
                emit.phase("indexing", 0, len(plan.todo))
            summary.unchanged = plan.unchanged
            missing_by_hash: dict[str, list[FileRow]] = {}
            for row in plan.missing.values():
                missing_by_hash.setdefault(row.content_hash, []).append(row)
            claimed: set[str] = set()
            writer = Writer(self.catalog_path, self.vectors, summary, emit, len(plan.todo))
            writer.start()
            try:
                for path, reason in plan.failures:
                    writer.put(Failed(path, reason, None, None))
                if plan.todo:  # nothing new or changed: no model is loaded at all
                    self._pipeline(plan, reader, missing_by_hash, claimed, writer)
                if not self.cancel.is_set():  # a cancelled run may not have reached a moved file's new path
                    for path in plan.missing:
                        if path not in claimed:
                            writer.put(Gone(path))
                for path in plan.failed_gone:  # a file that failed and was then deleted fails no more
                    writer.put(Gone(path))
                if self.read_text and not self.cancel.is_set() and writer.error is None:
                    writer.finish()  # what the first pass wrote is in before the reading pass looks
                    if writer.error is None:
                        writer = Writer(self.catalog_path, self.vectors, summary, emit, len(plan.todo))
                        writer.done = len(plan.todo)
                        writer.start()
                        summary.with_text += read_pass(reader.unread(scopes, READ_VERSION), self.encoders, reader,
                                                       writer, emit, self.cancel, self.pause, self.data_dir,
                                                       max(1, min(2, self.decode_threads)))
            finally:
                writer.finish()
            if writer.error is not None:
                raise writer.error
            emit.phase("saving", writer.done, writer.total)
            self.vectors.save(reader)
        finally:
            reader.close()
        summary.cancelled = self.cancel.is_set()
        summary.seconds = time.monotonic() - t0
        emit.phase("done", summary.added + summary.updated + summary.moved, len(plan.todo))
        return summary

    def _pipeline(self, plan: Plan, reader: Catalog, missing_by_hash: dict[str, list[FileRow]],
                  claimed: set[str], writer: Writer) -> None:
        image = self.encoders.image
        image_size = image.image_size if image is not None else None
        gpu = self._gpu(image)
        hash_lock = threading.Lock()  # decode threads share one read connection for hash lookups
        lookup = Catalog(self.catalog_path)

        def present_with(digest: str) -> list[FileRow]:
            with hash_lock:
                return lookup.files_by_hash(digest)

        def decide(st: FileStat, old: FileRow | None) -> object:
            digest = content_hash(st.path, st.size_bytes)
            if old is not None and old.content_hash == digest:
                if not (old.visual_pending and image is not None):
                    return Touch(st, old.id)
                if st.kind is not Kind.PHOTO:  # only the CLIP text of its passages is missing
                    return Reuse(st, old, None, True)
            if old is None or old.content_hash != digest:
                with self._claim_lock:
                    for row in missing_by_hash.get(digest, []):
                        if row.path not in claimed and row.kind == st.kind:
                            claimed.add(row.path)
                            return Reuse(st, row, row.path, old is not None)
                for row in present_with(digest):
                    if (row.path != st.path and row.kind == st.kind and not row.visual_pending
                            and _same_bytes(row.path, st.path)):
                        return Reuse(st, row, None, old is not None)
            extracted = self._extract(st, image_size, digest, gpu is not None)
            return Fresh(extracted, None, old is not None)

        def job(st: FileStat, old: FileRow | None) -> object:
            return _judged(st, functools.partial(decide, st, old))

        # Photos first (largest batches), then notes, then recordings (slowest per file).
        order = {Kind.PHOTO: 0, Kind.NOTE: 1, Kind.DOCUMENT: 2, Kind.RECORDING: 3}
        todo = sorted(plan.todo, key=lambda t: (order[t[0].kind], t[0].path))
        batch_size = self.photo_batch
        if gpu is not None and gpu.device.type == "cuda":  # batches by the GPU's free memory
            from core.media.gpu_photos import photo_batch_for

            batch_size = max(batch_size, photo_batch_for(gpu.free_memory()))
        window = max(2 * batch_size, 4 * self.decode_threads)
        try:
            with ThreadPoolExecutor(self.decode_threads, thread_name_prefix="trove-decode") as pool:
                ahead = LookAhead(pool, job, todo, window)
                batches: Iterable[list[object]] = _batches(ahead, batch_size)
                if gpu is not None:
                    batches = Prefetch(iter(batches), lambda b: self._on_gpu(b, gpu, image_size), 2,
                                       "trove-gpu-decode")
                try:
                    for batch in batches:
                        while self.pause.is_set() and not self.cancel.is_set():  # a cancel also resumes
                            self.pause.wait_until_resumed(1.0)
                        if self.cancel.is_set():
                            return
                        self._encode_batch(batch, reader, writer)
                        if writer.error is not None:
                            return
                finally:
                    if isinstance(batches, Prefetch):
                        batches.close()  # before the window it takes from is cancelled
                    ahead.cancel()
        finally:
            lookup.close()

    def _gpu(self, image: Any) -> Any:
        """The GPU photo decoder for this run, or None (no image model, not CUDA, turned off, unavailable)."""
        if self.gpu_photos is not None:
            return self.gpu_photos
        if image is None or self.encoders.device != "cuda" or not environment().gpu_decode:
            return None
        try:
            from core.media.gpu_photos import GpuPhotos

            return GpuPhotos(image.image_size, "cuda")
        except Exception as exc:  # torchvision without nvJPEG, a driver problem: the CPU decodes as elsewhere
            log.warning("photos are decoded on the CPU: the GPU decoder is unavailable (%s)", exc)
            return None

    def _on_gpu(self, batch: list[object], gpu: Any, image_size: int | None) -> list[object]:
        """The batch's JPEGs decoded and prepared on the GPU (their pixels, their thumbnails saved); a photo
        the GPU refused is decoded on the CPU here, and one the CPU cannot read either is recorded failed."""
        from core.media.gpu_photos import JpegInput

        todo = [(i, item) for i, item in enumerate(batch)
                if isinstance(item, Fresh) and item.extracted.jpeg is not None]
        if not todo:
            return batch
        inputs = [JpegInput(f.extracted.jpeg or b"", f.extracted.orientation, int(f.extracted.meta.get("width", 0)),
                            int(f.extracted.meta.get("height", 0))) for _i, f in todo]
        prepared = gpu.prepare(inputs)
        out = list(batch)
        for (i, f), ready in zip(todo, prepared, strict=True):
            ex = f.extracted
            ex.jpeg = None
            if ready is not None:
                ex.pixels = ready.pixels
                ex.meta["thumbnail"] = self._save_thumbnail(ex.content_hash, ready.thumbnail_jpeg)
                continue
            out[i] = _judged(ex.stat, functools.partial(self._extract_again, f, image_size))
        return out

    def _extract_again(self, item: Fresh, image_size: int | None) -> Fresh:
        """A photo the GPU refused, decoded on the CPU."""
        ex = item.extracted
        return Fresh(self._extract(ex.stat, image_size, ex.content_hash), item.replaces, item.existed)

    def _extract(self, st: FileStat, image_size: int | None, digest: str | None = None,
                 gpu: bool = False) -> Extracted:
        if st.kind is Kind.PHOTO:
            if gpu and image_size:
                got = extract_photo_bytes(st, digest=digest)  # pixels and thumbnail come from the GPU
                if got is not None:
                    return got
            ex = extract_photo(st, image_size, digest=digest)
            if ex.thumbnail_jpeg is not None:
                ex.meta["thumbnail"] = self._save_thumbnail(ex.content_hash, ex.thumbnail_jpeg)
                ex.thumbnail_jpeg = None
            return ex
        if st.kind is Kind.NOTE:
            return extract_note(st, digest)
        if st.kind is Kind.DOCUMENT:  # its readers (PDFium, docx, odf, ebooklib) load with the first document
            from core.media.documents import extract_document

            return extract_document(st, digest)
        return extract_recording(st, digest)

    def _save_thumbnail(self, digest: str, data: bytes) -> str:
        path = self.thumb_dir / digest[:2] / f"{digest}.jpg"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{threading.get_ident()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
        return str(path.relative_to(self.data_dir))

    # -- encoder stage ----------------------------------------------------------------------------------
    def _encode_batch(self, items: list[object], reader: Catalog, writer: Writer) -> None:
        image = self.encoders.image
        fresh: list[Fresh] = []
        for item in items:
            if isinstance(item, Fresh):
                fresh.append(item)
            elif isinstance(item, Reuse):
                try:
                    writer.put(self._reuse(item, reader))
                except (LookupError, OSError) as exc:  # the source vanished or changed under us: encode it anew
                    log.info("could not reuse vectors for %s (%s); encoding it", item.stat.path, exc)
                    try:
                        fresh.append(Fresh(self._extract(item.stat, image.image_size if image else None),
                                            None, item.existed))
                    except MediaError as err:
                        writer.put(Failed(item.stat.path, str(err), item.stat.size_bytes, item.stat.mtime_ns))
            else:
                writer.put(item)
        # Recordings: transcribe first (their passages come from the model).
        ready: list[Fresh] = []
        for f in fresh:
            ex = f.extracted
            if ex.audio_path is not None:
                try:
                    segments = self.encoders.speech.transcribe(ex.audio_path)
                except MediaError as exc:
                    writer.put(Failed(ex.stat.path, str(exc), ex.stat.size_bytes, ex.stat.mtime_ns))
                    continue
                ex.passages = windows(segments) or [Passage("", 0.0, 0.0)]
                ex.meta["duration_s"] = round(segments[-1].end_s, 2) if segments else 0.0
                ex.meta["segments"] = [[round(s.start_s, 2), round(s.end_s, 2), s.text] for s in segments]
            ready.append(f)
        if not ready:
            return
        # One model call per kind of vector for the whole batch, then handed out in order.
        text_vecs = iter(self.encoders.text.encode([p.text for f in ready for p in f.extracted.passages]))
        photo_vecs: dict[int, np.ndarray] = {}
        word_vecs: Iterator[np.ndarray] = iter(())
        if image is not None:
            photos = [(id(f), f.extracted.pixels) for f in ready if f.extracted.pixels is not None]
            if photos:
                vecs = image.encode_images(stack_pixels([px for _key, px in photos]))
                photo_vecs = dict(zip((key for key, _px in photos), vecs, strict=True))
            words = [p.text for f in ready if f.extracted.stat.kind is not Kind.PHOTO for p in f.extracted.passages]
            if words:
                word_vecs = iter(image.encode_texts(words))
        for f in ready:
            ex = f.extracted
            chunks: list[Chunk] = []
            for i, p in enumerate(ex.passages):
                visual = None
                if image is not None:
                    visual = photo_vecs.get(id(f)) if ex.stat.kind is Kind.PHOTO else next(word_vecs)
                textvec = next(text_vecs)
                if ex.stat.kind is not Kind.PHOTO:
                    visual, textvec = _wordless(p.text, visual), _wordless(p.text, textvec)
                chunks.append(Chunk(i, p.text, p.start_s, p.end_s, visual,
                                    image.model_id if visual is not None and image else None,
                                    textvec, self.encoders.text.model_id))
            ex.pixels = None
            writer.put(Write(ex.stat, ex.content_hash, ex.date_ts, _public_meta(ex.meta),
                             ex.meta.get("thumbnail"), image is None, chunks, f.replaces,
                             "updated" if f.existed else "added"))

    def _reuse(self, item: Reuse, reader: Catalog) -> Write:
        info = reader.file_info(item.source.id)
        if info is None:
            raise LookupError("source row is gone")
        meta = info.meta
        chunks = reader.chunks_of(item.source.id)
        if not chunks:
            raise LookupError("source has no chunks")
        image = self.encoders.image
        if item.stat.kind is Kind.PHOTO:
            # The photo's words come from its path: re-embed them (cheap); keep the pixels' vector.
            text = photo_text(item.stat.path, meta, info.date_ts, item.stat.root)
            chunks[0].text = text
            chunks[0].textvec = self.encoders.text.encode([text])[0]
            chunks[0].text_model = self.encoders.text.model_id
        elif image is not None and any(ch.visual_model != image.model_id for ch in chunks):
            vecs = image.encode_texts([ch.text for ch in chunks])
            for ch, v in zip(chunks, vecs, strict=True):
                ch.visual, ch.visual_model = _wordless(ch.text, v), image.model_id
        pending = image is None or any(ch.visual_model != image.model_id for ch in chunks)
        return Write(item.stat, info.content_hash, info.date_ts, meta, info.thumbnail, pending, chunks, item.replaces,
                      "moved" if item.replaces else ("updated" if item.existed else "added"))


def _same_bytes(a: str, b: str) -> bool:
    """The content hash samples a file; before reusing a copy's vectors, compare the two in full."""
    try:
        return filecmp.cmp(a, b, shallow=False)
    except OSError:
        return False


def _wordless(text: str, vec: np.ndarray | None) -> np.ndarray | None:
    """A passage without words (an empty note, a silent or empty recording) is like nothing: zeros, so no
    query scores it (the models embed "" close to short queries such as "x" or "hello": 0.5 for MiniLM,
    over the cut-off for a match). It still lists its file under a filter, by name, folder and date."""
    if vec is None or text.strip():
        return vec
    return np.zeros_like(vec)


def _public_meta(meta: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in meta.items() if k != "thumbnail"}


def _judged(st: FileStat, make: Callable[[], object]) -> object:
    """What ``make`` makes of one file, or what its error says: gone since the scan, or unreadable (failed,
    with the reason the person sees)."""
    try:
        return make()
    except FileNotFoundError:
        return Gone(st.path)
    except MediaError as exc:
        return Failed(st.path, str(exc), st.size_bytes, st.mtime_ns)
    except OSError as exc:
        return Failed(st.path, os_reason(exc), st.size_bytes, st.mtime_ns)


def _batches(ahead: LookAhead, size: int) -> Iterator[list[object]]:
    """The decode window's results in batches of ``size`` (the pool runs ahead by a whole window, so a
    batch rarely waits: small batches cost the encoder more than the wait does)."""
    while ahead:
        batch = [ahead.take()]
        while ahead and len(batch) < size:
            batch.append(ahead.take())
        yield batch
