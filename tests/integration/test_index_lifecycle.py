"""Index, rescan, move, copy, change, delete: what each costs and what search sees afterwards."""

from __future__ import annotations

import os
import shutil
from datetime import date, datetime
from pathlib import Path

from core.library import Library
from core.search import Query
from core.types import Kind
from tests.conftest import FakeEncoders, make_note, make_photo, make_wav


def build(root: Path) -> None:
    make_photo(root / "Holidays" / "Beach Portugal" / "IMG_0001.jpg", (20, 120, 220), taken=datetime(2023, 7, 14, 10, 0),
               camera=("Canon", "EOS 80D"))
    make_photo(root / "Family" / "Grandma birthday" / "DSC_1044.jpg", (220, 180, 40), taken=datetime(2021, 3, 2, 18, 0),
               seed=1)
    make_note(root / "notes" / "sourdough.md", "# Sourdough\nFeed the starter, fold the dough, bake at 250 degrees.")
    make_note(root / "notes" / "shed.txt", "Garden shed budget: timber, roofing felt and screws, about 900 euros.")
    make_wav(root / "memos" / "dentist.wav", 3.0, "call the dentist on tuesday about the loose filling")


def indexed(tmp_path: Path, library: Library) -> Path:
    """The library of ``build`` under tmp_path/lib, added as a root and indexed."""
    root = tmp_path / "lib"
    build(root)
    library.add_root(root)
    library.index()
    return root


def paths(results: list) -> list[str]:
    return [r.path for r in results]


def test_first_index_then_rescan_costs_nothing(tmp_path: Path, library: Library, encoders: FakeEncoders) -> None:
    root = tmp_path / "lib"
    build(root)
    library.add_root(root)
    s = library.index()
    assert (s.added, s.failed, s.removed) == (5, 0, 0)
    assert library.status()["counts"] == {"photo": 2, "note": 2, "document": 0, "recording": 1}
    assert encoders.fake_image.images == 2 and encoders.fake_speech.calls == 1
    texts_before = encoders.fake_text.texts
    s2 = library.index()
    assert (s2.added, s2.updated, s2.unchanged) == (0, 0, 5)
    assert encoders.fake_text.texts == texts_before and encoders.fake_image.images == 2


def test_search_finds_each_kind_and_says_why(tmp_path: Path, library: Library) -> None:
    root = indexed(tmp_path, library)
    r = library.search(Query(text="starter dough")).results
    assert r[0].path == str(root / "notes" / "sourdough.md") and r[0].kind is Kind.NOTE
    assert r[0].matched and "has the words together: starter, dough" in r[0].why
    assert r[0].snippet == "Feed the starter, fold the dough, bake at 250 degrees."  # the sentence, not the heading
    r = library.search(Query(text="dentist filling")).results
    assert r[0].kind is Kind.RECORDING and r[0].start_s is not None and r[0].end_s is not None
    assert r[0].why.startswith("said at 0:0")
    r = library.search(Query(text="beach portugal")).results
    assert r[0].path.endswith("IMG_0001.jpg")
    assert "2023" in r[0].snippet and "Canon" in r[0].snippet


def test_image_query_finds_the_same_photo(tmp_path: Path, library: Library) -> None:
    indexed(tmp_path, library)
    probe = make_photo(tmp_path / "probe.jpg", (20, 120, 220), size=(160, 120), seed=5)  # a smaller look-alike
    r = library.search(Query(image_path=str(probe), kind=Kind.PHOTO)).results
    assert r[0].path.endswith("IMG_0001.jpg") and r[0].why == "looks like your picture"


def test_move_keeps_vectors_and_search_follows(tmp_path: Path, library: Library, encoders: FakeEncoders) -> None:
    root = indexed(tmp_path, library)
    old = root / "memos" / "dentist.wav"
    new = root / "archive" / "2024" / "dentist-reminder.wav"
    new.parent.mkdir(parents=True)
    os.replace(old, new)
    os.replace(str(old) + ".transcript", str(new) + ".transcript")
    photo_old = root / "Holidays" / "Beach Portugal" / "IMG_0001.jpg"
    photo_new = root / "Holidays" / "Algarve sunset.jpg"
    os.replace(photo_old, photo_new)
    s = library.index()
    assert (s.moved, s.added, s.removed) == (2, 0, 0)
    assert encoders.fake_speech.calls == 1 and encoders.fake_image.images == 2  # nothing re-encoded
    r = library.search(Query(text="dentist filling")).results
    assert r[0].path == str(new)
    r = library.search(Query(text="algarve sunset")).results  # the photo's new name is searchable
    assert r[0].path == str(photo_new)
    assert str(old) not in paths(library.search(Query(text="dentist", limit=50)).results)


