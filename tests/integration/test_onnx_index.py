"""Index runs on the CPU without torch: a library's first run writes the ONNX copies in a child process
(core.copies) and then indexes on onnxruntime, as every later run does (core.encoders.onnx_index); the
vectors are torch's within the int8 cut-off, under the same model ids; a damaged copy falls back to torch
and is written again. CLIP ViT-B-32 with random weights, the real MiniLM and Whisper, the sample library."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from core.encoders import onnx_export as ox
from core.encoders.clip import INT8_MIN_COSINE, ClipEncoder
from core.encoders.onnx_index import OnnxClipEncoder
from core.encoders.onnx_query import OnnxSentenceEncoder
from core.encoders.text import SentenceEncoder
from core.library import Library, default_encoders
from core.models import ModelStore
from tests.conftest import make_photo

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "resources" / "sample-library"
TORCH_MODULES = ("torch", "open_clip", "sentence_transformers", "transformers", "torchvision")

# One index run in a fresh interpreter, as `trove index` runs it: what it indexed, which phases it went
# through, which encoders it used and which of torch's modules it imported.
SCRIPT = """
import json, sys
from pathlib import Path
from core.library import Library
TORCH_MODULES = sys.argv[3].split(",")
phases = []
with Library.open(Path(sys.argv[1]), device="cpu") as lib:
    lib.add_root(sys.argv[2])
    summary = lib.index(progress=lambda p: phases.append(p.phase))
    image = lib.encoders.image
    print(json.dumps({"added": summary.added, "failed": summary.failed, "phases": sorted(set(phases)),
                      "modules": sorted(m for m in TORCH_MODULES if m in sys.modules),
                      "image": type(image).__name__, "text": type(lib.encoders.text).__name__,
                      "precision": [image.precision, image.text_precision]}))
"""


@pytest.fixture(autouse=True)
def random_clip(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TROVE_CLIP_WEIGHTS", "random")


def index_in_a_process(data: Path, folder: Path) -> dict[str, Any]:
    env = dict(os.environ, TROVE_CLIP_WEIGHTS="random", TROVE_CLIP_PRECISION="auto")
    run = subprocess.run([sys.executable, "-c", SCRIPT, str(data), str(folder), ",".join(TORCH_MODULES)], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=900, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    return dict(json.loads(run.stdout.strip().splitlines()[-1]))


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, Any]]:
    """A library's very first index run: no copies yet."""
    tmp = tmp_path_factory.mktemp("onnx-index")
    library = shutil.copytree(SAMPLE, tmp / "library")
    return tmp / "data", library, index_in_a_process(tmp / "data", library)


def test_a_first_run_writes_the_copies_in_a_child_and_never_imports_torch(
        first: tuple[Path, Path, dict[str, Any]]) -> None:
    data, library, out = first
    assert out["added"] == sum(1 for p in library.rglob("*") if p.is_file()) and out["failed"] == 0
    assert out["modules"] == [], out  # torch was only ever in the child that wrote the copies
    assert "preparing" in out["phases"]
    assert out["image"] == "OnnxClipEncoder" and out["text"] == "OnnxSentenceEncoder"
    clip = ModelStore(data).clip()
    assert clip.model_id is not None
    for key, _kind in ox.query_copy_keys("all-MiniLM-L6-v2", clip.model_id):
        assert ox.is_exported(data / "models" / "query", key), key


def test_a_run_with_the_copies_never_imports_torch(first: tuple[Path, Path, dict[str, Any]], tmp_path: Path) -> None:
    data, _library, _out = first
    more = tmp_path / "more"
    for i in range(5):
        make_photo(more / "photos" / f"beach-{i}.jpg", color=(40 * i, 120, 200), seed=i)
    (more / "notes").mkdir()
    (more / "notes" / "boat.md").write_text("# Boat trip\n\nWe rented a small sailing boat on the lake.\n")
    out = index_in_a_process(data, more)
    assert out["added"] == 6 and out["failed"] == 0
    assert out["modules"] == [], out
    assert "preparing" not in out["phases"]  # nothing to write: the copies are there
    assert out["image"] == "OnnxClipEncoder" and out["text"] == "OnnxSentenceEncoder"
    assert set(out["precision"]) <= {"int8", "fp32"}


