"""``python -m bench [--quick] [--only NAME ...]``: run the benchmarks and print ONE JSON object on stdout.

Progress goes to stderr. Everything library code or a model prints is sent to stderr too (at the file
descriptor level, so C extensions cannot break the JSON). Numbers are ratios measured in the same run
where a ratio makes sense; absolute times are reported for reading, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import sys
import time
import traceback
from collections.abc import Iterator
from typing import Any

BENCHMARKS = ("indexing", "search", "rescan", "transcription", "startup", "gui", "ocr", "million", "gpu")


def _environment() -> None:
    # Every run uses CLIP ViT-B-32 with seeded random weights: no real weights exist on these machines,
    # and timings must not depend on which checkpoint someone happens to have imported.
    os.environ["TROVE_CLIP_WEIGHTS"] = "random"
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import warnings

    warnings.filterwarnings("ignore", message=".*RANDOM weights.*", category=RuntimeWarning)


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[int]:
    """Point fd 1 at stderr for the duration; yields a duplicate of the real stdout for the JSON."""
    sys.stdout.flush()
    real = os.dup(1)
    os.dup2(2, 1)
    old = sys.stdout
    sys.stdout = sys.stderr
    try:
        yield real
    finally:
        sys.stdout.flush()
        sys.stdout = old
        os.dup2(real, 1)
        os.close(real)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a few minutes in all)")
    parser.add_argument("--only", action="append", choices=BENCHMARKS, metavar="NAME",
                        help=f"run only this benchmark (repeatable): {', '.join(BENCHMARKS)}")
    args = parser.parse_args(argv)
    _environment()

    from bench.common import device, load_average, machine, now_iso, say, setup_logging

    setup_logging()
    names = [n for n in BENCHMARKS if not args.only or n in args.only]
    out: dict[str, Any] = {"date": now_iso(), "quick": args.quick, "clip_weights": "random"}
    failed: dict[str, str] = {}
    t_all = time.perf_counter()
    with _stdout_to_stderr():
        out["machine"] = machine()
        out["device"] = device()
        out["load_average_start"] = load_average()
        for name in names:
            say("== %s%s", name, " (quick)" if args.quick else "")
            t0 = time.perf_counter()
            try:
                module = importlib.import_module(f"bench.{name}")
                result = module.run(quick=args.quick)
            except Exception as exc:  # one broken benchmark must not hide the others' numbers
                traceback.print_exc()
                failed[name] = f"{type(exc).__name__}: {exc}"
                continue
            result[f"{name}_bench_s"] = round(time.perf_counter() - t0, 1)
            clash = set(result) & set(out)
            if clash:
                raise RuntimeError(f"benchmark {name} reports keys already used: {sorted(clash)}")
            out.update(result)
            say("%s: %s", name, json.dumps(result))
    out["load_average_end"] = load_average()
    out["total_bench_s"] = round(time.perf_counter() - t_all, 1)
    if failed:
        out["failed"] = failed
    sys.stdout.write(json.dumps(out, indent=2) + "\n")
    sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
