"""int8 versions of the ONNX copies of CLIP's two towers, for index runs on the CPU.

An index run on the CPU encodes with the ONNX copies (``core.encoders.onnx_index``), whose weights are
fp32. onnxruntime's dynamic quantisation (``quantize_dynamic``: int8 weights for the MatMul, Gemm, Conv
and Gather layers, activations quantised per run) makes a copy of a tower a quarter of the size that runs
about twice as fast. As with torch's int8 (``core.encoders.clip``), the int8 copy is used only if, on the
sample library's photos (visual tower) or its notes' sentences (text tower), every vector is within a
cosine of ``INT8_MIN_COSINE`` of the fp32 copy's and it encodes them at least ``INT8_MIN_SPEEDUP`` times as
fast, timed on this machine with the index run's threads. Measured on this 2-core AVX-512 VNNI EPYC,
ViT-B-32 with random weights: visual 2.2x the fp32 copy's speed at a minimum cosine of 0.9998, text
2.5x at 0.9985 (``python -m bench --only indexing``: ``onnx_*``).

Made once: the int8 graph (``model.int8.onnx``) and the decision (``precision.json``, with the trial's
figures, onnxruntime's version and the machine) are written beside the copy's manifest, each to a
temporary file first and then moved into place, 0600. A decision made with another onnxruntime or on
another machine is made again; writing a copy anew (a new export) replaces its folder, and both go with it.

Quantising ViT-B-32's visual tower takes about 1.2 GB (onnxruntime loads the graph twice), more than an
index run needs, so quantising and the trial run in a short child process (``python -m
core.encoders.onnx_int8``) that gives all of it back when it exits; the index run waits for it once.
``TROVE_CLIP_PRECISION`` (auto, fp32, int8) overrides the decision, as it does for torch.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import json
import logging
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.device import cpu_model
from core.encoders.clip import INT8_MIN_COSINE, INT8_MIN_SPEEDUP
from core.encoders.onnx_export import MANIFEST
from core.encoders.onnx_query import MODEL

log = logging.getLogger(__name__)

INT8_MODEL = "model.int8.onnx"
DECISION = "precision.json"
FORMAT = 1  # bump when the trial or the quantisation changes: decisions are then made again
CHILD_TIMEOUT_S = 900.0


@dataclass(frozen=True, slots=True)
class Choice:
    """Which graph of a copy an index run loads, and why."""

    model: str  # a file name in the copy's folder: MODEL or INT8_MODEL
    precision: str  # "fp32" | "int8"
    check: dict[str, Any] = field(default_factory=dict)  # the trial's figures; {"forced": True} if forced

    @classmethod
    def fp32(cls, **check: Any) -> Choice:
        return cls(MODEL, "fp32", dict(check))


def choose(folders: list[Path], preference: str, threads: int) -> list[Choice]:
    """The graph to load for each copy of a CLIP tower in ``folders`` (``clip-visual`` or ``clip-text``),
    with ``preference`` auto, fp32 or int8 (``TROVE_CLIP_PRECISION``). Runs the trial child first for the
    copies that need it (no decision for this onnxruntime and machine yet, or int8 forced and not made).
    Never raises: anything that goes wrong leaves that copy on fp32."""
    if preference == "fp32":
        return [Choice.fp32(forced=True) for _ in folders]
    keep = preference == "int8"
    todo = [f for f in folders if _needs_child(f, threads, keep)]
    if todo:
        _run_child(todo, threads, keep)
    out = []
    for folder in folders:
        decision = read_decision(folder, threads) or {}
        check = {k: v for k, v in decision.items() if k in ("min_cosine", "speedup", "trial_s", "reason")}
        has_int8 = (folder / INT8_MODEL).is_file()
        if keep and has_int8:
            out.append(Choice(INT8_MODEL, "int8", {"forced": True, **check}))
        elif decision.get("precision") == "int8" and has_int8:
            out.append(Choice(INT8_MODEL, "int8", check))
        else:
            out.append(Choice.fp32(**check))
    return out


def _needs_child(folder: Path, threads: int, keep: bool) -> bool:
    """No decision for this onnxruntime and machine yet, or an int8 graph wanted (forced, or chosen) and gone
    (not when making it failed: that is not tried again on every run)."""
    decision = read_decision(folder, threads)
    if decision is None:
        return True
    wanted = keep or decision.get("precision") == "int8"
    return wanted and "reason" not in decision and not (folder / INT8_MODEL).is_file()


def read_decision(folder: Path, threads: int) -> dict[str, Any] | None:
    """The recorded decision for the copy in ``folder``, if it was made with this onnxruntime on this
    machine with ``threads`` threads; else None."""
    try:
        decision = json.loads((folder / DECISION).read_text())
    except (OSError, ValueError):
        return None
    if (not isinstance(decision, dict) or decision.get("format") != FORMAT
            or decision.get("onnxruntime") != _ort_version() or decision.get("machine") != machine(threads)):
        return None
    return decision


def forget(folder: Path) -> None:
    """Drop a copy's int8 graph and decision (it failed to load): the next run decides again."""
    for name in (INT8_MODEL, DECISION):
        with contextlib.suppress(OSError):
            (folder / name).unlink()


def machine(threads: int) -> str:
    """What a decision depends on besides onnxruntime: the processor and the threads it was timed with."""
    return f"{platform.machine()} {cpu_model() or platform.processor()} x{threads}".strip()