def vectors(lib: Library, root: Path) -> dict[tuple[str, int], tuple[Any, ...]]:
    out = {}
    for path, row in lib.catalog.files_under(str(root)).items():
        for ch in lib.catalog.chunks_of(row.id):
            out[(path, ch.ordinal)] = (ch.visual, ch.visual_model, ch.textvec, ch.text_model)
    return out


def test_the_onnx_runs_vectors_are_torchs(first: tuple[Path, Path, dict[str, Any]], tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Same files, indexed on onnxruntime (int8 where chosen) and on torch fp32: the same chunks, the same
    model ids, every vector within the int8 cut-off."""
    data, library, _out = first
    clip = ModelStore(data).clip()
    found = {}
    for name, copies, precision in (("onnx", data / "models" / "query", "auto"), ("torch", None, "fp32")):
        monkeypatch.setenv("TROVE_CLIP_PRECISION", precision)
        with Library.open(tmp_path / name, encoders=default_encoders(clip, "cpu", copies)) as lib:
            lib.add_root(library)
            assert lib.index(query_copies=False).failed == 0
            expected = (OnnxClipEncoder, OnnxSentenceEncoder) if name == "onnx" else (ClipEncoder, SentenceEncoder)
            assert isinstance(lib.encoders.image, expected[0]) and isinstance(lib.encoders.text, expected[1])
            found[name] = vectors(lib, library)
    assert found["onnx"].keys() == found["torch"].keys() and len(found["onnx"]) > 17
    for key, (visual, visual_model, text, text_model) in found["onnx"].items():
        t_visual, t_visual_model, t_text, t_text_model = found["torch"][key]
        assert (visual_model, text_model) == (t_visual_model, t_text_model), key
        for a, b in ((visual, t_visual), (text, t_text)):
            a32, b32 = np.asarray(a, np.float32), np.asarray(b, np.float32)
            if not b32.any():  # a passage without words is zeros on both paths
                assert not a32.any(), key
                continue
            assert float(a32 @ b32 / np.linalg.norm(a32) / np.linalg.norm(b32)) >= INT8_MIN_COSINE, key


def test_a_damaged_copy_falls_back_to_torch_and_is_written_again(
        first: tuple[Path, Path, dict[str, Any]], tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data, library, _out = first
    mine = tmp_path / "data"
    shutil.copytree(data / "models", mine / "models")
    root = mine / "models" / "query"
    sentence = ox.export_dir(root, "all-MiniLM-L6-v2")
    (sentence / "model.onnx").write_bytes(b"damaged")
    with Library.open(mine, device="cpu") as lib:
        lib.add_root(library / "notes")
        summary = lib.index()
        assert summary.failed == 0 and summary.added == 6
        assert isinstance(lib.encoders.text, SentenceEncoder)  # torch, this once
        assert isinstance(lib.encoders.image, OnnxClipEncoder)  # its own copies were fine
    assert "cannot be loaded" in caplog.text and "indexing with torch" in caplog.text
    assert ox.is_exported(root, "all-MiniLM-L6-v2")  # written again at the run's end, from torch's model
    again = OnnxSentenceEncoder(sentence)
    assert again.encode(["a boat on the lake"]).shape == (1, 384)


def test_a_cancel_while_the_copies_are_written_stops_the_run(tmp_path: Path) -> None:
    """Cancel reaches the child that writes the copies: it is ended at once and nothing is indexed (the
    indexer's own start would otherwise clear the cancel and index anyway)."""
    folder = tmp_path / "photos"
    make_photo(folder / "one.jpg")
    with Library.open(tmp_path / "data", device="cpu") as lib:
        lib.add_root(folder)
        t0 = time.monotonic()
        summary = lib.index(progress=lambda p: lib.cancel_indexing() if p.phase == "preparing" else None)
        assert summary.cancelled and summary.added == 0
        assert time.monotonic() - t0 < 30  # ended, not waited for (writing the copies takes about 45 s)
        assert lib.catalog.counts()["photo"] == 0
        assert not ox.is_exported(lib.query_models_dir, "all-MiniLM-L6-v2")
