from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import core.vectors
from core.vectors import VectorIndex


def unit_rows(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    m = rng.standard_normal((n, d)).astype(np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def make(tmp_path: Path, n: int, seed: int = 0) -> tuple[VectorIndex, dict[int, np.ndarray]]:
    vi = VectorIndex(tmp_path, "v", 8, "t", 8)
    rng = np.random.default_rng(seed)
    vis, txt = unit_rows(rng, n, 8), unit_rows(rng, n, 8)
    truth = {}
    for i in range(n):
        vi.add(1000 + i, vis[i], "v", txt[i], "t")
        truth[1000 + i] = np.concatenate([vis[i], txt[i]])
    return vi, truth


def exact_top(truth: dict[int, np.ndarray], q: np.ndarray, k: int) -> list[int]:
    keys = list(truth)
    scores = np.array([truth[key] @ q for key in keys])
    return [keys[i] for i in np.argsort(-scores)[:k]]


def test_search_is_exact_and_survives_removals_and_updates(tmp_path: Path) -> None:
    vi, truth = make(tmp_path, 3000)
    rng = np.random.default_rng(1)
    for key in rng.choice(list(truth), 700, replace=False):  # holes filled from the end
        vi.remove([int(key)])
        del truth[int(key)]
    vi.add(1000, np.ones(8), "v", np.ones(8), "t")  # re-add a removed or update a present key
    truth[1000] = np.concatenate([np.ones(8), np.ones(8)]) / np.sqrt(8)
    assert len(vi) == len(truth)
    for q in unit_rows(rng, 20, 16):
        got = [k for k, _ in vi.search(q, 10)]
        assert got == exact_top(truth, q, 10)
    key = next(iter(truth))
    assert np.allclose(vi.vector(key), truth[key], atol=2e-3)  # float16 storage


def test_vectors_of_another_model_count_as_missing(tmp_path: Path) -> None:
    vi = VectorIndex(tmp_path, "v", 4, "t", 4)
    vi.add(1, np.ones(4), "other-clip", np.ones(4), "t")
    v = vi.vector(1)
    assert v is not None and np.all(v[:4] == 0) and np.allclose(np.linalg.norm(v[4:]), 1, atol=1e-3)


def test_above_the_exact_limit_the_graph_answers_with_high_recall(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(core.vectors, "EXACT_SEARCH_MAX", 500)
    vi, truth = make(tmp_path, 2000)
    rng = np.random.default_rng(3)
    recall = []
    for q in unit_rows(rng, 30, 16):
        got = {k for k, _ in vi.search(q, 10)}
        recall.append(len(got & set(exact_top(truth, q, 10))) / 10)
    assert vi.has_graph and np.mean(recall) >= 0.9
    vi.remove([1000])
    assert 1000 not in {k for k, _ in vi.search(truth[1000], 5)}
