"""Probe inputs for the int8 trials: the sample library's photos and notes, as real as inputs get without
the person's own files. numpy and Pillow only, so the onnxruntime trial (``core.encoders.onnx_int8``) runs
them without torch; the torch trial (``core.encoders.clip``) uses the same ones."""

from __future__ import annotations

import numpy as np
from PIL import Image

from core.encoders.clip import preprocess


def probe_texts() -> list[str]:
    """Sentences of the sample library's notes for the text tower's int8 trial (a few fixed ones if the
    sample library is not installed)."""
    from resources import sample_library

    out: list[str] = []
    for p in sorted(sample_library().glob("notes/*")):
        try:
            out += [line.strip("#-* ") for line in p.read_text(encoding="utf-8", errors="replace").splitlines()
                    if len(line.strip()) > 20]
        except OSError:
            continue
    return out[:16] or ["a photo of a dog on the beach", "notes from the garden shed meeting",
                        "the boiler shows a red light", "call the dentist on Tuesday morning"]


def probe_pixels(size: int) -> np.ndarray:
    """The sample library's photos, preprocessed: real pictures for the int8 trial (generated patterns if
    the sample library is not installed)."""
    from resources import sample_library

    paths = sorted(sample_library().glob("photos/*/*.jpg"))[:6]
    images = []
    for p in paths:
        try:
            with Image.open(p) as img:
                images.append(preprocess(img, size))
        except OSError:
            continue
    if len(images) < 2:
        rng = np.random.default_rng(0)
        grad = np.linspace(0, 1, size, dtype=np.float32)
        images = [np.stack([grad[None, :] * (i + 1) / 6 + rng.normal(0, 0.1, (size, size)).astype(np.float32)] * 3)
                  for i in range(6)]
    return np.stack(images).astype(np.float32)
