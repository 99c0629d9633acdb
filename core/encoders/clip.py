"""open_clip image and text towers (the visual space)."""

from __future__ import annotations

import logging
import threading
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

log = logging.getLogger(__name__)

CLIP_MEAN = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
CLIP_STD = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)
RANDOM_SEED = 0


def preprocess(img: Image.Image, size: int = 224) -> np.ndarray:
    """CLIP's preprocessing in numpy (resize shorter side, centre crop, normalise): runs in decode threads
    so the encoder stage only runs the model. Returns (3, size, size) float32."""
    img = img.convert("RGB")
    w, h = img.size
    scale = size / min(w, h)
    nw, nh = max(size, round(w * scale)), max(size, round(h * scale))
    img = img.resize((nw, nh), Image.Resampling.BICUBIC, reducing_gap=3.0)
    left, top = (nw - size) // 2, (nh - size) // 2
    img = img.crop((left, top, left + size, top + size))
    arr = np.asarray(img, dtype=np.float32) / 255.0
    arr = (arr - CLIP_MEAN) / CLIP_STD
    return np.ascontiguousarray(arr.transpose(2, 0, 1))


class ClipEncoder:
    """One open_clip model on one device. ``weights`` is a checkpoint file or the string "random"."""

    def __init__(self, arch: str, weights: Path | str, model_id: str, device: str = "cpu") -> None:
        import open_clip
        import torch

        self.arch = arch
        self.device = device
        self._lock = threading.Lock()
        if weights == "random":
            warnings.warn(
                f"CLIP {arch} is running with RANDOM weights (TROVE_CLIP_WEIGHTS=random): image search "
                "results are meaningless. This is for tests and benchmarks only.",
                RuntimeWarning,
                stacklevel=2,
            )
            log.warning("CLIP %s uses RANDOM weights: image search is meaningless (tests/benchmarks only)", arch)
            torch.manual_seed(RANDOM_SEED)
            model = open_clip.create_model(arch, pretrained=None)
        else:
            model = open_clip.create_model(arch, pretrained=str(weights))
        self.model_id = model_id
        model.eval()
        self._half = device == "cuda"
        if self._half:
            model = model.half()
        self.model = model.to(device)
        self.tokenizer = open_clip.get_tokenizer(arch)
        self.dim = int(model.visual.output_dim)
        size = model.visual.image_size
        self.image_size = int(size[0] if isinstance(size, tuple | list) else size)

    def encode_images(self, pixels: np.ndarray) -> np.ndarray:
        import torch

        with self._lock, torch.inference_mode():
            x = torch.from_numpy(pixels).to(self.device)
            if self._half:
                x = x.half()
            out = self.model.encode_image(x, normalize=True)
            return out.float().cpu().numpy()

    def encode_texts(self, texts: list[str]) -> np.ndarray:
        import torch

        with self._lock, torch.inference_mode():
            tokens = self.tokenizer(texts).to(self.device)
            out = _encode_text_trimmed(self.model, tokens)
            return out.float().cpu().numpy()


def _encode_text_trimmed(model: Any, tokens: Any) -> Any:
    """``model.encode_text`` without the padding: CLIP pads every text to 77 tokens, and with a causal
    mask and end-of-text pooling the padding never changes the result, so run only as many positions as
    the longest text needs (4.5x faster on short notes, same output to 1e-6: tests/unit/test_clip.py)."""
    length = int((tokens != 0).sum(dim=1).max().item()) or 1
    return encode_tokens(model, tokens[:, :length])


def encode_tokens(model: Any, tokens: Any) -> Any:
    """CLIP's text tower on (N, L) token ids, L <= the context length, padding after the end-of-text
    token: L2-normalised embeddings. Traceable (no Python-side values), so the ONNX export uses it too.
    Models of another shape fall back to ``encode_text`` (which wants the full context)."""
    import torch
    import torch.nn.functional as F

    needed = ("token_embedding", "positional_embedding", "transformer", "ln_final", "attn_mask")
    if (not all(getattr(model, n, None) is not None for n in needed)
            or getattr(model, "text_pool_type", "argmax") not in ("argmax", "eos", "first")):
        return model.encode_text(tokens, normalize=True)
    length = tokens.shape[1]
    cast_dtype = model.transformer.get_cast_dtype()
    x = model.token_embedding(tokens).to(cast_dtype)
    x = x + model.positional_embedding[:length].to(cast_dtype)
    x = model.transformer(x, attn_mask=model.attn_mask[:length, :length])
    x = model.ln_final(x)
    from open_clip.transformer import text_global_pool

    x = text_global_pool(x, tokens, model.text_pool_type, eos_token_id=getattr(model, "text_eos_id", None))
    if model.text_projection is not None:
        x = model.text_projection(x) if isinstance(model.text_projection, torch.nn.Linear) else x @ model.text_projection
    return F.normalize(x, dim=-1)
