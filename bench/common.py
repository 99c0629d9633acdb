"""Helpers shared by the benchmarks: progress on stderr, timers, percentiles, the generated-media cache,
fresh libraries in temporary folders, and a description of the machine."""

from __future__ import annotations

import contextlib
import logging
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

log = logging.getLogger("bench")

BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "out"  # gitignored


def cache_dir(name: str) -> Path:
    """A folder for generated media that is kept between runs (``$TROVE_BENCH_CACHE`` or bench/out/cache)."""
    root = Path(os.environ.get("TROVE_BENCH_CACHE") or OUT_DIR / "cache")
    path = root / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def say(msg: str, *args: object) -> None:
    log.info(msg, *args)


@contextlib.contextmanager
def temp_dir(prefix: str) -> Iterator[Path]:
    """A temporary folder that is removed afterwards (``$TROVE_BENCH_KEEP=1`` keeps it, for debugging)."""
    path = Path(tempfile.mkdtemp(prefix=f"trove-bench-{prefix}-"))
    try:
        yield path
    finally:
        if os.environ.get("TROVE_BENCH_KEEP") == "1":
            say("kept %s", path)
        else:
            shutil.rmtree(path, ignore_errors=True)


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def percentile(values: list[float], pct: float) -> float:
    """Linear-interpolated percentile (numpy's default method) of a non-empty list."""
    xs = sorted(values)
    if len(xs) == 1:
        return xs[0]
    pos = (len(xs) - 1) * pct / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def p50_p95_ms(seconds: list[float]) -> tuple[float, float]:
    ms = [s * 1000.0 for s in seconds]
    return round(statistics.median(ms), 3), round(percentile(ms, 95), 3)


def rnd(x: float, digits: int = 3) -> float:
    return round(float(x), digits)


class Stopwatch:
    """Wraps a bound method on an object so the time spent in it (and the call count and batch sizes) can
    be read afterwards without changing the object's class. ``restore()`` puts the original back."""

    def __init__(self, obj: Any, method: str) -> None:
        self.obj = obj
        self.method = method
        self.original = getattr(obj, method)
        self.seconds = 0.0
        self.calls = 0
        self.items = 0
        original = self.original

        def wrapped(arg: Any, *a: Any, **kw: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return original(arg, *a, **kw)
            finally:
                self.seconds += time.perf_counter() - t0
                self.calls += 1
                self.items += len(arg)

        setattr(obj, method, wrapped)

    def restore(self) -> None:
        setattr(self.obj, self.method, self.original)


class HashedWords:
    """A cheap, deterministic text "model": hashed bag of words (bench/million.py builds a catalog of 10^5
    notes with it; bench/gpu.py stands it in where the sentence model is not installed)."""

    model_id, dim = "bench-hashed-words", 384

    def encode(self, texts: list[str]) -> Any:
        import zlib

        import numpy as np

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for word in t.lower().split():
                out[i, zlib.crc32(word.encode()) % self.dim] += 1.0
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
        return out


def open_library(data_dir: Path) -> Any:
    """A fresh ``core.Library`` on ``data_dir`` (CLIP with seeded random weights, see __main__)."""
    from core.library import Library

    return Library.open(data_dir)


def warm_up(lib: Any, batch: int = 16) -> None:
    """Load every model the indexer and search use and run one batch through each, so a timing never
    includes loading or first-call set-up."""
    import numpy as np

    image = lib.encoders.image
    if image is None:
        raise RuntimeError("CLIP is missing; run the benchmarks with TROVE_CLIP_WEIGHTS=random")
    rng = np.random.default_rng(0)
    pixels = rng.standard_normal((batch, 3, image.image_size, image.image_size), dtype=np.float32)
    image.encode_images(pixels)
    texts = [f"warm up sentence number {i} about a beach holiday" for i in range(batch)]
    image.encode_texts(texts)
    lib.encoders.text.encode(texts)


def machine() -> dict[str, Any]:
    import torch

    from core.device import cpu_model

    return {
        "processor": platform.processor() or platform.machine(),
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "affinity_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "torch_threads": torch.get_num_threads(),
        "torch_version": torch.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        # set before torch starts, these change CPU timings a lot on a busy machine
        "env": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "MKL_NUM_THREADS")},
    }


def load_average() -> list[float] | None:
    """The 1, 5 and 15 minute load averages: other work on a shared machine shows here."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def device() -> str:
    from core.device import confirm_device, probe_device

    return confirm_device(probe_device("auto")).description


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def setup_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("[bench %(asctime)s] %(message)s", "%H:%M:%S"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