def _ort_version() -> str:
    try:
        return importlib.metadata.version("onnxruntime")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _write_decision(folder: Path, threads: int, decision: dict[str, Any]) -> None:
    record = {"format": FORMAT, "onnxruntime": _ort_version(), "machine": machine(threads), **decision}
    _write_atomic(folder / DECISION, json.dumps(record, indent=2).encode())


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


# -- the parent's side ------------------------------------------------------------------------------------
def _run_child(folders: list[Path], threads: int, keep: bool) -> None:
    """Quantise and try ``folders`` in a child process; a child that fails leaves them on fp32, recorded,
    so the next run does not pay for it again (another onnxruntime or machine tries again)."""
    cmd = [sys.executable, "-m", "core.encoders.onnx_int8", "--threads", str(threads),
           *(["--keep"] if keep else []), "--", *map(str, folders)]
    source = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (source, os.environ.get("PYTHONPATH")) if p))
    log.info("making the int8 copies of %s and timing them (once)", ", ".join(f.name for f in folders))
    reason = None
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env,
                              timeout=CHILD_TIMEOUT_S, check=False)
        if proc.returncode != 0:
            reason = f"the int8 trial process ended with status {proc.returncode}"
            log.warning("%s; CLIP's copies stay fp32: %s", reason, proc.stderr[-800:])
    except (OSError, subprocess.SubprocessError) as exc:
        reason = f"the int8 trial process could not run ({type(exc).__name__}: {exc})"
        log.warning("%s; CLIP's copies stay fp32", reason)
    for folder in folders:
        if read_decision(folder, threads) is None:
            with contextlib.suppress(OSError):
                (folder / INT8_MODEL).unlink()
            with contextlib.suppress(OSError):  # a folder that cannot be written: fp32 now, tried next run
                _write_decision(folder, threads, {"precision": "fp32", "reason": reason or "no decision written"})


# -- the child's side -------------------------------------------------------------------------------------
def quantise(folder: Path) -> Path:
    """Write ``INT8_MODEL`` beside the copy's fp32 graph with onnxruntime's dynamic quantisation."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = folder / f".{INT8_MODEL}.{os.getpid()}.tmp"
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # its advice to pre-process the graph first, printed on every call
    try:
        quantize_dynamic(folder / MODEL, tmp, weight_type=QuantType.QInt8)
        os.chmod(tmp, 0o600)
        os.replace(tmp, folder / INT8_MODEL)
    finally:
        root.setLevel(level)
        with contextlib.suppress(OSError):
            tmp.unlink()
    return folder / INT8_MODEL


def trial(folder: Path, threads: int) -> dict[str, Any]:
    """The int8 graph against the fp32 one on the probes, alternating, best of three: the decision."""
    from core.encoders.onnx_query import OnnxClipText, OnnxClipVisual
    from core.encoders.probes import probe_pixels, probe_texts

    started = time.perf_counter()
    kind = json.loads((folder / MANIFEST).read_text()).get("kind")
    encoders: list[Any]
    if kind == "clip-visual":
        encoders = [OnnxClipVisual(folder, threads, m) for m in (MODEL, INT8_MODEL)]
        probe: Any = probe_pixels(encoders[0].image_size)

        def run(enc: Any, x: Any) -> np.ndarray:
            return np.asarray(enc.encode_images(x))
    elif kind == "clip-text":
        encoders = [OnnxClipText(folder, threads, m) for m in (MODEL, INT8_MODEL)]
        probe = probe_texts()

        def run(enc: Any, x: Any) -> np.ndarray:
            return np.asarray(enc.encode_texts(x))
    else:
        raise ValueError(f"{folder.name}: not a copy of a CLIP tower ({kind!r})")
    for enc in encoders:
        run(enc, probe[:1])  # warm-up
    best = [float("inf"), float("inf")]
    outs: list[np.ndarray] = [np.empty(0), np.empty(0)]
    for _ in range(3):
        for i, enc in enumerate(encoders):
            t0 = time.perf_counter()
            outs[i] = run(enc, probe)
            best[i] = min(best[i], time.perf_counter() - t0)
    a, b = (o / np.linalg.norm(o, axis=1, keepdims=True) for o in outs)
    cosine = float((a * b).sum(axis=1).min())
    speedup = best[0] / best[1]
    kept = cosine >= INT8_MIN_COSINE and speedup >= INT8_MIN_SPEEDUP
    return {"precision": "int8" if kept else "fp32", "min_cosine": round(cosine, 5), "speedup": round(speedup, 3),
            "trial_s": round(time.perf_counter() - started, 2), "probes": len(probe)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m core.encoders.onnx_int8",
                                description="Make and try int8 copies of CLIP's ONNX copies (an index run does this "
                                            "by itself, once; not meant to be run by hand).")
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--keep", action="store_true", help="keep the int8 graph even if the trial rejects it")
    p.add_argument("folders", nargs="+", type=Path)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    from core.encoders import exit_with_parent, return_memory

    exit_with_parent()

    for folder in args.folders:
        try:
            if not (folder / INT8_MODEL).is_file():
                quantise(folder)
                return_memory()
            decision = trial(folder, args.threads)
        except Exception as exc:  # this copy stays fp32; say why in its decision
            log.warning("no int8 copy of %s", folder.name, exc_info=True)
            decision = {"precision": "fp32", "reason": f"{type(exc).__name__}: {exc}"}
        if decision["precision"] != "int8" and not args.keep:
            with contextlib.suppress(OSError):
                (folder / INT8_MODEL).unlink()
        _write_decision(folder, args.threads, decision)
        print(json.dumps({"copy": folder.name, **decision}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
