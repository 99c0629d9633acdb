"""Trove's package data: the app's icons and the sample library, found through ``importlib.resources``
so an installed Trove (a wheel, pipx) has them as well as a source checkout. Sources and licences are in
this folder's README.md, which ships with them. The screenshots are for the project README only."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def _folder(name: str) -> Path:
    # A wheel installs as plain files, so this is a real folder (the sample library is indexed and
    # watched like any other).
    return Path(str(files(__name__) / name))


def icons_dir() -> Path:
    return _folder("icons")


def sample_library() -> Path:
    return _folder("sample-library")
