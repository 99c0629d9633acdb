"""``Library``: the one facade the CLI and the desktop app use. It wires the catalog, the vector index,
the encoders and the model store for one data directory."""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from core.catalog import Catalog, sqlite_code
from core.config import default_data_dir, environment
from core.device import DeviceChoice, confirm_device, cpu_threads, probe_device
from core.encoders import Encoders, return_memory
from core.encoders.query import QueryEncoders
from core.indexer import Indexer, IndexSummary, ProgressFn
from core.lock import index_lock
from core.models import CLIP_HOW_TO, ClipWeights, ModelStore
from core.scanner import DEFAULT_EXCLUDES
from core.search import (
    FusionWeights,
    Query,
    QueryVectors,
    Searcher,
    encode_query,
    keyword_terms,
    like_vectors,
)
from core.types import (
    FileDetails,
    IndexingStopped,
    LibraryBusy,
    LibraryReadOnly,
    NotIndexed,
    PathNotFound,
    PauseSwitch,
    Progress,
    SearchResult,
    Settings,
    is_inside,
    kind_of,
)
from core.vectors import VectorIndex
from core.worker import ChildIndexer

log = logging.getLogger(__name__)

# What the front ends use from core, besides core.types: this module is their one door.
__all__ = ["DEFAULT_EXCLUDES", "IndexSummary", "IndexingStopped", "Library", "Query", "SearchResponse", "Watching",
           "default_data_dir", "default_encoders", "keyword_terms"]

TEXT_DIM = 384
VOICE_QUERY_MAX_S = 60.0  # a spoken query longer than this is refused with a message


class Watching(Protocol):
    """A running watch of the library's folders (``Library.watch``)."""

    def stop(self) -> None: ...


@dataclass(slots=True)
class SearchResponse:
    query: Query
    results: list[SearchResult]

    def to_json(self) -> dict[str, Any]:
        return {"query": self.query.to_json(), "results": [r.to_json() for r in self.results]}


