"""Index runs on the CPU encode with the ONNX copies on onnxruntime (core.encoders.onnx_index): CLIP's towers
int8 where faithful and faster (core.encoders.onnx_int8), as TROVE_CLIP_PRECISION says, and a copy that
does not load falls back (int8 to fp32, fp32 to torch) with a warning. A small open_clip config with
random weights (ViT-S-32-alt), exported the way the library exports its copies."""

from __future__ import annotations

import json
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from core.device import DeviceChoice, cpu_threads
from core.encoders import onnx_export as ox
from core.encoders import onnx_int8
from core.encoders.clip import INT8_MIN_COSINE, ClipEncoder
from core.encoders.onnx_index import OnnxClipEncoder
from core.encoders.onnx_query import OnnxClipText, OnnxClipVisual
from core.encoders.probes import probe_pixels, probe_texts
from core.library import default_encoders
from core.models import ClipWeights

ARCH = "ViT-S-32-alt"
CLIP = ClipWeights(ARCH, "random", "tests")
TEXTS = [*probe_texts(), "a cat", "", "Zoë's café receipt €12.50", "x" * 400, "東京の夜景", "🎂 birthday cake"]


@pytest.fixture(scope="module")
def torch_clip() -> ClipEncoder:
    assert CLIP.model_id is not None
    return ClipEncoder(ARCH, "random", CLIP.model_id, "cpu", precision="fp32")


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory, torch_clip: ClipEncoder) -> Path:
    """The two CLIP copies as an index run finds them (no int8 yet, no decision)."""
    root = tmp_path_factory.mktemp("copies") / "query"
    assert ox.export_clip_visual(torch_clip, root) is not None and ox.export_clip_text(torch_clip, root) is not None
    return root


@pytest.fixture
def copies(made: Path, tmp_path: Path) -> Iterator[Path]:
    """A fresh copy of ``made`` for each test: decisions and int8 graphs written by one test stay there."""
    root = tmp_path / "query"
    shutil.copytree(made, root)
    yield root


def folders(root: Path) -> list[Path]:
    assert CLIP.model_id is not None
    return [ox.export_dir(root, ox.visual_id(CLIP.model_id)), ox.export_dir(root, CLIP.model_id)]


def image_encoder(root: Path) -> object:
    return default_encoders(CLIP, "cpu", root).image


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_the_int8_copies_are_faithful_to_the_fp32_copies(copies: Path) -> None:
    visual, text = folders(copies)
    for folder in (visual, text):
        out = onnx_int8.quantise(folder)
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
        assert out.stat().st_size < (folder / "model.onnx.data").stat().st_size / 2  # int8 weights, not fp32
        assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temporary file left behind
    fp32, int8 = OnnxClipVisual(visual, 1), OnnxClipVisual(visual, 1, onnx_int8.INT8_MODEL)
    rng = np.random.default_rng(3)
    for pixels in (probe_pixels(fp32.image_size), rng.standard_normal((4, 3, 224, 224)).astype(np.float32)):
        assert (unit(fp32.encode_images(pixels)) * unit(int8.encode_images(pixels))).sum(axis=1).min() >= INT8_MIN_COSINE
    tfp32, tint8 = OnnxClipText(text, 1), OnnxClipText(text, 1, onnx_int8.INT8_MODEL)
    assert (unit(tfp32.encode_texts(TEXTS)) * unit(tint8.encode_texts(TEXTS))).sum(axis=1).min() >= INT8_MIN_COSINE


