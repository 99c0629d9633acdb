"""core/ never imports Qt or desktop/, and desktop/ reaches core only through its one door: core.library
(the Library facade and the few types it re-exports) and core.types."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "core"
DESKTOP = CORE.parent / "desktop"
DOORS = ("core.library", "core.types")


def imports_of(py: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(py.read_text(), filename=str(py))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            if node.module == "core":
                names += [f"core.{a.name}" for a in node.names]
    return names


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


def test_desktop_reaches_core_only_through_library_and_types() -> None:
    offenders = [f"{py.relative_to(CORE.parent)}: {name}" for py in DESKTOP.rglob("*.py") for name in imports_of(py)
                 if name.split(".")[0] == "core" and name not in DOORS]
    assert offenders == []


def test_desktop_does_not_reach_through_the_library() -> None:
    """No ``library.catalog``/``.indexer``/``.vectors``/``.encoders``: the GUI asks Library, not its parts."""
    offenders = []
    for py in DESKTOP.rglob("*.py"):
        for node in ast.walk(ast.parse(py.read_text(), filename=str(py))):
            if (isinstance(node, ast.Attribute) and node.attr in ("catalog", "indexer", "vectors", "encoders")
                    and isinstance(node.value, ast.Attribute | ast.Name)
                    and getattr(node.value, "attr", getattr(node.value, "id", "")) == "library"):
                offenders.append(f"{py.relative_to(CORE.parent)}:{node.lineno}: library.{node.attr}")
    assert offenders == []
