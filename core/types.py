"""Typed records that cross module boundaries: what the scanner finds, what extractors produce, what
search returns. Units are in the names (``start_s``, ``size_bytes``)."""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy only types fields here; importing it costs the CLI's owner client 90 ms
    import numpy as np


class Kind(StrEnum):
    PHOTO = "photo"
    NOTE = "note"
    RECORDING = "recording"
    DOCUMENT = "document"  # PDF, Word, OpenDocument, HTML, EPUB, RTF: pages and formatting, unlike notes


PHOTO_EXTS = frozenset({".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".heic", ".heif"})
NOTE_EXTS = frozenset({".txt", ".md", ".markdown"})
RECORDING_EXTS = frozenset({".wav", ".mp3", ".m4a", ".ogg", ".opus", ".flac"})
DOCUMENT_EXTS = frozenset({".pdf", ".docx", ".odt", ".html", ".htm", ".xhtml", ".epub", ".rtf"})


def kind_of(path: str) -> Kind | None:
    dot = path.rfind(".")
    if dot < 0:
        return None
    ext = path[dot:].lower()
    if ext in PHOTO_EXTS:
        return Kind.PHOTO
    if ext in NOTE_EXTS:
        return Kind.NOTE
    if ext in RECORDING_EXTS:
        return Kind.RECORDING
    if ext in DOCUMENT_EXTS:
        return Kind.DOCUMENT
    return None


def place_words(text: str) -> str:
    """A place's names as the place filter compares them: lower case, words separated by one space
    ("Sintra, Lisbon, Portugal" -> "sintra lisbon portugal")."""
    return " ".join(re.findall(r"\w+", text.lower()))


def is_inside(path: str, folder: str) -> bool:
    """``path`` is ``folder`` or lies under it (absolute, normalised paths; no file-system access)."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def clock(seconds: float) -> str:
    """A time in a recording as people write it: 0:42, 12:05, 1:02:03."""
    s = int(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


class TroveError(Exception):
    """Something the person can act on. The message is one line that names what is wrong and what to do;
    front ends show it as it is (the CLI: ``trove: MESSAGE``, exit code ``exit_code``), never a traceback.
    Anything else that escapes is a bug."""

    exit_code = 2  # the person's input or set-up; 1 for a fault of the machine or of Trove


class MediaError(TroveError):
    """Something about a file itself (corrupt, unreadable, too large, not what its name says). While
    indexing it is recorded and the run goes on; as a query it is the answer. The path is added by the
    caller where the message does not name it."""


class ModelMissing(TroveError):
    """A model the request needs has no weights here (CLIP, for searching by image)."""


class ModelError(TroveError):
    """A model file that cannot be used (wrong architecture, not a checkpoint), or one that could not be
    fetched."""


class PathNotFound(TroveError):
    """A file or folder the person named does not exist."""


class NotIndexed(TroveError):
    """A file the request names is not in the library's index."""


class LibraryBusy(TroveError):
    """Another process is indexing this library now."""


class LibraryReadOnly(TroveError):
    """The data folder cannot be written (read-only media): it can be searched, not indexed or changed."""


class LibraryDamaged(TroveError):
    """The data folder cannot be used as it is (written by a newer Trove, unreadable)."""

    exit_code = 1


class IndexingStopped(TroveError):
    """An index run ended without finishing (its process crashed or was killed); what it indexed up to
    then is kept."""

    exit_code = 1


@dataclass(frozen=True, slots=True)
class FileStat:
    path: str
    kind: Kind
    size_bytes: int
    mtime_ns: int
    root: str = ""  # the library folder it was found under: its name words start below it


@dataclass(slots=True)
class Passage:
    """One searchable piece of a file: a photo's description, a note passage, a transcript window."""

    text: str
    start_s: float | None = None
    end_s: float | None = None


@dataclass(slots=True)
class Extracted:
    """What the decode stage hands to the encoder stage for one file."""

    stat: FileStat
    content_hash: str
    passages: list[Passage]
    date_ts: float  # when a photo was taken (EXIF) else file mtime, seconds since the epoch
    meta: dict[str, Any] = field(default_factory=dict)
    pixels: Any = None  # photo, preprocessed for the image encoder: (3, H, W) float32 numpy, or a tensor on the GPU
    thumbnail_jpeg: bytes | None = None
    audio_path: str | None = None  # recordings are transcribed in the encoder stage
    jpeg: bytes | None = None  # a photo the GPU decodes (core.media.gpu_photos): the file's bytes
    orientation: int = 1  # ...and its EXIF orientation, applied there


@dataclass(slots=True)
class Chunk:
    """A passage with its vectors, ready for the writer."""

    ordinal: int
    text: str
    start_s: float | None
    end_s: float | None
    visual: np.ndarray | None  # L2-normalised, or None when no visual model is available
    visual_model: str | None
    textvec: np.ndarray | None
    text_model: str | None


@dataclass(slots=True)
class Encoded:
    extracted: Extracted
    chunks: list[Chunk]
    visual_pending: bool = False


@dataclass(frozen=True, slots=True)
class SearchResult:
    """One file in a result list. ``matched`` is False when it is listed only because it passes a filter;
    ``strength`` ("weak" | "good" | "strong", None when not matched) is the word a front end shows, never
    ``score`` (1 at the weak cut-off, 2 good, 3 strong; see core.search). ``snippet`` is the best sentence
    of the matched ``passage`` (for a recording, its best segment, whose times are ``start_s``/``end_s``;
    the whole window is ``window_start_s``/``window_end_s``); ``marks`` are the query words' spans in it."""

    path: str
    kind: Kind
    score: float
    why: str
    snippet: str
    start_s: float | None = None
    end_s: float | None = None
    chunk_id: int = 0
    date_ts: float | None = None
    matched: bool = True
    strength: str | None = None
    marks: tuple[tuple[int, int], ...] = ()
    passage: str = ""
    window_start_s: float | None = None
    window_end_s: float | None = None
    location: str | None = None  # where in the file: "page 12", a chapter or heading (documents); "text in the photo"
    place: str | None = None  # where a photo was taken: "Sintra, Lisbon, Portugal"

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": str(self.kind),
            "matched": self.matched,
            "strength": self.strength,
            "score": round(self.score, 4),
            "why": self.why,
            "snippet": self.snippet,
            "marks": [list(m) for m in self.marks],
            "start_s": self.start_s,
            "end_s": self.end_s,
            "window_start_s": self.window_start_s,
            "window_end_s": self.window_end_s,
            "passage": self.passage,
            "location": self.location,
            "place": self.place,
        }


@dataclass(frozen=True, slots=True)
class FileDetails:
    """What a front end shows about an indexed file beyond its search result."""

    path: str
    thumbnail: str | None  # absolute path of the cached thumbnail (photos)
    meta: dict[str, Any] = field(default_factory=dict)  # EXIF, size, transcript "segments", ...
    size_bytes: int = 0


@dataclass(frozen=True, slots=True)
class Progress:
    """Numbers, never text to parse: what the CLI bar and the app's status bar show."""

    phase: str  # "scanning" | "indexing" | "saving" | "preparing" (the query models, once) | "done"
    done: int
    total: int
    rate_per_s: float
    eta_s: float | None
    device: str
    current: str = ""


@dataclass(frozen=True, slots=True)
class Segment:
    start_s: float
    end_s: float
    text: str

    def within(self, start_s: float | None, end_s: float | None) -> bool:
        """This segment lies inside ``start_s``..``end_s`` (to within the rounding of stored times)."""
        if start_s is None:
            return False
        end = end_s if end_s is not None else start_s
        return self.start_s >= start_s - 0.05 and self.end_s <= end + 0.05


def segments_of(meta: dict[str, Any]) -> list[Segment]:
    """A recording's transcript segments from its metadata (``[[start_s, end_s, text], ...]``); malformed
    entries are skipped."""
    out = []
    for seg in meta.get("segments") or []:
        try:
            start, end, text = seg
            out.append(Segment(float(start), float(end), str(text).strip()))
        except (TypeError, ValueError):
            continue
    return out


@dataclass(slots=True)
class Query:
    text: str | None = None
    image_path: str | None = None
    voice_path: str | None = None
    like_path: str | None = None
    kind: Kind | None = None
    folder: str | None = None
    after: date | None = None
    before: date | None = None
    limit: int = 20
    transcript: str | None = None  # filled in for voice queries
    near: str | None = None  # photos taken at a place whose name holds this ("Lisbon", "Norway")

    @property
    def filtered(self) -> bool:
        return any(x is not None for x in (self.kind, self.folder, self.after, self.before, self.near))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Query:
        """The inverse of ``to_json`` (the CLI sends queries to the library's owner this way)."""
        def day(text: str | None) -> date | None:
            return date.fromisoformat(text) if text else None

        return cls(text=data.get("text"), image_path=data.get("image"), voice_path=data.get("voice"),
                   like_path=data.get("like"), kind=Kind(data["kind"]) if data.get("kind") else None,
                   folder=data.get("in"), after=day(data.get("after")), before=day(data.get("before")),
                   limit=int(data.get("limit") or 20), transcript=data.get("transcript"), near=data.get("near"))

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text, "image": self.image_path, "voice": self.voice_path, "like": self.like_path,
            "kind": str(self.kind) if self.kind else None, "in": self.folder,
            "after": self.after.isoformat() if self.after else None,
            "before": self.before.isoformat() if self.before else None,
            "limit": self.limit, "transcript": self.transcript, "near": self.near,
        }