def test_the_trial_keeps_int8_only_when_faithful_and_faster(copies: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    visual = folders(copies)[0]
    onnx_int8.quantise(visual)
    decision = onnx_int8.trial(visual, 1)
    assert decision["probes"] == 6 and 0.99 <= decision["min_cosine"] <= 1.0
    kept = decision["min_cosine"] >= INT8_MIN_COSINE and decision["speedup"] >= onnx_int8.INT8_MIN_SPEEDUP
    assert decision["precision"] == ("int8" if kept else "fp32")
    monkeypatch.setattr(onnx_int8, "INT8_MIN_SPEEDUP", 1000.0)  # no int8 graph is that much faster
    assert onnx_int8.trial(visual, 1)["precision"] == "fp32"
    monkeypatch.setattr(onnx_int8, "INT8_MIN_SPEEDUP", 0.0)
    monkeypatch.setattr(onnx_int8, "INT8_MIN_COSINE", 1.01)  # nor that faithful
    assert onnx_int8.trial(visual, 1)["precision"] == "fp32"


def test_auto_decides_once_in_a_child_and_records_why(copies: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TROVE_CLIP_PRECISION", "auto")
    image = image_encoder(copies)
    assert isinstance(image, OnnxClipEncoder)
    for folder, precision, check in zip(folders(copies), (image.precision, image.text_precision),
                                        (image.precision_check, image.text_precision_check), strict=True):
        decision = json.loads((folder / onnx_int8.DECISION).read_text())
        assert decision["precision"] == precision and decision["onnxruntime"] and decision["machine"]
        assert check["min_cosine"] == decision["min_cosine"] and check["speedup"] == decision["speedup"]
        assert (folder / onnx_int8.INT8_MODEL).is_file() == (precision == "int8")  # a rejected graph is deleted
        assert stat.S_IMODE((folder / onnx_int8.DECISION).stat().st_mode) == 0o600

    tried: list[list[Path]] = []
    monkeypatch.setattr(onnx_int8, "_run_child", lambda todo, threads, keep: tried.append(todo))
    again = image_encoder(copies)
    assert isinstance(again, OnnxClipEncoder) and again.precision == image.precision and tried == []
    decision_file = folders(copies)[0] / onnx_int8.DECISION
    moved = json.loads(decision_file.read_text()) | {"machine": "another machine"}
    decision_file.write_text(json.dumps(moved))  # a data folder moved to another machine decides again
    image_encoder(copies)
    assert tried == [folders(copies)[:1]]


@pytest.mark.parametrize("preference", ["fp32", "int8"])
def test_trove_clip_precision_forces_the_graph(copies: Path, preference: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TROVE_CLIP_PRECISION", preference)
    for folder in folders(copies):  # a decision recorded the other way round does not matter
        onnx_int8._write_decision(folder, cpu_threads(), {"precision": "fp32" if preference == "int8" else "int8"})
    image = image_encoder(copies)
    assert isinstance(image, OnnxClipEncoder)
    assert image.precision == image.text_precision == preference
    assert image.precision_check.get("forced") is True
    made_int8 = [(f / onnx_int8.INT8_MODEL).is_file() for f in folders(copies)]
    assert made_int8 == ([True, True] if preference == "int8" else [False, False])  # fp32 makes none


def test_the_onnx_encoder_gives_torchs_vectors(copies: Path, torch_clip: ClipEncoder,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The vectors an index run stores keep torch's model id: they must be torch's within the int8 cut-off."""
    for preference in ("fp32", "int8"):
        monkeypatch.setenv("TROVE_CLIP_PRECISION", preference)
        image = image_encoder(copies)
        assert isinstance(image, OnnxClipEncoder) and image.model_id == torch_clip.model_id
        assert image.dim == torch_clip.dim and image.image_size == torch_clip.image_size
        pixels = np.concatenate([probe_pixels(224), np.random.default_rng(4).standard_normal((3, 3, 224, 224))
                                 .astype(np.float32)])
        got, want = image.encode_images(pixels), torch_clip.encode_images(pixels)
        assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-4)
        floor = 0.9999 if preference == "fp32" else INT8_MIN_COSINE
        assert (got * want).sum(axis=1).min() >= floor, preference
        assert (image.encode_texts(TEXTS) * torch_clip.encode_texts(TEXTS)).sum(axis=1).min() >= floor, preference


def test_a_damaged_int8_graph_falls_back_to_the_fp32_copy(copies: Path, monkeypatch: pytest.MonkeyPatch,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("TROVE_CLIP_PRECISION", "int8")
    assert isinstance(image_encoder(copies), OnnxClipEncoder)  # makes the int8 graphs
    visual = folders(copies)[0]
    (visual / onnx_int8.INT8_MODEL).write_bytes(b"not a model")
    image = image_encoder(copies)
    assert isinstance(image, OnnxClipEncoder) and image.precision == "fp32" and image.text_precision == "int8"
    assert "the int8 copy of" in caplog.text and "cannot be loaded" in caplog.text
    assert not (visual / onnx_int8.INT8_MODEL).exists() and not (visual / onnx_int8.DECISION).exists()


def test_a_damaged_copy_falls_back_to_torch(copies: Path, caplog: pytest.LogCaptureFixture,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TROVE_CLIP_PRECISION", "fp32")
    visual = folders(copies)[0]
    (visual / "model.onnx").write_bytes(b"\x00garbage")
    image = image_encoder(copies)
    assert isinstance(image, ClipEncoder)  # torch indexes this run
    assert "cannot be loaded" in caplog.text and "indexing with torch" in caplog.text
    assert not visual.exists()  # removed, so this run's end writes it again
    assert not ox.is_exported(copies, ox.visual_id(image.model_id))


def test_no_copies_or_a_gpu_means_torch(tmp_path: Path, made: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(default_encoders(CLIP, "cpu", tmp_path / "none").image, ClipEncoder)
    assert isinstance(default_encoders(CLIP, "cpu").image, ClipEncoder)
    import core.encoders.clip
    import core.library

    monkeypatch.setattr(core.library, "confirm_device", lambda choice: choice)  # as if torch confirmed the GPU
    monkeypatch.setattr(core.encoders.clip, "ClipEncoder", lambda *args: ("torch", args[3]))
    gpu = default_encoders(CLIP, DeviceChoice("cuda", "cuda (a test's)", False), made)
    assert gpu.image == ("torch", "cuda")
