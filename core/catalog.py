"""The catalog: SQLite (through sqlite-utils) is the source of truth for files, chunks, their vectors,
keywords (FTS5), roots, failures and settings.

Writers: the indexer's writer thread (files, chunks, failures, the vector generation), and ``Library``
for roots and settings while it holds the index lock, so never beside an index run. In the app and
``trove watch`` that run is a child process (core/worker.py), the only writer while it runs. Readers
(search, status, the app) open their own connection; WAL lets them read while a write is open.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import sqlite_utils
from sqlite_utils.db import ForeignKey

from core.lock import exclusive
from core.types import Chunk, Kind, LibraryDamaged, place_words

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1

FTS_TOKENIZER = "porter unicode61 remove_diacritics 2"  # word forms match ("tyres" finds "tyre"), accents fold


# Every table and its columns, declared once: ``create_schema`` makes them, ``_check_schema`` expects them.
COLUMNS: dict[str, dict[str, type]] = {
    "roots": {"path": str, "added_at": float},
    "settings": {"key": str, "value": str},
    "files": {"id": int, "path": str, "kind": str, "size_bytes": int, "mtime_ns": int, "content_hash": str,
              "date_ts": float, "meta": str, "thumbnail": str, "visual_pending": int, "indexed_at": float},
    "chunks": {"id": int, "file_id": int, "ordinal": int, "text": str, "name": str, "start_s": float,
               "end_s": float, "visual": bytes, "visual_model": str, "textvec": bytes, "text_model": str},
    "failures": {"path": str, "reason": str, "size_bytes": int, "mtime_ns": int, "failed_at": float},
}
FTS_COLUMNS = ("text", "name")  # of chunks, in chunks_fts


def create_schema(db: sqlite_utils.Database) -> None:
    """The catalog's tables, through sqlite-utils. Every step is idempotent, so a crash half-way through
    is finished at the next open (the schema version is written last)."""
    db.table("roots").create(COLUMNS["roots"], pk="path", not_null={"added_at"}, if_not_exists=True)
    db.table("settings").create(COLUMNS["settings"], pk="key", not_null={"value"}, if_not_exists=True)
    files = db.table("files")
    files.create(COLUMNS["files"], pk="id",
                 not_null={"path", "kind", "size_bytes", "mtime_ns", "content_hash", "date_ts", "meta",
                           "visual_pending", "indexed_at"},
                 defaults={"meta": "{}", "visual_pending": 0}, if_not_exists=True)
    files.create_index(["path"], index_name="files_path", unique=True, if_not_exists=True)
    files.create_index(["content_hash"], index_name="files_hash", if_not_exists=True)
    files.create_index(["kind", "date_ts"], index_name="files_kind_date", if_not_exists=True)
    chunks = db.table("chunks")
    chunks.create(COLUMNS["chunks"], pk="id", not_null={"file_id", "ordinal", "text", "name"},
                  foreign_keys=[ForeignKey("chunks", "file_id", "files", "id", on_delete="CASCADE")],
                  if_not_exists=True)
    chunks.create_index(["file_id"], index_name="chunks_file", if_not_exists=True)
    chunks.enable_fts(FTS_COLUMNS, fts_version="FTS5", create_triggers=True, tokenize=FTS_TOKENIZER, replace=True)
    db.table("failures").create(COLUMNS["failures"], pk="path", not_null={"reason", "failed_at"},
                                if_not_exists=True)


def to_blob(vec: np.ndarray | None) -> bytes | None:
    return None if vec is None else np.asarray(vec, dtype=np.float16).tobytes()


def from_blob(blob: bytes | None) -> np.ndarray | None:
    return None if blob is None else np.frombuffer(blob, dtype=np.float16).astype(np.float32)


@dataclass(frozen=True, slots=True)
class FileRow:
    id: int
    path: str
    kind: Kind
    size_bytes: int
    mtime_ns: int
    content_hash: str
    visual_pending: bool


@dataclass(frozen=True, slots=True)
class FileInfo:
    """A file's stored details (``thumbnail`` relative to the data folder)."""

    path: str
    thumbnail: str | None
    meta: dict[str, Any]
    size_bytes: int
    date_ts: float
    content_hash: str
    id: int = 0


