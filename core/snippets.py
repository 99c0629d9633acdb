"""The part of a passage that answers a query: its sentences (or, in a recording, its timed segments), the
best of them for the query, and the query's words marked in it.

Passages are 120-word note windows and 40-word transcript windows; showing one whole, as results did,
highlights half a packing list. Here a passage is cut into sentences, each sentence is scored by its
sentence-embedding similarity to the query plus the query words it holds, and the best one (with a
neighbour when it is very short) becomes the snippet. Keyword positions come from SQLite FTS5's
``highlight()`` over the stored passage, so they follow the same word forms as the keyword search
(porter stemming, folded accents): "tyres" marks "tyre".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from core.types import Segment

MARK_OPEN, MARK_CLOSE = "\x02", "\x03"  # what Catalog.highlighted puts around matched words
MIN_SNIPPET_WORDS = 8  # a best sentence shorter than this takes its neighbour along
MAX_SNIPPET_CHARS = 320  # a longer sentence is cut around its first marked word
KEYWORD_BONUS = 0.15  # per distinct query word a sentence holds, added to its cosine similarity

# A sentence ends after . ! ? (and closing quotes or brackets) before white space...
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+")
# ...and a line starts a new one when it is a list item or heading, follows a heading, or follows a line
# that ended a sentence or a label ("Action points:"); other line breaks are hard wrapping in a sentence.
_ITEM = re.compile(r"\s*(?:[-*•#>]|\d+[.)](?=\s))")


@dataclass(frozen=True, slots=True)
class Piece:
    """A sentence (or transcript segment) of a passage: its span in the passage text, and its times."""

    start: int
    end: int
    start_s: float | None = None
    end_s: float | None = None


@dataclass(frozen=True, slots=True)
class Snippet:
    text: str
    marks: tuple[tuple[int, int], ...]  # character spans of query words in ``text``
    start_s: float | None = None  # the best segment's times (recordings)
    end_s: float | None = None


def unmark(marked: str) -> tuple[str, list[tuple[int, int]]]:
    """Text with FTS5 highlight markers -> (plain text, marked spans)."""
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    pos, start = 0, -1
    for ch in marked:
        if ch == MARK_OPEN:
            start = pos
        elif ch == MARK_CLOSE:
            if start >= 0:
                spans.append((start, pos))
            start = -1
        else:
            out.append(ch)
            pos += 1
    return "".join(out), spans


def sentences(text: str) -> list[Piece]:
    """The sentences of a passage (list items and headings count as sentences), as spans without their
    surrounding white space."""
    pieces: list[Piece] = []
    block, prev = 0, ""
    pos = 0
    for line in text.split("\n"):
        if pos and (_ITEM.match(line) or prev.lstrip().startswith("#") or prev.rstrip().endswith((".", "!", "?", ":"))):
            _split_block(pieces, text, block, pos - 1)
            block = pos
        prev = line
        pos += len(line) + 1
    _split_block(pieces, text, block, len(text))
    return pieces


def _split_block(pieces: list[Piece], text: str, start: int, end: int) -> None:
    pos = start
    for m in _SENTENCE_END.finditer(text, start, end):
        stop = m.start() + len(m.group(0).rstrip())
        if len(text[pos:stop].split()) > 1 or stop - pos > 4:  # "1." or "e.g." alone is not a sentence
            _add(pieces, text, pos, stop)
            pos = m.end()
    _add(pieces, text, pos, end)


def _add(pieces: list[Piece], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        pieces.append(Piece(start, end))


def segment_pieces(text: str, segments: Sequence[Segment], start_s: float | None,
                   end_s: float | None) -> list[Piece]:
    """The segments of a transcript window as spans of its text (the indexer joined them with spaces); the
    window's sentences when its segments are unknown (metadata from an older index)."""
    if start_s is not None and segments:
        inside = [s for s in segments if s.within(start_s, end_s)]
        pieces, pos = [], 0
        for s in inside:
            at = text.find(s.text, pos)
            if at < 0:
                break
            pieces.append(Piece(at, at + len(s.text), s.start_s, s.end_s))
            pos = at + len(s.text)
        else:
            if pieces:
                return pieces
    return sentences(text)


def best_piece(pieces: Sequence[Piece], text: str, marks: Sequence[tuple[int, int]],
               similarity: Sequence[float] | None) -> int:
    """Index of the piece that best answers the query: its similarity plus ``KEYWORD_BONUS`` for each
    distinct query word in it. Without similarities (a query without words), the piece with most marks,
    else the first."""
    best, best_score = 0, float("-inf")
    for i, p in enumerate(pieces):
        words = {text[a:b].lower() for a, b in marks if a >= p.start and b <= p.end}
        score = (similarity[i] if similarity is not None else 0.0) + KEYWORD_BONUS * len(words)
        if score > best_score + 1e-9:
            best, best_score = i, score
    return best


def snippet_of(text: str, marks: Sequence[tuple[int, int]], pieces: Sequence[Piece], best: int) -> Snippet:
    """The best piece as a snippet: with its neighbour when it is very short, cut around its first mark when
    it is very long, with the marks that fall inside it."""
    if not pieces:
        return Snippet(text[:MAX_SNIPPET_CHARS], tuple(m for m in marks if m[1] <= MAX_SNIPPET_CHARS))
    first = last = best
    while (len(text[pieces[first].start:pieces[last].end].split()) < MIN_SNIPPET_WORDS
           and (first > 0 or last < len(pieces) - 1)):
        if last < len(pieces) - 1:
            last += 1
        else:
            first -= 1
    start, end = pieces[first].start, pieces[last].end
    if end - start > MAX_SNIPPET_CHARS:
        inside = [m for m in marks if m[0] >= start and m[1] <= end]
        focus = inside[0][0] if inside else start
        start = max(start, min(focus - MAX_SNIPPET_CHARS // 3, end - MAX_SNIPPET_CHARS))
        while start > pieces[first].start and not text[start - 1].isspace():
            start -= 1  # do not cut a word
        end = min(end, start + MAX_SNIPPET_CHARS)
        while end < pieces[last].end and not text[end].isspace():
            end += 1
    prefix = "…" if start > pieces[first].start else ""
    suffix = "…" if end < pieces[last].end else ""
    body = text[start:end].replace("\n", " ")  # one line; the same length, so the marks stay put
    shown = tuple((a - start + len(prefix), b - start + len(prefix)) for a, b in marks if a >= start and b <= end)
    return Snippet(prefix + body + suffix, shown, pieces[best].start_s, pieces[best].end_s)
