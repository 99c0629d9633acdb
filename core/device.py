"""Pick the compute device: CUDA, then Apple MPS, then CPU; and say so."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DeviceChoice:
    name: str  # "cuda" | "mps" | "cpu"
    description: str  # what the user sees: "cuda (NVIDIA H100)", "cpu (2 threads)"
    gpu_unused: bool  # a GPU exists but the CPU is in use: shown as a warning


def choose_device(preference: str = "auto") -> DeviceChoice:
    import torch

    preference = (preference or os.environ.get("TROVE_DEVICE") or "auto").lower()
    has_cuda = torch.cuda.is_available()
    has_mps = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
    if preference in ("auto", "gpu", "cuda") and has_cuda:
        return DeviceChoice("cuda", f"cuda ({torch.cuda.get_device_name(0)})", False)
    if preference in ("auto", "gpu", "mps") and has_mps:
        return DeviceChoice("mps", "mps (Apple GPU)", False)
    if preference in ("gpu", "cuda", "mps"):
        log.warning("device %r was asked for but none is available; using the CPU", preference)
    desc = f"cpu ({torch.get_num_threads()} threads)"
    return DeviceChoice("cpu", desc, has_cuda or has_mps)
