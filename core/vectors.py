"""The vector index: fused vectors keyed by chunk id, searched with usearch.

Vectors live in a flat float16 matrix. Up to ``EXACT_SEARCH_MAX`` vectors, search is usearch's exact
(brute-force, SIMD) search over that matrix: exact, about 15 ms at 100k on two cores, and adding a
vector costs a row copy. Above it, a usearch HNSW graph is built on first use and kept up to date;
its recall against exact search is measured in bench/search.py.

The index is a cache of what the catalog stores. Its file name carries the catalog's vector
generation (bumped in the same transaction as any chunk change) and the ids of the models whose
vectors it holds; it is loaded only if its keys are exactly the catalog's chunk ids and its CRC-32 is
the one the catalog recorded when it was saved. Anything else is rebuilt from the catalog. Saves are
atomic (temp file, then ``os.replace``): a crash or kill -9 leaves either the old file or the new one,
never a torn one.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from usearch.index import Index, MetricKind
from usearch.index import search as exact_search

from core.catalog import Catalog

log = logging.getLogger(__name__)

EXACT_SEARCH_MAX = 100_000  # up to here brute force is fast enough and exact; above, the HNSW graph
CHECKSUM_SETTING = "vectors_checksum"  # "<generation>:<crc32>" of the cache file the last saver wrote


def _checksum(keys: np.ndarray, mat: np.ndarray) -> str:
    """CRC-32 of the keys and vectors (about 1 GB/s): a cache file is trusted by content, not by counts."""
    return f"{zlib.crc32(np.ascontiguousarray(mat).tobytes(), zlib.crc32(np.ascontiguousarray(keys).tobytes())):08x}"


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
        self._clear()
        tag = f"{visual_model}|{text_model}|{self.ndim}".encode()
        self._models_tag = hashlib.sha1(tag).hexdigest()[:10]

    def _clear(self, capacity: int = 1024) -> None:
        self._keys = np.zeros(capacity, dtype=np.uint64)
        self._mat = np.zeros((capacity, self.ndim), dtype=np.float16)
        self._n = 0
        self._row: dict[int, int] = {}
        self._graph: Index | None = None  # HNSW, only above EXACT_SEARCH_MAX

    def __len__(self) -> int:
        return self._n

    # -- persistence --------------------------------------------------------------------------------
    def _file_for(self, generation: int) -> Path:
        return self.data_dir / f"vectors.{self._models_tag}.g{generation}.npz"

    def open(self, catalog: Catalog) -> bool:
        """Load the saved index if it matches the catalog, else rebuild. Returns True if rebuilt."""
        generation = catalog.generation()
        path = self._file_for(generation)
        if path.exists():
            try:
                with np.load(path) as data:
                    keys, mat = data["keys"].astype(np.uint64), data["vectors"]
                recorded = catalog.get_setting(CHECKSUM_SETTING)
                if (mat.shape[1:] == (self.ndim,) and len(keys) == len(mat)
                        and np.array_equal(np.sort(keys), catalog.chunk_ids())
                        and recorded in (None, f"{generation}:{_checksum(keys, mat)}")):
                    with self._lock:
                        self._load(keys, mat.astype(np.float16, copy=False))
                    return False
                log.warning("vector index %s does not match the catalog; rebuilding it", path.name)
            except Exception as exc:  # a damaged cache is never fatal: the catalog has everything
                log.warning("vector index %s could not be read (%s); rebuilding it", path.name, exc)
        self.rebuild(catalog)
        return True

    def _load(self, keys: np.ndarray, mat: np.ndarray) -> None:
        self._clear(max(1024, len(keys)))
        self._keys[: len(keys)] = keys
        self._mat[: len(keys)] = mat
        self._n = len(keys)
        self._row = {int(k): i for i, k in enumerate(keys)}

    def rebuild(self, catalog: Catalog) -> None:
        keys: list[int] = []
        rows: list[np.ndarray] = []
        for batch in catalog.iter_vectors():
            for key, visual, visual_model, textvec, text_model in batch:
                keys.append(key)
                rows.append(self._fuse_row(visual, visual_model, textvec, text_model).astype(np.float16))
        mat = np.stack(rows) if rows else np.zeros((0, self.ndim), dtype=np.float16)
        with self._lock:
            self._load(np.array(keys, dtype=np.uint64), mat)
        log.info("rebuilt the vector index from the catalog: %d vectors", self._n)

    def follow(self, catalog: Catalog) -> tuple[int, int]:
        """Catch up with chunks another process wrote or deleted since this index was loaded (the app
        follows its indexing process this way while it runs). Best effort: a chunk id reused for new
        content keeps its old vector until ``open`` loads the cache that process saves at its end.
        Returns (added, removed)."""
        ids = catalog.chunk_ids()
        with self._lock:
            have = self._keys[: self._n].copy()
        gone = np.setdiff1d(have, ids, assume_unique=True)
        new = np.setdiff1d(ids, have, assume_unique=True)
        self.remove(int(k) for k in gone)
        for key, visual, visual_model, textvec, text_model in catalog.vectors_of(new.tolist()):
            self.add(key, visual, visual_model, textvec, text_model)
        return len(new), len(gone)

    def save(self, catalog: Catalog, force: bool = False) -> Path:
        """Write the index for the catalog's current generation (nothing to do if that file exists,
        unless ``force``: after a rebuild the existing file was the damaged one)."""
        generation = catalog.generation()
        path = self._file_for(generation)
        if path.exists() and not force:
            return path
        tmp = path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")  # one per writer
        with self._lock:
            keys, mat = self._keys[: self._n].copy(), self._mat[: self._n].copy()
        with open(tmp, "wb") as fh:
            np.savez(fh, keys=keys, vectors=mat)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
        catalog.set_setting(CHECKSUM_SETTING, f"{generation}:{_checksum(keys, mat)}")
        for old in self.data_dir.glob("vectors.*"):
            if old != path and not old.name.endswith(".tmp"):
                old.unlink(missing_ok=True)
        return path

    # -- updates ------------------------------------------------------------------------------------
    def _fuse_row(self, visual: np.ndarray | None, visual_model: str | None, textvec: np.ndarray | None,
                  text_model: str | None) -> np.ndarray:
        v = visual if (visual is not None and visual_model == self.visual_model) else None
        t = textvec if (textvec is not None and text_model == self.text_model) else None
        return fuse(v, t, self.visual_dim, self.text_dim)

    def add(self, key: int, visual: np.ndarray | None, visual_model: str | None, textvec: np.ndarray | None,
            text_model: str | None) -> None:
        vec = self._fuse_row(visual, visual_model, textvec, text_model).astype(np.float16)
        with self._lock:
            row = self._row.get(key)
            if row is None:
                if self._n == len(self._keys):
                    self._grow()
                row = self._n
                self._n += 1
                self._keys[row] = key
                self._row[key] = row
            self._mat[row] = vec
            if self._graph is not None:
                if self._graph.contains(key):
                    self._graph.remove(key)
                self._graph.add(key, vec)

    def add_many(self, keys: np.ndarray, fused: np.ndarray) -> None:
        """Bulk-add already fused vectors under new keys (rebuilds, benchmarks)."""
        with self._lock:
            while self._n + len(keys) > len(self._keys):
                self._grow()
            start = self._n
            self._keys[start:start + len(keys)] = keys
            self._mat[start:start + len(keys)] = fused
            self._n += len(keys)
            self._row.update((int(k), start + i) for i, k in enumerate(keys))
            if self._graph is not None:
                self._graph.add(keys, fused)

    def _grow(self) -> None:
        cap = 2 * len(self._keys)
        keys = np.zeros(cap, dtype=np.uint64)
        mat = np.zeros((cap, self.ndim), dtype=np.float16)
        keys[: self._n], mat[: self._n] = self._keys[: self._n], self._mat[: self._n]
        self._keys, self._mat = keys, mat

    def remove(self, keys: Iterable[int]) -> None:
        with self._lock:
            for key in keys:
                row = self._row.pop(key, None)
                if row is None:
                    continue
                last = self._n - 1
                if row != last:  # move the last row into the hole
                    moved = int(self._keys[last])
                    self._keys[row], self._mat[row] = moved, self._mat[last]
                    self._row[moved] = row
                self._n = last
                if self._graph is not None and self._graph.contains(key):
                    self._graph.remove(key)

    # -- search -------------------------------------------------------------------------------------
    def query_vector(self, visual_q: np.ndarray | None, text_q: np.ndarray | None, visual_weight: float,
                     text_weight: float) -> np.ndarray:
        q = np.zeros(self.ndim, dtype=np.float32)
        if visual_q is not None:
            q[: self.visual_dim] = visual_weight * _unit(visual_q)
        if text_q is not None:
            q[self.visual_dim:] = text_weight * _unit(text_q)
        return q

    def search(self, query: np.ndarray, count: int) -> list[tuple[int, float]]:
        """Top ``count`` chunks by inner product: (chunk id, score), best first."""
        with self._lock:
            n = self._n
            if n == 0:
                return []
            count = min(count, n)
            if n <= EXACT_SEARCH_MAX:
                m = exact_search(self._mat[:n], query.astype(np.float16), count, MetricKind.IP, exact=True)
                return [(int(self._keys[int(r)]), 1.0 - float(d)) for r, d in zip(m.keys, m.distances, strict=True)]
            m = self.graph_index().search(query, count)
            return [(int(k), 1.0 - float(d)) for k, d in zip(m.keys, m.distances, strict=True)]

    def graph_index(self) -> Index:
        """The HNSW graph over all vectors, built on first use (search uses it above EXACT_SEARCH_MAX)."""
        if self._graph is None:
            log.info("building the HNSW graph over %d vectors", self._n)
            graph = Index(ndim=self.ndim, metric="ip", dtype="f16", connectivity=16, expansion_add=128,
                          expansion_search=128)
            graph.add(self._keys[: self._n], self._mat[: self._n])
            self._graph = graph
        return self._graph

    def score(self, query: np.ndarray, keys: Sequence[int]) -> np.ndarray:
        """Exact scores of ``query`` against the given chunks (for filtered search)."""
        with self._lock:
            rows = [self._row.get(k) for k in keys]
            present = np.array([r if r is not None else 0 for r in rows], dtype=np.int64)
            mat = self._mat[present].astype(np.float32)
        out = mat @ query.astype(np.float32)
        out[[i for i, r in enumerate(rows) if r is None]] = -np.inf
        return out

    def vector(self, key: int) -> np.ndarray | None:
        with self._lock:
            row = self._row.get(key)
            return None if row is None else self._mat[row].astype(np.float32)
