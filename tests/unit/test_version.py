"""`trove --version` prints pyproject.toml's version, read at run time from the installed package's
metadata (the About box reads the same), and says plainly when Trove is not installed as a package."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from core import cli

REPO = Path(__file__).resolve().parents[2]


def _pyproject_version() -> str:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]


def test_version_prints_the_pyproject_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"trove {_pyproject_version()}"


def test_version_without_package_metadata_says_so(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    def missing(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    with pytest.raises(SystemExit):
        cli.main(["--version"])
    assert capsys.readouterr().out.strip() == "trove unknown (not installed as a package)"


def test_the_installed_command_prints_it_too() -> None:
    trove = Path(sys.executable).with_name("trove")
    if not trove.exists():
        pytest.skip(f"no console script next to {sys.executable} (Trove is not pip-installed here)")
    out = subprocess.run([str(trove), "--version"], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == f"trove {_pyproject_version()}"
