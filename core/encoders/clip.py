"""open_clip image and text towers (the visual space).

On the CPU the image tower runs with int8 weights where that is faster and faithful: its Linear layers
(the MLPs and attention projections, most of ViT's work) are quantised dynamically (int8 weights, int8
activations scaled per batch, fp32 elsewhere) when the model loads, and the int8 copy is kept only if,
on the sample library's six real photos, every vector has a cosine of at least ``INT8_MIN_COSINE`` to
the fp32 one and it encodes them at least ``INT8_MIN_SPEEDUP`` times as fast (timed there and then, on
this machine). Measured on this 2-core AVX-512 VNNI Xeon, ViT-B-32 with random weights: 1.6-1.8x the
fp32 speed, minimum cosine 0.9999 (``python -m bench --only indexing``). The text tower's transformer
gets the same trial on sentences of the sample library's notes (measured: 1.6x, minimum cosine 0.9988).
The vectors are interchangeable with fp32 ones at that cosine, so they carry the same model id and a
library may hold both; the ONNX query copies are always written and checked from fp32 weights.
``TROVE_CLIP_PRECISION`` (auto, fp32, int8) overrides the choice; GPUs run fp16 as before.

On the CPU, once the library's ONNX copies exist, index runs use those on onnxruntime instead, with an
int8 trial of their own made once (``core.encoders.onnx_index``, ``core.encoders.onnx_int8``): this
encoder then serves GPUs, and CPU runs whose copies are missing or damaged.
"""

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
PRECISIONS = ("auto", "fp32", "int8")
INT8_MIN_COSINE = 0.99
INT8_MIN_SPEEDUP = 1.1


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

    def __init__(self, arch: str, weights: Path | str, model_id: str, device: str = "cpu",
                 precision: str = "auto") -> None:
        import open_clip
        import torch

        self.arch = arch
        self.weights = weights
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
        self.precision = "fp16" if self._half else "fp32"  # what encode_images runs
        self.precision_check: dict[str, float] = {}  # the int8 trial's figures, when there was one
        self._visual: Any = None  # the int8 image tower, when chosen
        self.text_precision = self.precision  # what encode_texts runs
        self.text_precision_check: dict[str, float] = {}
        if device == "cpu" and precision != "fp32":
            self._try_int8(forced=precision == "int8")
            if hasattr(model, "transformer") and hasattr(model, "token_embedding"):
                self._try_int8_text(forced=precision == "int8")

    def _try_int8(self, forced: bool) -> None:
        """The image tower in int8 if forced, or if faithful and faster here (module notes)."""
        import torch

        from core.encoders.probes import probe_pixels

        probe = None if forced else torch.from_numpy(probe_pixels(self.image_size))
        kept, self.precision_check = self._int8_trial(
            "visual", lambda x: torch.nn.functional.normalize(self.model.visual(x), dim=-1), probe, "image")
        if kept:
            self._visual, self.model.visual = self.model.visual, None  # fp32_model() loads fp32 again if asked
            self.precision = "int8"

    def _try_int8_text(self, forced: bool) -> None:
        """The same for the text tower's transformer (the Linear layers of its MLPs and attention outputs),
        judged on sentences of the sample library's notes; embeddings and projection stay fp32."""
        from core.encoders.probes import probe_texts

        tokens = None
        if not forced:
            tokens = self.tokenizer(probe_texts())
            tokens = tokens[:, :int((tokens != 0).sum(dim=1).max().item()) or 1]
        kept, self.text_precision_check = self._int8_trial(
            "transformer", lambda t: encode_tokens(self.model, t), tokens, "text")
        if kept:
            self.text_precision = "int8"

    def _int8_trial(self, part: str, run: Any, probe: Any, what: str) -> tuple[bool, dict[str, float]]:
        """Quantise ``self.model.<part>`` in place (the fp32 and int8 copies are never held together: that
        raised an index run's peak by 200 MB) and, given a ``probe`` for ``run`` (normalised vectors of the
        part as it is now), keep it only if faithful and faster; a rejected or failed part is loaded again
        in fp32. Returns (kept, the trial's figures; empty when forced)."""
        import time

        import torch

        from core.encoders import return_memory

        started = time.perf_counter()
        if probe is not None:
            with torch.inference_mode():
                fp32, fp32_s = _timed(run, probe)
        try:
            _quantised(getattr(self.model, part))
        except (RuntimeError, NotImplementedError, AssertionError) as exc:  # no quantised kernels here
            log.info("int8 %s encoder unavailable (%s); using fp32", what, exc)
            setattr(self.model, part, getattr(self._fresh_fp32(), part))
            return False, {}
        check: dict[str, float] = {}
        if probe is not None:
            with torch.inference_mode():
                int8, int8_s = _timed(run, probe)
            cosine = float((fp32 * int8).sum(-1).min())
            check = {"min_cosine": round(cosine, 5), "speedup": round(fp32_s / int8_s, 3),
                     "trial_s": round(time.perf_counter() - started, 2)}
            if cosine < INT8_MIN_COSINE or fp32_s < INT8_MIN_SPEEDUP * int8_s:
                log.info("CLIP %s encoder stays fp32 (int8 trial: %s)", what, check)
                setattr(self.model, part, getattr(self._fresh_fp32(), part))
                return False, check
        return_memory()
        log.info("CLIP %s encoder runs int8 on the CPU (%s)", what, check or "forced")
        return True, check

    def fp32_model(self) -> Any:
        """The whole model in fp32 on the CPU (the ONNX export writes and checks the copies from it): this
        encoder's own, or, when a tower runs int8, the same weights loaded again."""
        if self.model.visual is not None and self.text_precision != "int8":
            return self.model
        return self._fresh_fp32()

    def _fresh_fp32(self) -> Any:
        import open_clip
        import torch

        if self.weights == "random":
            torch.manual_seed(RANDOM_SEED)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = open_clip.create_model(self.arch, pretrained=None)
        else:
            model = open_clip.create_model(self.arch, pretrained=str(self.weights))
        return model.eval()

    def encode_images(self, pixels: np.ndarray) -> np.ndarray:
        import torch

        with self._lock, torch.inference_mode():
            # numpy from the CPU decode, or a tensor already on the GPU (core.media.gpu_photos)
            x = (pixels if isinstance(pixels, torch.Tensor) else torch.from_numpy(pixels)).to(self.device)
            if self._half:
                x = x.half()
            if self._visual is not None:
                out = torch.nn.functional.normalize(self._visual(x), dim=-1)
            else:
                out = self.model.encode_image(x, normalize=True)
            return out.float().cpu().numpy()

    def encode_texts(self, texts: list[str]) -> np.ndarray:
        import torch

        with self._lock, torch.inference_mode():
            tokens = self.tokenizer(texts).to(self.device)
            out = _encode_text_trimmed(self.model, tokens)
            return out.float().cpu().numpy()