class Library:
    def __init__(self, data_dir: Path, catalog: Catalog, vectors: VectorIndex, encoders: Encoders,
                 models: ModelStore, clip: ClipWeights, device: DeviceChoice,
                 weights: FusionWeights | None = None, child: ChildIndexer | None = None,
                 default_models: bool = False) -> None:
        self.data_dir = data_dir
        self.catalog = catalog
        self.vectors = vectors
        self.encoders = encoders
        self.models = models
        self.clip = clip
        self._device = device
        self.weights = weights or FusionWeights()
        self._index_lock = threading.Lock()
        self._local = threading.local()  # one catalog connection per searching thread (WAL readers)
        self._readers: list[Catalog] = []
        self._readers_lock = threading.Lock()
        self._roots_lock = threading.Lock()
        self._roots: list[str] | None = catalog.roots()  # read at open; the GUI asks often
        self._settings = _read_settings(catalog)
        self.indexer = Indexer(data_dir, catalog.path, vectors, encoders, self.excludes())
        self.indexer.follow_links_out = self._settings.follow_links_out
        self.indexer.read_text = self._settings.read_text
        self.child = child  # when set, index runs happen in a child process (see core.worker)
        self._default_models = default_models  # the real models (not injected): queries load Whisper alone
        if child is not None:
            child.pause, child.cancel = self.indexer.pause, self.indexer.cancel  # one pause, one cancel
        self.query = self._query_encoders()

    @classmethod
    def open(cls, data_dir: Path | None = None, device: str = "auto", encoders: Encoders | None = None,
             isolated: bool = False) -> Library:
        """Open (or create) the library in ``data_dir``. ``isolated``: index runs happen in a child process
        so this one never loads torch (the app and ``trove watch``; not with injected ``encoders``)."""
        data_dir = (data_dir or default_data_dir()).expanduser().resolve()
        _make_private(data_dir)
        _log_to_file(data_dir / "trove.log")
        catalog = _open_catalog(data_dir / "catalog.sqlite")
        models = ModelStore(data_dir)
        clip = models.clip()
        if device == "auto":  # argument > environment > saved setting > default
            device = environment().device or catalog.get_setting("device") or "auto"
        choice = probe_device(device)
        injected = encoders
        if encoders is None:
            encoders = default_encoders(clip, choice, _query_models_dir(data_dir))
        vectors = VectorIndex(data_dir, encoders.visual_model_id, encoders.visual_dim, encoders.text_model_id,
                              encoders.text_dim)
        if vectors.open(catalog) and not catalog.read_only:
            vectors.save_rebuilt(catalog)
        child = None
        if isolated and injected is None:
            child = ChildIndexer(data_dir, PauseSwitch(), threading.Event(), device)
        return cls(data_dir, catalog, vectors, encoders, models, clip, choice, child=child,
                   default_models=injected is None)

    @classmethod
    def repair(cls, data_dir: Path | None = None, progress: ProgressFn | None = None,
               encoders: Encoders | None = None) -> tuple[Path, IndexSummary]:
        """Rebuild a damaged catalog: move it (and the vector cache) aside into ``damaged-<time>/`` in the
        data folder, keep the library folders it recorded where they can still be read, and index them
        into a new catalog. Thumbnails, imported models and query copies are kept. Returns (where the
        damaged files went, the new index run's summary)."""
        data_dir = (data_dir or default_data_dir()).expanduser().resolve()
        _make_private(data_dir)
        with index_lock(data_dir):
            roots = _readable_roots(data_dir / "catalog.sqlite")
            aside = data_dir / time.strftime("damaged-%Y%m%d-%H%M%S")
            aside.mkdir(mode=0o700)
            for f in [*data_dir.glob("catalog.sqlite*"), *data_dir.glob("vectors.*")]:
                os.replace(f, aside / f.name)
        log.warning("moved the catalog of %s aside to %s; rebuilding it from %d folders", data_dir, aside, len(roots))
        with cls.open(data_dir, encoders=encoders) as lib:
            for root in roots:
                if os.path.exists(root):
                    lib.add_root(root)
                else:
                    log.warning("library folder %s is gone; not added back", root)
            return aside, lib.index(progress=progress)

    def reload_models(self, encoders: Encoders | None = None) -> None:
        """Pick up CLIP weights imported or downloaded since opening, without a restart. Files then wait
        for visual encoding, which the next ``index()`` does; meanwhile the old vectors keep answering."""
        with self._index_lock:
            clip = self.models.clip()
            encoders = encoders or default_encoders(clip, self.device, self.query_models_dir)
            vectors = VectorIndex(self.data_dir, encoders.visual_model_id, encoders.visual_dim,
                                  encoders.text_model_id, encoders.text_dim)
            if vectors.open(self.catalog):
                vectors.save_rebuilt(self.catalog)
            self.clip, self.encoders, self.vectors = clip, encoders, vectors
            self.indexer.encoders, self.indexer.vectors = encoders, vectors  # same pause/cancel events
            self.query = self._query_encoders()

    def _query_encoders(self) -> QueryEncoders:
        speech = None
        if self._default_models:  # no torch for a query: Whisper (CTranslate2) alone, for one query at a time
            def speech() -> Any:
                from core.encoders.speech import WhisperTranscriber

                return WhisperTranscriber(device=self._device.name, max_s=VOICE_QUERY_MAX_S, vad=True)

        return QueryEncoders(self.query_models_dir, self.encoders, speech=speech)

    @property
    def device(self) -> DeviceChoice:
        """The device models run on: as probed at open, or as confirmed once a model has loaded."""
        confirmed = getattr(self.encoders, "confirmed", None)
        return confirmed if isinstance(confirmed, DeviceChoice) else self._device

    @property
    def query_models_dir(self) -> Path:
        return _query_models_dir(self.data_dir)

    def prepare_query_models(self, progress: ProgressFn | None = None) -> None:
        """Write ONNX copies of the query encoders, so queries run without torch (see
        ``core.encoders.onnx_export``). Once per model; the index run calls it. Never fails a run.
        ``progress`` hears a "preparing" phase when there is a copy to write."""
        from core import copies
        from core.encoders import onnx_export as ox

        root = self.query_models_dir
        todo = copies.missing(root, self.encoders.text_model_id, self.encoders.visual_model_id)
        if todo and progress is not None:
            progress(Progress("preparing", 0, 0, 0.0, None, self.encoders.device))
        copies.write(self.encoders, root, todo)
        ox.remove_others(root, [k for k, _kind in ox.query_copy_keys(self.encoders.text_model_id,
                                                                     self.encoders.visual_model_id)])
        if todo:
            self.query = self._query_encoders()

    def _copies_first(self, progress: ProgressFn | None) -> None:
        """Before a first index run on the CPU: write the ONNX copies in a process of their own, so this run
        indexes on onnxruntime and never imports torch (``core.copies``). Only for the default models
        that have not loaded yet; elsewhere the run's end writes them, as ``prepare_query_models`` does."""
        from core import copies

        if (not self._default_models or self.encoders.device != "cpu"
                or any(self.encoders.loaded(n) for n in ("text", "image"))):
            return
        root = self.query_models_dir
        if not copies.missing(root, self.encoders.text_model_id, self.encoders.visual_model_id):
            return
        if progress is not None:
            progress(Progress("preparing", 0, 0, 0.0, None, self.encoders.device))
        copies.write_in_child(self.data_dir, root, self.indexer.cancel, self.indexer.pause)

    def release_image_model(self) -> None:
        """Let go of CLIP's visual tower for queries (the app calls this a while after an image query)."""
        if self.query.release_image():
            return_memory()

    def release_models(self) -> None:
        """Let go of every loaded model: an idle app or watcher keeps none (they load again when needed)."""
        self.encoders.release()
        self.query = self._query_encoders()
        return_memory()

    def close(self) -> None:
        with self._readers_lock:
            for reader in self._readers:
                reader.close()
            self._readers.clear()
        self.catalog.close()

    def _reader(self) -> Catalog:
        """This thread's own connection: searches may run on several threads at once (the app)."""
        reader: Catalog | None = getattr(self._local, "catalog", None)
        if reader is None:
            reader = Catalog(self.catalog.path, self.catalog.read_only)
            with self._readers_lock:
                self._readers.append(reader)
            self._local.catalog = reader
        return reader

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- configuration ------------------------------------------------------------------------------
    def roots(self) -> list[str]:
        """The library folders, sorted. Kept in memory (read at open, changed only through this object),
        so the app's GUI thread may ask without touching SQLite."""
        with self._roots_lock:
            if self._roots is None:
                self._roots = self._reader().roots()
            return list(self._roots)

    def _writable(self) -> None:
        if self.catalog.read_only:
            raise LibraryReadOnly(f"{self.data_dir} cannot be written (read-only?): it can be searched, but not "
                                  "indexed or changed; copy it somewhere writable to do that")

    def add_root(self, path: str | Path) -> str:
        self._writable()
        p = Path(path).expanduser()
        if not p.exists():
            raise PathNotFound(f"{p}: no such file or folder; check the path")
        resolved = str(p.resolve())
        with self._roots_lock:
            self.catalog.add_root(resolved)
            self._roots = None
        return resolved

    def remove_root(self, path: str | Path) -> None:
        self._writable()
        resolved = str(Path(path).expanduser().resolve())
        with self._index_lock, index_lock(self.data_dir, wait=True):  # no index run writes now, here or elsewhere
            with self._roots_lock:
                self.catalog.remove_root(resolved)
                self._roots = None
            if _inside_any(resolved, self.roots()):
                return  # still covered by another root
            removed: list[int] = []
            with self.catalog.transaction() as conn:
                for path in self.catalog.files_under(resolved):
                    removed.extend(self.catalog.remove_file(conn, path))
                for path in self.catalog.failures_under(resolved):
                    self.catalog.forget_failure(conn, path)
            self.vectors.remove(removed)
            self.vectors.save(self.catalog)

    def excludes(self) -> tuple[str, ...]:
        """Every name pattern an index run skips: the built-in ones, then the person's."""
        return DEFAULT_EXCLUDES + self.settings().excludes

    def settings(self) -> Settings:
        """What the person chose (read at open, kept in memory like ``roots``)."""
        return self._settings

    def save_settings(self, settings: Settings) -> None:
        """Keep ``settings``; new excludes apply from the next index run, a new device from the next start."""
        self._writable()
        with self._index_lock:  # no index run is writing now
            self.catalog.set_setting("excludes", "\n".join(settings.excludes))
            self.catalog.set_setting("device", settings.device)
            self.catalog.set_setting("follow_links_out", "1" if settings.follow_links_out else "0")
            self.catalog.set_setting("read_text", "1" if settings.read_text else "0")
            self._settings = settings
            self.indexer.excludes = self.excludes()
            self.indexer.follow_links_out = settings.follow_links_out
            self.indexer.read_text = settings.read_text

    # -- pause, resume, cancel (any thread) -----------------------------------------------------------
    @property
    def indexing_paused(self) -> bool:
        return self.indexer.pause.is_set()

    def pause_indexing(self, paused: bool = True) -> None:
        """Pause (or resume) the running index run at its next batch; searching goes on."""
        if paused:
            self.indexer.pause.set()
        else:
            self.indexer.pause.clear()

    def cancel_indexing(self) -> None:
        """Stop the running index run soon; what it wrote is kept, the rest waits for the next run."""
        self.indexer.cancel.set()
        self.indexer.pause.clear()

    def serve(self) -> Watching | None:
        """Own this library: answer `trove search/status/index` from the CLI over the data folder's socket
        (core/owner.py), warm. None if another live owner has it. ``stop()`` the result to end."""
        from core.owner import OwnerServer

        server = OwnerServer(self)
        return server if server.start() else None

    def watch(self, on_update: Callable[[IndexSummary], None] | None = None, quiet_s: float = 1.0) -> Watching:
        """Start keeping the index current as files change (watchdog); ``stop()`` the result to end it."""
        from core.watcher import Watcher

        watcher = Watcher(self, on_update=on_update, quiet_s=quiet_s)
        watcher.start()
        return watcher

    # -- indexing ------------------------------------------------------------------------------------
    def index(self, paths: list[str] | None = None, progress: ProgressFn | None = None,
              retry_failed: bool = False, query_copies: bool = True, wait: bool = False) -> IndexSummary:
        """Bring the index up to date for ``paths`` (default: every root). Paths outside the roots are
        not indexed; use ``add_root`` first. ``query_copies``: write the ONNX query copies if missing
        (benchmarks turn it off to time the indexing alone). Another process indexing the same data
        folder makes this raise ``LibraryBusy``, or with ``wait`` wait for it."""
        self._writable()
        roots = self.roots()
        offline = [r for r in roots if not os.path.isdir(r) and not os.path.isfile(r)]
        for r in offline:
            # An unplugged drive or unmounted share must not wipe what was indexed from it.
            log.warning("library folder %s is not there (unplugged or unmounted?); keeping its files "
                        "in the index until it is back or removed from the library", r)
        roots = [r for r in roots if r not in offline]
        scopes = roots if paths is None else [p for p in (_norm(x) for x in paths) if _inside_any(p, roots)]
        with self._index_lock:
            if self.child is not None:  # the child takes the data folder's lock (and waits for it)
                return self._index_in_child(_outermost(scopes), progress, retry_failed)
            with index_lock(self.data_dir, wait):
                return self._index_here(_outermost(scopes), progress, retry_failed, roots, query_copies)

    def _index_here(self, scopes: list[str], progress: ProgressFn | None, retry_failed: bool, roots: list[str],
                    query_copies: bool) -> IndexSummary:
        held: list[Progress] = []

        def hold_done(p: Progress) -> None:  # "done" only once the query copies are written too
            if p.phase == "done":
                held.append(p)
            elif progress is not None:
                progress(p)

        if query_copies:  # benchmarks time the indexing alone
            self.indexer.cancel.clear()  # a cancel stops the run it was meant for, not this one
            self._copies_first(progress)
            if self.indexer.cancel.is_set():
                return IndexSummary(device=self.encoders.device, cancelled=True)
        summary = self.indexer.run(scopes, hold_done, retry_failed, roots)
        if not summary.cancelled and query_copies:
            self.prepare_query_models(progress)
        if progress is not None:
            for p in held:
                progress(p)
        return summary

    def _index_in_child(self, scopes: list[str], progress: ProgressFn | None, retry_failed: bool) -> IndexSummary:
        assert self.child is not None
        follower = Catalog(self.catalog.path)
        try:
            try:
                result = self.child.run(scopes, progress, retry_failed, lambda: self.vectors.follow(follower))
            finally:
                # What the child saved at its end (or, if it stopped early, what the catalog holds now).
                if self.vectors.open(follower):
                    with contextlib.suppress(LibraryBusy), index_lock(self.data_dir):  # else the runner saves
                        self.vectors.save_rebuilt(follower)
        finally:
            follower.close()
        if self.query.behind():  # the child wrote the ONNX copies: let go of torch's models here
            self.release_models()
        return IndexSummary(**result)

    # -- search --------------------------------------------------------------------------------------
    def search(self, query: Query) -> SearchResponse:
        qv = self.query_vectors(query)
        searcher = Searcher(self._reader(), self.vectors, self.weights,
                            sentences=lambda texts: self.query.sentence.encode(texts),
                            random_clip=self.clip.weights == "random")
        return SearchResponse(query, searcher.search(query, qv))

    def query_vectors(self, q: Query) -> QueryVectors:
        return encode_query(q, self.query, self.weights, self._like_vectors, self.clip_hint)

    def _like_vectors(self, path: str) -> QueryVectors:
        ids = set(self._reader().chunk_ids_of(_norm(path)))
        if not ids:
            raise NotIndexed(f"{_norm(path)} is not in the index; add its folder with `trove index FOLDER` first")
        return like_vectors(ids, self.vectors, kind_of(_norm(path)))

    def clip_hint(self) -> str:
        return f"CLIP weights are missing: photos are searchable by their names and dates only. To add them, {CLIP_HOW_TO}."

    # -- what front ends show (any thread) ------------------------------------------------------------
    def file_details(self, paths: Iterable[str]) -> dict[str, FileDetails]:
        return {f.path: FileDetails(f.path, str(self.data_dir / f.thumbnail) if f.thumbnail else None, f.meta,
                                    f.size_bytes)
                for f in self._reader().file_rows(list(dict.fromkeys(paths)))}

    def read_note(self, path: str, max_chars: int | None = None) -> str:
        """A note's text as the indexer read it (same encoding fallbacks), cut at ``max_chars``."""
        from core.media.notes import decode_text

        with open(path, "rb") as fh:
            text, _encoding = decode_text(fh.read() if max_chars is None else fh.read(4 * max_chars + 4))
        return text if max_chars is None or len(text) <= max_chars else text[:max_chars] + "\n…"

    def chunk_text(self, chunk_id: int) -> str | None:
        return self._reader().chunk_text(chunk_id)

    def counts(self) -> dict[str, int]:
        return self._reader().counts()

    def folders(self) -> list[str]:
        """The folders inside the library folders that hold an indexed file, sorted (not their parents that
        hold none: a front end drawing a tree fills those in). Off the GUI thread: it reads the catalog."""
        roots = self.roots()
        return [f for f in self._reader().folders() if _inside_any(f, roots)]

    def failures(self) -> list[dict[str, str]]:
        return self._reader().failures()

    def failure_count(self) -> int:
        return self._reader().failure_count()

    # -- status --------------------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        return {
            "data_dir": str(self.data_dir),
            "counts": self.catalog.counts(),
            "chunks": self.catalog.chunk_count(),
            "vectors": len(self.vectors),
            "visual_pending": self.catalog.count_visual_pending(),
            "roots": self.roots(),
            "missing_roots": [r for r in self.roots() if not os.path.exists(r)],
            "models": self.models.describe(),
            "device": self.device.description,
            "gpu_unused": self.device.gpu_unused,
            "failed": self.catalog.failures(),
            "hint": None if self.clip.present else self.clip_hint(),
        }


