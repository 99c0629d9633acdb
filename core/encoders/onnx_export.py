"""ONNX copies of the two text towers, so a query never needs torch.

Importing torch (the CUDA build pip installs on x86_64) takes about 1.8 s and 0.9 GB of resident memory
on a 2-core machine; importing open_clip and sentence-transformers on top brings a cold text query to
about 8 s and 1.8 GB. A query only needs two small forward passes, so the library writes each text tower
as an ONNX graph with its tokenizer in the form the ``tokenizers`` package reads, and
``core.encoders.onnx_query`` runs them with onnxruntime (already installed: faster-whisper depends on it).
They are written once per model (``core.copies``): before a library's first index run on the CPU, in a
process of their own, so that run and every later one index on them too (``core.encoders.onnx_index``);
on a GPU, after the run, from the torch models it loaded.

A copy is only kept when it gives the same vectors as torch on probe texts (cosine >= ``MIN_COSINE``)
and, for CLIP, the same token ids as open_clip's tokenizer. It is written into a temporary folder and
moved into place, so a crash never leaves a half-written copy that looks whole. Writing is two steps,
``write_*`` (torch: the graph, and torch's vectors on the probes) and ``keep_if_faithful``
(onnxruntime: the copy's vectors), so a process that only writes copies lets the torch model go before
onnxruntime loads the copy (``core.copies``); ``export_*`` does both.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
FORMAT = 1  # bump when what is written changes; older copies are then made again
MIN_COSINE = 0.9999
OPSET = 18

# Texts that exercise the tokenizers: case, punctuation, contractions, digits, accents, non-Latin
# scripts, emoji, HTML entities, runs of spaces, and one longer than CLIP's 77-token context.
PROBES = [
    "a photo of a dog on the beach",
    "Where did I put the SPARE KEY?",
    "I'm sure it's the dentist's appointment, isn't it... we'd   better   go",
    "invoice #2023-0417 for 1,250.75 EUR",
    "café crème brûlée naïve Zoë",
    "東京の夜景 и московское метро",
    "🎂 birthday cake 🎉 & fireworks &amp; more",
    " ".join(["the long walk along the river to the old bridge"] * 12),
    "x",
]


def slug(model_id: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in model_id)


def export_dir(root: Path, model_id: str) -> Path:
    return root / slug(model_id)


def query_copy_keys(text_model_id: str, visual_model_id: str | None) -> list[tuple[str, str]]:
    """(key, kind) of every copy queries use: the sentence encoder, and CLIP's two towers if it has weights."""
    keys = [(text_model_id, "sentence")]
    if visual_model_id is not None:
        keys += [(visual_model_id, "clip-text"), (visual_id(visual_model_id), "clip-visual")]
    return keys


def is_exported(root: Path, model_id: str) -> bool:
    try:
        manifest = json.loads((export_dir(root, model_id) / MANIFEST).read_text())
    except (OSError, ValueError):
        return False
    return manifest.get("format") == FORMAT and manifest.get("model_id") == model_id


def has_failed(root: Path, model_id: str) -> bool:
    """An earlier export of this model failed with this exporter: do not spend the time again."""
    try:
        return int(json.loads((root / f"{slug(model_id)}.failed").read_text()).get("format", 0)) == FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def mark_failed(root: Path, model_id: str, reason: str) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / f"{slug(model_id)}.failed").write_text(json.dumps({"format": FORMAT, "reason": reason}))


def remove_others(root: Path, keep: list[str]) -> None:
    """Delete copies of models no longer in use (a CLIP checkpoint replaced), and leftovers of a crash."""
    if not root.is_dir():
        return
    names = {slug(m) for m in keep}
    for entry in root.iterdir():
        stem = entry.name.removesuffix(".failed")
        if entry.is_dir() and (entry.name.startswith(".") or entry.name not in names):
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.is_file() and entry.name.endswith(".failed") and stem not in names:
            entry.unlink(missing_ok=True)


