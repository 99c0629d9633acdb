"""The vector index: fused vectors keyed by chunk id, kept in a usearch ``Index``.

One file per catalog generation, ``vectors.<models>.g<generation>.usearch``: usearch's own format, the
float16 vectors and their HNSW graph together. It is a cache of what the catalog stores:

* **Start-up** memory-maps the file (``Index.restore(view=True)``): nothing is read whole, so the first
  answer at 10^6 vectors does not wait for 1.8 GB to load; pages come in as searches touch them.
* **Search** is exact (usearch's SIMD brute force over the stored vectors) up to ``EXACT_SEARCH_MAX``
  vectors and walks the HNSW graph above. The graph is always there: the process that writes builds it
  as vectors arrive (``add``), and saves it with them, so no query ever waits for a graph build.
* **The writer** (the index run) turns the mapped index into an in-memory one on its first change
  (``_writable``: a read of the file, no rebuild), adds and removes there, and saves at the end.
  A run that changes nothing never loads it.
* **A follower** (the app, while its indexing process runs) never loads or rebuilds the graph: what it
  catches up with from the catalog goes into a small flat matrix beside the mapped file (``_Flat``),
  searched exactly, and the keys it replaced or removed are hidden in the file's answers. ``open``
  maps the new file the indexing process saved and drops both.
* **Trust.** A file is used only if its name carries the catalog's current vector generation (bumped in
  the same transaction as any chunk change) and the ids of the models whose vectors it holds, and if
  its size and CRC-32 are those the catalog recorded when it was saved. Files up to
  ``VERIFY_INLINE_MAX`` bytes are checked before use; a larger one is checked by a background thread
  while it already answers (reading 1.8 GB takes seconds), and replaced by a rebuild from the catalog
  if it fails. Anything else is rebuilt from the catalog into the flat part (exact search, no graph);
  the next save builds the graph in the process saving.
* **Saves are atomic** (temp file, fsync, ``os.replace``): a crash or kill -9 leaves the old file or
  the new one, never a torn one. Removed vectors stay in usearch's file as tombstones until they are
  as many as the live ones; then the save writes a compacted index.
"""