def _query_models_dir(data_dir: Path) -> Path:
    """Where the ONNX copies of the encoders live (queries, and index runs on the CPU, use them)."""
    return data_dir / "models" / "query"


def _readable_roots(path: Path) -> list[str]:
    """The library folders a (possibly damaged) catalog recorded, as far as they can be read."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return [str(r[0]) for r in conn.execute("SELECT path FROM roots")]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        log.warning("cannot read the library folders from %s (%s); add them again with `trove index`", path, exc)
        return []


def _open_catalog(path: Path) -> Catalog:
    """The catalog, writable; or, when its folder cannot be written (read-only media), read-only."""
    try:
        return Catalog(path)
    except sqlite3.OperationalError as exc:
        if sqlite_code(exc) not in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY) or not path.is_file():
            raise
        log.warning("%s cannot be written (%s): opening it read-only; searching works, indexing does not",
                    path.parent, exc)
        return Catalog(path, read_only=True)


def _make_private(data_dir: Path) -> None:
    """The data folder holds the text of notes and transcripts: 0700, and what Trove creates in it 0600,
    whatever the umask (the process's umask becomes 077: everything Trove writes is the person's alone)."""
    os.umask(0o077)
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        os.chmod(data_dir, 0o700)
        for entry in os.scandir(data_dir):  # files an older Trove left readable (the folder guards the rest)
            if entry.is_file(follow_symlinks=False):
                os.chmod(entry.path, 0o600)
    except OSError as exc:  # a data folder we do not own (read-only media): say so, do not stop
        log.warning("cannot make %s private: %s", data_dir, exc)


def _read_settings(catalog: Catalog) -> Settings:
    extra = catalog.get_setting("excludes") or ""
    return Settings(tuple(x.strip() for x in extra.split("\n") if x.strip()), catalog.get_setting("device") or "auto",
                    catalog.get_setting("follow_links_out") == "1", catalog.get_setting("read_text", "1") != "0")


def default_encoders(clip: ClipWeights, device: DeviceChoice | str, copies: Path | None = None) -> Encoders:
    """The real models, each loaded on first use, on the device ``device`` names (a choice, or a
    preference such as "cpu" or "auto") once torch confirms it. ``copies``: the library's ONNX copies
    (``Library.query_models_dir``); on the CPU an encoder whose copies are there runs on onnxruntime
    (``core.encoders.onnx_index``: no torch), any other on torch."""
    choice = device if isinstance(device, DeviceChoice) else probe_device(device)

    def text() -> Any:
        from core.encoders.text import MODEL_ID

        if copies is not None and encoders.device == "cpu":
            from core.encoders.onnx_index import sentence_encoder

            onnx = sentence_encoder(copies, MODEL_ID, cpu_threads())
            if onnx is not None:
                return onnx
        from core.encoders.text import SentenceEncoder

        return SentenceEncoder(encoders.device)

    def image() -> Any:
        if clip.weights is None:
            return None
        assert clip.model_id is not None
        precision = environment().clip_precision
        if copies is not None and encoders.device == "cpu":
            from core.encoders.onnx_index import clip_encoder

            onnx = clip_encoder(copies, clip.model_id, precision, cpu_threads())
            if onnx is not None:
                return onnx
        from core.encoders.clip import ClipEncoder

        return ClipEncoder(clip.arch, clip.weights, clip.model_id, encoders.device, precision)

    def speech() -> Any:
        from core.encoders.speech import WhisperTranscriber

        return WhisperTranscriber(device=encoders.device)

    def reader() -> Any:
        from core.ocr import TextReader

        return TextReader(threads=max(1, min(4, os.cpu_count() or 2)))

    def confirm() -> str:
        confirmed = confirm_device(choice)
        encoders.confirmed = confirmed
        return confirmed.name

    from core.encoders.text import MODEL_ID

    encoders = Encoders(text, image, speech, text_model_id=MODEL_ID, text_dim=TEXT_DIM,
                        visual_model_id=clip.model_id, visual_dim=clip.dim, device=choice.name, prepare=confirm,
                        reader=reader)
    return encoders


def _norm(path: str) -> str:
    return os.path.abspath(os.path.expanduser(path))


def _inside_any(path: str, roots: list[str]) -> bool:
    return any(is_inside(path, r) for r in roots)


def _outermost(scopes: list[str]) -> list[str]:
    out: list[str] = []
    for s in sorted(set(scopes), key=len):
        if not _inside_any(s, out):
            out.append(s)
    return out


_file_handler: logging.Handler | None = None


def _log_to_file(path: Path) -> None:
    global _file_handler
    if _file_handler is not None:
        return
    try:
        _file_handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        return
    _file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    _file_handler.setLevel(logging.INFO)
    logging.getLogger("core").addHandler(_file_handler)
    logging.getLogger("core").setLevel(logging.INFO)