@dataclass
class Written:
    """A copy written into ``tmp`` and not yet checked. ``check`` compares it with torch's vectors taken
    when it was written; it holds no torch model, so the model can go before onnxruntime loads the copy."""

    root: Path
    model_id: str
    kind: str
    tmp: Path
    check: Callable[[Path], float]
    extra: dict[str, Any]


def export_sentence_encoder(encoder: Any, root: Path) -> Path | None:
    """Write ``encoder`` (a ``SentenceEncoder``) as ONNX: BERT, mean pooling and normalisation in one
    graph. Returns the folder, or None when the copy does not match torch (it is then not kept)."""
    written = write_sentence_encoder(encoder, root)
    return written if written is None else keep_if_faithful(written)


def write_sentence_encoder(encoder: Any, root: Path) -> Written | None:
    """The torch side of ``export_sentence_encoder``; None when there is no tokenizer.json to copy."""
    import torch

    st = encoder.model
    bert = st[0].auto_model
    tokenizer_json = Path(st.tokenizer.name_or_path) / "tokenizer.json"
    if not tokenizer_json.is_file():
        log.warning("no tokenizer.json beside %s; text queries keep using torch", st.tokenizer.name_or_path)
        return None
    max_tokens = int(st.max_seq_length)

    class MeanPooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=-1)

    def write(tmp: Path) -> None:
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(tokenizer_json))
        tok.enable_truncation(max_tokens)
        tok.no_padding()
        tok.save(str(tmp / "tokenizer.json"))
        # A batch of two of one length: torch.export fixes any dimension that is 1 in the sample.
        sample = tok.encode("a short sentence to trace the graph")
        args = tuple(torch.tensor([row, row], dtype=torch.long)
                     for row in (sample.ids, sample.attention_mask, sample.type_ids))
        axes = _batch_and_length(max_tokens)
        _export(MeanPooled().eval().cpu(), args, tmp / "model.onnx",
                ["input_ids", "attention_mask", "token_type_ids"],
                {"input_ids": axes, "attention_mask": axes, "token_type_ids": axes})

    def reference() -> Callable[[Path], float]:
        want = encoder.encode(PROBES)

        def check(tmp: Path) -> float:
            from core.encoders.onnx_query import OnnxSentenceEncoder

            return _min_cosine(want, OnnxSentenceEncoder(tmp, threads=1).encode(PROBES))

        return check

    return _write(root, encoder.model_id, "sentence", write, reference,
                  {"dim": int(encoder.dim), "max_tokens": max_tokens})


def export_clip_text(encoder: Any, root: Path) -> Path | None:
    """Write the text tower of ``encoder`` (a ``ClipEncoder``) as ONNX with a ``tokenizers`` copy of
    open_clip's tokenizer. Returns the folder, or None when either does not match open_clip."""
    return keep_if_faithful(write_clip_text(encoder, root))


