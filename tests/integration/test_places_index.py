"""Places: a photo's GPS position becomes its place at index time (offline), which its words and the
place filter (``Query.near``, ``trove search --near``) find."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from core.library import Library
from core.search import Query
from core.types import Kind
from tests.conftest import FakeEncoders, make_note, make_photo

LISBON = (38.7223, -9.1393)
OSLO = (59.9139, 10.7522)


@pytest.fixture
def lib(tmp_path: Path) -> Library:
    root = tmp_path / "library"
    make_photo(root / "2023" / "IMG_1001.jpg", color=(200, 160, 90), taken=datetime(2023, 5, 2, 10, 0), gps=LISBON,
               seed=1)
    make_photo(root / "2023" / "IMG_1002.jpg", color=(90, 120, 200), taken=datetime(2023, 8, 9, 18, 0), gps=OSLO,
               seed=2)
    make_photo(root / "2023" / "IMG_1003.jpg", color=(60, 60, 60), seed=3)  # no position
    make_photo(root / "2023" / "IMG_1004.jpg", color=(10, 200, 10), gps=(0.0, 0.0), seed=4)  # no fix: (0, 0)
    make_note(root / "notes" / "lisbon-ideas.md", "Things to see in Lisbon: the tram, the castle, the river.")
    library = Library.open(tmp_path / "data", encoders=FakeEncoders())
    library.add_root(root)
    library.index()
    return library


def test_a_photo_is_found_by_the_city_and_country_it_was_taken_in(lib: Library) -> None:
    with lib:
        r = [x for x in lib.search(Query(text="Lisbon", kind=Kind.PHOTO)).results if x.matched]
        assert [x.path.rsplit("/", 1)[1] for x in r] == ["IMG_1001.jpg"]
        assert r[0].place == "Lisbon, Portugal"
        r = [x for x in lib.search(Query(text="photos from Norway")).results if x.matched]
        assert r and r[0].path.endswith("IMG_1002.jpg") and r[0].place is not None and "Norway" in r[0].place
        meta = lib.file_details([r[0].path])[r[0].path].meta
        assert meta["place"]["country"] == "Norway" and "gps" in meta


def test_the_place_filter_keeps_photos_taken_there(lib: Library) -> None:
    with lib:
        assert [x.path.rsplit("/", 1)[1] for x in lib.search(Query(near="Norway")).results] == ["IMG_1002.jpg"]
        assert [x.path.rsplit("/", 1)[1] for x in lib.search(Query(near="lisbon")).results] == ["IMG_1001.jpg"]
        assert lib.search(Query(near="Lisb")).results == []  # whole names, not a prefix
        assert lib.search(Query(near="Atlantis")).results == []
        # A place and words: the note about Lisbon is not a photo taken there.
        assert [x.path.rsplit("/", 1)[1] for x in lib.search(Query(text="castle", near="Lisbon")).results] == [
            "IMG_1001.jpg"]


def test_no_place_for_a_photo_without_a_fix(lib: Library) -> None:
    with lib:
        paths = [str(p) for p in Path(lib.roots()[0]).glob("2023/IMG_100[34].jpg")]
        for d in lib.file_details(paths).values():
            assert "place" not in d.meta


def test_search_near_from_the_command_line(lib: Library, tmp_path: Path) -> None:
    lib.close()
    env = {**os.environ, "TROVE_CLIP_WEIGHTS": "random"}
    run = [sys.executable, "-m", "core.cli", "--data-dir", str(tmp_path / "data"), "search"]
    out = subprocess.run([*run, "--near", "Norway", "--json"], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    results = json.loads(out.stdout)["results"]
    assert [r["path"].rsplit("/", 1)[1] for r in results] == ["IMG_1002.jpg"] and "Norway" in results[0]["place"]
    bad = subprocess.run([*run, "--near", "!!"], capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 2 and "--near" in bad.stderr and "Traceback" not in bad.stderr
