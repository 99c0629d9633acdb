"""An empty note or recording is a file, not a failure: it is indexed with one empty passage, listed by a
filter like any file, never a match for words it does not hold (only its name can match, as any file's
does), and once it gets words it is found by them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from core.library import Library
from core.types import Kind, Query
from tests.conftest import FakeEncoders, FakeText, make_note, make_wav

QUERIES = ["harbours", "lighthouse keeper", "hello", "x", "the", "note", "memo", "what did I say"]


class EmptyLikeHello(FakeText):
    """Embeds "" as it embeds "hello": real sentence models put "" near short queries (MiniLM: 0.5 to
    "hello", 0.54 to "x", over the 0.42 cut-off of a match), which the fake encoder's zeros would hide."""

    def encode(self, texts: list[str]) -> np.ndarray:
        return super().encode([t if t.strip() else "hello" for t in texts])


@pytest.fixture
def media(tmp_path: Path) -> Path:
    root = tmp_path / "lib"
    make_note(root / "notes" / "harbours.md", "A note about harbours and the lighthouse keeper's hello.")
    make_wav(root / "recordings" / "memo.wav", 2.0, "a memo about the lighthouse keeper")
    (root / "notes" / "empty.md").write_bytes(b"")
    (root / "notes" / "blank.txt").write_text("\n\n   \n\t\n")  # only spaces and blank lines
    (root / "recordings" / "empty.wav").write_bytes(b"")
    return root


@pytest.fixture
def lib(tmp_path: Path, media: Path) -> Iterator[Library]:
    encoders = FakeEncoders()
    encoders.fake_text = EmptyLikeHello()
    library = Library.open(tmp_path / "data", encoders=encoders)
    library.add_root(media)
    yield library
    library.close()


def test_empty_notes_and_recordings_are_files_not_failures(lib: Library, media: Path) -> None:
    summary = lib.index()
    assert (summary.added, summary.failed) == (5, 0)
    assert lib.failures() == [] and lib.failure_count() == 0
    assert lib.counts() == {"photo": 0, "note": 3, "document": 0, "recording": 2}
    empties = {str(media / "notes" / "empty.md"), str(media / "notes" / "blank.txt"),
               str(media / "recordings" / "empty.wav")}
    assert set(lib.file_details(empties)) == empties
    assert lib.file_details([str(media / "recordings" / "empty.wav")])[str(media / "recordings" / "empty.wav")].meta[
        "segments"] == []
    for path in empties:  # one passage, without words, and vectors that are like nothing
        ids = lib.catalog.chunk_ids_of(path)
        assert len(ids) == 1 and lib.chunk_text(ids[0]) == ""
        vec = lib.vectors.vector(ids[0])
        assert vec is not None and not vec.any()
    assert lib.encoders.speech.calls == 1  # only memo.wav: there is nothing to transcribe in an empty file


def test_an_empty_file_is_never_a_match_but_a_filter_lists_it(lib: Library, media: Path) -> None:
    lib.index()
    empties = {"empty.md", "blank.txt", "empty.wav"}
    for text in QUERIES:
        for kind in (None, Kind.NOTE, Kind.RECORDING):
            results = lib.search(Query(text=text, kind=kind)).results
            matched = {Path(r.path).name for r in results if r.matched}
            assert not matched & empties, f"{text!r} ({kind}) matched {matched & empties}"
    assert Path(lib.search(Query(text="harbours")).results[0].path).name == "harbours.md"
    by_name = {Path(r.path).name: r for r in lib.search(Query(text="blank")).results if r.matched}
    assert set(by_name) == {"blank.txt"} and "named after them" in by_name["blank.txt"].why  # as any file
    listed = {Path(r.path).name: r for r in lib.search(Query(kind=Kind.NOTE)).results}
    assert {"empty.md", "blank.txt"} <= set(listed)
    assert listed["empty.md"].why == "passes the filters" and listed["empty.md"].snippet == ""
    listed = {Path(r.path).name for r in lib.search(Query(folder=str(media / "recordings"))).results}
    assert listed == {"memo.wav", "empty.wav"}


def test_an_empty_note_that_gets_words_is_found_by_them(lib: Library, media: Path) -> None:
    lib.index()
    make_note(media / "notes" / "empty.md", "Now it is a shopping list: tomatoes and basil.")
    summary = lib.index()
    assert (summary.updated, summary.failed) == (1, 0)
    top = lib.search(Query(text="tomatoes basil")).results[0]
    assert Path(top.path).name == "empty.md" and top.matched
    (media / "notes" / "empty.md").write_bytes(b"")  # and emptied again: a file again, not a failure
    summary = lib.index()
    assert (summary.updated, summary.failed) == (1, 0) and lib.failures() == []
    assert not any(r.matched for r in lib.search(Query(text="tomatoes basil")).results)


@pytest.mark.slow
def test_with_the_real_models_an_empty_file_matches_no_words(tmp_path: Path, media: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """MiniLM puts "" at 0.5-0.7 of "hello", "x", "?" (over the 0.42 cut-off): the zero vectors keep an empty
    file out of such results with the real models too."""
    monkeypatch.setenv("TROVE_CLIP_WEIGHTS", "random")
    (media / "recordings" / "memo.wav").unlink()  # no Whisper needed: an empty recording is not transcribed
    with Library.open(tmp_path / "real-data", device="cpu") as library:
        library.add_root(media)
        summary = library.index(query_copies=False)
        assert (summary.added, summary.failed) == (4, 0)
        for text in [*QUERIES, "?", "...", "a note"]:
            matched = {Path(r.path).name for r in library.search(Query(text=text)).results if r.matched}
            assert not matched & {"empty.md", "blank.txt", "empty.wav"}, f"{text!r} matched {matched}"
