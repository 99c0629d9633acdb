"""A library on read-only media can still be searched; indexing it says why it cannot, in one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.library import Library, Query
from core.types import LibraryReadOnly
from tests.conftest import FakeEncoders, make_note

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def read_only_data(tmp_path: Path) -> Iterator[Path]:
    """An indexed data folder, seen through a read-only bind mount (needs root, as CI and this machine run)."""
    make_note(tmp_path / "lib" / "plumber.md", "the plumber fixes the leaking kitchen tap on Wednesday")
    with Library.open(tmp_path / "data", encoders=FakeEncoders()) as lib:
        lib.add_root(tmp_path / "lib")
        lib.index()
    ro = tmp_path / "ro"
    ro.mkdir()
    mounted = subprocess.run(["mount", "--bind", str(tmp_path / "data"), str(ro)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot make a read-only mount here ({mounted.stderr.decode().strip()}); needs root")
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(ro)], check=True, capture_output=True)
        yield ro
    finally:
        subprocess.run(["umount", "-l", str(ro)], capture_output=True)  # lazy: never "busy"


def test_a_read_only_library_searches_and_refuses_to_index(read_only_data: Path) -> None:
    with Library.open(read_only_data, encoders=FakeEncoders()) as lib:
        hits = lib.search(Query(text="leaking tap", limit=3)).results
        assert hits and hits[0].path.endswith("plumber.md")
        with pytest.raises(LibraryReadOnly, match="can be searched, but not indexed"):
            lib.index()


def test_the_cli_says_it_in_one_line(read_only_data: Path) -> None:
    env = dict(os.environ, TROVE_DATA_DIR=str(read_only_data))
    status = subprocess.run([sys.executable, "-m", "core.cli", "status", "--json"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=120)
    assert status.returncode == 0 and json.loads(status.stdout)["counts"]["note"] == 1, status.stderr
    index = subprocess.run([sys.executable, "-m", "core.cli", "index"], cwd=REPO, env=env, capture_output=True,
                           text=True, timeout=120)
    lines = [ln for ln in index.stderr.splitlines() if ln.startswith("trove:")]
    assert index.returncode == 2 and len(lines) == 1 and "cannot be written" in lines[0], index.stderr
    assert "Traceback" not in index.stderr
