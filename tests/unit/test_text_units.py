from __future__ import annotations

from core.catalog import fts_query
from core.encoders import Segment
from core.media import name_words
from core.media.notes import decode_text, split_passages
from core.media.recordings import windows
from core.search import keyword_terms


def test_split_passages_packs_paragraphs_and_cuts_long_ones_with_overlap() -> None:
    text = "one two three\n\nfour five\n\n" + " ".join(f"w{i}" for i in range(300))
    parts = split_passages(text, words_per=100, overlap=20)
    assert parts[0] == "one two three\nfour five"  # line breaks kept for sentence snippets
    assert all(len(p.split()) <= 100 for p in parts)
    long_parts = [p.split() for p in parts[1:]]
    assert long_parts[0][-20:] == long_parts[1][:20]  # overlap kept
    assert long_parts[-1][-1] == "w299"  # nothing lost at the end


def test_decode_text_falls_back_for_legacy_encodings() -> None:
    assert decode_text("café naïve".encode()) == ("café naïve", "utf-8")
    assert decode_text("café naïve".encode("cp1252"))[0] == "café naïve"
    assert decode_text(b"\xef\xbb\xbfhello")[0] == "hello"
    assert decode_text("hi".encode("utf-16"))[0] == "hi"


def test_transcript_windows_cover_every_segment_with_times() -> None:
    segs = [Segment(i * 5.0, i * 5.0 + 5.0, " ".join(["word"] * 15)) for i in range(7)]
    ws = windows(segs, max_words=40, max_s=25.0)
    assert ws[0].start_s == 0.0 and ws[-1].end_s == 35.0
    assert all(len(w.text.split()) <= 45 for w in ws)
    starts = [w.start_s for w in ws]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    covered = {s.start_s for s in segs for w in ws if w.start_s <= s.start_s and s.end_s <= (w.end_s or 0)}
    assert covered == {s.start_s for s in segs}


def test_windows_of_nothing_is_nothing() -> None:
    assert windows([]) == []


def test_name_words_uses_folders_below_the_root_and_stem() -> None:
    assert name_words("/home/a/Holidays/Beach_trip-2023/IMG_0042.jpg") == "a Holidays Beach trip 2023 IMG 0042"
    assert name_words("/home/a/Pics/Holidays/Beach_trip-2023/IMG_0042.jpg", "/home/a/Pics") == \
        "Holidays Beach trip 2023 IMG 0042"
    assert name_words("/home/a/Pics/IMG_0042.jpg", "/home/a/Pics") == "IMG 0042"


def test_fts_query_is_safe_and_drops_stop_words() -> None:
    assert fts_query(keyword_terms('photos of the "beach" OR NEAR(x)')) == '"beach" OR "near"'
    assert fts_query(keyword_terms("the of a")) is None


def test_a_scan_counts_the_files_it_finds(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from core.scanner import scan

    for i in range(3):
        (tmp_path / f"d{i}").mkdir()
        for j in range(4):
            (tmp_path / f"d{i}" / f"n{j}.txt").write_text("x")
    heard: list[int] = []
    result = scan(str(tmp_path), found=heard.append)
    assert len(result.files) == 12 and heard[-1] == 12 and heard == sorted(heard)
