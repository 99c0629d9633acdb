"""Native libraries that must load together in one process, whatever the order (each in a fresh
interpreter: a crash here is a segfault, not an exception)."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("first,second", [("usearch.index", "onnxruntime"), ("onnxruntime", "usearch.index"),
                                          ("usearch.index", "tokenizers"), ("PySide6.QtWidgets", "onnxruntime")])
def test_native_modules_load_together(first: str, second: str) -> None:
    run = subprocess.run([sys.executable, "-c", f"import {first}; import {second}; print('ok')"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and run.stdout.strip() == "ok", (
        f"importing {first} then {second} failed with exit code {run.returncode}: {run.stderr[-500:]}")


VIEW_WITH_REMOVED = """
import sys
import numpy as np
from usearch.index import Index
rng = np.random.default_rng(0)
path = sys.argv[1]
for n, gone in ((300, 48), (2000, 700)):
    for ndim in (384, 512, 896):
        ix = Index(ndim=ndim, metric="ip", dtype="f16", connectivity=16, expansion_add=64)
        ix.add(np.arange(1, n + 1, dtype=np.uint64), rng.standard_normal((n, ndim)).astype(np.float32))
        ix.remove(np.arange(1, gone + 1, dtype=np.uint64))
        ix.add(np.arange(n + 1, n + 30, dtype=np.uint64), rng.standard_normal((29, ndim)).astype(np.float32))
        ix.save(path)
        for _ in range(20):
            view = Index.restore(path, view=True)
            copy = view.copy()
            copy.add(np.array([10**9], dtype=np.uint64), rng.standard_normal((1, ndim)).astype(np.float32))
            del view, copy
print("ok")
"""


def test_an_index_file_with_removed_vectors_maps_and_copies(tmp_path: object) -> None:
    """The vector cache maps its files and copies them into memory to write (core/vectors.py); usearch
    2.25.3 corrupted the heap doing that to a file holding removed vectors ("corrupted size vs.
    prev_size", SIGABRT), which 2.25.1 does not: pyproject pins it."""
    run = subprocess.run([sys.executable, "-X", "faulthandler", "-c", VIEW_WITH_REMOVED, f"{tmp_path}/ix.usearch"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and run.stdout.strip() == "ok", (
        f"mapping and copying an index with removed vectors failed with exit code {run.returncode}: {run.stderr[-800:]}")
