"""The reading pass: text in photos (receipts, signs, screenshots, whiteboards) and in scanned PDF pages.

It runs after an index run's own pass, so every photo is searchable by its picture, name, date and place
first; then each photo not yet read goes through the reader's cheap gate (text detection on a small decode)
and only photos that hold text are read in full. What is read becomes passages of the file (chunks after
a photo's description; for a scanned PDF, pages after its text layer), with the lines' boxes in the
photo's metadata for the preview. A file is marked read (``text_read`` in its metadata) in the same
transaction as its passages, so a cancelled or killed run goes on where it stopped; a file that changed
meanwhile is left for the next run. ``Settings.read_text`` turns the pass off.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from core.catalog import Catalog, FileInfo
from core.encoders import Encoders, return_memory
from core.media.notes import split_passages
from core.types import Chunk, MediaError, PauseSwitch
from core.work import Amend, LookAhead
from core.writer import Throttle, Writer

log = logging.getLogger(__name__)

READ_VERSION = 1  # files read by an older version of the pass are read again
GATE_EDGE = 640  # the gate looks at the photo decoded this small (JPEG: a reduced decode, a few ms)...
# ...or, for a photo from a camera (EXIF make or model), at its 320-px thumbnail, already on disk: the
# detector costs 26 ms there against 58 ms at 512 px (same load; bench/ocr.py's 60 images: the same
# recall, 1.0, and no false positives). A camera photo's legible text (a receipt, a sign, a page) is large
# enough for it; screenshots and scans, whose print is small against their size, carry no camera EXIF.
READ_EDGE = 1600  # photos are read at most this large
PAGE_EDGE = 2000  # scanned pages are rendered at most this large
MAX_LINES = 400  # lines (with boxes) kept in a photo's metadata for the preview


def read_pass(todo: list[FileInfo], encoders: Encoders, catalog: Catalog, writer: Writer, emit: Throttle,
              cancel: threading.Event, pause: PauseSwitch, data_dir: Path, threads: int = 2) -> int:
    """Read the text in ``todo`` (``Catalog.unread``), handing each file's passages to ``writer``; returns
    how many files held text. Stops at ``cancel``; waits while paused."""
    if not todo:
        return 0
    emit.phase("reading", 0, len(todo))
    if not any(info.meta.get("scanned_pages") for info in todo):  # photos need no CLIP: the peak is one
        encoders.release("image")                                  # set of models, not both (issue 13)
        return_memory()
    reader = encoders.reader
    found = 0
    with ThreadPoolExecutor(threads, thread_name_prefix="trove-read") as pool:
        ahead = LookAhead(pool, _small, ((info, data_dir) for info in todo), 2 * threads)
        for i, info in enumerate(todo):
            while pause.is_set() and not cancel.is_set():
                pause.wait_until_resumed(1.0)
            if cancel.is_set():
                ahead.cancel()
                return found
            small = ahead.take()
            try:
                if info.meta.get("scanned_pages"):
                    amend = _read_pages(info, reader, encoders)
                else:
                    amend = _read_photo(info, small, reader, encoders, catalog)
            except MediaError as exc:  # unreadable now: the file stays indexed, its text unread
                log.info("cannot read the text in %s: %s", info.path, exc)
                amend = _marked(info, {}, 0, [])
            if amend.chunks:
                found += 1
            writer.put(amend)
            if writer.error is not None:
                return found
            emit.phase("reading", i + 1, len(todo), info.path, force=i + 1 == len(todo))
    return found


def _read_photo(info: FileInfo, small: Any, reader: Any, encoders: Encoders, catalog: Catalog) -> Amend:
    if small is None or not reader.has_text(small):
        return _marked(info, {"text_lines": []}, 1, [])
    from core.media.photos import image_for_reading

    lines = reader.read(image_for_reading(info.path, READ_EDGE), max_edge=READ_EDGE)
    text = _text_of(lines)
    kept = [[*(round(float(v), 4) for v in ln.box), ln.text] for ln in lines[:MAX_LINES]]
    if not text.strip():
        return _marked(info, {"text_lines": []}, 1, [])
    own = catalog.chunks_of(info.id)
    visual, visual_model = (own[0].visual, own[0].visual_model) if own else (None, None)
    passages = split_passages(text)
    vecs = encoders.text.encode(passages)
    chunks = [Chunk(1 + i, p, None, None, visual, visual_model, v, encoders.text.model_id)
              for i, (p, v) in enumerate(zip(passages, vecs, strict=True))]
    return _marked(info, {"text_lines": kept}, 1, chunks)


def _read_pages(info: FileInfo, reader: Any, encoders: Encoders) -> Amend:
    """A PDF's scanned pages: each rendered, read, and its passages labelled with the page."""
    from core.media.documents import render_pdf_page

    meta = info.meta
    locations = list(meta.get("locations") or [])
    start = int(meta.get("read_from", -1))
    if start < 0:  # first reading: after the text layer's passages, or instead of a lone empty one
        start = 0 if len(locations) <= 1 and not meta.get("words") else len(locations)
    texts: list[str] = []
    where: list[str | None] = []
    labels = list(meta.get("scanned_locations") or [])
    for n, page in enumerate(meta.get("scanned_pages") or []):
        image = render_pdf_page(info.path, int(page), PAGE_EDGE)
        text = _text_of(reader.read(image, max_edge=PAGE_EDGE))
        label = labels[n] if n < len(labels) and isinstance(labels[n], str) else f"page {int(page) + 1}"
        for p in split_passages(text):
            texts.append(p)
            where.append(label)
    if not texts:
        return _marked(info, {"read_from": start}, start, [])
    vecs = encoders.text.encode(texts)
    image_enc = encoders.image
    visual: Iterable[np.ndarray | None] = image_enc.encode_texts(texts) if image_enc is not None else [None] * len(texts)
    chunks = [Chunk(start + i, t, None, None, vis, image_enc.model_id if vis is not None and image_enc else None,
                    v, encoders.text.model_id)
              for i, (t, v, vis) in enumerate(zip(texts, vecs, visual, strict=True))]
    return _marked(info, {"read_from": start, "locations": locations[:start] + where}, start, chunks)


def _marked(info: FileInfo, changes: dict[str, Any], from_ordinal: int, chunks: list[Chunk]) -> Amend:
    meta = {**info.meta, **changes, "text_read": READ_VERSION}
    return Amend(info.id, info.path, info.content_hash, meta, from_ordinal, chunks)


def _text_of(lines: list[Any]) -> str:
    from core.ocr import text_of

    return text_of(lines)


def _small(info: FileInfo, data_dir: Path) -> Any:
    """The gate's image of a photo, decoded in the pool while the reader works (None for a scanned
    document, whose pages are rendered one by one later, or a photo gone since)."""
    from core.media.photos import image_for_reading

    if info.meta.get("scanned_pages"):
        return None
    if info.thumbnail and (info.meta.get("make") or info.meta.get("model")):
        try:
            with Image.open(data_dir / info.thumbnail) as thumb:
                return thumb.convert("RGB")
        except OSError as exc:  # a missing or damaged thumbnail: decode the photo itself
            log.debug("no thumbnail for %s (%s); decoding the photo", info.path, exc)
    try:
        return image_for_reading(info.path, GATE_EDGE)
    except (MediaError, OSError) as exc:  # gone or changed since: left for the next run
        log.debug("cannot decode %s for reading: %s", info.path, exc)
        return None
