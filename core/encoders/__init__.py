"""Encoders behind small protocols, so tests can hand in fakes and the indexer never imports a model; and
``Encoders``, which loads each model on first use."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from core.types import Segment

__all__ = ["Encoders", "ImageEncoder", "Segment", "TextEncoder", "TextReader", "Transcriber", "exit_with_parent",
           "return_memory"]


class ImageEncoder(Protocol):
    model_id: str
    dim: int
    image_size: int

    def encode_images(self, pixels: np.ndarray) -> np.ndarray:
        """(N, 3, S, S) float32 preprocessed pixels -> (N, dim) L2-normalised vectors. On a CUDA GPU the
        pixels may be a torch tensor already there (core.media.gpu_photos)."""
        ...

    def encode_texts(self, texts: list[str]) -> np.ndarray:
        """Texts into the same visual space (CLIP's text tower), L2-normalised."""
        ...


class TextEncoder(Protocol):
    model_id: str
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray:
        """Texts -> (N, dim) L2-normalised sentence vectors."""
        ...


class Transcriber(Protocol):
    model_id: str

    def transcribe(self, path: str) -> list[Segment]:
        """Speech in an audio file -> timed segments. Raises MediaError for undecodable audio."""
        ...


class TextReader(Protocol):
    """Reads text in images (core.ocr.TextReader): a cheap ``has_text`` gate, then ``read``."""

    def has_text(self, image: Any) -> bool:
        """Whether a PIL image (small is enough) likely holds legible text."""
        ...

    def read(self, image: Any, max_edge: int = 1600) -> list[Any]:
        """Lines of text (``text``, ``box`` as fractions x0, y0, x1, y1, ``score``) in reading order."""
        ...


class _NoReader:
    """Where no reader is given (tests' fakes): no photo holds text."""

    def has_text(self, image: Any) -> bool:
        return False

    def read(self, image: Any, max_edge: int = 1600) -> list[Any]:
        return []


class Encoders:
    """The models the pipeline uses, loaded on first use. The image encoder may be absent (no weights)."""

    def __init__(self, text: Callable[[], TextEncoder], image: Callable[[], ImageEncoder | None],
                 speech: Callable[[], Transcriber], *, text_model_id: str, text_dim: int,
                 visual_model_id: str | None, visual_dim: int, device: str = "cpu",
                 prepare: Callable[[], str] | None = None, reader: Callable[[], TextReader] | None = None) -> None:
        self._factories = {"text": text, "image": image, "speech": speech, "reader": reader or _NoReader}
        self._loaded: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.device = device
        self._prepare = prepare  # run once before the first model loads; returns the device confirmed
        self.confirmed: Any = None  # the DeviceChoice that ``prepare`` confirmed, when it has run
        # Known before any model loads, so the vector index opens without loading one.
        self.text_model_id = text_model_id
        self.text_dim = text_dim
        self.visual_model_id = visual_model_id
        self.visual_dim = visual_dim

    def _get(self, name: str) -> Any:
        with self._lock:
            if name not in self._loaded:
                if self._prepare is not None:
                    self.device, self._prepare = self._prepare(), None
                self._loaded[name] = self._factories[name]()
            return self._loaded[name]

    def loaded(self, name: str) -> bool:
        return name in self._loaded

    def release(self, *names: str) -> None:
        """Drop the loaded models, or those named (they load again on next use): an idle app or watcher
        holds none; the reading pass lets the image model go before the OCR models load."""
        with self._lock:
            if not names:
                self._loaded.clear()
            for name in names:
                self._loaded.pop(name, None)

    @property
    def text(self) -> TextEncoder:
        return self._get("text")

    @property
    def image(self) -> ImageEncoder | None:
        return self._get("image")

    @property
    def speech(self) -> Transcriber:
        return self._get("speech")

    @property
    def reader(self) -> TextReader:
        return self._get("reader")


def return_memory() -> None:
    """Collect, then ask glibc to give freed memory back to the system (else RSS stays at its peak)."""
    import contextlib
    import ctypes
    import gc

    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to ask
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def exit_with_parent() -> None:
    """In a child process that only works for its parent (writing the ONNX copies, the int8 trial): stop at
    once when the parent goes (an index run cancelled and ended, or killed), rather than work on for nobody."""
    import os
    import time

    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(3)

    threading.Thread(target=watch, name="trove-parent-watch", daemon=True).start()
