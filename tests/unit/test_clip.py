from __future__ import annotations

import numpy as np
import pytest

from core.encoders.clip import ClipEncoder


@pytest.fixture(scope="module")
def clip() -> ClipEncoder:
    return ClipEncoder("ViT-S-32-alt", "random", "test", "cpu")


def test_trimmed_text_encoding_equals_the_full_one(clip: ClipEncoder) -> None:
    import torch

    texts = ["a cat", "sourdough loaf with a long cold proof in the fridge overnight", ""]
    with torch.inference_mode():
        full = clip.model.encode_text(clip.tokenizer(texts), normalize=True).numpy()
    trimmed = clip.encode_texts(texts)
    assert trimmed.shape == full.shape
    assert np.abs(trimmed - full).max() < 1e-5


def test_image_vectors_are_unit_and_deterministic(clip: ClipEncoder) -> None:
    rng = np.random.default_rng(0)
    pixels = rng.standard_normal((2, 3, clip.image_size, clip.image_size)).astype(np.float32)
    a, b = clip.encode_images(pixels), clip.encode_images(pixels)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5) and np.allclose(a, b)
