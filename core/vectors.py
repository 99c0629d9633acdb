"""The vector index: a usearch index of fused vectors keyed by chunk id.

It is a cache of what the catalog stores. The file name carries the catalog's vector generation (bumped
in the same transaction as any chunk change) and the ids of the models whose vectors it holds, so a
file that does not match the catalog is never loaded: it is rebuilt from the catalog instead. Saves
are atomic (temp file, then ``os.replace``), so a crash or kill -9 leaves either the old file or the new
one, never a torn one.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from usearch.index import Index

from core.catalog import Catalog

log = logging.getLogger(__name__)

EXACT_SEARCH_MAX = 100_000  # up to here brute force is fast enough and exact; above, the HNSW graph


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
        self.index = self._new()
        self._lock = threading.RLock()  # the writer thread adds while search threads read
        tag = f"{visual_model}|{text_model}|{self.ndim}".encode()
        self._models_tag = hashlib.sha1(tag).hexdigest()[:10]

    def _new(self) -> Index:
        return Index(ndim=self.ndim, metric="ip", dtype="f16", connectivity=16, expansion_add=128,
                     expansion_search=128)

    def __len__(self) -> int:
        return len(self.index)

    # -- persistence --------------------------------------------------------------------------------
    def _file_for(self, generation: int) -> Path:
        return self.data_dir / f"vectors.{self._models_tag}.g{generation}.usearch"

    def open(self, catalog: Catalog) -> bool:
        """Load the saved index if it matches the catalog, else rebuild. Returns True if rebuilt."""
        path = self._file_for(catalog.generation())
        if path.exists():
            try:
                index = Index.restore(str(path), view=False)
                if index is not None and index.ndim == self.ndim and len(index) == catalog.chunk_count():
                    self.index = index
                    return False
                log.warning("vector index %s does not match the catalog; rebuilding it", path.name)
            except Exception as exc:  # a damaged cache is never fatal: the catalog has everything
                log.warning("vector index %s could not be read (%s); rebuilding it", path.name, exc)
        self.rebuild(catalog)
        return True

    def rebuild(self, catalog: Catalog) -> None:
        index = self._new()
        for rows in catalog.iter_vectors():
            keys = np.array([r[0] for r in rows], dtype=np.uint64)
            mat = np.stack([self._fuse_row(r[1], r[2], r[3], r[4]) for r in rows])
            index.add(keys, mat)
        with self._lock:
            self.index = index
        log.info("rebuilt the vector index from the catalog: %d vectors", len(self.index))

    def save(self, catalog: Catalog, force: bool = False) -> Path:
        """Write the index for the catalog's current generation (nothing to do if that file exists,
        unless ``force``: after a rebuild the existing file was the damaged one)."""
        generation = catalog.generation()
        path = self._file_for(generation)
        if path.exists() and not force:
            return path
        tmp = path.with_suffix(".tmp")
        with self._lock:
            self.index.save(str(tmp))
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        for old in self.data_dir.glob("vectors.*.usearch"):
            if old != path:
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
        vec = self._fuse_row(visual, visual_model, textvec, text_model)
        with self._lock:
            if self.index.contains(key):
                self.index.remove(key)
            self.index.add(key, vec)

    def remove(self, keys: Iterable[int]) -> None:
        with self._lock:
            ks = [k for k in keys if self.index.contains(k)]
            if ks:
                self.index.remove(np.array(ks, dtype=np.uint64))

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
            n = len(self.index)
            if n == 0:
                return []
            matches = self.index.search(query, min(count, n), exact=n <= EXACT_SEARCH_MAX)
        return [(int(k), 1.0 - float(d)) for k, d in zip(matches.keys, matches.distances, strict=True)]

    def score(self, query: np.ndarray, keys: Sequence[int]) -> np.ndarray:
        """Exact scores of ``query`` against the given chunks (for filtered search)."""
        if not keys:
            return np.zeros(0, dtype=np.float32)
        with self._lock:
            mat = self.index.get(np.array(keys, dtype=np.uint64))
        mat = np.asarray(mat, dtype=np.float32).reshape(len(keys), self.ndim)
        return mat @ query.astype(np.float32)

    def vector(self, key: int) -> np.ndarray | None:
        with self._lock:
            if not self.index.contains(key):
                return None
            return np.asarray(self.index.get(key), dtype=np.float32).reshape(self.ndim)
