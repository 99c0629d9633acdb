"""Shared fixtures: fake encoders (fast, deterministic) and generated media."""

from __future__ import annotations

import hashlib
import os
import re
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from core.encoders import Encoders, Segment
from core.library import Library
from core.types import MediaError

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

_WORD = re.compile(r"\w+")


def _hashed_bow(text: str, dim: int) -> np.ndarray:
    """Bag of hashed words: texts sharing words are similar, others nearly orthogonal."""
    v = np.zeros(dim, dtype=np.float32)
    for w in _WORD.findall(text.lower()):
        h = int.from_bytes(hashlib.blake2b(w.encode(), digest_size=4).digest(), "little")
        v[h % dim] += 1.0
    n = np.linalg.norm(v)
    return v / n if n else v


class FakeText:
    model_id = "fake-text"
    dim = 384

    def __init__(self) -> None:
        self.calls = 0
        self.texts = 0

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        self.texts += len(texts)
        return np.stack([_hashed_bow(t, self.dim) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)


class FakeImage:
    model_id = "fake-clip"
    dim = 512
    image_size = 32

    def __init__(self) -> None:
        rng = np.random.default_rng(7)
        self.proj = rng.standard_normal((3 * 32 * 32, self.dim)).astype(np.float32)
        self.images = 0

    def encode_images(self, pixels: np.ndarray) -> np.ndarray:
        self.images += len(pixels)
        out = pixels.reshape(len(pixels), -1) @ self.proj
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    def encode_texts(self, texts: list[str]) -> np.ndarray:
        return np.stack([_hashed_bow(t, self.dim) for t in texts])


class FakeSpeech:
    """Reads real WAV files; the "transcript" is the text stored beside it in NAME.transcript."""

    model_id = "fake-whisper"

    def __init__(self) -> None:
        self.calls = 0

    def transcribe(self, path: str) -> list[Segment]:
        self.calls += 1
        try:
            with wave.open(path, "rb") as w:
                seconds = w.getnframes() / w.getframerate()
        except (wave.Error, EOFError) as exc:
            raise MediaError(f"cannot decode the audio ({exc})") from exc
        words = Path(path + ".transcript").read_text().split() if Path(path + ".transcript").exists() else []
        if not words:
            return []
        half = len(words) // 2 or 1
        return [Segment(0.0, seconds / 2, " ".join(words[:half])), Segment(seconds / 2, seconds, " ".join(words[half:]))]


class FakeEncoders(Encoders):
    def __init__(self, with_image: bool = True, reader: Any = None) -> None:
        self.fake_text, self.fake_image, self.fake_speech = FakeText(), FakeImage(), FakeSpeech()
        super().__init__(lambda: self.fake_text, lambda: self.fake_image if with_image else None,
                         lambda: self.fake_speech, text_model_id=FakeText.model_id, text_dim=FakeText.dim,
                         visual_model_id=FakeImage.model_id if with_image else None, visual_dim=FakeImage.dim,
                         reader=(lambda: reader) if reader is not None else None)


def assert_catalog_whole(db: Path) -> int:
    """The consistency check after a crash: SQLite integrity, no file without chunks, no orphan chunk, the
    keyword index holding every chunk. Returns the chunk count."""
    import sqlite3

    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM files f WHERE NOT EXISTS "
                            "(SELECT 1 FROM chunks c WHERE c.file_id = f.id)").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM chunks c LEFT JOIN files f ON f.id = c.file_id "
                            "WHERE f.id IS NULL").fetchone()[0] == 0
        chunks = int(conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])
        assert conn.execute("SELECT COUNT(*) FROM chunks_fts").fetchone()[0] == chunks
    return chunks


