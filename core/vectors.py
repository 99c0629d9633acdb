"""The vector index: fused vectors keyed by chunk id, kept in usearch indexes.

Per catalog generation, three usearch files (usearch's own format, float16 vectors with their graph):
``vectors.<models>.g<generation>.usearch`` holds the fused vectors, what is read back and searched
exactly (its own graph is the cheapest usearch builds, and never walked); ``….visual-graph`` and
``….text-graph`` hold each part alone with a real HNSW graph. One graph over the fused vectors found
only 0.70 of the true top 10 at 10^6 synthetic vectors (what a photo shows and its words are two
nearly independent clusterings, a shape HNSW walks badly); a graph per part, walked with that part of
the query, then the pooled candidates scored exactly on the fused vectors, found 0.89 there with 400
candidates per walk and graphs built with ``expansion_add`` 64. Built with 128, and with the walks'
candidates in proportion to the query's weight of each part, it finds 0.99 (``_graph_search``).

* **Start-up** memory-maps the files (``Index.restore(view=True)``): nothing is read whole, so the first
  answer at 10^6 vectors does not wait for gigabytes to load; pages come in as searches touch them.
* **Search** is exact (usearch's SIMD brute force over the fused vectors) up to ``EXACT_SEARCH_MAX``
  vectors and walks the parts' graphs above. The graphs are always there: the process that writes
  builds them as vectors arrive (``add_all``), and saves them with the vectors, so no query ever waits
  for a graph build.
* **The writer** (the index run) turns the mapped indexes into in-memory ones on its first change
  (``_writable``: a read of the files, no rebuild), adds and removes there, and saves at the end.
  A run that changes nothing never loads them.
* **A follower** (the app, while its indexing process runs) never loads them or builds a graph: what it
  catches up with from the catalog goes into a small flat matrix beside the mapped files (``_Flat``),
  searched exactly, and the keys it replaced or removed are hidden in the files' answers. ``open``
  maps the new files the indexing process saved and drops both.
* **Trust.** Files are used only if their names carry the catalog's current vector generation (bumped
  in the same transaction as any chunk change) and the ids of the models whose vectors they hold, and
  if their sizes and CRC-32s are those the catalog recorded when they were saved. Up to
  ``VERIFY_INLINE_MAX`` bytes they are checked before use; larger ones are checked by a background
  thread at the lowest priority while they already answer (reading 4 GB takes seconds, and at a cold
  start it slowed the first search from under a second to 3 s, so it starts ``VERIFY_DELAY_S`` after
  open), and replaced by a rebuild from the catalog if they fail. Anything else is rebuilt from the catalog into the flat part (exact search, no
  graph); the next save builds the graphs in the process saving.
* **Saves are atomic** (temp files, fsync, ``os.replace``, the fused file last; the catalog records the
  checksums after): a crash or kill -9 leaves the old generation's files or the new ones, never torn
  ones. Removed vectors stay in usearch's files as tombstones until they are as many as the live ones;
  then the save writes compacted indexes.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
import warnings
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from usearch.index import Index, MetricKind, ScalarKind
from usearch.index import search as exact_search

from core.catalog import Catalog

log = logging.getLogger(__name__)

EXACT_SEARCH_MAX = 100_000  # up to here brute force is fast enough and exact; above, the HNSW graph
SAVE_REBUILT_MAX = 20_000  # a rebuild of up to this many vectors is saved (graph and all) at once
VERIFY_INLINE_MAX = 64 << 20  # bytes of index files checked before use (about 20k vectors, < 0.1 s)
VERIFY_DELAY_S = 15.0  # larger ones are checked this long after open, at the lowest priority
CHECKSUM_SETTING = "vectors_checksum"  # "<generation>" and ":<size>:<crc32>" of each file the last saver wrote
SUFFIX = "usearch"
# HNSW parameters of the parts' graphs (bench/million.py, at 10^6 synthetic vectors, the text graph alone
# rebuilt from the same vectors): with expansion_add 64 a walk found 0.88 of its part's exact top 400 and
# 16% of the nodes were not found even from their own vector; 128 finds 0.99 (build 1.4x as long, same
# file size). Connectivity 32 instead found 0.96 (files 14% larger); int8 vectors lost recall.
CONNECTIVITY, EXPANSION_ADD, EXPANSION_SEARCH = 16, 128, 128
STORE_CONNECTIVITY = STORE_EXPANSION = 2  # the fused index's own graph: never walked, so the cheapest
# Candidates from the walk of the part the query weighs most, scored exactly; the other part's walk finds
# as many times its relative weight. A text query (visual part 0.2, words 1.0) takes 1,000 from the text
# graph and 200 from the visual one; an image refined by words (1.0, 0.5) 1,000 and 500. At 10^6 an even
# 400/400 held only 0.975 of the fused top 10 of text queries even with exact walks; for images refined
# by words, 667/333 found 0.972, 1,000/500 0.99 (p50 10.4 ms).
GRAPH_CANDIDATES = 1000


MADV_RANDOM, MADV_SEQUENTIAL = 1, 2  # <sys/mman.h>


def map_advice(paths: Iterable[Path], advice: int) -> int:
    """Tell the kernel how this process will read its mappings of ``paths`` (``madvise`` over each range
    /proc/self/maps lists for them); returns how many ranges took it. With ``MADV_RANDOM`` a page fault
    reads that page alone instead of the default read-ahead around it: a graph walk at 10^6 vectors touches
    a few thousand scattered pages, and with the read-ahead the first search after a reboot took 3.0 s of
    reads, 0.44-0.6 s without (bench/million.py's files, this machine's disk). Linux only; 0 elsewhere."""
    import ctypes

    wanted = {os.path.realpath(p) for p in paths}
    try:
        with open("/proc/self/maps") as fh:
            ranges = []
            for line in fh:
                fields = line.rstrip("\n").split(maxsplit=5)
                if len(fields) == 6 and fields[5] in wanted:
                    start, end = (int(x, 16) for x in fields[0].split("-"))
                    ranges.append((start, end))
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:  # not Linux (no /proc, no glibc): the kernel's defaults
        return 0
    libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    done = 0
    for start, end in ranges:
        if libc.madvise(start, end - start, advice) == 0:
            done += 1
    return done


def file_checksum(path: Path) -> str:
    """CRC-32 of a whole file, read in 16 MB pieces (zlib lets go of the GIL for each)."""
    crc = 0
    with open(path, "rb") as fh:
        while piece := fh.read(16 << 20):
            crc = zlib.crc32(piece, crc)
    return f"{crc:08x}"


def fuse(
    visual: np.ndarray | None, textvec: np.ndarray | None, visual_dim: int, text_dim: int
) -> np.ndarray:
    """Concatenate the L2-normalised parts; a missing part is zeros (it then adds nothing to a score)."""
    out = np.zeros(visual_dim + text_dim, dtype=np.float32)
    if visual is not None:
        out[:visual_dim] = _unit(visual)
    if textvec is not None:
        out[visual_dim:] = _unit(textvec)
    return out


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else v


def _keys_of(index: Index) -> np.ndarray:
    with warnings.catch_warnings():  # usearch's __array__ predates numpy 2's copy keyword
        warnings.simplefilter("ignore", DeprecationWarning)
        return np.asarray(index.keys, dtype=np.uint64)


class _Flat:
    """Vectors in a growable float16 matrix, searched exactly: what a follower caught up with, or a
    rebuild from the catalog before a writer has saved its graph."""

    def __init__(self, ndim: int, capacity: int = 256) -> None:
        self.keys = np.zeros(capacity, dtype=np.uint64)
        self.mat = np.zeros((capacity, ndim), dtype=np.float16)
        self.n = 0
        self.row: dict[int, int] = {}

    def put(self, key: int, vec: np.ndarray) -> None:
        row = self.row.get(key)
        if row is None:
            if self.n == len(self.keys):
                self._grow(self.n + 1)
            row, self.n = self.n, self.n + 1
            self.keys[row] = key
            self.row[key] = row
        self.mat[row] = vec

    def put_many(self, keys: np.ndarray, mat: np.ndarray) -> None:
        """New keys only (a rebuild)."""
        if self.n + len(keys) > len(self.keys):
            self._grow(self.n + len(keys))
        self.keys[self.n:self.n + len(keys)] = keys
        self.mat[self.n:self.n + len(keys)] = mat
        self.row.update((int(k), self.n + i) for i, k in enumerate(keys))
        self.n += len(keys)

    def _grow(self, need: int) -> None:
        cap = max(need, 2 * len(self.keys))
        keys = np.zeros(cap, dtype=np.uint64)
        mat = np.zeros((cap, self.mat.shape[1]), dtype=np.float16)
        keys[: self.n], mat[: self.n] = self.keys[: self.n], self.mat[: self.n]
        self.keys, self.mat = keys, mat

    def remove(self, key: int) -> bool:
        row = self.row.pop(key, None)
        if row is None:
            return False
        last = self.n - 1
        if row != last:  # move the last row into the hole
            moved = int(self.keys[last])
            self.keys[row], self.mat[row] = moved, self.mat[last]
            self.row[moved] = row
        self.n = last
        return True

    def search(self, query: np.ndarray, count: int) -> list[tuple[int, float]]:
        if self.n == 0:
            return []
        m = exact_search(self.mat[: self.n], query.astype(np.float16), min(count, self.n), MetricKind.IP,
                         exact=True)
        return [(int(self.keys[int(r)]), 1.0 - float(d)) for r, d in zip(m.keys, m.distances, strict=True)]


PARTS = ("fused", "visual", "text")


class _Store:
    """The three usearch indexes of one generation, keyed alike: the fused vectors (what is kept, read
    back, and searched exactly; its own graph is the cheapest usearch builds and is never walked), and
    each part on its own with a real HNSW graph, walked above ``EXACT_SEARCH_MAX``."""

    def __init__(self, indexes: dict[str, Index], mapped: bool, paths: Sequence[Path] = ()) -> None:
        self.indexes = indexes
        self.mapped = mapped  # the files, mapped read-only
        self.paths = list(paths)  # ...which files

    @classmethod
    def new(cls, ndim: int, visual_dim: int) -> _Store:
        fused = Index(ndim=ndim, metric="ip", dtype="f16", connectivity=STORE_CONNECTIVITY,
                      expansion_add=STORE_EXPANSION, expansion_search=STORE_EXPANSION)
        parts = {name: Index(ndim=dim, metric="ip", dtype="f16", connectivity=CONNECTIVITY,
                             expansion_add=EXPANSION_ADD, expansion_search=EXPANSION_SEARCH)
                 for name, dim in (("visual", visual_dim), ("text", ndim - visual_dim))}
        return cls({"fused": fused, **parts}, mapped=False)

    @classmethod
    def mapped_from(cls, paths: dict[str, Path], ndim: int, visual_dim: int) -> _Store:
        want = {"fused": ndim, "visual": visual_dim, "text": ndim - visual_dim}
        indexes = {}
        for name, path in paths.items():
            view = Index.restore(str(path), view=True)
            if view is None or view.ndim != want[name] or view.dtype != ScalarKind.F16:
                raise ValueError(f"its {name} part holds other vectors")
            if name != "fused":
                view.expansion_search = EXPANSION_SEARCH  # type: ignore[misc]  # not in the file; default 64
            indexes[name] = view
        if len({len(ix) for ix in indexes.values()}) != 1:
            raise ValueError("its parts hold different counts")
        if len(indexes["fused"]) > EXACT_SEARCH_MAX:  # graph walks and candidate lookups: random reads
            map_advice(paths.values(), MADV_RANDOM)
        return cls(indexes, mapped=True, paths=list(paths.values()))

    def copy(self) -> _Store:
        """Into memory (a read of the files, no graph rebuilt)."""
        if self.mapped:  # read through the mapping from start to end: let the kernel read ahead
            map_advice(self.paths, MADV_SEQUENTIAL)
        out = {}
        for name, ix in self.indexes.items():
            c = ix.copy()
            if name != "fused":
                c.expansion_add = EXPANSION_ADD  # type: ignore[misc]  # settable; the stubs say read-only
                c.expansion_search = EXPANSION_SEARCH  # type: ignore[misc]
            out[name] = c
        return _Store(out, mapped=False)

    @property
    def fused(self) -> Index:
        return self.indexes["fused"]

    def __len__(self) -> int:
        return len(self.fused)

    def present(self, keys: np.ndarray) -> np.ndarray:
        return np.asarray(self.fused.contains(keys), dtype=bool).reshape(-1)

    def put(self, keys: np.ndarray, mat: np.ndarray, visual_dim: int) -> None:
        self.remove(keys[self.present(keys)])
        self.fused.add(keys, mat)
        self.indexes["visual"].add(keys, np.ascontiguousarray(mat[:, :visual_dim]))
        self.indexes["text"].add(keys, np.ascontiguousarray(mat[:, visual_dim:]))

    def remove(self, keys: np.ndarray) -> None:
        if len(keys):
            for ix in self.indexes.values():
                ix.remove(keys)

    def get(self, keys: np.ndarray, ndim: int) -> np.ndarray:
        """float32 vectors of keys that are present (usearch gives garbage for a missing one)."""
        return np.asarray(self.fused.get(keys, dtype="f16"), dtype=np.float32).reshape(len(keys), ndim)

    def slots(self) -> int:
        """Vectors plus removed ones still in the files."""
        return int(self.fused.stats.nodes)

    def compacted(self, ndim: int, visual_dim: int) -> _Store:
        keys = _keys_of(self.fused)
        fresh = _Store.new(ndim, visual_dim)
        if len(keys):
            fresh.put(keys, np.asarray(self.fused.get(keys, dtype="f16"), dtype=np.float16), visual_dim)
        log.info("compacted the vector index: %d vectors, %d removed slots dropped", len(keys),
                 self.slots() - len(keys))
        return fresh


class VectorIndex:
    def __init__(self, data_dir: Path, visual_model: str | None, visual_dim: int, text_model: str,
                 text_dim: int) -> None:
        self.data_dir = data_dir
        self.visual_model = visual_model
        self.text_model = text_model
        self.visual_dim = visual_dim
        self.text_dim = text_dim
        self.ndim = visual_dim + text_dim
        self._lock = threading.RLock()  # the writer thread adds while search threads read
        tag = f"{visual_model}|{text_model}|{self.ndim}".encode()
        self._models_tag = hashlib.sha1(tag).hexdigest()[:10]
        self._opened = 0  # bumped by every open/rebuild: a background check of older files gives up
        self._clear()

    def _clear(self) -> None:
        self._base: _Store | None = None  # the mapped files (read-only) or, in a writer, in memory
        self._flat = _Flat(self.ndim)
        self._hidden: set[int] = set()  # keys of the mapped files replaced or removed since
        self._follow_top: int | None = None  # the highest chunk id ``follow`` has seen in the catalog

    @property
    def _mapped(self) -> bool:
        return self._base is not None and self._base.mapped

    @property
    def _base_count(self) -> int:
        return len(self._base) if self._base is not None else 0

    def __len__(self) -> int:
        return self._base_count - len(self._hidden) + self._flat.n

    @property
    def has_graph(self) -> bool:
        """Every vector is in the usearch indexes (graphs built); False while some wait in the flat part."""
        return self._flat.n == 0

    # -- persistence --------------------------------------------------------------------------------
    def _files_for(self, generation: int) -> dict[str, Path]:
        stem = f"vectors.{self._models_tag}.g{generation}"
        return {"fused": self.data_dir / f"{stem}.{SUFFIX}", "visual": self.data_dir / f"{stem}.visual-graph",
                "text": self.data_dir / f"{stem}.text-graph"}

    def open(self, catalog: Catalog) -> bool:
        """Map the saved index if it is the catalog's, else rebuild from the catalog. True if rebuilt."""
        generation = catalog.generation()
        paths = self._files_for(generation)
        if paths["fused"].exists():
            try:
                sizes = {name: path.stat().st_size for name, path in paths.items()}
                recorded = (catalog.get_setting(CHECKSUM_SETTING) or "").split(":")
                if (len(recorded) != 7 or recorded[0] != str(generation)
                        or recorded[1::2] != [str(sizes[name]) for name in PARTS]):
                    raise ValueError("it is not the file the catalog recorded for this generation")
                crcs = dict(zip(PARTS, recorded[2::2], strict=True))
                inline = sum(sizes.values()) <= VERIFY_INLINE_MAX
                if inline and any(file_checksum(paths[name]) != crcs[name] for name in PARTS):
                    raise ValueError("its checksum is not the one recorded")
                store = _Store.mapped_from(paths, self.ndim, self.visual_dim)
                with self._lock:
                    self._clear()
                    self._opened += 1
                    self._base = store
                    opened = self._opened
                if not inline:
                    self._verify_later(paths, crcs, catalog, opened)
                return False
            except Exception as exc:  # a damaged cache is never fatal: the catalog has everything
                log.warning("vector index %s cannot be used (%s); rebuilding it from the catalog",
                            paths["fused"].name, exc)
        self.rebuild(catalog)
        return True

    def _verify_later(self, paths: dict[str, Path], crcs: dict[str, str], catalog: Catalog, opened: int) -> None:
        catalog_path, read_only = catalog.path, catalog.read_only

        def check() -> None:
            try:
                if all(file_checksum(paths[name]) == crcs[name] for name in PARTS):
                    return
            except OSError as exc:
                log.warning("vector index %s could not be checked (%s)", paths["fused"].name, exc)
                return
            log.warning("vector index %s does not match its checksum; rebuilding it from the catalog",
                        paths["fused"].name)
            own = Catalog(catalog_path, read_only=read_only)
            try:
                self.rebuild(own, only_if_opened=opened)
            finally:
                own.close()

        def run() -> None:
            with contextlib.suppress(OSError):  # the lowest CPU priority, and so (CFQ, BFQ) disk priority
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
            check()

        timer = threading.Timer(VERIFY_DELAY_S, run)  # after the first searches, which fault pages in
        timer.name, timer.daemon = "trove-vectors-check", True
        timer.start()

    def rebuild(self, catalog: Catalog, only_if_opened: int | None = None) -> None:
        """Everything from the catalog, into the flat part (searched exactly; the graphs are built by the
        next save, in the process saving). ``only_if_opened``: give up if the index was opened again
        since (a background check of files no longer in use)."""
        flat = _Flat(self.ndim, max(256, catalog.chunk_count()))
        for batch in catalog.iter_vectors():
            keys = np.array([row[0] for row in batch], dtype=np.uint64)
            mat = np.stack([self._fuse_row(v, vm, t, tm) for _k, v, vm, t, tm in batch]).astype(np.float16)
            flat.put_many(keys, mat)
        with self._lock:
            if only_if_opened is not None and only_if_opened != self._opened:
                return
            self._clear()
            self._opened += 1
            self._flat = flat
        log.info("rebuilt the vector index from the catalog: %d vectors", flat.n)

    def follow(self, catalog: Catalog) -> tuple[int, int]:
        """Catch up with chunks another process wrote or deleted since this index was opened (the app
        follows its indexing process this way while it runs), in the flat part: the mapped files are
        not loaded. Best effort: a chunk id reused for new content keeps its old vector until ``open``
        maps the files that process saves at its end. Returns (added, removed).

        While the other process only adds (a library's first index run, the usual case at 10^6 chunks),
        the catalog's chunk count is what this index holds plus the ids above the highest one seen, and
        only those are read: comparing every id took about 0.5 s a catch-up at 10^6, every 2 s. Any other
        count (something removed or replaced) compares every id, as before."""
        new = gone = None
        if self._follow_top is not None:
            total, above = catalog.chunks_above(self._follow_top)
            if total == len(self) + len(above):
                new, gone = above, np.zeros(0, np.uint64)
        if new is None or gone is None:
            ids = catalog.chunk_ids()
            have = self.keys()
            gone = np.setdiff1d(have, ids, assume_unique=True)
            new = np.setdiff1d(ids, have, assume_unique=True)
            self._follow_top = int(ids[-1]) if len(ids) else 0
        if len(new):
            self._follow_top = max(self._follow_top or 0, int(new.max()))
        with self._lock:
            self._drop(gone)
        for key, visual, visual_model, textvec, text_model in catalog.vectors_of(new.tolist()):
            vec = self._fuse_row(visual, visual_model, textvec, text_model).astype(np.float16)
            with self._lock:
                if self._mapped:
                    self._hide(key)
                    self._flat.put(key, vec)
                else:
                    self._put(np.array([key], dtype=np.uint64), vec[None, :])
        return len(new), len(gone)

    def keys(self) -> np.ndarray:
        """Every chunk id held, sorted."""
        with self._lock:
            base = _keys_of(self._base.fused) if self._base is not None and self._base_count else np.zeros(0, np.uint64)
            if self._hidden:
                base = base[~np.isin(base, np.fromiter(self._hidden, dtype=np.uint64, count=len(self._hidden)))]
            return np.sort(np.concatenate([base, self._flat.keys[: self._flat.n]]))

    def save(self, catalog: Catalog, force: bool = False) -> Path:
        """Write the index for the catalog's current generation (nothing to do if its files exist,
        unless ``force``: after a rebuild the existing files were the damaged ones). Builds the graphs
        over whatever waits in the flat part first. Returns the fused file's path."""
        generation = catalog.generation()
        paths = self._files_for(generation)
        if all(p.exists() for p in paths.values()) and not force:
            return paths["fused"]
        suffix = f".{os.getpid()}-{threading.get_ident()}.tmp"  # one per writer
        tmps = {name: path.with_name(path.name + suffix) for name, path in paths.items()}
        try:
            with self._lock:
                store = self._writable()
                if store.slots() > 2 * max(1000, len(store)):  # tombstones outnumber the vectors: compact
                    store = self._base = store.compacted(self.ndim, self.visual_dim)
                for name in PARTS:
                    store.indexes[name].save(str(tmps[name]))
            record = [str(generation)]
            for name in PARTS:
                with open(tmps[name], "rb+") as fh:
                    os.fsync(fh.fileno())
                os.chmod(tmps[name], 0o600)
                record += [str(tmps[name].stat().st_size), file_checksum(tmps[name])]
            for name in ("visual", "text", "fused"):  # the fused file last: it is what open looks for
                os.replace(tmps[name], paths[name])
        finally:
            for tmp in tmps.values():
                tmp.unlink(missing_ok=True)
        catalog.set_setting(CHECKSUM_SETTING, ":".join(record))
        keep = set(paths.values())
        for old in self.data_dir.glob("vectors.*"):
            if old not in keep and not old.name.endswith(".tmp"):
                old.unlink(missing_ok=True)
        return paths["fused"]

    def save_rebuilt(self, catalog: Catalog) -> bool:
        """After a rebuild: save now if building the graphs is quick (up to ``SAVE_REBUILT_MAX`` vectors,
        a few seconds). A larger index answers exactly from the flat part until the next index run
        saves it, so opening a library never waits minutes for a graph. True if saved."""
        if len(self) > SAVE_REBUILT_MAX:
            log.info("%d vectors rebuilt; their graphs are built by the next index run", len(self))
            return False
        self.save(catalog, force=True)
        return True

    # -- updates ------------------------------------------------------------------------------------
    def _writable(self) -> _Store:
        """The in-memory indexes this process writes to: the mapped files read into memory, with what
        the flat part holds added to the graphs (the lock is held)."""
        if self._base is not None and not self._base.mapped and self._flat.n == 0:
            return self._base
        if self._base is None:
            store = _Store.new(self.ndim, self.visual_dim)
        elif self._base.mapped:
            store = self._base.copy()
            if self._hidden:
                store.remove(np.fromiter(self._hidden, dtype=np.uint64, count=len(self._hidden)))
        else:
            store = self._base
        if self._flat.n:
            store.put(self._flat.keys[: self._flat.n].copy(), self._flat.mat[: self._flat.n], self.visual_dim)
        self._base = store
        self._flat, self._hidden = _Flat(self.ndim), set()
        return store

    def _fuse_row(self, visual: np.ndarray | None, visual_model: str | None, textvec: np.ndarray | None,
                  text_model: str | None) -> np.ndarray:
        v = visual if (visual is not None and visual_model == self.visual_model) else None
        t = textvec if (textvec is not None and text_model == self.text_model) else None
        return fuse(v, t, self.visual_dim, self.text_dim)

    def add(self, key: int, visual: np.ndarray | None, visual_model: str | None, textvec: np.ndarray | None,
            text_model: str | None) -> None:
        self.add_all([(key, visual, visual_model, textvec, text_model)])

    def add_all(self, rows: Sequence[tuple[int, np.ndarray | None, str | None, np.ndarray | None, str | None]]) -> None:
        """Add or replace chunks' vectors (key, visual, visual model, text vector, text model), in one
        call to usearch per index (its graph inserts run on every core)."""
        if not rows:
            return
        keys = np.array([r[0] for r in rows], dtype=np.uint64)
        mat = np.stack([self._fuse_row(*r[1:]) for r in rows]).astype(np.float16)
        if len(np.unique(keys)) != len(keys):  # the last vector given for a key wins
            _, last = np.unique(keys[::-1], return_index=True)
            keep = np.sort(len(keys) - 1 - last)
            keys, mat = keys[keep], mat[keep]
        with self._lock:
            self._put(keys, mat)

    def add_many(self, keys: np.ndarray, fused: np.ndarray) -> None:
        """Add already fused vectors under new keys (benchmarks)."""
        with self._lock:
            self._put(np.asarray(keys, dtype=np.uint64), np.asarray(fused).astype(np.float16, copy=False))

    def _put(self, keys: np.ndarray, mat: np.ndarray) -> None:
        self._writable().put(keys, mat, self.visual_dim)

    def remove(self, keys: Iterable[int]) -> None:
        with self._lock:
            self._drop(np.fromiter((int(k) for k in keys), dtype=np.uint64))

    def _hide(self, key: int) -> None:
        """A key of the mapped files no longer answers from them (the lock is held)."""
        if key not in self._hidden and self._base is not None and self._base_count and self._base.fused.contains(key):
            self._hidden.add(key)

    def _drop(self, keys: np.ndarray) -> None:
        """Remove, without loading the mapped files: those keys are hidden instead (the lock is held)."""
        for key in keys.tolist():
            self._flat.remove(key)
            if self._mapped:
                self._hide(key)
        if len(keys) and self._base is not None and not self._mapped:
            self._base.remove(keys[self._base.present(keys)])

    # -- search -------------------------------------------------------------------------------------
    def query_vector(self, visual_q: np.ndarray | None, text_q: np.ndarray | None, visual_weight: float,
                     text_weight: float) -> np.ndarray:
        q = np.zeros(self.ndim, dtype=np.float32)
        if visual_q is not None:
            q[: self.visual_dim] = visual_weight * _unit(visual_q)
        if text_q is not None:
            q[self.visual_dim:] = text_weight * _unit(text_q)
        return q

    def search(self, query: np.ndarray, count: int, exact: bool | None = None) -> list[tuple[int, float]]:
        """Top ``count`` chunks by inner product: (chunk id, score), best first. Exact up to
        ``EXACT_SEARCH_MAX`` vectors, the parts' HNSW graphs above (the flat part is always exact);
        ``exact`` forces one or the other (benchmarks)."""
        with self._lock:
            total = len(self)
            if total == 0 or count <= 0:
                return []
            count = min(count, total)
            found = self._flat.search(query, count)
            if self._base is not None and self._base_count:
                want = min(self._base_count, count + len(self._hidden))
                brute = total <= EXACT_SEARCH_MAX if exact is None else exact
                hits: list[tuple[int, float]]
                if brute:
                    m = self._base.fused.search(query.astype(np.float16), want, exact=True)
                    hits = list(zip(m.keys.tolist(), (1.0 - m.distances).tolist(), strict=True))
                else:
                    hits = self._graph_search(self._base, query, want)
                found += [(int(k), float(s)) for k, s in hits if int(k) not in self._hidden]
        found.sort(key=lambda h: -h[1])
        return found[:count]

    def _graph_search(self, store: _Store, query: np.ndarray, want: int) -> list[tuple[int, float]]:
        """The graphs' answer. A library's fused vectors are a product of two clusterings (what a photo
        shows and its words are nearly independent), and one HNSW graph over the fused vectors found
        only 0.70 of the true top 10 at 10^6 (bench/million.py). Each part has its own graph: each part of
        the query walks its own, the heavier part finding ``GRAPH_CANDIDATES`` and the other as many times its
        relative weight (and each at least ``want``), and the pooled candidates are scored exactly on their
        stored fused vectors. The part that weighs more decides more of the fused score, so more of the true
        top lies deep in its walk: an even split held 0.975 of the top 10 at 10^6 with exact walks."""
        d = self.visual_dim
        parts = (("visual", query[:d]), ("text", query[d:]))
        weights = [float(np.linalg.norm(part)) for _name, part in parts]  # the query's weight of each part
        pools = []
        for (name, part), weight in zip(parts, weights, strict=True):
            if weight > 0:
                share = round(GRAPH_CANDIDATES * weight / max(weights))
                k = min(len(store), max(want, share))
                m = store.indexes[name].search(part.astype(np.float16), k)
                pools.append(np.asarray(m.keys, dtype=np.uint64))
        if not pools:
            return []
        keys = np.unique(np.concatenate(pools))
        keys = keys[store.present(keys)]
        if not len(keys):
            return []
        scores = store.get(keys, self.ndim) @ query.astype(np.float32)
        order = np.argsort(-scores)[:want]
        return list(zip(keys[order].tolist(), scores[order].tolist(), strict=True))

    def vectors(self, keys: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """(float32 vectors, which are present) for ``keys``, in order, in one lookup."""
        keys = list(keys)
        out = np.zeros((len(keys), self.ndim), dtype=np.float32)
        ok = np.zeros(len(keys), dtype=bool)
        rest: list[int] = []
        with self._lock:
            for i, key in enumerate(keys):
                row = self._flat.row.get(key)
                if row is not None:
                    out[i], ok[i] = self._flat.mat[row], True
                elif key not in self._hidden:
                    rest.append(i)
            if rest and self._base is not None and self._base_count:
                arr = np.array([keys[i] for i in rest], dtype=np.uint64)
                present = self._base.present(arr)
                if present.any():  # usearch's get gives garbage for a missing key: ask only for present ones
                    idx = np.array(rest)[present]
                    out[idx] = self._base.get(arr[present], self.ndim)
                    ok[idx] = True
        return out, ok

    def score(self, query: np.ndarray, keys: Sequence[int]) -> np.ndarray:
        """Exact scores of ``query`` against the given chunks (for filtered search); -inf where missing."""
        mat, ok = self.vectors(keys)
        out = mat @ query.astype(np.float32)
        out[~ok] = -np.inf
        return out

    def vector(self, key: int) -> np.ndarray | None:
        mat, ok = self.vectors([key])
        return mat[0] if ok[0] else None