def test_copy_reuses_vectors_change_reencodes_delete_removes(tmp_path: Path, library: Library,
                                                              encoders: FakeEncoders) -> None:
    root = indexed(tmp_path, library)
    shutil.copy(root / "memos" / "dentist.wav", root / "memos" / "copy.wav")
    s = library.index()
    assert s.added == 1 and encoders.fake_speech.calls == 1  # same content: transcript reused
    note = root / "notes" / "shed.txt"
    note.write_text("Garden shed budget revised: now a greenhouse for tomatoes instead.")
    (root / "notes" / "sourdough.md").unlink()
    s = library.index()
    assert (s.updated, s.removed) == (1, 1)
    assert paths(library.search(Query(text="greenhouse tomatoes")).results)[0] == str(note)
    assert str(root / "notes" / "sourdough.md") not in paths(library.search(Query(text="sourdough starter")).results)


def test_filters_restrict_but_never_hide(tmp_path: Path, library: Library) -> None:
    root = indexed(tmp_path, library)
    photos = library.search(Query(text="zzz unrelated words", kind=Kind.PHOTO)).results
    assert {Path(p).name for p in paths(photos)} == {"IMG_0001.jpg", "DSC_1044.jpg"}
    in_2023 = library.search(Query(kind=Kind.PHOTO, after=date(2023, 1, 1), before=date(2024, 1, 1))).results
    assert [Path(p).name for p in paths(in_2023)] == ["IMG_0001.jpg"]
    in_notes = library.search(Query(text="budget", folder=str(root / "notes"))).results
    assert all(p.startswith(str(root / "notes") + "/") for p in paths(in_notes)) and len(in_notes) == 2
    assert paths(in_notes)[0].endswith("shed.txt")


def test_a_query_with_nothing_in_it_lists_the_library_newest_first(tmp_path: Path, library: Library) -> None:
    root = tmp_path / "lib"
    build(root)
    for i, rel in enumerate(["notes/sourdough.md", "notes/shed.txt", "memos/dentist.wav"]):  # 2020, 2022, 2024
        ts = datetime(2020 + 2 * i, 5, 1).timestamp()
        os.utime(root / rel, (ts, ts))
    library.add_root(root)
    library.index()
    listed = library.search(Query()).results
    assert [Path(r.path).name for r in listed] == ["dentist.wav", "IMG_0001.jpg", "shed.txt", "DSC_1044.jpg",
                                                  "sourdough.md"]
    assert not any(r.matched for r in listed) and all(r.strength is None for r in listed)
    stamps = [r.date_ts or 0.0 for r in listed]
    assert stamps == sorted(stamps, reverse=True)
    assert [r.path for r in library.search(Query(text="  ", limit=2)).results] == [r.path for r in listed[:2]]


def test_more_like_this_leaves_the_file_itself_out(tmp_path: Path, library: Library) -> None:
    root = tmp_path / "lib"
    build(root)
    make_note(root / "notes" / "rye.md", "Rye sourdough: feed the starter twice, fold the dough, bake hot.")
    library.add_root(root)
    library.index()
    src = str(root / "notes" / "sourdough.md")
    r = library.search(Query(like_path=src)).results
    assert src not in paths(r) and r[0].path.endswith("rye.md")


def test_vector_cache_rebuilds_when_stale_or_damaged(tmp_path: Path, encoders: FakeEncoders) -> None:
    root = tmp_path / "lib"
    build(root)
    data = tmp_path / "data"
    with Library.open(data, encoders=encoders) as lib:
        lib.add_root(root)
        lib.index()
        expected = paths(lib.search(Query(text="shed budget")).results)
    saved = list(data.glob("vectors.*.usearch"))
    assert len(saved) == 1
    saved[0].write_bytes(b"garbage" * 10)
    with Library.open(data, encoders=encoders) as lib:
        assert len(lib.vectors) == lib.catalog.chunk_count() > 0
        assert paths(lib.search(Query(text="shed budget")).results) == expected
    saved = list(data.glob("vectors.*.usearch"))
    saved[0].rename(saved[0].with_name("vectors.stale.g0.usearch"))
    with Library.open(data, encoders=encoders) as lib:  # no file for this generation: rebuilt
        assert paths(lib.search(Query(text="shed budget")).results) == expected


