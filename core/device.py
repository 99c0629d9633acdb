"""Pick the compute device: CUDA, then Apple MPS, then CPU; and say so.

``probe_device`` decides without importing torch (which costs about 1.8 s and 0.9 GB on its own), so
opening a library, ``trove status`` and the app's window never wait for it. It reads whether the
installed torch was built for CUDA from torch's own ``version.py`` and whether an NVIDIA driver is
loaded from the system. ``confirm_device`` checks the choice with torch when a model is loaded and
falls back to the CPU, with a warning, when torch cannot use the GPU after all.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import platform
import re
import sys
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

PREFERENCES = ("auto", "cpu", "gpu", "cuda", "mps")


@dataclass(frozen=True, slots=True)
class DeviceChoice:
    name: str  # "cuda" | "mps" | "cpu"
    description: str  # what the user sees: "cuda (NVIDIA H100)", "cpu (2 threads)"
    gpu_unused: bool  # a GPU exists but the CPU is in use: shown as a warning


def probe_device(preference: str = "auto") -> DeviceChoice:
    """The device models will run on, decided without importing torch. ``preference``: "auto", "cpu",
    "gpu", "cuda" or "mps" (the caller resolves argument > $TROVE_DEVICE > saved setting)."""
    preference = (preference or "auto").lower()
    gpu = nvidia_gpu_name()
    has_cuda = gpu is not None and torch_cuda_build()
    has_mps = sys.platform == "darwin" and platform.machine() == "arm64"
    if preference in ("auto", "gpu", "cuda") and has_cuda:
        return DeviceChoice("cuda", f"cuda ({gpu})", False)
    if preference in ("auto", "gpu", "mps") and has_mps:
        return DeviceChoice("mps", "mps (Apple GPU)", False)
    if preference in ("gpu", "cuda", "mps"):
        log.warning("device %r was asked for but none is available; using the CPU", preference)
    return DeviceChoice("cpu", f"cpu ({cpu_threads()} threads)", gpu is not None or has_mps)


def confirm_device(choice: DeviceChoice) -> DeviceChoice:
    """Check a GPU ``choice`` with torch (a model is being loaded); the CPU needs no check, and an index
    run on onnxruntime never imports torch (core.encoders.onnx_index)."""
    if choice.name == "cpu":
        return choice
    import torch

    if choice.name == "cuda" and not torch.cuda.is_available():
        log.warning("an NVIDIA GPU was found but torch cannot use it (driver or CUDA version?); using the CPU")
        return DeviceChoice("cpu", f"cpu ({torch.get_num_threads()} threads)", True)
    if choice.name == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        log.warning("Apple's GPU (MPS) is not available to torch; using the CPU")
        return DeviceChoice("cpu", f"cpu ({torch.get_num_threads()} threads)", True)
    if choice.name == "cuda":
        return DeviceChoice("cuda", f"cuda ({torch.cuda.get_device_name(0)})", False)
    return choice


def cpu_threads() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def cpu_model() -> str:
    """The processor's model name from /proc/cpuinfo ("" where there is none: not Linux, or no such line)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def nvidia_gpu_name() -> str | None:
    """The first NVIDIA GPU's name when its driver is loaded (Linux), else None."""
    gpus = Path("/proc/driver/nvidia/gpus")
    try:
        for info in sorted(gpus.glob("*/information")):
            m = re.search(r"^Model:\s*(.+)$", info.read_text(errors="replace"), re.MULTILINE)
            return f"NVIDIA {m.group(1).strip()}".replace("NVIDIA NVIDIA", "NVIDIA") if m else "NVIDIA GPU"
        if Path("/proc/driver/nvidia/version").exists():
            return "NVIDIA GPU"
    except OSError:
        pass
    if sys.platform == "win32" and Path(os.environ.get("SYSTEMROOT", r"C:\Windows"), "System32", "nvcuda.dll").exists():
        return "NVIDIA GPU"
    return None


def torch_cuda_build() -> bool:
    """Whether the installed torch was built with CUDA, read from its version.py without importing it."""
    try:
        spec = importlib.util.find_spec("torch")
    except (ImportError, ValueError):
        return False
    if spec is None or not spec.submodule_search_locations:
        return False
    try:
        text = (Path(next(iter(spec.submodule_search_locations))) / "version.py").read_text()
    except OSError:
        return False
    m = re.search(r"^cuda(?:\s*:\s*[^=]+)?\s*=\s*(.+)$", text, re.MULTILINE)
    return m is not None and m.group(1).strip() not in ("None", "''", '""')
