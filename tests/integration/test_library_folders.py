"""``Library.folders()``: the distinct folders that hold indexed files, inside the library folders, sorted
(what the app's folder filter lists as a tree)."""

from __future__ import annotations

from pathlib import Path

from core.library import Library
from tests.conftest import make_note, make_photo


def test_folders_that_hold_indexed_files(tmp_path: Path, library: Library) -> None:
    root = tmp_path / "lib"
    make_note(root / "top.md", "a note at the top")
    make_note(root / "trips" / "2023_summer" / "plan.md", "the plan")
    make_note(root / "trips" / "2023_summer" / "packing.md", "the list")  # one folder, listed once
    make_photo(root / "trips" / "100% fun" / "beach.jpg")  # LIKE's wildcards, and a space
    make_note(root / "trips" / "ünïcode ✓" / "x.md", "names in any script")
    (root / "empty-folder").mkdir()  # holds nothing: not listed
    other = tmp_path / "other"
    make_note(other / "deep" / "er" / "n.md", "another library folder")
    library.add_root(root)
    library.add_root(other)
    library.index()
    assert library.folders() == sorted([
        str(root), str(root / "trips" / "100% fun"), str(root / "trips" / "2023_summer"),
        str(root / "trips" / "ünïcode ✓"), str(other / "deep" / "er")])
    library.remove_root(other)  # its files leave the index, and so do its folders
    assert str(other / "deep" / "er") not in library.folders()
