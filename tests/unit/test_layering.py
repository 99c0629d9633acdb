"""core/ never imports Qt or desktop/ (the desktop app is a thin layer over core.Library)."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "core"


def test_core_imports_no_qt_and_no_desktop() -> None:
    offenders = []
    for py in CORE.rglob("*.py"):
        tree = ast.parse(py.read_text(), filename=str(py))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for n in names:
                if n.split(".")[0] in ("PySide6", "PyQt5", "PyQt6", "desktop", "shiboken6"):
                    offenders.append(f"{py.relative_to(CORE.parent)}: {n}")
    assert offenders == []
