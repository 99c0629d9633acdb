"""The query encoders on onnxruntime (both text towers, CLIP's visual tower): no torch, no open_clip, no
sentence-transformers.

``core.encoders.onnx_export`` writes the copies (after an index run) and checks them against torch; this
module only reads them. A cold text query then costs the imports of numpy, onnxruntime and tokenizers
(about 0.3 s) and two small graphs, instead of about 8 s and 1.8 GB.

Sessions use few threads and do not spin while idle: a query in the app runs beside the indexer's
torch threads, and spinning OpenMP/ORT workers made small model calls 20-30x slower there.
"""

from __future__ import annotations

import html
import json
import threading
from pathlib import Path
from typing import Any

import numpy as np

from core.encoders.onnx_export import MANIFEST

MODEL = "model.onnx"  # the fp32 graph of a copy (``core.encoders.onnx_int8`` may write an int8 one beside it)
SENTENCE_BATCH = 32  # texts per run, longest first, as sentence-transformers batches them
CLIP_TEXT_BATCH = 64  # CLIP's text tower: texts per run, longest first


def _session(path: Path, threads: int) -> Any:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = max(1, threads)
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])


def _manifest(folder: Path) -> dict[str, Any]:
    return dict(json.loads((folder / MANIFEST).read_text()))


class OnnxSentenceEncoder:
    """all-MiniLM-L6-v2 (mean pooled, normalised) from its ONNX copy: the ``TextEncoder`` protocol."""

    def __init__(self, folder: Path, threads: int = 2, model: str = MODEL) -> None:
        from tokenizers import Tokenizer

        manifest = _manifest(folder) if (folder / MANIFEST).exists() else {}
        self.model_id = str(manifest.get("model_id", ""))
        self.dim = int(manifest.get("dim", 384))
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.session = _session(folder / model, threads)
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        """Longest first in runs of ``SENTENCE_BATCH``, each padded to its own longest text (an index run
        hands in a batch of notes' passages at once: one run padded to the longest would waste most of
        its work on padding)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        encs = self.tokenizer.encode_batch(texts)
        order = sorted(range(len(encs)), key=lambda i: -len(encs[i].ids))
        parts = []
        for start in range(0, len(order), SENTENCE_BATCH):
            rows = order[start:start + SENTENCE_BATCH]
            width = len(encs[rows[0]].ids)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            types = np.zeros_like(ids)
            for i, row in enumerate(rows):
                e = encs[row]
                n = len(e.ids)
                ids[i, :n], mask[i, :n], types[i, :n] = e.ids, e.attention_mask, e.type_ids
            with self._lock:
                run = self.session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})
            parts.append(np.asarray(run[0], dtype=np.float32))
        return _in_order(parts, order)


class OnnxClipText:
    """CLIP's text tower from its ONNX copy: ``encode_texts`` into the visual space."""

    def __init__(self, folder: Path, threads: int = 2, model: str = MODEL) -> None:
        from tokenizers import Tokenizer

        manifest = _manifest(folder) if (folder / MANIFEST).exists() else {}
        self.model_id = str(manifest.get("model_id", ""))
        self.dim = int(manifest.get("dim", 512))
        self.context = int(manifest.get("context_length", 77))
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.sot = self._special("<start_of_text>", "<|startoftext|>")
        self.eot = self._special("<end_of_text>", "<|endoftext|>")
        self.session = _session(folder / model, threads)
        self._lock = threading.Lock()

    def _special(self, *names: str) -> int:
        for name in names:
            token = self.tokenizer.token_to_id(name)
            if token is not None:
                return int(token)
        raise ValueError(f"the CLIP tokenizer copy has none of {names}")

    def token_ids(self, text: str) -> list[int]:
        """What open_clip's tokenizer gives (without the padding): start, the text's tokens, end, cut to
        the context length with the end token kept last."""
        ids = [self.sot, *self.tokenizer.encode(_clean(text), add_special_tokens=False).ids, self.eot]
        if len(ids) > self.context:
            ids = ids[: self.context]
            ids[-1] = self.eot
        return ids

    def encode_texts(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        rows = [self.token_ids(t) for t in texts]
        order = sorted(range(len(rows)), key=lambda i: -len(rows[i]))
        parts = []
        for start in range(0, len(order), CLIP_TEXT_BATCH):  # bounded activations for a batch of long notes
            part = order[start:start + CLIP_TEXT_BATCH]
            tokens = np.zeros((len(part), len(rows[part[0]])), dtype=np.int64)
            for i, row in enumerate(part):
                tokens[i, : len(rows[row])] = rows[row]
            with self._lock:
                parts.append(np.asarray(self.session.run(None, {"tokens": tokens})[0], dtype=np.float32))
        return _in_order(parts, order)


class OnnxClipVisual:
    """CLIP's visual tower from its ONNX copy: preprocessed pixels -> normalised embeddings."""

    def __init__(self, folder: Path, threads: int = 2, model: str = MODEL) -> None:
        manifest = _manifest(folder) if (folder / MANIFEST).exists() else {}
        self.model_id = str(manifest.get("model_id", "")).removesuffix("#visual")
        self.dim = int(manifest.get("dim", 512))
        self.image_size = int(manifest.get("image_size", 224))
        self.session = _session(folder / model, threads)
        self._lock = threading.Lock()

    def encode_images(self, pixels: np.ndarray) -> np.ndarray:
        with self._lock:
            out = self.session.run(None, {"pixels": np.ascontiguousarray(pixels, dtype=np.float32)})[0]
        return np.asarray(out, dtype=np.float32)


def _in_order(parts: list[np.ndarray], order: list[int]) -> np.ndarray:
    """Rows computed in ``order`` (longest first), put back in the order the texts came in."""
    out = np.empty_like(parts[0], shape=(len(order), parts[0].shape[1]))
    out[order] = np.concatenate(parts)
    return out


def _clean(text: str) -> str:
    """open_clip's cleaning for its default tokenizer: ftfy, HTML entities twice, spaces, lower case."""
    import ftfy

    text = html.unescape(html.unescape(ftfy.fix_text(text))).strip()
    return " ".join(text.split()).lower()
