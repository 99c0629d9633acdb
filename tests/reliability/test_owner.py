"""One owner per library: while the app or `trove watch` has a library open, the CLI's search, status
and index go to it over the data folder's socket (warm), and a dead owner's socket is not in the way."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.library import Library
from core.owner import SOCKET_NAME
from tests.conftest import FakeEncoders, make_note

REPO = Path(__file__).resolve().parents[2]


def trove(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "core.cli", "--data-dir", str(data), *args], cwd=REPO,
                          capture_output=True, text=True, timeout=300, env=dict(os.environ))


@pytest.fixture
def owned(tmp_path: Path) -> Iterator[tuple[Library, list[str]]]:
    make_note(tmp_path / "lib" / "plumber.md", "the plumber fixes the leaking kitchen tap on Wednesday")
    lib = Library.open(tmp_path / "data", encoders=FakeEncoders())
    lib.add_root(tmp_path / "lib")
    lib.index()
    asked: list[str] = []
    real_search = lib.search

    def search(q: object) -> object:
        asked.append(getattr(q, "text", None) or "")
        return real_search(q)  # type: ignore[arg-type]

    lib.search = search  # type: ignore[method-assign]
    owner = lib.serve()
    assert owner is not None
    yield lib, asked
    owner.stop()
    lib.close()


def test_the_cli_asks_the_owner(owned: tuple[Library, list[str]], tmp_path: Path) -> None:
    lib, asked = owned
    sock = lib.data_dir / SOCKET_NAME
    assert stat.S_IMODE(sock.stat().st_mode) == 0o600
    out = trove(lib.data_dir, "search", "leaking tap", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["results"][0]["path"].endswith("plumber.md")
    assert asked == ["leaking tap"]  # answered by the owner, not by a library the CLI opened
    status = json.loads(trove(lib.data_dir, "status", "--json").stdout)
    assert status["counts"]["note"] == 1
    make_note(tmp_path / "more" / "garden.md", "plant the tomatoes after the last frost")
    added = trove(lib.data_dir, "index", str(tmp_path / "more"), "--json")
    assert added.returncode == 0 and json.loads(added.stdout)["added"] == 1, added.stderr
    assert lib.counts()["note"] == 2  # the owner did it
    wrong = trove(lib.data_dir, "search", "--like", str(tmp_path / "nowhere.md"))
    assert wrong.returncode == 2 and wrong.stderr.count("trove:") == 1 and "not in the index" in wrong.stderr


def test_one_owner_at_a_time(owned: tuple[Library, list[str]]) -> None:
    lib, _asked = owned
    with Library.open(lib.data_dir, encoders=FakeEncoders()) as second:
        assert second.serve() is None


def test_a_dead_owners_socket_is_not_in_the_way(tmp_path: Path) -> None:
    make_note(tmp_path / "lib" / "plumber.md", "the plumber fixes the leaking kitchen tap on Wednesday")
    with Library.open(tmp_path / "data", encoders=FakeEncoders()) as lib:
        lib.add_root(tmp_path / "lib")
        lib.index()
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(tmp_path / "data" / SOCKET_NAME))  # an owner that died: the file stays, nobody listens
    dead.close()
    status = trove(tmp_path / "data", "status", "--json")
    assert status.returncode == 0 and json.loads(status.stdout)["counts"]["note"] == 1, status.stderr
    with Library.open(tmp_path / "data", encoders=FakeEncoders()) as lib:
        owner = lib.serve()  # the next owner replaces the dead socket
        assert owner is not None
        owner.stop()


def test_relative_paths_reach_the_owner_whole(owned: tuple[Library, list[str]], tmp_path: Path) -> None:
    """The owner runs in another folder: a query image given relative to the CLI's folder still works."""
    from tests.conftest import make_photo

    lib, _asked = owned
    make_photo(tmp_path / "query" / "cat.jpg")
    out = subprocess.run([sys.executable, "-m", "core.cli", "--data-dir", str(lib.data_dir), "search", "--image",
                          "cat.jpg", "--json"], cwd=tmp_path / "query", capture_output=True, text=True, timeout=300,
                         env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["query"]["image"] == str(tmp_path / "query" / "cat.jpg")
