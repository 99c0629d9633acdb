"""Encoders behind small protocols, so tests can hand in fakes and the indexer never imports a model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


class ImageEncoder(Protocol):
    model_id: str
    dim: int
    image_size: int

    def encode_images(self, pixels: np.ndarray) -> np.ndarray:
        """(N, 3, S, S) float32 preprocessed pixels -> (N, dim) L2-normalised vectors."""
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


@dataclass(frozen=True, slots=True)
class Segment:
    start_s: float
    end_s: float
    text: str


class Transcriber(Protocol):
    model_id: str

    def transcribe(self, path: str) -> list[Segment]:
        """Speech in an audio file -> timed segments. Raises MediaError for undecodable audio."""
        ...
