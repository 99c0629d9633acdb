"""Trove's environment variables, declared once with their type, default and meaning, and read in one place.

Precedence everywhere: a command-line argument > the environment > a setting saved in the library
(``core.types.Settings``) > the default here. The README's "Environment variables" table is this list.

Importing ``core`` also switches the Hugging Face libraries to offline mode (``offline_by_default``):
nothing reaches the network unless the person asks (``trove models fetch`` lifts it for that call only).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, fields
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_MAX_IMAGE_MEGAPIXELS = 200.0


@dataclass(frozen=True, slots=True)
class Environment:
    data_dir: Path | None = None  # TROVE_DATA_DIR: the library's data folder (else the platform's user data folder)
    device: str | None = None  # TROVE_DEVICE: auto, cpu, gpu, cuda or mps, over the saved setting
    clip_weights: str | None = None  # TROVE_CLIP_WEIGHTS: a checkpoint file, or "random" (tests, benchmarks)
    max_image_megapixels: float = DEFAULT_MAX_IMAGE_MEGAPIXELS  # TROVE_MAX_IMAGE_MEGAPIXELS: larger images are refused
    no_network: bool = False  # TROVE_NO_NETWORK=1: even `trove models fetch` does not download
    clip_precision: str = "auto"  # TROVE_CLIP_PRECISION: auto, fp32 or int8 for CLIP's towers on the CPU (torch or onnxruntime)
    gpu_decode: bool = True  # TROVE_GPU_DECODE=0: on a CUDA GPU, decode photos on the CPU as elsewhere (nvJPEG off)


VARIABLES = {
    "data_dir": "TROVE_DATA_DIR",
    "device": "TROVE_DEVICE",
    "clip_weights": "TROVE_CLIP_WEIGHTS",
    "max_image_megapixels": "TROVE_MAX_IMAGE_MEGAPIXELS",
    "no_network": "TROVE_NO_NETWORK",
    "clip_precision": "TROVE_CLIP_PRECISION",
    "gpu_decode": "TROVE_GPU_DECODE",
}


def read_environment(environ: dict[str, str] | None = None) -> Environment:
    """Parse the variables; a malformed value is ignored with a warning that names it."""
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for f in fields(Environment):
        raw = (env.get(VARIABLES[f.name]) or "").strip()
        if not raw:
            continue
        if f.name == "data_dir":
            values[f.name] = Path(raw).expanduser()
        elif f.name == "max_image_megapixels":
            try:
                values[f.name] = float(raw)
            except ValueError:
                log.warning("%s=%r is not a number; using %.0f", VARIABLES[f.name], raw, DEFAULT_MAX_IMAGE_MEGAPIXELS)
        elif f.name == "no_network":
            values[f.name] = raw.lower() in ("1", "true", "yes", "on")
        elif f.name == "gpu_decode":
            values[f.name] = raw.lower() not in ("0", "false", "no", "off")
        elif f.name == "clip_precision":
            if raw.lower() in ("auto", "fp32", "int8"):
                values[f.name] = raw.lower()
            else:
                log.warning("%s=%r is not auto, fp32 or int8; using auto", VARIABLES[f.name], raw)
        else:
            values[f.name] = raw
    return Environment(**values)  # type: ignore[arg-type]


def environment() -> Environment:
    """Trove's variables as they are now (cheap: seven lookups; not cached, so a test may change one)."""
    return read_environment()


def default_data_dir() -> Path:
    """$TROVE_DATA_DIR, else the platform's user data folder (``~/.local/share/trove`` on Linux)."""
    env = environment().data_dir
    if env is not None:
        return env
    import platformdirs

    return Path(platformdirs.user_data_dir("trove"))


def offline_by_default() -> None:
    """The one place that turns the Hugging Face libraries offline (a person's own setting wins)."""
    for name, value in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"), ("HF_HUB_DISABLE_PROGRESS_BARS", "1"),
                        ("TRANSFORMERS_VERBOSITY", "error")):
        os.environ.setdefault(name, value)