@dataclass(frozen=True, slots=True)
class FileFilter:
    """What a search keeps: a kind, a folder (absolute), a date range in epoch seconds (after inclusive)."""

    kind: str | None = None
    folder: str | None = None
    after_ts: float | None = None
    before_ts: float | None = None
    place: str | None = None  # words of a place: photos taken there ("lisbon", "new york")

    def sql(self) -> tuple[str, list[Any]]:
        """A WHERE clause over ``files f`` and its parameters."""
        clauses: list[str] = []
        params: list[Any] = []
        if self.kind is not None:
            clauses.append("f.kind = ?")
            params.append(self.kind)
        if self.folder is not None:
            clauses.append("f.path LIKE ? ESCAPE '\\'")
            params.append(_like_prefix(self.folder.rstrip("/") + "/"))
        if self.after_ts is not None:
            clauses.append("f.date_ts >= ?")
            params.append(self.after_ts)
        if self.before_ts is not None:
            clauses.append("f.date_ts < ?")
            params.append(self.before_ts)
        if self.place is not None:  # whole words of the place's names (see core.places.Place.words)
            clauses.append("(' ' || json_extract(f.meta, '$.place_words') || ' ') LIKE ? ESCAPE '\\'")
            params.append("% " + _like_escape(place_words(self.place)) + " %")
        return (" AND ".join(clauses) or "1"), params


@dataclass(frozen=True, slots=True)
class ChunkRow:
    """A passage with its file, as a search result shows it."""

    path: str
    kind: Kind
    date_ts: float
    text: str
    start_s: float | None
    end_s: float | None
    ordinal: int = 0


