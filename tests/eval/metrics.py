"""Retrieval metrics over file-level result lists: recall@k and MRR, per query type.

recall@k for one query is the share of its relevant files found in the top k, out of at most k
(``|relevant in top k| / min(|relevant|, k)``), so a perfect ranking scores 1.0 at every k even when a
query has two relevant photos. MRR is the mean of 1/rank of the first relevant file (0 when none is
returned). Both are averaged over the queries of a type.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

KS = (1, 3, 10)


@dataclass(frozen=True, slots=True)
class Ranked:
    """One query's outcome: what was asked, what should come back, and the files that did, best first."""

    qtype: str
    label: str
    expected: tuple[str, ...]  # absolute paths
    results: tuple[str, ...]  # absolute paths, best first
    transcript: str | None = None

    @property
    def first_rank(self) -> int | None:
        for i, path in enumerate(self.results, 1):
            if path in self.expected:
                return i
        return None


def recall_at(expected: Sequence[str], results: Sequence[str], k: int) -> float:
    if not expected:
        raise ValueError("a labelled query needs at least one relevant file")
    relevant = set(expected)
    found = sum(1 for p in results[:k] if p in relevant)
    return found / min(len(relevant), k)


def reciprocal_rank(expected: Sequence[str], results: Sequence[str]) -> float:
    relevant = set(expected)
    for i, p in enumerate(results, 1):
        if p in relevant:
            return 1.0 / i
    return 0.0


@dataclass(frozen=True, slots=True)
class TypeMetrics:
    n: int
    recall: dict[int, float]  # k -> mean recall@k
    mrr: float

    def to_json(self) -> dict[str, float | int]:
        out: dict[str, float | int] = {"n": self.n}
        out.update({f"recall@{k}": round(v, 4) for k, v in self.recall.items()})
        out["mrr"] = round(self.mrr, 4)
        return out


def summarise(runs: Iterable[Ranked], ks: Sequence[int] = KS) -> dict[str, TypeMetrics]:
    """Mean recall@k and MRR for each query type present in ``runs`` (in first-seen order)."""
    by_type: dict[str, list[Ranked]] = {}
    for r in runs:
        by_type.setdefault(r.qtype, []).append(r)
    out = {}
    for qtype, rs in by_type.items():
        recall = {k: sum(recall_at(r.expected, r.results, k) for r in rs) / len(rs) for k in ks}
        mrr = sum(reciprocal_rank(r.expected, r.results) for r in rs) / len(rs)
        out[qtype] = TypeMetrics(len(rs), recall, mrr)
    return out


def mean_over_types(metrics: dict[str, TypeMetrics], k: int = 3) -> tuple[float, float]:
    """(mean recall@k, mean MRR) with every query type weighted equally: the tuning objective."""
    if not metrics:
        return 0.0, 0.0
    n = len(metrics)
    return (sum(m.recall[k] for m in metrics.values()) / n, sum(m.mrr for m in metrics.values()) / n)


def table(metrics: dict[str, TypeMetrics], ks: Sequence[int] = KS) -> str:
    """A plain-text table: one row per query type."""
    head = f"{'type':<16}{'n':>4}" + "".join(f"{'R@' + str(k):>8}" for k in ks) + f"{'MRR':>8}"
    lines = [head, "-" * len(head)]
    for qtype, m in metrics.items():
        lines.append(f"{qtype:<16}{m.n:>4}" + "".join(f"{m.recall[k]:>8.3f}" for k in ks) + f"{m.mrr:>8.3f}")
    return "\n".join(lines)
