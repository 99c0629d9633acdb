"""Read-only look-ups the app needs and ``core.Library`` has no method for yet: a file's thumbnail, its
metadata (EXIF, transcript segments), a chunk's text, and the counts per kind.

Each thread gets its own read-only SQLite connection (WAL readers never block the writer). This belongs in
core as ``Library.file_details(paths)``, ``Library.chunk_text(chunk_id)`` and ``Library.counts()``; until
then it lives here and only reads.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FileDetails:
    path: str
    thumbnail: str | None  # absolute path of the cached thumbnail (photos)
    meta: dict[str, Any] = field(default_factory=dict)
    size_bytes: int = 0


class CatalogReader:
    def __init__(self, data_dir: Path, catalog_path: Path | None = None) -> None:
        self.data_dir = data_dir
        self.catalog_path = catalog_path or data_dir / "catalog.sqlite"
        self._local = threading.local()
        self._lock = threading.Lock()
        self._conns: list[sqlite3.Connection] = []
        self._closed = False

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            with self._lock:
                if self._closed:
                    raise RuntimeError("the catalog reader is closed")
                conn = sqlite3.connect(f"file:{self.catalog_path}?mode=ro", uri=True, timeout=30.0,
                                       check_same_thread=False, isolation_level=None)
                conn.execute("PRAGMA busy_timeout=30000")
                self._conns.append(conn)
            self._local.conn = conn
        return conn

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for conn in self._conns:
                conn.close()
            self._conns.clear()

    def details(self, paths: Iterable[str]) -> dict[str, FileDetails]:
        wanted = list(dict.fromkeys(paths))
        out: dict[str, FileDetails] = {}
        conn = self._conn()
        for i in range(0, len(wanted), 500):
            part = wanted[i:i + 500]
            marks = ",".join("?" * len(part))
            for path, thumb, meta, size in conn.execute(
                    f"SELECT path, thumbnail, meta, size_bytes FROM files WHERE path IN ({marks})", part):
                out[path] = FileDetails(path, str(self.data_dir / thumb) if thumb else None, _json(meta), int(size))
        return out

    def chunk_text(self, chunk_id: int) -> str | None:
        row = self._conn().execute("SELECT text FROM chunks WHERE id=?", (chunk_id,)).fetchone()
        return None if row is None else str(row[0])

    def roots(self) -> list[str]:
        return [str(r[0]) for r in self._conn().execute("SELECT path FROM roots ORDER BY path")]

    def counts(self) -> dict[str, int]:
        return {str(k): int(n) for k, n in self._conn().execute("SELECT kind, COUNT(*) FROM files GROUP BY kind")}

    def failure_count(self) -> int:
        return int(self._conn().execute("SELECT COUNT(*) FROM failures").fetchone()[0])

    def failures(self) -> list[tuple[str, str]]:
        """(path, reason) of every file that could not be indexed."""
        return [(str(p), str(r)) for p, r in self._conn().execute("SELECT path, reason FROM failures ORDER BY path")]


def _json(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        log.warning("unreadable metadata in the catalog: %.80s", text)
        return {}
    return value if isinstance(value, dict) else {}