from __future__ import annotations

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
VERIFY_INLINE_MAX = 64 << 20  # bytes of index file checked before use (about 35k vectors, < 0.1 s)
CHECKSUM_SETTING = "vectors_checksum"  # "<generation>:<size>:<crc32>" of the file the last saver wrote
SUFFIX = "usearch"
# HNSW parameters (bench/search.py, bench/million.py): expansion_add 64 builds 3.7x faster than 128
CONNECTIVITY, EXPANSION_ADD, EXPANSION_SEARCH = 16, 64, 128


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
        self._opened = 0  # bumped by every open/rebuild: a background check of an older file gives up
        self._clear()

    def _clear(self) -> None:
        self._base: Index | None = None  # the mapped file (read-only) or, in a writer, the in-memory index
        self._mapped = False  # _base is the file, mapped: it cannot change
        self._base_count = 0  # live vectors in _base
        self._flat = _Flat(self.ndim)
        self._hidden: set[int] = set()  # keys of the mapped file replaced or removed since

    def _new_index(self) -> Index:
        return Index(ndim=self.ndim, metric="ip", dtype="f16", connectivity=CONNECTIVITY,
                     expansion_add=EXPANSION_ADD, expansion_search=EXPANSION_SEARCH)

    def __len__(self) -> int:
        return self._base_count - len(self._hidden) + self._flat.n

    @property
    def has_graph(self) -> bool:
        """Every vector is in the usearch index (graph built); False while some wait in the flat part."""
        return self._flat.n == 0

    # -- persistence --------------------------------------------------------------------------------
    def _file_for(self, generation: int) -> Path:
        return self.data_dir / f"vectors.{self._models_tag}.g{generation}.{SUFFIX}"

    def open(self, catalog: Catalog) -> bool:
        """Map the saved index if it is the catalog's, else rebuild from the catalog. True if rebuilt."""
        generation = catalog.generation()
        path = self._file_for(generation)
        if path.exists():
            try:
                size = path.stat().st_size
                recorded = (catalog.get_setting(CHECKSUM_SETTING) or "").split(":")
                if len(recorded) != 3 or recorded[:2] != [str(generation), str(size)]:
                    raise ValueError("it is not the file the catalog recorded for this generation")
                if size <= VERIFY_INLINE_MAX and file_checksum(path) != recorded[2]:
                    raise ValueError("its checksum is not the one recorded")
                view = Index.restore(str(path), view=True)
                if view is None or view.ndim != self.ndim or view.dtype != ScalarKind.F16:
                    raise ValueError("it holds other vectors")
                view.expansion_search = EXPANSION_SEARCH  # not kept in the file: usearch's default is 64
                with self._lock:
                    self._clear()
                    self._opened += 1
                    self._base, self._mapped, self._base_count = view, True, len(view)
                    opened = self._opened
                if size > VERIFY_INLINE_MAX:
                    self._verify_later(path, recorded[2], catalog, opened)
                return False
            except Exception as exc:  # a damaged cache is never fatal: the catalog has everything
                log.warning("vector index %s cannot be used (%s); rebuilding it from the catalog", path.name, exc)
        self.rebuild(catalog)
        return True

    def _verify_later(self, path: Path, crc: str, catalog: Catalog, opened: int) -> None:
        catalog_path, read_only = catalog.path, catalog.read_only

        def check() -> None:
            try:
                if file_checksum(path) == crc:
                    return
            except OSError as exc:
                log.warning("vector index %s could not be checked (%s)", path.name, exc)
                return
            log.warning("vector index %s does not match its checksum; rebuilding it from the catalog", path.name)
            own = Catalog(catalog_path, read_only=read_only)
            try:
                self.rebuild(own, only_if_opened=opened)
            finally:
                own.close()

        threading.Thread(target=check, name="trove-vectors-check", daemon=True).start()

    def rebuild(self, catalog: Catalog, only_if_opened: int | None = None) -> None:
        """Everything from the catalog, into the flat part (searched exactly; the graph is built by the
        next save, in the process saving). ``only_if_opened``: give up if the index was opened again
        since (a background check of a file no longer in use)."""
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
        follows its indexing process this way while it runs), in the flat part: the mapped file is not
        loaded. Best effort: a chunk id reused for new content keeps its old vector until ``open`` maps
        the file that process saves at its end. Returns (added, removed)."""
        ids = catalog.chunk_ids()
        have = self.keys()
        gone = np.setdiff1d(have, ids, assume_unique=True)
        new = np.setdiff1d(ids, have, assume_unique=True)
        with self._lock:
            for key in gone.tolist():
                self._drop(int(key))
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
            base = _keys_of(self._base) if self._base is not None and self._base_count else np.zeros(0, np.uint64)
            if self._hidden:
                base = base[~np.isin(base, np.fromiter(self._hidden, dtype=np.uint64, count=len(self._hidden)))]
            return np.sort(np.concatenate([base, self._flat.keys[: self._flat.n]]))

    def save(self, catalog: Catalog, force: bool = False) -> Path:
        """Write the index for the catalog's current generation (nothing to do if that file exists,
        unless ``force``: after a rebuild the existing file was the damaged one). Builds the graph over
        whatever waits in the flat part first."""
        generation = catalog.generation()
        path = self._file_for(generation)
        if path.exists() and not force:
            return path
        tmp = path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")  # one per writer
        with self._lock:
            index = self._writable()
            if index.stats.nodes > 2 * max(1000, len(index)):  # tombstones outnumber the vectors: compact
                index = self._compacted(index)
                self._base = index
            index.save(str(tmp))
        try:
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o600)
            crc, size = file_checksum(tmp), tmp.stat().st_size
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        catalog.set_setting(CHECKSUM_SETTING, f"{generation}:{size}:{crc}")
        for old in self.data_dir.glob("vectors.*"):
            if old != path and not old.name.endswith(".tmp"):
                old.unlink(missing_ok=True)
        return path

    def save_rebuilt(self, catalog: Catalog) -> bool:
        """After a rebuild: save now if building the graph is quick (up to ``SAVE_REBUILT_MAX`` vectors,
        a few seconds). A larger index answers exactly from the flat part until the next index run
        saves it, so opening a library never waits minutes for a graph. True if saved."""
        if len(self) > SAVE_REBUILT_MAX:
            log.info("%d vectors rebuilt; their graph is built by the next index run", len(self))
            return False
        self.save(catalog, force=True)
        return True

    def _compacted(self, index: Index) -> Index:
        keys = _keys_of(index)
        fresh = self._new_index()
        if len(keys):
            fresh.add(keys, np.asarray(index.get(keys, dtype="f16"), dtype=np.float16))
        log.info("compacted the vector index: %d vectors, %d removed slots dropped", len(keys),
                 index.stats.nodes - len(keys))
        return fresh

    # -- updates ------------------------------------------------------------------------------------
    def _writable(self) -> Index:
        """The in-memory index this process writes to: the mapped file read into memory, with what the
        flat part holds added to its graph (the lock is held)."""
        if self._base is not None and not self._mapped and self._flat.n == 0:
            return self._base
        if self._base is None:
            index = self._new_index()
        elif self._mapped:
            index = self._base.copy()  # vectors and graph into memory: a read, no rebuild
            index.expansion_add, index.expansion_search = EXPANSION_ADD, EXPANSION_SEARCH
            if self._hidden:
                index.remove(np.fromiter(self._hidden, dtype=np.uint64, count=len(self._hidden)))
        else:
            index = self._base
        if self._flat.n:
            keys = self._flat.keys[: self._flat.n]
            present = np.asarray(index.contains(keys), dtype=bool).reshape(-1)
            if present.any():
                index.remove(keys[present])
            index.add(keys, self._flat.mat[: self._flat.n])
        self._base, self._mapped, self._base_count = index, False, len(index)
        self._flat, self._hidden = _Flat(self.ndim), set()
        return index

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
        call to usearch (its graph inserts run on every core)."""
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
        index = self._writable()
        present = np.asarray(index.contains(keys), dtype=bool).reshape(-1)
        if present.any():
            index.remove(keys[present])
        index.add(keys, mat)
        self._base_count = len(index)

    def remove(self, keys: Iterable[int]) -> None:
        with self._lock:
            gone = [int(k) for k in keys]
            if not gone:
                return
            if self._mapped or self._base is None:
                for key in gone:
                    self._drop(key)
                return
            index = self._writable()
            arr = np.array(gone, dtype=np.uint64)
            present = np.asarray(index.contains(arr), dtype=bool).reshape(-1)
            if present.any():
                index.remove(arr[present])
            self._base_count = len(index)

    def _hide(self, key: int) -> None:
        """A key of the mapped file no longer answers from it (the lock is held)."""
        if key not in self._hidden and self._base is not None and self._base_count and self._base.contains(key):
            self._hidden.add(key)

    def _drop(self, key: int) -> None:
        """Remove without loading the mapped file (the lock is held)."""
        self._flat.remove(key)
        if self._mapped:
            self._hide(key)
        elif self._base is not None and self._base.contains(key):
            self._base.remove(key)
            self._base_count = len(self._base)

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
        ``EXACT_SEARCH_MAX`` vectors, the HNSW graph above (the flat part is always exact); ``exact``
        forces one or the other (benchmarks)."""
        with self._lock:
            total = len(self)
            if total == 0 or count <= 0:
                return []
            count = min(count, total)
            found = self._flat.search(query, count)
            if self._base is not None and self._base_count:
                want = min(self._base_count, count + len(self._hidden))
                brute = total <= EXACT_SEARCH_MAX if exact is None else exact
                m = self._base.search(query.astype(np.float16), want, exact=brute)
                found += [(int(k), 1.0 - float(d)) for k, d in zip(m.keys, m.distances, strict=True)
                          if int(k) not in self._hidden]
        found.sort(key=lambda h: -h[1])
        return found[:count]

    def _vectors(self, keys: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """(float32 vectors, which are present) for ``keys``, in order (the lock is held)."""
        out = np.zeros((len(keys), self.ndim), dtype=np.float32)
        ok = np.zeros(len(keys), dtype=bool)
        rest: list[int] = []
        for i, key in enumerate(keys):
            row = self._flat.row.get(key)
            if row is not None:
                out[i], ok[i] = self._flat.mat[row], True
            elif key not in self._hidden:
                rest.append(i)
        if rest and self._base is not None and self._base_count:
            arr = np.array([keys[i] for i in rest], dtype=np.uint64)
            present = np.asarray(self._base.contains(arr), dtype=bool).reshape(-1)
            if present.any():  # usearch's get gives garbage for a missing key: ask only for present ones
                idx = np.array(rest)[present]
                got = self._base.get(arr[present], dtype="f16")
                out[idx] = np.asarray(got, dtype=np.float32).reshape(len(idx), self.ndim)
                ok[idx] = True
        return out, ok

    def score(self, query: np.ndarray, keys: Sequence[int]) -> np.ndarray:
        """Exact scores of ``query`` against the given chunks (for filtered search); -inf where missing."""
        with self._lock:
            mat, ok = self._vectors(list(keys))
        out = mat @ query.astype(np.float32)
        out[~ok] = -np.inf
        return out

    def vector(self, key: int) -> np.ndarray | None:
        with self._lock:
            mat, ok = self._vectors([key])
        return mat[0] if ok[0] else None

