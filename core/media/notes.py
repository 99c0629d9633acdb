"""Notes: decode text (UTF-8, else a legacy encoding), split into passages that fit the encoders."""

from __future__ import annotations

import re

from core.scanner import content_hash
from core.types import Extracted, FileStat, MediaError, Passage

MAX_NOTE_BYTES = 20 * 1024 * 1024
PASSAGE_WORDS = 120
OVERLAP_WORDS = 20
MAX_WORD_CHARS = 50  # a longer run without spaces (a hash, base64, a minified file) is cut: passages stay small
_PARA = re.compile(r"\n\s*\n")


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding). UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252, else Latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace"), "utf-16"
    for enc in ("utf-8", "cp1252"):
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def split_passages(text: str, words_per: int = PASSAGE_WORDS, overlap: int = OVERLAP_WORDS) -> list[str]:
    """Paragraphs packed up to ``words_per`` words; a longer paragraph is cut with ``overlap`` words shared.
    A "word" longer than ``MAX_WORD_CHARS`` counts as several, so no passage exceeds about 6,000 characters
    whatever the text (a 19 MB note without spaces was one 19 MB passage). Line breaks stay (runs of
    spaces do not), so a passage keeps its headings, list items and sentences apart for snippets."""
    passages: list[str] = []
    current: list[str] = []  # words, each followed by its separator below
    seps: list[str] = []

    def flush(words: list[str], after: list[str]) -> None:
        passages.append("".join(w + s for w, s in zip(words, after[:-1], strict=False)) + words[-1])

    for para in _PARA.split(text):
        words: list[str] = []
        after: list[str] = []
        for line in para.split("\n"):
            for w in line.split():
                pieces = [w[i:i + MAX_WORD_CHARS] for i in range(0, len(w), MAX_WORD_CHARS)]
                words.extend(pieces)
                after.extend([" "] * len(pieces))
            if after:
                after[-1] = "\n"
        if not words:
            continue
        if current and len(current) + len(words) > words_per:
            flush(current, seps)
            current, seps = [], []
        if len(words) > words_per:
            step = words_per - overlap
            for i in range(0, len(words), step):
                flush(words[i:i + words_per], after[i:i + words_per])
                if i + words_per >= len(words):
                    break
            continue
        current.extend(words)
        seps.extend(after)
    if current:
        flush(current, seps)
    return passages


def extract_note(stat: FileStat, digest: str | None = None) -> Extracted:
    """A note's passages. An empty note (0 bytes, or only spaces and blank lines) is not an error: it is
    indexed with one empty passage, so its name, folder and date list it like any file, while its words
    (none) match nothing."""
    if stat.size_bytes > MAX_NOTE_BYTES:
        raise MediaError(f"the note is {stat.size_bytes // (1024 * 1024)} MB, over the 20 MB limit for notes")
    with open(stat.path, "rb") as fh:
        data = fh.read()
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise MediaError("this looks like a binary file, not text; rename it if it is not a note")
    text, encoding = decode_text(data)
    passages = split_passages(text)
    return Extracted(
        stat=stat,
        content_hash=digest or content_hash(stat.path, stat.size_bytes),
        passages=[Passage(p) for p in passages] or [Passage("")],
        date_ts=stat.mtime_ns / 1e9,
        meta={"encoding": encoding, "words": len(text.split())},
    )
