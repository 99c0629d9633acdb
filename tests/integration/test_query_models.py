"""Text queries run on ONNX copies of the text towers (no torch): the copies are written after an index
run, give the vectors torch gives, and anything wrong with them falls back to torch, never to an error.
Real MiniLM, CLIP ViT-B-32 with random weights (the same graph the real weights use)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from core.encoders import onnx_export as ox
from core.encoders.onnx_query import OnnxClipText, OnnxSentenceEncoder
from core.encoders.query import QueryEncoders
from core.library import Library, default_encoders
from core.models import ModelStore
from core.search import Query
from tests.eval.corpus import NOTES

pytestmark = pytest.mark.slow

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "sample-library"
QUERIES = ["bread recipe with a starter", "spacecraft launch", "what did I say about the car tyres",
           "a photo of a cat", "dentist", "Zoë's café receipt €12.50", "x"]
TRICKY = ["", " ", "UPPER lower MiXeD", "don't won't we'll they're I'd", "tab\tand\nnewline", "a" * 500,
          "&lt;b&gt;bold&lt;/b&gt; &amp;amp;", "ﬁ ligature and Ⅻ numerals", "😀😃😄 emoji only", "中文 日本語 한국어",
          "<start_of_text> literal special tokens <end_of_text>", "1234567890 3.14159 -42 1e10",
          "naïve façade coöperate résumé", "mañana über straße", "multiple     spaces   here"]


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    mp = pytest.MonkeyPatch()
    mp.setenv("TROVE_CLIP_WEIGHTS", "random")
    mp.setenv("TROVE_CLIP_PRECISION", "int8")  # the image tower the indexer runs is int8: the copy is still fp32's
    tmp = tmp_path_factory.mktemp("query-models")
    # Torch's encoders, handed in: the copies are written at the run's end from the models it loaded (a
    # library's first run with the default models writes them before, in a child: test_onnx_index.py).
    library = Library.open(tmp / "data", encoders=default_encoders(ModelStore(tmp / "data").clip(), "cpu"))
    library.add_root(shutil.copytree(SAMPLE, tmp / "library"))
    library.index()
    yield library
    library.close()
    mp.undo()


def torch_only(lib: Library) -> QueryEncoders:
    return QueryEncoders(Path("/nonexistent"), lib.encoders)


def test_an_index_run_writes_both_copies_with_their_check(lib: Library) -> None:
    root = lib.query_models_dir
    for model_id in (lib.encoders.text_model_id, lib.encoders.visual_model_id):
        assert model_id is not None and ox.is_exported(root, model_id)
        manifest = json.loads((ox.export_dir(root, model_id) / ox.MANIFEST).read_text())
        assert manifest["min_cosine"] >= ox.MIN_COSINE
        assert (ox.export_dir(root, model_id) / "model.onnx").stat().st_size > 0
    image = lib.encoders.image
    assert image is not None and image.precision == "int8" and image.model.visual is None  # fp32 tower let go
    visual = ox.visual_id(image.model_id)
    assert ox.is_exported(root, visual)
    assert json.loads((ox.export_dir(root, visual) / ox.MANIFEST).read_text())["min_cosine"] >= ox.MIN_COSINE


def test_the_copies_give_the_vectors_torch_gives(lib: Library) -> None:
    root = lib.query_models_dir
    sentence = OnnxSentenceEncoder(ox.export_dir(root, lib.encoders.text_model_id))
    assert lib.encoders.visual_model_id is not None
    clip = OnnxClipText(ox.export_dir(root, lib.encoders.visual_model_id))
    texts = QUERIES + [n.text[:2000] for n in NOTES[:20]]
    cos_text = (sentence.encode(texts) * lib.encoders.text.encode(texts)).sum(axis=1)
    image = lib.encoders.image
    assert image is not None and image.text_precision == "int8"  # the fixture forces int8
    import torch

    from core.encoders.clip import encode_tokens

    fp32 = image.fp32_model()
    with torch.inference_mode():
        want = np.concatenate([encode_tokens(fp32, image.tokenizer([t])).numpy() for t in texts])
    cos_clip = (clip.encode_texts(texts) * want).sum(axis=1)  # the copy is fp32's...
    assert cos_text.min() > 0.9999 and cos_clip.min() > 0.9999, (cos_text.min(), cos_clip.min())
    assert (clip.encode_texts(texts) * image.encode_texts(texts)).sum(axis=1).min() > 0.99  # ...int8 is near it


def test_the_clip_tokenizer_copy_gives_open_clips_token_ids(lib: Library) -> None:
    image = lib.encoders.image
    assert image is not None and lib.encoders.visual_model_id is not None
    clip = OnnxClipText(ox.export_dir(lib.query_models_dir, lib.encoders.visual_model_id))
    texts = TRICKY + QUERIES + [n.text for n in NOTES]
    expected = image.tokenizer(texts).numpy()  # type: ignore[attr-defined]
    for text, want in zip(texts, expected, strict=True):
        assert clip.token_ids(text) == [int(t) for t in want if t != 0], text[:60]


def test_a_text_query_uses_the_copies_and_ranks_as_torch_does(lib: Library) -> None:
    for text in QUERIES:
        lib.query = QueryEncoders(lib.query_models_dir, lib.encoders)
        fast = lib.search(Query(text=text, limit=10))
        used = lib.query.uses_onnx()
        assert used["sentence"] and used["clip_text"], used
        lib.query = torch_only(lib)
        slow = lib.search(Query(text=text, limit=10))
        assert [r.path for r in fast.results] == [r.path for r in slow.results], text
        scores = np.array([r.score for r in fast.results]) - np.array([r.score for r in slow.results])
        assert np.abs(scores).max(initial=0.0) < 1e-3, text


def test_a_damaged_copy_falls_back_to_torch(lib: Library, caplog: pytest.LogCaptureFixture) -> None:
    root = lib.query_models_dir
    folder = ox.export_dir(root, lib.encoders.text_model_id)
    backup = root.parent / "backup-copy"
    shutil.copytree(folder, backup)
    try:
        (folder / "model.onnx").write_bytes(b"not a model")
        lib.query = QueryEncoders(root, lib.encoders)
        resp = lib.search(Query(text="bread recipe with a starter", limit=3))
        assert resp.results and resp.results[0].path.endswith("sourdough-recipe.md")
        assert lib.query.uses_onnx()["sentence"] is False
        assert "cannot be loaded" in caplog.text
    finally:
        shutil.rmtree(folder)
        shutil.copytree(backup, folder)
        shutil.rmtree(backup)


def test_a_failed_export_is_not_tried_again(tmp_path: Path) -> None:
    ox.mark_failed(tmp_path, "some-model", "the copy did not match torch")
    assert ox.has_failed(tmp_path, "some-model") and not ox.has_failed(tmp_path, "other-model")
    ox.remove_others(tmp_path, ["other-model"])  # a model no longer in use: its marker goes too
    assert not ox.has_failed(tmp_path, "some-model")