def sqlite_code(exc: sqlite3.Error) -> int:
    """SQLite's primary result code of an error (``sqlite3.SQLITE_FULL``, ...): errors are told apart by it,
    never by their text."""
    return (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF


def fts_query(terms: list[str]) -> str | None:
    """A safe FTS5 query: each word quoted, OR'ed (the porter tokenizer matches word forms)."""
    return " OR ".join('"' + w.replace('"', '""') + '"' for w in terms) or None


def _json_dict(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        log.warning("unreadable metadata in the catalog: %.80s", text)
        return {}
    return value if isinstance(value, dict) else {}


def connect(path: Path, read_only: bool = False) -> sqlite3.Connection:
    if read_only:  # a data folder on read-only media: no locks, no WAL files to create; search only
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True, check_same_thread=False,
                               isolation_level=None)
        conn.execute("PRAGMA foreign_keys=ON")
        return conn
    conn = sqlite3.connect(str(path), timeout=30.0, check_same_thread=False, isolation_level=None)
    _enter_wal(conn)
    conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across app crashes and kill -9
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def _enter_wal(conn: sqlite3.Connection, wait_s: float = 30.0) -> None:
    """Switch to WAL. A new catalog that other processes are opening at the same moment can answer
    SQLITE_BUSY at once, without the busy handler (the switch takes an exclusive lock that a reader in
    rollback mode blocks): try again for up to ``wait_s`` (seen under load in test_one_writer.py)."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if sqlite_code(exc) != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class Catalog:
    """One connection to the catalog. Make one per thread (see the module docstring for who writes)."""

    def __init__(self, path: Path, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        try:
            self.conn = connect(path, read_only)
        except sqlite3.OperationalError:  # locked, no permission, no space: the machine's doing, said as such
            raise
        except sqlite3.DatabaseError as exc:
            raise LibraryDamaged(f"{path} is not a Trove catalog or is damaged ({exc}); run `trove repair` to move it "
                                 "aside and index the library folders again") from exc
        self.db = sqlite_utils.Database(self.conn)
        self._lock = threading.RLock()
        self._migrate()

    # -- schema -------------------------------------------------------------------------------------
    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise LibraryDamaged(
                f"{self.path} was written by a newer Trove (schema {version} > {SCHEMA_VERSION}); upgrade Trove"
            )
        if version < SCHEMA_VERSION and self.read_only:
            raise LibraryDamaged(f"{self.path} has no catalog this Trove can read, and its folder is read-only")
        if version < SCHEMA_VERSION:
            # Several processes may open a new library at once (three `trove index` runs, the app and the
            # CLI): one creates the schema, the others wait for it and then find it made.
            with self._lock, exclusive(self.path.with_name(self.path.name + ".schema-lock")):
                if self.conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                    create_schema(self.db)
                    self.conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        self._check_schema()

    def _check_schema(self) -> None:
        """Every table and column this version uses is there (sqlite-utils' introspection): a catalog
        that says it is current but is not is reported, not half-used."""
        expected = {**{t: tuple(cols) for t, cols in COLUMNS.items()}, "chunks_fts": FTS_COLUMNS}
        tables = set(self.db.table_names())
        missing = sorted(set(expected) - tables)
        if not missing:
            missing = [f"{table}.{col}" for table, cols in expected.items()
                       for col in cols if col not in self.db.table(table).columns_dict]
        if missing:
            raise LibraryDamaged(f"{self.path} lacks {', '.join(missing[:5])}: it is damaged or not a Trove catalog; "
                                 "run `trove repair` to move it aside and index the library folders again")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()

    # -- settings and roots -------------------------------------------------------------------------
    def get_setting(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM settings WHERE key=?", (key,)).fetchone()
        return default if row is None else str(row[0])

    def set_setting(self, key: str, value: str, conn: sqlite3.Connection | None = None) -> None:
        db = self.db if conn is None or conn is self.conn else sqlite_utils.Database(conn)
        db.table("settings").upsert({"key": key, "value": value}, pk="key")

    def generation(self) -> int:
        return int(self.get_setting("vector_generation", "0") or 0)

    def _bump_generation(self, conn: sqlite3.Connection) -> None:
        conn.execute(
            "INSERT INTO settings(key, value) VALUES ('vector_generation', '1') "
            "ON CONFLICT(key) DO UPDATE SET value=CAST(value AS INTEGER) + 1"
        )

    def roots(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT path FROM roots ORDER BY path")]

    def add_root(self, path: str) -> None:
        with self.transaction() as c:
            c.execute("INSERT OR IGNORE INTO roots(path, added_at) VALUES (?, ?)", (path, time.time()))

    def remove_root(self, path: str) -> None:
        with self.transaction() as c:
            c.execute("DELETE FROM roots WHERE path=?", (path,))

    # -- files --------------------------------------------------------------------------------------
    def files_under(self, prefix: str) -> dict[str, FileRow]:
        """Files whose path is ``prefix`` or lies below it."""
        like = _like_prefix(prefix.rstrip("/") + "/")
        rows = self.conn.execute(
            "SELECT id, path, kind, size_bytes, mtime_ns, content_hash, visual_pending FROM files "
            "WHERE path = ? OR path LIKE ? ESCAPE '\\'",
            (prefix, like),
        )
        return {r[1]: FileRow(r[0], r[1], Kind(r[2]), r[3], r[4], r[5], bool(r[6])) for r in rows}

    def folders(self) -> list[str]:
        """The distinct folders that hold an indexed file, sorted (one scan of ``files``; the folder is the
        path up to its last slash: ``rtrim`` strips every character that is not a slash)."""
        rows = self.conn.execute("SELECT DISTINCT rtrim(path, replace(path, '/', '')) FROM files")
        return sorted({r[0].rstrip("/") or "/" for r in rows})

    def files_by_hash(self, content_hash: str) -> list[FileRow]:
        rows = self.conn.execute(
            "SELECT id, path, kind, size_bytes, mtime_ns, content_hash, visual_pending FROM files "
            "WHERE content_hash=?",
            (content_hash,),
        )
        return [FileRow(r[0], r[1], Kind(r[2]), r[3], r[4], r[5], bool(r[6])) for r in rows]

    def failures_under(self, prefix: str) -> dict[str, tuple[int | None, int | None]]:
        like = _like_prefix(prefix.rstrip("/") + "/")
        rows = self.conn.execute(
            "SELECT path, size_bytes, mtime_ns FROM failures WHERE path = ? OR path LIKE ? ESCAPE '\\'",
            (prefix, like),
        )
        return {r[0]: (r[1], r[2]) for r in rows}

    def failures(self) -> list[dict[str, str]]:
        return [
            {"path": r[0], "reason": r[1]}
            for r in self.conn.execute("SELECT path, reason FROM failures ORDER BY path")
        ]

    def chunks_of(self, file_id: int) -> list[Chunk]:
        rows = self.conn.execute(
            "SELECT ordinal, text, start_s, end_s, visual, visual_model, textvec, text_model FROM chunks "
            "WHERE file_id=? ORDER BY ordinal",
            (file_id,),
        )
        return [Chunk(r[0], r[1], r[2], r[3], from_blob(r[4]), r[5], from_blob(r[6]), r[7]) for r in rows]

    def failure_count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM failures").fetchone()[0])

    def file_rows(self, paths: list[str]) -> Iterator[FileInfo]:
        """What is stored about these files (those in the catalog)."""
        for i in range(0, len(paths), 500):
            part = paths[i:i + 500]
            marks = ",".join("?" * len(part))
            for path, thumb, meta, size, date_ts, content_hash in self.conn.execute(
                    f"SELECT path, thumbnail, meta, size_bytes, date_ts, content_hash FROM files WHERE path IN ({marks})",
                    part):
                yield FileInfo(path, thumb, _json_dict(meta), int(size), float(date_ts), content_hash)

    def file_info(self, file_id: int) -> FileInfo | None:
        row = self.conn.execute("SELECT path, thumbnail, meta, size_bytes, date_ts, content_hash FROM files WHERE id=?",
                                (file_id,)).fetchone()
        return None if row is None else FileInfo(row[0], row[1], _json_dict(row[2]), int(row[3]), float(row[4]), row[5])

    def chunk_text(self, chunk_id: int) -> str | None:
        row = self.conn.execute("SELECT text FROM chunks WHERE id=?", (chunk_id,)).fetchone()
        return None if row is None else str(row[0])

    # -- search ---------------------------------------------------------------------------------------
    def keyword_hits(self, terms: list[str], flt: FileFilter, limit: int = 200) -> list[tuple[int, int, str]]:
        """(chunk id, file id, snippet with the matched words in [brackets]) by BM25, best first."""
        match = fts_query(terms)
        if match is None:
            return []
        where, params = flt.sql()
        return self.conn.execute(
            "SELECT c.id, c.file_id, snippet(chunks_fts, 0, '[', ']', '…', 16) FROM chunks_fts "
            "JOIN chunks c ON c.id = chunks_fts.rowid JOIN files f ON f.id = c.file_id "
            f"WHERE chunks_fts MATCH ? AND {where} ORDER BY bm25(chunks_fts, 1.0, 2.0) LIMIT ?",
            [match, *params, limit]).fetchall()

    def chunks_matching(self, match: str, chunk_ids: list[int]) -> set[int]:
        """Those of ``chunk_ids`` that an FTS5 query matches."""
        out: set[int] = set()
        for i in range(0, len(chunk_ids), 500):
            part = chunk_ids[i:i + 500]
            marks = ",".join("?" * len(part))
            out.update(r[0] for r in self.conn.execute(
                f"SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ? AND rowid IN ({marks})", [match, *part]))
        return out

    def highlighted(self, match: str, chunk_ids: list[int]) -> dict[int, str]:
        """chunk id -> its text with the words ``match`` finds between \\x02 and \\x03 (those it matches)."""
        out: dict[int, str] = {}
        for i in range(0, len(chunk_ids), 500):
            part = chunk_ids[i:i + 500]
            marks = ",".join("?" * len(part))
            out.update(self.conn.execute(
                "SELECT rowid, highlight(chunks_fts, 0, char(2), char(3)) FROM chunks_fts "
                f"WHERE chunks_fts MATCH ? AND rowid IN ({marks})", [match, *part]))
        return out

    def file_kinds(self, file_ids: list[int]) -> dict[int, Kind]:
        out: dict[int, Kind] = {}
        for i in range(0, len(file_ids), 500):
            part = file_ids[i:i + 500]
            marks = ",".join("?" * len(part))
            out.update((fid, Kind(k)) for fid, k in self.conn.execute(
                f"SELECT id, kind FROM files WHERE id IN ({marks})", part))
        return out

    def passage_frequency(self, term: str) -> int:
        """How many passages hold ``term`` (or a form of it)."""
        match = fts_query([term])
        return 0 if match is None else int(self.conn.execute(
            "SELECT COUNT(*) FROM chunks_fts WHERE chunks_fts MATCH ?", (match,)).fetchone()[0])

    def newest_passing(self, flt: FileFilter, limit: int) -> list[tuple[int, int]]:
        """(file id, its first chunk id) of the newest files that pass ``flt``."""
        where, params = flt.sql()
        return self.conn.execute(
            f"SELECT f.id, MIN(c.id) FROM files f JOIN chunks c ON c.file_id=f.id WHERE {where} "
            "GROUP BY f.id ORDER BY f.date_ts DESC LIMIT ?", [*params, limit]).fetchall()

    def chunks_passing(self, flt: FileFilter) -> list[tuple[int, int]]:
        """(chunk id, file id) of every chunk whose file passes ``flt``."""
        where, params = flt.sql()
        return self.conn.execute(
            f"SELECT c.id, c.file_id FROM chunks c JOIN files f ON f.id = c.file_id WHERE {where}", params).fetchall()

    def chunk_owners(self, chunk_ids: list[int]) -> dict[int, int]:
        """chunk id -> file id, for those of ``chunk_ids`` still there."""
        out: dict[int, int] = {}
        for i in range(0, len(chunk_ids), 500):
            part = chunk_ids[i:i + 500]
            marks = ",".join("?" * len(part))
            out.update(self.conn.execute(f"SELECT id, file_id FROM chunks WHERE id IN ({marks})", part))
        return out

    def chunk_row(self, file_id: int, chunk_id: int) -> ChunkRow:
        path, kind, date_ts = self.conn.execute("SELECT path, kind, date_ts FROM files WHERE id=?", (file_id,)).fetchone()
        text, start_s, end_s, ordinal = self.conn.execute(
            "SELECT text, start_s, end_s, ordinal FROM chunks WHERE id=?", (chunk_id,)).fetchone()
        return ChunkRow(path, Kind(kind), float(date_ts), text, start_s, end_s, int(ordinal))

    def photo_text_chunks(self, chunk_ids: list[int]) -> set[int]:
        """Which of these chunks hold text read in a photo (a photo's chunks after its description)."""
        out: set[int] = set()
        for i in range(0, len(chunk_ids), 500):
            part = chunk_ids[i:i + 500]
            marks = ",".join("?" * len(part))
            out.update(r[0] for r in self.conn.execute(
                f"SELECT c.id FROM chunks c JOIN files f ON f.id = c.file_id WHERE c.id IN ({marks}) "
                "AND f.kind = 'photo' AND c.ordinal > 0", part))
        return out

    def unread(self, prefixes: Iterable[str], version: int) -> list[FileInfo]:
        """Photos, and documents with scanned pages, under these folders whose text has not been read (by
        this version of the reading), oldest first: what the reading pass does next."""
        out: list[FileInfo] = []
        for prefix in prefixes:
            for row in self.conn.execute(
                    "SELECT path, thumbnail, meta, size_bytes, date_ts, content_hash, id FROM files "
                    "WHERE (path = ? OR path LIKE ? ESCAPE '\\') AND (kind = 'photo' OR (kind = 'document' AND "
                    "json_extract(meta, '$.scanned_pages') IS NOT NULL)) "
                    "AND IFNULL(json_extract(meta, '$.text_read'), 0) < ? ORDER BY id",
                    (prefix, _like_prefix(prefix.rstrip("/") + "/"), version)):
                out.append(FileInfo(row[0], row[1], _json_dict(row[2]), int(row[3]), float(row[4]), row[5],
                                    int(row[6])))
        return out

    def counts(self) -> dict[str, int]:
        out = {str(k): 0 for k in Kind}
        for kind, n in self.conn.execute("SELECT kind, COUNT(*) FROM files GROUP BY kind"):
            out[kind] = n
        return out

    def files_with_stale_visual(self, visual_model: str) -> set[int]:
        """Files with visual vectors from another model (weights changed): to re-encode."""
        return {r[0] for r in self.conn.execute(
            "SELECT DISTINCT file_id FROM chunks WHERE visual_model IS NOT NULL AND visual_model <> ?",
            (visual_model,))}

    def count_visual_pending(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM files WHERE visual_pending=1").fetchone()[0])

    # -- writes (writer thread only) ---------------------------------------------------------------
    def put_file(
        self,
        conn: sqlite3.Connection,
        *,
        path: str,
        kind: Kind,
        size_bytes: int,
        mtime_ns: int,
        content_hash: str,
        date_ts: float,
        meta: dict[str, Any],
        thumbnail: str | None,
        visual_pending: bool,
        chunks: Iterable[Chunk],
        name: str,
    ) -> tuple[int, list[tuple[int, Chunk]]]:
        """Insert or replace one file and all its chunks; returns the file id and (chunk id, chunk)."""
        old = conn.execute("SELECT id FROM files WHERE path=?", (path,)).fetchone()
        if old is not None:
            conn.execute("DELETE FROM chunks WHERE file_id=?", (old[0],))
            conn.execute(
                "UPDATE files SET kind=?, size_bytes=?, mtime_ns=?, content_hash=?, date_ts=?, meta=?, "
                "thumbnail=?, visual_pending=?, indexed_at=? WHERE id=?",
                (str(kind), size_bytes, mtime_ns, content_hash, date_ts, json.dumps(meta), thumbnail,
                 int(visual_pending), time.time(), old[0]),
            )
            file_id = int(old[0])
        else:
            cur = conn.execute(
                "INSERT INTO files(path, kind, size_bytes, mtime_ns, content_hash, date_ts, meta, thumbnail, "
                "visual_pending, indexed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (path, str(kind), size_bytes, mtime_ns, content_hash, date_ts, json.dumps(meta), thumbnail,
                 int(visual_pending), time.time()),
            )
            file_id = int(cur.lastrowid or 0)
        out = self._insert_chunks(conn, file_id, name, chunks)
        conn.execute("DELETE FROM failures WHERE path=?", (path,))
        self._bump_generation(conn)
        return file_id, out

    def amend_file(self, conn: sqlite3.Connection, file_id: int, content_hash: str, meta: dict[str, Any],
                   from_ordinal: int, chunks: Iterable[Chunk]) -> tuple[list[int], list[tuple[int, Chunk]]] | None:
        """Replace a file's chunks from ``from_ordinal`` on and its metadata (text read in a photo, a scanned
        page), if it still has ``content_hash``; returns (chunk ids removed, (chunk id, chunk) added), or None
        when the file changed or went meanwhile."""
        row = conn.execute("SELECT path, content_hash FROM files WHERE id=?", (file_id,)).fetchone()
        if row is None or row[1] != content_hash:
            return None
        name = conn.execute("SELECT name FROM chunks WHERE file_id=? ORDER BY ordinal LIMIT 1", (file_id,)).fetchone()
        removed = [r[0] for r in conn.execute("SELECT id FROM chunks WHERE file_id=? AND ordinal>=?",
                                              (file_id, from_ordinal))]
        conn.execute("DELETE FROM chunks WHERE file_id=? AND ordinal>=?", (file_id, from_ordinal))
        added = self._insert_chunks(conn, file_id, name[0] if name else "", chunks)
        conn.execute("UPDATE files SET meta=? WHERE id=?", (json.dumps(meta), file_id))
        self._bump_generation(conn)
        return removed, added

    @staticmethod
    def _insert_chunks(conn: sqlite3.Connection, file_id: int, name: str,
                       chunks: Iterable[Chunk]) -> list[tuple[int, Chunk]]:
        out = []
        for ch in chunks:
            cur = conn.execute(
                "INSERT INTO chunks(file_id, ordinal, text, name, start_s, end_s, visual, visual_model, textvec, "
                "text_model) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (file_id, ch.ordinal, ch.text, name, ch.start_s, ch.end_s, to_blob(ch.visual), ch.visual_model,
                 to_blob(ch.textvec), ch.text_model),
            )
            out.append((int(cur.lastrowid or 0), ch))
        return out

    def move_file(self, conn: sqlite3.Connection, file_id: int, new_path: str, mtime_ns: int, name: str) -> None:
        conn.execute("DELETE FROM files WHERE path=? AND id<>?", (new_path, file_id))
        conn.execute("UPDATE files SET path=?, mtime_ns=?, indexed_at=? WHERE id=?",
                     (new_path, mtime_ns, time.time(), file_id))
        conn.execute("UPDATE chunks SET name=? WHERE file_id=?", (name, file_id))
        conn.execute("DELETE FROM failures WHERE path=?", (new_path,))
        self._bump_generation(conn)

    def touch_file(self, conn: sqlite3.Connection, file_id: int, mtime_ns: int) -> None:
        """Same content, new mtime (e.g. a `touch`): nothing to re-encode."""
        conn.execute("UPDATE files SET mtime_ns=? WHERE id=?", (mtime_ns, file_id))

    def remove_file(self, conn: sqlite3.Connection, path: str) -> list[int]:
        row = conn.execute("SELECT id FROM files WHERE path=?", (path,)).fetchone()
        conn.execute("DELETE FROM failures WHERE path=?", (path,))
        if row is None:
            return []
        ids = [r[0] for r in conn.execute("SELECT id FROM chunks WHERE file_id=?", (row[0],))]
        conn.execute("DELETE FROM files WHERE id=?", (row[0],))  # chunks go by ON DELETE CASCADE
        self._bump_generation(conn)
        return ids

    def chunk_ids_of(self, path: str, conn: sqlite3.Connection | None = None) -> list[int]:
        """The chunk ids of the file at ``path``, in order (through ``conn`` inside a write transaction)."""
        return [r[0] for r in (conn or self.conn).execute(
            "SELECT c.id FROM chunks c JOIN files f ON f.id=c.file_id WHERE f.path=? ORDER BY c.ordinal", (path,))]

    def record_failure(
        self, conn: sqlite3.Connection, path: str, reason: str, size_bytes: int | None, mtime_ns: int | None
    ) -> None:
        conn.execute(
            "INSERT INTO failures(path, reason, size_bytes, mtime_ns, failed_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(path) DO UPDATE SET reason=excluded.reason, size_bytes=excluded.size_bytes, "
            "mtime_ns=excluded.mtime_ns, failed_at=excluded.failed_at",
            (path, reason, size_bytes, mtime_ns, time.time()),
        )

    def forget_failure(self, conn: sqlite3.Connection, path: str) -> None:
        conn.execute("DELETE FROM failures WHERE path=?", (path,))

    # -- reads for the vector index ------------------------------------------------------------------
    def iter_vectors(self, batch: int = 4096) -> Iterator[list[tuple[int, np.ndarray | None, str | None,
                                                                       np.ndarray | None, str | None]]]:
        last = 0
        while True:
            rows = self.conn.execute(
                "SELECT id, visual, visual_model, textvec, text_model FROM chunks WHERE id > ? ORDER BY id LIMIT ?",
                (last, batch),
            ).fetchall()
            if not rows:
                return
            yield [(r[0], from_blob(r[1]), r[2], from_blob(r[3]), r[4]) for r in rows]
            last = rows[-1][0]

    def chunks_above(self, chunk_id: int) -> tuple[int, np.ndarray]:
        """(how many chunks there are, the ids above ``chunk_id`` ascending), in one statement, so both come
        from the same state of the catalog (a follower compares the count with what it holds)."""
        total, ids = self.conn.execute(
            "SELECT COUNT(*), (SELECT group_concat(id) FROM (SELECT id FROM chunks WHERE id > ? ORDER BY id)) "
            "FROM chunks", (chunk_id,)).fetchone()
        above = np.array([int(x) for x in ids.split(",")], dtype=np.uint64) if ids else np.zeros(0, np.uint64)
        return int(total), above

    def chunk_ids(self) -> np.ndarray:
        """Every chunk id, ascending."""
        rows = self.conn.execute("SELECT id FROM chunks ORDER BY id").fetchall()
        return np.fromiter((r[0] for r in rows), dtype=np.uint64, count=len(rows))

    def vectors_of(self, ids: Iterable[int], batch: int = 500) -> Iterator[tuple[int, np.ndarray | None, str | None,
                                                                              np.ndarray | None, str | None]]:
        """The stored vectors of these chunks (those still there)."""
        wanted = [int(i) for i in ids]
        for start in range(0, len(wanted), batch):
            part = wanted[start:start + batch]
            marks = ",".join("?" * len(part))
            for r in self.conn.execute(
                    f"SELECT id, visual, visual_model, textvec, text_model FROM chunks WHERE id IN ({marks})", part):
                yield r[0], from_blob(r[1]), r[2], from_blob(r[3]), r[4]

    def chunk_count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like_prefix(prefix: str) -> str:
    return _like_escape(prefix) + "%"
