"""Recordings: identity here; transcription happens in the encoder stage, where the model lives.
Timed segments become overlapping windows: each a passage with ``start_s``/``end_s``."""

from __future__ import annotations

from core.encoders import Segment
from core.scanner import content_hash
from core.types import Extracted, FileStat, Passage

WINDOW_WORDS = 40
WINDOW_S = 25.0


def extract_recording(stat: FileStat, digest: str | None = None) -> Extracted:
    """A recording to transcribe in the encoder stage. An empty file (0 bytes) is not an error and has
    nothing to transcribe: it is indexed as a recording with no speech, like a silent one (one empty
    passage, no segments)."""
    if stat.size_bytes == 0:
        return Extracted(stat=stat, content_hash=digest or content_hash(stat.path, 0), passages=[Passage("", 0.0, 0.0)],
                         date_ts=stat.mtime_ns / 1e9, meta={"duration_s": 0.0, "segments": []})
    return Extracted(
        stat=stat,
        content_hash=digest or content_hash(stat.path, stat.size_bytes),
        passages=[],
        date_ts=stat.mtime_ns / 1e9,
        audio_path=stat.path,
    )


def windows(segments: list[Segment], max_words: int = WINDOW_WORDS, max_s: float = WINDOW_S) -> list[Passage]:
    """Group consecutive segments into windows of at most ``max_words`` words or ``max_s`` seconds; each
    window after the first starts with the previous window's last segment, so a sentence that straddles
    two windows is whole in one of them."""
    out: list[Passage] = []
    i = 0
    while i < len(segments):
        j, words = i, 0
        while j < len(segments):
            n = len(segments[j].text.split())
            if j > i and (words + n > max_words or segments[j].end_s - segments[i].start_s > max_s):
                break
            words += n
            j += 1
        group = segments[i:j]
        out.append(Passage(" ".join(s.text for s in group), group[0].start_s, group[-1].end_s))
        if j >= len(segments):
            break
        i = j - 1 if j - 1 > i else j
    return out
