"""The reading pass (core/reading.py): text in photos becomes passages of the photo after the first pass,
is found by its words, is read once (resumable after a cancel), and is off when the person says so."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from core.library import Library
from core.search import Query
from core.types import Kind, Settings
from tests.conftest import FakeEncoders, FakeReader, make_photo

RECEIPT = (240, 240, 235)
SIGN = (30, 60, 160)
LINES = {RECEIPT: ["CAFE LISBOA", "2x Pastel de nata 3.00", "TOTAL 7.40 EUR"],
         SIGN: ["PLATFORM 4", "Trains to Porto"]}


@pytest.fixture
def media(tmp_path: Path) -> Path:
    root = tmp_path / "library"
    make_photo(root / "receipts" / "IMG_0001.jpg", color=RECEIPT, seed=1)
    make_photo(root / "trip" / "IMG_0002.jpg", color=SIGN, seed=2)
    make_photo(root / "trip" / "IMG_0003.jpg", color=(20, 120, 40), seed=3)  # a landscape: no text
    return root


def _open(tmp_path: Path, reader: FakeReader) -> Library:
    return Library.open(tmp_path / "data", encoders=FakeEncoders(reader=reader))


def test_text_in_photos_is_read_once_and_found_by_its_words(tmp_path: Path, media: Path) -> None:
    reader = FakeReader(LINES)
    with _open(tmp_path, reader) as lib:
        lib.add_root(media)
        phases: list[str] = []
        summary = lib.index(progress=lambda p: phases.append(p.phase))
        assert summary.added == 3 and summary.with_text == 2
        assert reader.gated == 3 and reader.read_count == 2  # the landscape is only gated
        assert phases.index("reading") > max(i for i, p in enumerate(phases) if p == "indexing")
        details = lib.file_details([str(media / "receipts" / "IMG_0001.jpg"), str(media / "trip" / "IMG_0003.jpg")])
        receipt = details[str(media / "receipts" / "IMG_0001.jpg")].meta
        assert receipt["text_read"] == 1
        assert [line[4] for line in receipt["text_lines"]] == LINES[RECEIPT]
        assert all(0.0 <= v <= 1.0 for line in receipt["text_lines"] for v in line[:4])
        assert details[str(media / "trip" / "IMG_0003.jpg")].meta["text_lines"] == []

        r = lib.search(Query(text="pastel de nata")).results
        assert r and r[0].path.endswith("IMG_0001.jpg") and r[0].matched
        assert r[0].location == "text in the photo" and "written in the photo" in r[0].why
        assert "Pastel de nata" in r[0].snippet and r[0].marks
        assert lib.search(Query(text="trains to porto")).results[0].path.endswith("IMG_0002.jpg")
        assert lib.search(Query(text="pastel de nata", kind=Kind.NOTE)).results == []

        again = lib.index()
        assert again.with_text == 0 and reader.gated == 3  # read once: nothing is gated again


def test_a_cancelled_reading_pass_goes_on_where_it_stopped(tmp_path: Path, media: Path) -> None:
    reader = FakeReader(LINES)
    with _open(tmp_path, reader) as lib:
        lib.add_root(media)
        real = reader.has_text

        def cancel_after_first(image: Image.Image) -> bool:  # the person presses Stop while one is read
            lib.cancel_indexing()
            return real(image)

        reader.has_text = cancel_after_first  # type: ignore[method-assign]
        first = lib.index()
        assert first.cancelled and reader.gated == 1
        reader.has_text = real  # type: ignore[method-assign]
        lib.index()
        assert reader.gated == 3  # each photo gated exactly once over the two runs
        assert lib.search(Query(text="trains to porto")).results[0].path.endswith("IMG_0002.jpg")


def test_reading_can_be_turned_off(tmp_path: Path, media: Path) -> None:
    reader = FakeReader(LINES)
    with _open(tmp_path, reader) as lib:
        lib.save_settings(Settings(read_text=False))
        lib.add_root(media)
        assert lib.index().with_text == 0 and reader.gated == 0
        assert not [r for r in lib.search(Query(text="pastel de nata")).results if r.matched]
        lib.save_settings(Settings(read_text=True))  # on again: the next run reads what was left
        assert lib.index().with_text == 2


def test_a_moved_photo_keeps_its_text_without_reading_it_again(tmp_path: Path, media: Path) -> None:
    reader = FakeReader(LINES)
    with _open(tmp_path, reader) as lib:
        lib.add_root(media)
        lib.index()
        shutil.move(media / "receipts" / "IMG_0001.jpg", media / "trip" / "cafe.jpg")
        summary = lib.index()
        assert summary.moved == 1 and reader.read_count == 2
        r = lib.search(Query(text="pastel de nata")).results
        assert r[0].path.endswith("cafe.jpg") and r[0].location == "text in the photo"


def test_a_changed_photo_is_read_again(tmp_path: Path, media: Path) -> None:
    reader = FakeReader(LINES)
    with _open(tmp_path, reader) as lib:
        lib.add_root(media)
        lib.index()
        make_photo(media / "trip" / "IMG_0002.jpg", color=(20, 120, 40), seed=9)  # the sign is gone from it
        lib.index()
        assert not [r for r in lib.search(Query(text="trains to porto")).results if r.matched]


def _receipt(path: Path) -> Path:
    """A photo of a receipt with printed words, drawn with Pillow's own font (no system fonts)."""
    img = Image.new("RGB", (900, 700), (90, 70, 50))
    draw = ImageDraw.Draw(img)
    draw.rectangle((150, 40, 750, 660), fill=(250, 250, 245))
    font = ImageFont.load_default(size=40)
    for i, line in enumerate(["CAFE LISBOA", "Pastel de nata 3.00", "Galao 1.40", "TOTAL 4.40 EUR"]):
        draw.text((190, 90 + i * 120), line, fill=(20, 20, 20), font=font)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, "JPEG", quality=92)
    return path


def test_the_real_reader_finds_a_receipt_by_a_printed_word(tmp_path: Path) -> None:
    from core.ocr import TextReader

    root = tmp_path / "library"
    _receipt(root / "IMG_2001.jpg")
    make_photo(root / "IMG_2002.jpg", color=(20, 120, 40), size=(900, 700), seed=4)
    with _open(tmp_path, TextReader(threads=2)) as lib:  # type: ignore[arg-type]
        lib.add_root(root)
        assert lib.index().with_text == 1
        r = lib.search(Query(text="galao")).results
        assert r and r[0].path.endswith("IMG_2001.jpg") and r[0].location == "text in the photo"
