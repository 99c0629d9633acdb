from __future__ import annotations

import numpy as np
import pytest

from core.encoders.clip import ClipEncoder


@pytest.fixture(scope="module")
def clip() -> ClipEncoder:
    return ClipEncoder("ViT-S-32-alt", "random", "test", "cpu", precision="fp32")


@pytest.fixture(scope="module")
def auto() -> ClipEncoder:
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


def test_int8_image_tower_is_faithful_to_fp32(auto: ClipEncoder) -> None:
    """The int8 image tower (forced) gives vectors within the cosine the automatic choice requires, on
    random pixels as well as on the photos the choice is made on."""
    from core.encoders.clip import INT8_MIN_COSINE
    from core.encoders.probes import probe_pixels

    int8 = ClipEncoder("ViT-S-32-alt", "random", "test", "cpu", precision="int8")
    assert int8.precision == "int8" and auto.precision in ("fp32", "int8")
    fp32 = ClipEncoder("ViT-S-32-alt", "random", "test", "cpu", precision="fp32")
    assert fp32.precision == "fp32" and fp32.precision_check == {}
    rng = np.random.default_rng(1)
    for pixels in (probe_pixels(int8.image_size), rng.standard_normal((3, 3, 224, 224)).astype(np.float32)):
        a, b = fp32.encode_images(pixels), int8.encode_images(pixels)
        assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
        assert (a * b).sum(axis=1).min() >= INT8_MIN_COSINE


def test_the_automatic_choice_measures_and_says_why(auto: ClipEncoder) -> None:
    for check, chosen in ((auto.precision_check, auto.precision), (auto.text_precision_check, auto.text_precision)):
        assert set(check) == {"min_cosine", "speedup", "trial_s"}
        kept = check["min_cosine"] >= 0.99 and check["speedup"] >= 1.1
        assert chosen == ("int8" if kept else "fp32")


def test_int8_text_tower_is_faithful_to_fp32(clip: ClipEncoder) -> None:
    from core.encoders.clip import INT8_MIN_COSINE
    from core.encoders.probes import probe_texts

    int8 = ClipEncoder("ViT-S-32-alt", "random", "test", "cpu", precision="int8")
    assert int8.text_precision == "int8" and clip.text_precision == "fp32"
    texts = [*probe_texts(), "a cat", "", "Zoë's café receipt €12.50", "x" * 400]
    a, b = clip.encode_texts(texts), int8.encode_texts(texts)
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    assert (a * b).sum(axis=1).min() >= INT8_MIN_COSINE
    fresh = int8.fp32_model()  # what the ONNX export is written from: fp32 again, the same weights
    assert fresh is not int8.model and fresh.visual is not None


def test_a_rejected_int8_trial_leaves_the_fp32_tower(monkeypatch: pytest.MonkeyPatch) -> None:
    """When int8 is not faithful enough (here: a cut-off no tower can pass), the encoder runs fp32, with
    the same vectors as an encoder that never tried."""
    import core.encoders.clip as clip_module

    monkeypatch.setattr(clip_module, "INT8_MIN_COSINE", 1.01)
    tried = ClipEncoder("ViT-S-32-alt", "random", "test", "cpu")
    assert tried.precision == "fp32" and tried.precision_check["min_cosine"] < 1.01
    never = ClipEncoder("ViT-S-32-alt", "random", "test", "cpu", precision="fp32")
    pixels = np.random.default_rng(2).standard_normal((2, 3, 224, 224)).astype(np.float32)
    assert np.allclose(tried.encode_images(pixels), never.encode_images(pixels), atol=1e-5)