def _quantised(visual: Any) -> Any:
    """The image tower with int8 dynamic quantisation of its Linear layers, converted in place (each fp32
    layer is let go as its int8 one is made). torch.ao's API is marked deprecated in favour of torchao but
    is what torch 2.14 ships working CPU kernels for; its warnings are silenced here, where it is used on
    purpose."""
    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        return torch.ao.quantization.quantize_dynamic(visual, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)


def _timed(visual: Any, probe: Any) -> tuple[Any, float]:
    """The tower's output on ``probe`` and its best time of two runs after a warm-up on one image."""
    import time

    visual(probe[:1])
    best = float("inf")
    out = None
    for _ in range(2):
        t0 = time.perf_counter()
        out = visual(probe)
        best = min(best, time.perf_counter() - t0)
    return out, best


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
    cast_dtype = model.token_embedding.weight.dtype  # the transformer's own getter fails once it is int8
    x = model.token_embedding(tokens).to(cast_dtype)
    x = x + model.positional_embedding[:length].to(cast_dtype)
    x = model.transformer(x, attn_mask=model.attn_mask[:length, :length])
    x = model.ln_final(x)
    from open_clip.transformer import text_global_pool

    x = text_global_pool(x, tokens, model.text_pool_type, eos_token_id=getattr(model, "text_eos_id", None))
    if model.text_projection is not None:
        x = model.text_projection(x) if isinstance(model.text_projection, torch.nn.Linear) else x @ model.text_projection
    return F.normalize(x, dim=-1)
