"""The index run's encoders on onnxruntime, on the CPU: CLIP's two towers and the sentence model from the
ONNX copies the library already keeps for queries (``core.encoders.onnx_export``), so an index run whose
copies exist never imports torch, open_clip or sentence-transformers.

Importing torch alone costs about 0.5 GB of resident memory on this machine and open_clip brings it to
0.75 GB before any model loads; an index run of 48 12 MP photos peaked at 1.5 GB on torch. CLIP's towers
run int8 where that is faithful and faster here (``core.encoders.onnx_int8``); the sentence model runs
its fp32 copy. Sessions use the cores torch would (``core.device.cpu_threads``, torch's default on the
CPU) and do not spin while idle, so the decode threads get the cores between runs.

The vectors keep the model ids torch's vectors carry, and a library indexed with torch needs no
re-index: each copy was checked against torch's fp32 model when it was written (every probe vector
within a cosine of ``onnx_export.MIN_COSINE`` = 0.9999), and an int8 copy is used only within a cosine of
``INT8_MIN_COSINE`` (0.99) of the fp32 copy, the same tolerance under which torch's own int8 towers
already share the fp32 model id. Vectors from either path are interchangeable within that tolerance,
as the int8 and fp32 torch vectors have been.

A copy that cannot be loaded is never fatal: a damaged int8 graph falls back to the fp32 copy, a damaged
fp32 copy to torch, with a warning; the damaged copy is removed so that this run's end writes it again
(``Library.prepare_query_models``), from the torch model it has just loaded.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

from core.encoders.onnx_export import export_dir, is_exported, visual_id
from core.encoders.onnx_int8 import Choice, choose, forget
from core.encoders.onnx_query import MODEL, OnnxClipText, OnnxClipVisual, OnnxSentenceEncoder

log = logging.getLogger(__name__)

T = TypeVar("T")


class OnnxClipEncoder:
    """CLIP's two towers from their copies: the ``ImageEncoder`` protocol, as ``ClipEncoder`` offers it."""

    def __init__(self, visual: OnnxClipVisual, text: OnnxClipText, visual_choice: Choice, text_choice: Choice) -> None:
        self.visual = visual
        self.text = text
        self.model_id = visual.model_id
        self.dim = visual.dim
        self.image_size = visual.image_size
        self.device = "cpu"
        self.precision = visual_choice.precision  # what encode_images runs
        self.precision_check = visual_choice.check
        self.text_precision = text_choice.precision  # what encode_texts runs
        self.text_precision_check = text_choice.check
        self._lock = threading.Lock()

    def encode_images(self, pixels: np.ndarray) -> np.ndarray:
        with self._lock:
            return self.visual.encode_images(pixels)

    def encode_texts(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return self.text.encode_texts(texts)


def sentence_encoder(root: Path, model_id: str, threads: int) -> OnnxSentenceEncoder | None:
    """The sentence model from its copy in ``root``, or None (no copy, or one that does not load)."""
    if not is_exported(root, model_id):
        return None
    folder = export_dir(root, model_id)
    encoder = _loaded(lambda: OnnxSentenceEncoder(folder, threads), root, model_id)
    if encoder is not None:
        log.info("indexing with the ONNX copy of %s (onnxruntime, %d threads)", model_id, threads)
    return encoder


def clip_encoder(root: Path, model_id: str, preference: str, threads: int) -> OnnxClipEncoder | None:
    """CLIP's two towers from their copies in ``root``, int8 where chosen (``preference``: auto, fp32, int8);
    None when either copy is missing or does not load (the caller uses torch)."""
    keys = [visual_id(model_id), model_id]
    if not all(is_exported(root, k) for k in keys):
        return None
    folders = [export_dir(root, k) for k in keys]
    try:
        choices = choose(folders, preference, threads)
    except Exception:  # a bug in the trial's bookkeeping must not stop an index run: fp32 copies
        log.warning("could not choose the precision of CLIP's copies; using fp32", exc_info=True)
        choices = [Choice.fp32(), Choice.fp32()]
    visual_choice, visual = _tower(lambda m: OnnxClipVisual(folders[0], threads, m), choices[0], root, keys[0])
    if visual is None:
        return None
    text_choice, text = _tower(lambda m: OnnxClipText(folders[1], threads, m), choices[1], root, keys[1])
    if text is None:
        return None
    log.info("indexing with the ONNX copies of %s (onnxruntime, %d threads; image tower %s %s, text tower %s %s)",
             model_id, threads, visual_choice.precision, visual_choice.check or "", text_choice.precision,
             text_choice.check or "")
    return OnnxClipEncoder(visual, text, visual_choice, text_choice)


def _tower(make: Callable[[str], T], choice: Choice, root: Path, key: str) -> tuple[Choice, T | None]:
    """One tower as chosen; an int8 graph that does not load gives way to the fp32 copy."""
    if choice.model != MODEL:
        try:
            return choice, make(choice.model)
        except Exception as exc:
            log.warning("the int8 copy of %s cannot be loaded (%s: %s); using its fp32 copy", key,
                        type(exc).__name__, exc)
            forget(export_dir(root, key))
            choice = Choice.fp32(reason="the int8 copy did not load")
    return choice, _loaded(lambda: make(MODEL), root, key)


def _loaded(make: Callable[[], T], root: Path, key: str) -> T | None:
    try:
        return make()
    except Exception as exc:  # a damaged copy is never fatal: torch indexes instead
        log.warning("the ONNX copy of %s cannot be loaded (%s: %s); indexing with torch, and writing the copy "
                    "again at the end of this run", key, type(exc).__name__, exc)
        shutil.rmtree(export_dir(root, key), ignore_errors=True)
        return None

