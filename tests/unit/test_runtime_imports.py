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