def test_missing_clip_weights_index_photos_by_text_and_encode_later(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    build(root)
    data = tmp_path / "data"
    no_clip = FakeEncoders(with_image=False)
    with Library.open(data, encoders=no_clip) as lib:
        lib.add_root(root)
        s = lib.index()
        assert s.added == 5 and lib.status()["visual_pending"] == 5
        assert paths(lib.search(Query(text="grandma birthday")).results)[0].endswith("DSC_1044.jpg")
    with_clip = FakeEncoders(with_image=True)
    with Library.open(data, encoders=with_clip) as lib:
        s = lib.index()
        assert lib.status()["visual_pending"] == 0
        assert with_clip.fake_image.images == 2 and with_clip.fake_speech.calls == 0  # transcripts kept


def test_remove_root_forgets_its_files(tmp_path: Path, library: Library) -> None:
    root = indexed(tmp_path, library)
    library.remove_root(root)
    assert library.status()["counts"] == {"photo": 0, "note": 0, "document": 0, "recording": 0}
    assert library.search(Query(text="dentist")).results == []


def test_a_missing_root_keeps_its_files(tmp_path: Path, library: Library) -> None:
    root = tmp_path / "usb-drive"
    build(root)
    library.add_root(root)
    library.index()
    os.replace(root, tmp_path / "unplugged")
    s = library.index()
    assert s.removed == 0 and library.status()["counts"]["note"] == 2
    os.replace(tmp_path / "unplugged", root)
    assert library.index().unchanged == 5


def test_same_sampled_hash_but_different_middle_is_not_a_copy(tmp_path: Path, library: Library,
                                                               encoders: FakeEncoders) -> None:
    root = tmp_path / "lib"
    words = " ".join(f"w{i}" for i in range(60_000))  # > 192 KiB: hashed by head, middle and tail only
    a = make_note(root / "a.md", "alpha " + words)
    library.add_root(root)
    library.index()
    data = bytearray(a.read_bytes())
    data[100_000:100_007] = b"zebra  "  # outside the three sampled pieces
    (root / "b.md").write_bytes(bytes(data))
    from core.scanner import content_hash

    assert content_hash(str(a), a.stat().st_size) == content_hash(str(root / "b.md"), len(data))
    texts = encoders.fake_text.texts
    assert library.index().added == 1
    assert encoders.fake_text.texts > texts  # encoded, not copied from a.md
    assert library.search(Query(text="zebra")).results[0].path.endswith("b.md")


def test_cancel_stops_a_run_and_the_next_run_finishes(tmp_path: Path, library: Library,
                                                      encoders: FakeEncoders) -> None:
    root = tmp_path / "lib"
    for i in range(40):
        make_note(root / f"n{i:02d}.md", f"note {i} about topic{i}")
    library.add_root(root)
    real_encode = encoders.fake_text.encode

    def encode_then_cancel(texts: list[str]):  # the user presses cancel while the first batch encodes
        library.indexer.cancel.set()
        return real_encode(texts)

    encoders.fake_text.encode = encode_then_cancel  # type: ignore[method-assign]
    s = library.index()
    assert s.cancelled and 0 < s.added < 40
    encoders.fake_text.encode = real_encode  # type: ignore[method-assign]
    s2 = library.index()
    assert not s2.cancelled and s.added + s2.added == 40 and s2.removed == 0


def test_new_clip_weights_reencode_visuals_without_redoing_transcripts(tmp_path: Path, library: Library,
                                                                       encoders: FakeEncoders) -> None:
    indexed(tmp_path, library)
    probe = make_photo(tmp_path / "probe.jpg", (20, 120, 220), size=(160, 120), seed=5)
    other = FakeEncoders()
    other.visual_model_id = other.fake_image.model_id = "fake-clip-v2"  # e.g. real weights replace test ones
    library.reload_models(other)
    assert library.search(Query(text="dentist filling")).results[0].path.endswith("dentist.wav")  # still answers
    s = library.index()
    assert s.updated == 5 and other.fake_image.images == 2 and other.fake_speech.calls == 0
    assert library.index().unchanged == 5  # done once
    r = library.search(Query(image_path=str(probe), kind=Kind.PHOTO)).results
    assert r[0].path.endswith("IMG_0001.jpg")


def test_file_details_for_front_ends(tmp_path: Path, library: Library) -> None:
    root = indexed(tmp_path, library)
    photo, memo = root / "Holidays" / "Beach Portugal" / "IMG_0001.jpg", root / "memos" / "dentist.wav"
    details = library.file_details([str(photo), str(memo), str(root / "not-indexed.md")])
    assert set(details) == {str(photo), str(memo)}
    d = details[str(photo)]
    assert d.thumbnail and Path(d.thumbnail).is_file() and d.meta["make"] == "Canon"
    assert d.size_bytes == photo.stat().st_size
    assert [s[2] for s in details[str(memo)].meta["segments"]] == ["call the dentist on", "tuesday about the loose filling"]
    hit = library.search(Query(text="loose filling")).results[0]
    assert library.chunk_text(hit.chunk_id) == hit.snippet
    assert library.counts() == {"photo": 2, "note": 2, "document": 0, "recording": 1} and library.failure_count() == 0


def test_a_run_with_nothing_to_do_loads_no_model(tmp_path: Path) -> None:
    from core.library import Library
    from tests.conftest import FakeEncoders, make_note, make_photo

    root = tmp_path / "lib"
    make_photo(root / "a.jpg")
    make_note(root / "b.md", "a note about the garden")
    with Library.open(tmp_path / "data", encoders=FakeEncoders()) as lib:
        lib.add_root(root)
        assert lib.index().added == 2
    fresh = FakeEncoders()
    with Library.open(tmp_path / "data", encoders=fresh) as lib:
        summary = lib.index()
        assert summary.unchanged == 2
        assert not any(fresh.loaded(k) for k in ("text", "image", "speech"))