def write_clip_text(encoder: Any, root: Path) -> Written:
    """The torch side of ``export_clip_text``."""
    import torch

    from core.encoders.clip import encode_tokens

    model = encoder.fp32_model() if hasattr(encoder, "fp32_model") else encoder.model  # never an int8 tower
    context = int(getattr(model, "context_length", 77))

    class TextTower(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.clip = model

        def forward(self, tokens: Any) -> Any:
            return encode_tokens(self.clip, tokens)

    def write(tmp: Path) -> None:
        _clip_tokenizer(encoder.tokenizer).save(str(tmp / "tokenizer.json"))
        tokens = encoder.tokenizer(["a photo of a dog", "a photo of a cat"])[:, :12].to("cpu")
        tower = TextTower().eval()
        with _on_cpu_fp32(model):
            _export(tower, (tokens,), tmp / "model.onnx", ["tokens"], {"tokens": _batch_and_length(context)})

    def reference() -> Callable[[Path], float]:
        ids = [[int(t) for t in row if t != 0] for row in encoder.tokenizer(PROBES).numpy()]
        with torch.inference_mode(), _on_cpu_fp32(model):
            want = np.concatenate([encode_tokens(model, _trimmed(encoder.tokenizer([p]))).float().numpy()
                                   for p in PROBES])

        def check(tmp: Path) -> float:
            from core.encoders.onnx_query import OnnxClipText

            onnx = OnnxClipText(tmp, threads=1)
            for text, expected in zip(PROBES, ids, strict=True):
                if list(onnx.token_ids(text)) != expected:
                    log.warning("the ONNX copy of CLIP's tokenizer differs from open_clip's on %r", text[:40])
                    return -1.0
            return _min_cosine(want, onnx.encode_texts(PROBES))

        return check

    return _write(root, encoder.model_id, "clip-text", write, reference,
                  {"dim": int(encoder.dim), "context_length": context})


def _trimmed(tokens: Any) -> Any:
    """Token ids without the padding after the longest text (as ``ClipEncoder.encode_texts`` runs them)."""
    return tokens[:, :int((tokens != 0).sum(dim=1).max().item()) or 1]


def visual_id(model_id: str) -> str:
    """The key of a CLIP model's visual tower copy (its text tower's copy is keyed by the model id)."""
    return f"{model_id}#visual"


def export_clip_visual(encoder: Any, root: Path) -> Path | None:
    """Write the visual tower of ``encoder`` (a ``ClipEncoder``) as ONNX: preprocessed pixels in (what
    ``core.encoders.clip.preprocess`` makes), normalised embeddings out. Image queries then need no torch."""
    return keep_if_faithful(write_clip_visual(encoder, root))


def write_clip_visual(encoder: Any, root: Path) -> Written:
    """The torch side of ``export_clip_visual``."""
    import torch

    model = encoder.fp32_model() if hasattr(encoder, "fp32_model") else encoder.model  # never the int8 tower
    size = int(encoder.image_size)

    class VisualTower(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.clip = model

        def forward(self, pixels: Any) -> Any:
            return self.clip.encode_image(pixels, normalize=True)

    rng = np.random.default_rng(0)
    probes = rng.standard_normal((3, 3, size, size)).astype(np.float32)

    def write(tmp: Path) -> None:
        sample = torch.from_numpy(probes[:2].copy())
        with _on_cpu_fp32(model):
            _export(VisualTower().eval(), (sample,), tmp / "model.onnx", ["pixels"],
                    {"pixels": {0: torch.export.Dim("batch", min=1, max=4096)}})

    def reference() -> Callable[[Path], float]:
        with torch.inference_mode(), _on_cpu_fp32(model):
            want = model.encode_image(torch.from_numpy(probes), normalize=True).float().numpy()

        def check(tmp: Path) -> float:
            from core.encoders.onnx_query import OnnxClipVisual

            return _min_cosine(want, OnnxClipVisual(tmp, threads=1).encode_images(probes))

        return check

    return _write(root, visual_id(encoder.model_id), "clip-visual", write, reference,
                  {"dim": int(encoder.dim), "image_size": size})


def _batch_and_length(max_length: int) -> dict[int, Any]:
    import torch

    return {0: torch.export.Dim("batch", min=1, max=4096), 1: torch.export.Dim("length", min=2, max=max_length)}


def _export(module: Any, args: tuple[Any, ...], path: Path, inputs: list[str], shapes: dict[str, Any]) -> None:
    """torch.export-based ONNX export (the TorchScript exporter bakes MultiheadAttention's batch and
    length into its reshapes); batch and length stay dynamic. The weights go to a file of their own
    beside the graph, which onnxruntime maps instead of copying: the CLIP text tower loads in 0.30 s at
    222 MB peak instead of 0.51 s at 410 MB."""
    import torch

    for name in ("onnx_ir", "onnxscript", "torch.onnx", "torch.export"):
        logging.getLogger(name).setLevel(logging.WARNING)

    with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad(), \
            contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        torch.onnx.export(module, args, str(path), input_names=inputs, output_names=["vectors"],
                          dynamic_shapes=shapes, opset_version=OPSET, dynamo=True, external_data=True,
                          verbose=False)
    _forget_matched_graphs()


def _forget_matched_graphs() -> None:
    """Let go of the graph onnxscript's rewrite rules keep after the export. Each rule's matcher holds the
    last graph it matched (onnxscript 0.7.2, ``SimplePatternMatcher._graph``), and through it every weight
    of the model just exported: the CLIP text tower's 250 MB stayed after the tower was dropped, and
    torch's CLIP (600 MB) after it was let go, until the next export. The next match sets them again."""
    import gc

    try:
        from onnxscript.rewriter._matcher import SimplePatternMatcher
    except ImportError:  # another onnxscript: nothing known to clear
        return
    try:
        for obj in gc.get_objects():
            if isinstance(obj, SimplePatternMatcher):
                for name in ("_graph", "_current_node", "_tracer"):
                    if name in vars(obj):
                        setattr(obj, name, None)
                match = vars(obj).get("_match")
                if match is not None:
                    obj._match = type(match)()
    except Exception:  # private fields of another onnxscript: memory stays as it was, the copy is fine
        log.debug("could not clear onnxscript's matched graphs", exc_info=True)


class _on_cpu_fp32:  # noqa: N801 - used as a context manager
    """Export from fp32 weights on the CPU whatever device the model runs on; put it back after."""

    def __init__(self, model: Any) -> None:
        self.model = model
        param = next(model.parameters())
        self.device, self.dtype = param.device, param.dtype

    def __enter__(self) -> None:
        self.model.float().cpu()

    def __exit__(self, *exc: object) -> None:
        self.model.to(device=self.device, dtype=self.dtype)


def _clip_tokenizer(simple: Any) -> Any:
    """open_clip's ``SimpleTokenizer`` (byte-level BPE with an end-of-word suffix) as a ``tokenizers``
    Tokenizer. Cleaning (ftfy, HTML entities, spaces, lower case) is done in Python at query time, as
    open_clip does it; this handles the split, the byte mapping and the merges."""
    from tokenizers import AddedToken, Regex, Tokenizer, models, pre_tokenizers

    inner = getattr(simple, "tokenizer", simple)  # open_clip wraps it in some versions
    vocab = dict(inner.encoder)
    merges = [pair for pair, _rank in sorted(inner.bpe_ranks.items(), key=lambda kv: kv[1])]
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, end_of_word_suffix="</w>",
                               continuing_subword_prefix="", fuse_unk=False))
    pattern = inner.pat.pattern
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(pattern), behavior="removed", invert=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    specials = [t for t in ("<start_of_text>", "<end_of_text>", "<|startoftext|>", "<|endoftext|>") if t in vocab]
    tok.add_special_tokens([AddedToken(t, normalized=False) for t in specials])
    return tok


