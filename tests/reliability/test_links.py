"""Only the chosen folders: a link out of a library folder is not followed (it is reported), a link
within one is, and a setting allows links out for those who want it."""

from __future__ import annotations

import os
from pathlib import Path

from core.library import Library, Query
from core.types import Settings
from tests.conftest import FakeEncoders, make_note


def library_with_links(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "library"
    outside = tmp_path / "private"
    make_note(root / "notes" / "garden.md", "plant the tomatoes after the last frost")
    make_note(outside / "diary.md", "my secret diary entry about the neighbours")
    make_note(outside / "passwords.txt", "bank pin and passwords")
    os.symlink(outside, root / "link-to-private")  # a folder link out
    os.symlink(outside / "passwords.txt", root / "notes" / "pw.txt")  # a file link out
    os.symlink(root / "notes", root / "same-notes")  # a link within: the folder is walked once
    os.symlink(root, root / "notes" / "loop")  # a loop
    return root, outside


def test_links_out_of_the_library_are_not_followed_and_are_reported(tmp_path: Path) -> None:
    root, outside = library_with_links(tmp_path)
    with Library.open(tmp_path / "data", encoders=FakeEncoders()) as lib:
        lib.add_root(root)
        summary = lib.index()
        paths = set(lib.catalog.files_under(str(root)))
        assert {Path(p).name for p in paths} == {"garden.md"}, paths
        assert summary.added == 1
        reasons = {Path(f["path"]).name: f["reason"] for f in lib.failures()}
        assert "outside the library folders" in reasons["link-to-private"]
        assert str(outside) in reasons["link-to-private"] and "outside the library folders" in reasons["pw.txt"]
        assert not any("diary" in r.path or "passwords" in r.path
                       for r in lib.search(Query(text="secret diary")).results)


def test_a_setting_allows_links_out(tmp_path: Path) -> None:
    root, _outside = library_with_links(tmp_path)
    with Library.open(tmp_path / "data", encoders=FakeEncoders()) as lib:
        lib.add_root(root)
        lib.save_settings(Settings(follow_links_out=True))
        lib.index()
        names = {Path(p).name for p in lib.catalog.files_under(str(root))}
        assert {"garden.md", "diary.md", "passwords.txt", "pw.txt"} <= names
    with Library.open(tmp_path / "data", encoders=FakeEncoders()) as again:  # the setting is kept
        assert again.settings().follow_links_out
