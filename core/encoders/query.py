"""The encoders a query needs, loaded on first use and nothing more.

A text query needs the sentence encoder and CLIP's text tower: their ONNX copies where the library has
them (``core.encoders.onnx_export`` writes them after an index run), else the indexing encoders (torch).
An image query needs CLIP's visual tower (its ONNX copy, else torch's) and a voice query Whisper
(CTranslate2, no torch), each loaded only when such a query arrives.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from core.encoders import ImageEncoder, TextEncoder, Transcriber
from core.encoders.onnx_export import export_dir, is_exported, query_copy_keys, visual_id

log = logging.getLogger(__name__)


class TextTower(Protocol):
    def encode_texts(self, texts: list[str]) -> np.ndarray: ...


class VisualTower(Protocol):
    model_id: str
    image_size: int

    def encode_images(self, pixels: np.ndarray) -> np.ndarray: ...


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
    def __init__(self, onnx_root: Path, encoders: IndexEncoders, threads: int = 2,
                 speech: Callable[[], Transcriber] | None = None) -> None:
        """``speech``: makes a transcriber for one voice query (then let go: Whisper is not kept in memory
        between voice queries); without it, the indexing encoders' transcriber answers."""
        self.onnx_root = onnx_root
        self.encoders = encoders
        self._speech = speech
        self.threads = threads
        self._lock = threading.Lock()
        self._sentence: TextEncoder | None = None
        self._clip_text: TextTower | None = None
        self._clip_text_known = False
        self._image: VisualTower | None = None

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
    def image(self) -> VisualTower | ImageEncoder | None:
        """CLIP's visual tower (image queries), or None when there are no CLIP weights."""
        model_id = self.encoders.visual_model_id
        if model_id is None:
            return None
        with self._lock:
            if self._image is None:
                self._image = self._onnx_visual(model_id)
            if self._image is not None:
                return self._image
        return self.encoders.image

    @property
    def speech(self) -> Transcriber:
        return self._speech() if self._speech is not None else self.encoders.speech

    def release_image(self) -> bool:
        """Let go of the visual tower (the largest query model; only image queries use it). True if held."""
        with self._lock:
            held, self._image = self._image is not None, None
        return held

    def preload(self) -> None:
        """Load what a text query needs now (the app does this in the background at start)."""
        _ = self.sentence, self.clip_text

    def copies_exist(self) -> bool:
        """Every text tower a query needs has its ONNX copy (so loading them never imports torch)."""
        keys = query_copy_keys(self.encoders.text_model_id, self.encoders.visual_model_id)
        return all(is_exported(self.onnx_root, key) for key, _kind in keys)

    def behind(self) -> bool:
        """A copy was written after this holder loaded torch's model instead: a fresh holder would use it."""
        from core.encoders.onnx_query import OnnxClipText, OnnxSentenceEncoder

        with self._lock:
            sentence = (self._sentence is not None and not isinstance(self._sentence, OnnxSentenceEncoder)
                        and is_exported(self.onnx_root, self.encoders.text_model_id))
            visual_id = self.encoders.visual_model_id
            clip = (self._clip_text is not None and not isinstance(self._clip_text, OnnxClipText)
                    and visual_id is not None and is_exported(self.onnx_root, visual_id))
        return sentence or clip

    def uses_onnx(self) -> dict[str, bool]:
        from core.encoders.onnx_query import OnnxClipText, OnnxClipVisual, OnnxSentenceEncoder

        return {"sentence": isinstance(self._sentence, OnnxSentenceEncoder),
                "clip_text": isinstance(self._clip_text, OnnxClipText),
                "clip_visual": isinstance(self._image, OnnxClipVisual)}

    def _onnx_sentence(self) -> TextEncoder | None:
        model_id = self.encoders.text_model_id
        if not is_exported(self.onnx_root, model_id):
            return None
        from core.encoders.onnx_query import OnnxSentenceEncoder

        return _load(lambda: OnnxSentenceEncoder(export_dir(self.onnx_root, model_id), self.threads), model_id)

    def _onnx_visual(self, model_id: str) -> VisualTower | None:
        key = visual_id(model_id)
        if not is_exported(self.onnx_root, key):
            return None
        from core.encoders.onnx_query import OnnxClipVisual

        return _load(lambda: OnnxClipVisual(export_dir(self.onnx_root, key), self.threads), key)

    def _onnx_clip(self, model_id: str) -> TextTower | None:
        if not is_exported(self.onnx_root, model_id):
            return None
        from core.encoders.onnx_query import OnnxClipText

        return _load(lambda: OnnxClipText(export_dir(self.onnx_root, model_id), self.threads), model_id)


def _load(make: Any, model_id: str) -> Any:
    try:
        return make()
    except Exception as exc:  # a damaged copy is never fatal: torch answers instead
        log.warning("the ONNX query copy of %s cannot be loaded (%s: %s); using torch", model_id,
                    type(exc).__name__, exc)
        return None