def _min_cosine(a: np.ndarray, b: np.ndarray) -> float:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return float((a * b).sum(axis=1).min())


def _write(root: Path, model_id: str, kind: str, write: Callable[[Path], None],
           reference: Callable[[], Callable[[Path], float]], extra: dict[str, Any]) -> Written:
    """``write`` the graph into a temporary folder beside the copy, then take torch's vectors (``reference``
    returns the check that compares the copy with them). The folder is removed if either fails."""
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{export_dir(root, model_id).name}.", dir=root))
    try:
        write(tmp)
        return Written(root, model_id, kind, tmp, reference(), extra)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def keep_if_faithful(written: Written) -> Path | None:
    """Check a written copy on onnxruntime and move it into place; None (and removed) when it gives other
    vectors than torch did."""
    root, model_id, kind, tmp, extra = written.root, written.model_id, written.kind, written.tmp, written.extra
    dest = export_dir(root, model_id)
    try:
        cosine = written.check(tmp)
        if cosine < MIN_COSINE:
            log.warning("the ONNX copy of %s gives other vectors than torch (min cosine %.5f); queries keep "
                        "using torch", model_id, cosine)
            return None
        manifest = {"format": FORMAT, "model_id": model_id, "kind": kind, "min_cosine": round(cosine, 6), **extra}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2))
        for f in tmp.iterdir():
            os.chmod(f, 0o600)
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(tmp, dest)
        log.info("wrote the ONNX query copy of %s (min cosine to torch %.6f)", model_id, cosine)
        return dest
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