@dataclass(frozen=True, slots=True)
class Settings:
    """What the person chose for a library, saved in its catalog and read as one."""

    excludes: tuple[str, ...] = ()  # name patterns skipped beyond the built-in ones (hidden files, caches)
    device: str = "auto"  # "auto" | "cpu" | "gpu" (cuda or mps); $TROVE_DEVICE overrides it for a run
    follow_links_out: bool = False  # follow links whose target lies outside every library folder
    read_text: bool = True  # read the text in photos and scanned pages (OCR), after the first pass


@dataclass(slots=True)
class IndexSummary:
    added: int = 0
    updated: int = 0
    moved: int = 0
    removed: int = 0
    unchanged: int = 0
    failed: int = 0
    with_text: int = 0  # photos and scanned documents in which the reading pass found text
    seconds: float = 0.0
    device: str = "cpu"
    cancelled: bool = False

    def to_json(self) -> dict[str, Any]:
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in
                ((f, getattr(self, f)) for f in self.__slots__)}


class PauseSwitch:
    """Pause for an index run: ``set()`` pauses, ``clear()`` resumes (the Event interface), and a paused
    run blocks in ``wait_until_resumed`` instead of polling."""

    def __init__(self) -> None:
        self._running = threading.Event()
        self._running.set()

    def set(self) -> None:
        self._running.clear()

    def clear(self) -> None:
        self._running.set()

    def is_set(self) -> bool:
        return not self._running.is_set()

    def wait_until_resumed(self, timeout_s: float | None = None) -> bool:
        return self._running.wait(timeout_s)
