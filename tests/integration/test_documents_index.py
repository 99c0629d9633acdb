"""Documents as a kind: PDFs, Word and HTML files are indexed passage by passage with where each passage
is (its page), found by their words with that page, filtered with ``--kind document``; a scanned PDF is
read page by page; a broken one is recorded and never stops the run."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from core.library import Library
from core.search import Query
from core.types import Kind
from tests.conftest import FakeEncoders, FakeReader, make_note, make_pdf

PAGES = [
    "Dishwasher model DW-450. Installation guide. Read every step before you connect the water supply.",
    "Warranty. The manufacturer repairs faults in materials for two years from the date of purchase. "
    "Water damage caused by a loose hose is not covered.",
    "Cleaning the filter. Twist the filter anticlockwise, rinse it under the tap and put it back.",
]
SCANNED = (235, 230, 220)


def _docx(path: Path) -> Path:
    import docx

    d = docx.Document()
    d.core_properties.title = "Allotment rules"
    d.add_heading("Bonfires", level=1)
    d.add_paragraph("Bonfires are allowed only after dusk between October and March.")
    d.add_heading("Water", level=1)
    d.add_paragraph("Hosepipes may not be left running unattended on any plot.")
    path.parent.mkdir(parents=True, exist_ok=True)
    d.save(str(path))
    return path


@pytest.fixture
def media(tmp_path: Path) -> Path:
    root = tmp_path / "library"
    make_pdf(root / "manuals" / "dishwasher.pdf", PAGES)
    _docx(root / "club" / "allotment-rules.docx")
    (root / "web").mkdir(parents=True)
    (root / "web" / "recipe.html").write_text(
        "<html><head><title>Lemon drizzle</title><script>var tracking = 1;</script></head><body>"
        "<h1>Lemon drizzle cake</h1><p>Pour the lemon syrup over the sponge while it is still warm.</p>"
        "</body></html>", encoding="utf-8")
    (root / "scans").mkdir()
    Image.new("RGB", (850, 1100), SCANNED).save(root / "scans" / "letter.pdf", "PDF")  # a page with no text layer
    (root / "manuals" / "broken.pdf").write_bytes(make_pdf(root / "tmp.pdf", PAGES).read_bytes()[:900])
    (root / "tmp.pdf").unlink()
    make_note(root / "notes" / "shopping.md", "Buy lemons, flour and eggs.")
    return root


def test_documents_are_found_by_their_words_with_the_page(tmp_path: Path, media: Path) -> None:
    reader = FakeReader({SCANNED: ["Dear Ms Lopes,", "your council tax refund of 212 pounds is on its way."]})
    with Library.open(tmp_path / "data", encoders=FakeEncoders(reader=reader)) as lib:
        lib.add_root(media)
        summary = lib.index()
        assert summary.added == 5 and summary.failed == 1  # 4 documents and the note; the broken PDF fails
        failed = {f["path"].rsplit("/", 1)[1]: f["reason"] for f in lib.failures()}
        assert "PDF" in failed["broken.pdf"] and "\n" not in failed["broken.pdf"]
        assert lib.counts()["document"] == 4

        r = lib.search(Query(text="water damage warranty")).results
        assert r[0].path.endswith("dishwasher.pdf") and r[0].kind is Kind.DOCUMENT
        assert r[0].location == "page 2" and "Warranty" in r[0].snippet and r[0].marks
        r = lib.search(Query(text="filter rinse")).results
        assert r[0].path.endswith("dishwasher.pdf") and r[0].location == "page 3"

        r = lib.search(Query(text="bonfires after dusk")).results
        assert r[0].path.endswith("allotment-rules.docx") and r[0].location == "Bonfires"
        details = lib.file_details([r[0].path])[r[0].path].meta
        assert details["format"] == "Word" and details["title"] == "Allotment rules"

        r = lib.search(Query(text="lemon syrup")).results
        assert r[0].path.endswith("recipe.html")
        assert not [x for x in lib.search(Query(text="tracking")).results if x.matched]  # scripts are not text

        # The scanned letter has no text layer: its page was read in the reading pass.
        assert summary.with_text == 1
        r = lib.search(Query(text="council tax refund")).results
        assert r[0].path.endswith("letter.pdf") and r[0].location == "page 1"

        only = lib.search(Query(text="lemons", kind=Kind.DOCUMENT)).results
        assert {x.path.rsplit("/", 1)[1] for x in only} <= {"recipe.html", "dishwasher.pdf", "allotment-rules.docx",
                                                            "letter.pdf"}
        assert only[0].path.endswith("recipe.html")
