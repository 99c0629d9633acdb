"""The encoders a query needs, loaded on first use and nothing more.

A text query needs the sentence encoder and CLIP's text tower: their ONNX copies where the library has
them (``core.encoders.onnx_export`` writes them after an index run), else the indexing encoders (torch).
An image query needs CLIP's visual tower and a voice query Whisper: those come from the indexing
encoders, loaded only when such a query arrives.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from core.encoders import ImageEncoder, TextEncoder, Transcriber
from core.encoders.onnx_export import export_dir, is_exported

log = logging.getLogger(__name__)


class TextTower(Protocol):
    def encode_texts(self, texts: list[str]) -> np.ndarray: ...


class IndexEncoders(Protocol):
    """What ``core.indexer.Encoders`` offers (a Protocol, so this module does not import the indexer)."""

    text_model_id: str
    visual_model_id: str | None

    @property
    def text(self) -> TextEncoder: ...

    @property
    def image(self) -> ImageEncoder | None: ...

    @property
    def speech(self) -> Transcriber: ...


class QueryEncoders:
    def __init__(self, onnx_root: Path, encoders: IndexEncoders, threads: int = 2) -> None:
        self.onnx_root = onnx_root
        self.encoders = encoders
        self.threads = threads
        self._lock = threading.Lock()
        self._sentence: TextEncoder | None = None
        self._clip_text: TextTower | None = None
        self._clip_text_known = False

    @property
    def sentence(self) -> TextEncoder:
        with self._lock:
            if self._sentence is None:
                self._sentence = self._onnx_sentence() or self.encoders.text
            return self._sentence

    @property
    def clip_text(self) -> TextTower | None:
        """CLIP's text tower, or None when there are no CLIP weights."""
        with self._lock:
            if not self._clip_text_known:
                model_id = self.encoders.visual_model_id
                self._clip_text = None if model_id is None else (self._onnx_clip(model_id) or self.encoders.image)
                self._clip_text_known = True
            return self._clip_text

    @property
    def image(self) -> ImageEncoder | None:
        return self.encoders.image

    @property
    def speech(self) -> Transcriber:
        return self.encoders.speech

    def preload(self) -> None:
        """Load what a text query needs now (the app does this in the background at start)."""
        _ = self.sentence, self.clip_text

    def uses_onnx(self) -> dict[str, bool]:
        from core.encoders.onnx_text import OnnxClipText, OnnxSentenceEncoder

        return {"sentence": isinstance(self._sentence, OnnxSentenceEncoder),
                "clip_text": isinstance(self._clip_text, OnnxClipText)}

    def _onnx_sentence(self) -> TextEncoder | None:
        model_id = self.encoders.text_model_id
        if not is_exported(self.onnx_root, model_id):
            return None
        from core.encoders.onnx_text import OnnxSentenceEncoder

        return _load(lambda: OnnxSentenceEncoder(export_dir(self.onnx_root, model_id), self.threads), model_id)

    def _onnx_clip(self, model_id: str) -> TextTower | None:
        if not is_exported(self.onnx_root, model_id):
            return None
        from core.encoders.onnx_text import OnnxClipText

        return _load(lambda: OnnxClipText(export_dir(self.onnx_root, model_id), self.threads), model_id)


def _load(make: Any, model_id: str) -> Any:
    try:
        return make()
    except Exception as exc:  # a damaged copy is never fatal: torch answers instead
        log.warning("the ONNX query copy of %s cannot be loaded (%s: %s); using torch", model_id,
                    type(exc).__name__, exc)
        return None
