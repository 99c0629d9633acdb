"""Bad input never stops a run: each bad file is recorded with a one-line reason and listed by status."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import core.scanner
from core.indexer import Indexer
from core.library import Library
from core.search import Query
from tests.conftest import make_note, make_photo, make_wav


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    root = tmp_path / "lib"
    make_photo(root / "good" / "ok.jpg")
    make_note(root / "good" / "ok.md", "A perfectly fine note about lighthouses and the sea.")
    make_wav(root / "good" / "ok.wav", 2.0, "a fine memo about lighthouses")
    (root / "bad").mkdir()
    (root / "bad" / "empty.jpg").write_bytes(b"")
    (root / "bad" / "empty.md").write_bytes(b"")
    good_jpeg = (root / "good" / "ok.jpg").read_bytes()
    (root / "bad" / "truncated.jpg").write_bytes(good_jpeg[: len(good_jpeg) // 2])
    (root / "bad" / "text-named.jpg").write_text("this is not an image at all")
    (root / "bad" / "garbage.wav").write_bytes(os.urandom(4000))
    (root / "bad" / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    make_photo(root / "bad" / "huge.jpg", size=(400, 300))
    os.symlink(root, root / "bad" / "loop")  # a folder link back up the tree
    os.symlink(root / "bad" / "self.jpg", root / "bad" / "self.jpg")  # a link to itself
    name = os.fsencode(str(root / "bad")) + b"/caf\xe9.txt"  # Latin-1 bytes: not a UTF-8 name
    with open(name, "wb") as fh:
        fh.write(b"a note whose name is not utf-8")
    make_note(root / "bad" / "locked.md", "you cannot read me")
    return root


def test_bad_files_are_recorded_and_never_stop_the_run(messy: Path, library: Library,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TROVE_MAX_IMAGE_MEGAPIXELS", "0.1")  # huge.jpg is 0.12 MP
    real_open = open
    locked = str(messy / "bad" / "locked.md")

    def guarded_open(path, *a, **kw):  # root can read anything, so deny this one file the way the OS would
        if os.fspath(path) == locked:
            raise PermissionError(13, "Permission denied", locked)
        return real_open(path, *a, **kw)

    monkeypatch.setattr(core.scanner, "open", guarded_open, raising=False)
    library.add_root(messy)
    s = library.index()
    assert s.added == 4  # the three good files, and the empty note: an empty file is not a failure
    failed = {Path(f["path"]).name: f["reason"] for f in library.status()["failed"]}
    expected = {
        "empty.jpg": "empty", "truncated.jpg": "truncated",
        "text-named.jpg": "not an image", "garbage.wav": "decode", "binary.txt": "binary",
        "huge.jpg": "TROVE_MAX_IMAGE_MEGAPIXELS", "self.jpg": "link loop", "caf\\xe9.txt": "not valid UTF-8",
        "locked.md": "permission denied",
    }
    for name, words in expected.items():
        assert name in failed, f"{name} not recorded; failed={failed}"
        assert words in failed[name], f"{name}: {failed[name]!r} should mention {words!r}"
        assert "\n" not in failed[name]
    assert s.failed == len(expected) and "empty.md" not in failed
    # The loop was walked once: nothing indexed twice under bad/loop/...
    assert library.status()["counts"] == {"photo": 1, "note": 2, "document": 0, "recording": 1}
    assert library.search(Query(text="lighthouses")).results[0].path.startswith(str(messy / "good"))
    # Unchanged failures are not retried (and not re-counted) on the next run.
    s2 = library.index()
    assert s2.added == 0 and s2.updated == 0
    # A fixed file leaves the failure list.
    (messy / "bad" / "binary.txt").write_text("now it has words about harbours")
    library.index()
    names = {Path(f["path"]).name for f in library.status()["failed"]}
    assert "binary.txt" not in names
    assert library.search(Query(text="harbours")).results[0].path.endswith("binary.txt")


def test_a_file_that_vanishes_mid_run_is_skipped_quietly(tmp_path: Path, library: Library,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "lib"
    make_note(root / "stays.md", "the note that stays")
    doomed = make_note(root / "goes.md", "the note that disappears")
    real = Indexer._extract

    def extract_after_delete(self, st, *args, **kw):
        if st.path == str(doomed):
            doomed.unlink()
        return real(self, st, *args, **kw)

    monkeypatch.setattr(Indexer, "_extract", extract_after_delete)
    library.add_root(root)
    s = library.index()
    assert (s.added, s.failed) == (1, 0)
    assert library.status()["failed"] == []
    assert [Path(r.path).name for r in library.search(Query(text="note")).results] == ["stays.md"]


def test_a_damaged_or_foreign_catalog_is_reported_not_used(tmp_path: Path) -> None:
    import sqlite3

    import pytest as _pytest

    from core.library import Library
    from core.types import LibraryDamaged

    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "catalog.sqlite").write_bytes(b"this is not a database at all" * 100)
    with _pytest.raises(LibraryDamaged, match="not a Trove catalog or is damaged"):
        Library.open(junk)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    conn = sqlite3.connect(foreign / "catalog.sqlite")
    conn.execute("CREATE TABLE files (id INTEGER PRIMARY KEY)")
    conn.execute("PRAGMA user_version=1")
    conn.commit()
    conn.close()
    with _pytest.raises(LibraryDamaged, match="lacks"):
        Library.open(foreign)


def test_a_catalog_written_by_the_sql_schema_of_0_1_still_works(tmp_path: Path) -> None:
    """Catalogs created before sqlite-utils made the schema (same tables, a UNIQUE column instead of a
    unique index, a narrower update trigger) open, index, search and delete as new ones do."""
    import sqlite3

    from tests.conftest import FakeEncoders

    data = tmp_path / "data"
    data.mkdir()
    conn = sqlite3.connect(data / "catalog.sqlite")
    conn.executescript((Path(__file__).parents[1] / "fixtures" / "catalog-schema-v1-sql.sql").read_text())
    conn.execute("PRAGMA user_version=1")
    conn.commit()
    conn.close()
    root = tmp_path / "lib"
    make_note(root / "plumber.md", "the plumber fixes the leaking kitchen tap on Wednesday")
    make_note(root / "garden.md", "plant the tomatoes after the last frost")
    with Library.open(data, encoders=FakeEncoders()) as lib:
        lib.add_root(root)
        assert lib.index().added == 2
        assert lib.search(Query(text="leaking tap", limit=1)).results[0].path.endswith("plumber.md")
        (root / "plumber.md").unlink()
        assert lib.index().removed == 1
        assert lib.catalog.chunk_count() == 1  # its chunks went with it (ON DELETE CASCADE)
        assert lib.search(Query(text="leaking tap", limit=3)).results == []
        assert lib.catalog.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_failed_file_that_is_deleted_leaves_the_failures_list(tmp_path: Path, library: Library) -> None:
    root = tmp_path / "lib"
    root.mkdir()
    bad = root / "broken.jpg"
    bad.write_bytes(b"this is not a jpeg")
    library.add_root(root)
    library.index()
    assert [f["path"] for f in library.failures()] == [str(bad)]
    bad.unlink()
    library.index()
    assert library.failures() == []
    assert library.index(retry_failed=True).failed == 0  # "Try again" no longer counts it either
