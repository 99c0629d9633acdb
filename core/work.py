"""What passes between the indexing stages: the decode pool's verdict on each file, and what the
encoder stage hands the writer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.catalog import FileRow
from core.types import Chunk, Extracted, FileStat


@dataclass(slots=True)
class Fresh:  # decoded, needs encoding
    extracted: Extracted
    replaces: str | None = None  # path of a vanished file with this content: a move (the old row goes)
    existed: bool = False


@dataclass(slots=True)
class Reuse:  # same content as a file already in the catalog: reuse its chunks
    stat: FileStat
    source: FileRow
    replaces: str | None  # source path when the source is gone (a move), else None (a copy)
    existed: bool


@dataclass(slots=True)
class Touch:  # same path, same content, new mtime
    stat: FileStat
    file_id: int


@dataclass(slots=True)
class Failed:
    path: str
    reason: str
    size_bytes: int | None
    mtime_ns: int | None


@dataclass(slots=True)
class Gone:  # vanished between scan and decode
    path: str


@dataclass(slots=True)
class Write:  # what the encoder stage hands the writer for one file
    stat: FileStat
    content_hash: str
    date_ts: float
    meta: dict[str, Any]
    thumbnail: str | None
    visual_pending: bool
    chunks: list[Chunk]
    replaces: str | None
    counted_as: str  # added | updated | moved


@dataclass(slots=True)
class Amend:  # text read in an indexed photo or scanned pages: its chunks from ``from_ordinal`` and its meta
    file_id: int
    path: str
    content_hash: str  # as read: a file changed since is left alone
    meta: dict[str, Any]
    from_ordinal: int
    chunks: list[Chunk]