# -- media makers ------------------------------------------------------------------------------------
def make_photo(path: Path, color: tuple[int, int, int] = (200, 60, 40), size: tuple[int, int] = (320, 240),
               taken: datetime | None = None, camera: tuple[str, str] | None = None, seed: int = 0,
               gps: tuple[float, float] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    arr = np.empty((size[1], size[0], 3), dtype=np.uint8)
    arr[:] = color
    arr = np.clip(arr.astype(int) + rng.integers(-30, 30, arr.shape), 0, 255).astype(np.uint8)
    img = Image.fromarray(arr)
    exif = img.getexif()
    if taken is not None:
        exif.get_ifd(0x8769)[36867] = taken.strftime("%Y:%m:%d %H:%M:%S")
    if camera is not None:
        exif[271], exif[272] = camera
    if gps is not None:
        write_gps(exif, *gps)
    img.save(path, "JPEG", quality=90, exif=exif)
    return path


def write_gps(exif: Image.Exif, lat: float, lon: float) -> None:
    """A GPS position into ``exif``'s GPS IFD, in degrees, minutes and seconds, as cameras write it."""
    ifd = exif.get_ifd(0x8825)
    for (ref, tag), value, sides in (((1, 2), lat, "NS"), ((3, 4), lon, "EW")):
        ifd[ref] = sides[value < 0]
        deg = abs(value)
        ifd[tag] = (float(int(deg)), float(int(deg * 60 % 60)), round(deg * 3600 % 60, 4))


@dataclass(frozen=True)
class FakeLine:
    text: str
    box: tuple[float, float, float, float]
    score: float = 0.99


class FakeReader:
    """Text "printed" on generated photos, told apart by their colour: a photo whose mean colour is within
    12 of a key of ``texts`` holds those lines (the real reader is tested on drawn text in
    tests/unit/test_ocr.py and tests/integration/test_reading.py)."""

    def __init__(self, texts: dict[tuple[int, int, int], list[str]]) -> None:
        self.texts = texts
        self.gated = 0
        self.read_count = 0

    def _lines(self, image: Image.Image) -> list[str]:
        mean = np.asarray(image.convert("RGB"), dtype=np.float32).reshape(-1, 3).mean(axis=0)
        for color, lines in self.texts.items():
            if np.abs(mean - np.asarray(color)).max() <= 12:
                return lines
        return []

    def has_text(self, image: Image.Image) -> bool:
        self.gated += 1
        return bool(self._lines(image))

    def read(self, image: Image.Image, max_edge: int = 1600) -> list[FakeLine]:
        self.read_count += 1
        lines = self._lines(image)
        return [FakeLine(t, (0.1, 0.1 + 0.1 * i, 0.9, 0.18 + 0.1 * i)) for i, t in enumerate(lines)]


def make_pdf(path: Path, pages: list[str], title: str | None = None, author: str | None = None,
             labels: bool = False) -> Path:
    """One page per string, in Helvetica (a core font: no font files needed); a blank line in a string is
    a paragraph gap. ``labels``: the first page is numbered 'i', the others 1, 2, ..."""
    from fpdf import FPDF

    pdf = FPDF()
    if title:
        pdf.set_title(title)
    if author:
        pdf.set_author(author)
    pdf.set_font("Helvetica", size=11)
    for i, text in enumerate(pages):
        pdf.add_page()
        if labels and i < 2:
            pdf.set_page_label("r" if i == 0 else "D", label_start=1)
        for para in text.split("\n\n"):
            pdf.multi_cell(0, 5, para)
            pdf.ln(6)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


def make_note(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def make_wav(path: Path, seconds: float = 2.0, transcript: str | None = None, freq: float = 440.0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    rate = 16000
    t = np.arange(int(seconds * rate)) / rate
    samples = (0.3 * np.sin(2 * np.pi * freq * t) * 32767).astype(np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())
    if transcript is not None:
        Path(str(path) + ".transcript").write_text(transcript)
    return path


@pytest.fixture
def encoders() -> FakeEncoders:
    return FakeEncoders()


@pytest.fixture
def library(tmp_path: Path, encoders: FakeEncoders) -> Iterator[Library]:
    lib = Library.open(tmp_path / "data", encoders=encoders)
    yield lib
    lib.close()
