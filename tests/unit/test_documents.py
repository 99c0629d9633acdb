"""Documents: text, locations and metadata from PDF, Word, OpenDocument, HTML, EPUB and RTF files the tests
write themselves; every damaged, disguised, locked or oversized file is a MediaError; limits hold."""

from __future__ import annotations

import os
import random
import re
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from core.media import documents
from core.media.documents import extract_document, render_pdf_page
from core.types import Extracted, FileStat, Kind, MediaError
from tests.conftest import make_pdf

KIND = Kind.DOCUMENT


def stat(p: Path) -> FileStat:
    st = p.stat()
    return FileStat(str(p), KIND, st.st_size, st.st_mtime_ns)


def extract(p: Path) -> Extracted:
    return extract_document(stat(p))


def located(ex: Extracted) -> list[tuple[str | None, str]]:
    assert len(ex.meta["locations"]) == len(ex.passages)
    return list(zip(ex.meta["locations"], (p.text for p in ex.passages), strict=True))


def text_of(ex: Extracted) -> str:
    return "\n".join(p.text for p in ex.passages)


# -- fixture makers -----------------------------------------------------------------------------------------


def make_image_pdf(path: Path, pages: int = 1, size: tuple[int, int] = (1240, 1754)) -> Path:
    """A 'scanned' PDF: each page one image, no text layer."""
    images = [Image.new("RGB", size, (255, 255, 255 - 40 * i)) for i in range(pages)]
    images[0].save(path, "PDF", resolution=150, save_all=True, append_images=images[1:])
    return path


def make_docx(path: Path) -> Path:
    import docx

    d = docx.Document()
    d.core_properties.title = "Service contract"
    d.core_properties.author = "Jane Roe"
    d.add_paragraph("Signed in Lisbon by both parties.")
    d.add_heading("Terms", level=1)
    d.add_heading("Warranty terms", level=2)
    d.add_paragraph("The kettle is covered for two years from purchase.")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Part"
    table.cell(0, 1).text = "Years"
    table.cell(1, 0).text = "Heating element"
    table.cell(1, 0).merge(table.cell(1, 1))
    d.add_heading("Returns", level=1)
    d.add_paragraph("Bring the receipt within thirty days.")
    d.save(str(path))
    return path


def make_odt(path: Path, mimetype: str | None = None) -> Path:
    from odf import dc, text
    from odf.opendocument import OpenDocumentText

    doc = OpenDocumentText()
    doc.meta.addElement(dc.Title(text="Garden diary"))
    doc.meta.addElement(dc.Creator(text="Ann Example"))
    doc.text.addElement(text.P(text="Notes kept since spring."))
    doc.text.addElement(text.H(outlinelevel=1, text="Tomatoes"))
    doc.text.addElement(text.P(text="Planted six tomato seedlings by the south wall."))
    doc.text.addElement(text.H(outlinelevel=1, text="Roses"))
    doc.text.addElement(text.P(text="Pruned the climbing roses after the frost."))
    doc.save(str(path))
    if mimetype:  # the same content under another OpenDocument type (a spreadsheet, say)
        rewrite_zip(path, {"mimetype": mimetype.encode()})
    return path


def rewrite_zip(path: Path, replace: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    members.update(replace)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def make_epub(path: Path) -> Path:
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("trove-test-1")
    book.set_title("The Sea Book")
    book.set_language("en")
    book.add_author("Herman Example")
    one = epub.EpubHtml(title="Calm Waters", file_name="text/one.xhtml", lang="en")
    one.content = "<h1>Calm Waters</h1><p>The sea lay quiet under the morning fog.</p>"
    two = epub.EpubHtml(title="The Storm", file_name="text/two.xhtml", lang="en")
    two.content = "<h2>Squall</h2><p>Waves broke over the harbour wall all night.</p>"
    book.add_item(one)
    book.add_item(two)
    book.toc = (epub.Link("text/one.xhtml", "Calm Waters", "one"), (epub.Section("Part two"), (two,)))
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", one, two]
    epub.write_epub(str(path), book)
    return path


RTF = (rb"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Arial;}}"
       rb"{\info{\title Trip notes}{\author Ann Example}}"
       rb"{\*\generator Hand 1.0;}"
       rb"\f0 Caf\'e9 au lait in the square.\par "
       rb"{\pict\pngblip\picw10\pich10 89504e470d0a1a0a0000000d49484452}"
       rb"The ferry left at noon.\par }")


# -- PDF ----------------------------------------------------------------------------------------------------


def test_pdf_pages_become_located_passages_with_title_and_author(tmp_path: Path) -> None:
    p = make_pdf(tmp_path / "report.pdf", ["Harbour budget for the winter.", "Mountain rescue training log.",
                                           "Garden committee minutes."], title="Quarterly report",
                 author="Ada Lovelace")
    ex = extract(p)
    assert located(ex) == [("page 1", "Harbour budget for the winter."), ("page 2", "Mountain rescue training log."),
                           ("page 3", "Garden committee minutes.")]
    assert ex.meta["format"] == "PDF" and ex.meta["pages"] == 3
    assert ex.meta["title"] == "Quarterly report" and ex.meta["author"] == "Ada Lovelace"
    assert ex.meta["words"] == 12 and ex.meta["truncated"] is False
    assert "scanned_pages" not in ex.meta
    assert ex.date_ts == p.stat().st_mtime_ns / 1e9 and ex.content_hash


def test_pdf_joins_hyphenated_line_breaks_and_keeps_paragraphs(tmp_path: Path) -> None:
    first = "The inter-\nnational committee met on Tuesday. " + "The harbour was calm that day. " * 30
    second = "Apples and pears were sold at the market. " * 25
    ex = extract(make_pdf(tmp_path / "h.pdf", [first + "\n\n" + second]))
    text = text_of(ex)
    assert "international committee" in text and "inter-" not in text
    # two paragraphs of ~200 words each: a passage starts where the second paragraph does
    assert any(p.text.startswith("Apples and pears") for p in ex.passages)
    assert set(ex.meta["locations"]) == {"page 1"}


def test_pdf_text_in_mixed_fonts_is_read_whole(tmp_path: Path) -> None:
    """Italic glyphs lean over the next ones: text taken per rectangle came out as 'an italic c one'."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 5, "A **bold** word and an __italic__ one, then a line long enough to wrap onto the next "
                   "one in the cell.", markdown=True)
    pdf.output(str(tmp_path / "fonts.pdf"))
    assert " ".join(text_of(extract(tmp_path / "fonts.pdf")).split()) == (
        "A bold word and an italic one, then a line long enough to wrap onto the next one in the cell.")


def test_hyphens_left_by_the_text_layer_are_joined() -> None:
    clean = documents._clean_pdf_text
    assert clean("inter-\nnational e\ufb03cient") == "international efficient"
    assert clean("Jean-\nLuc and well-\n2") == "Jean-Luc and well-2"  # a capital or a digit: a real hyphen
    assert clean("a line the page\nwrapped\n- a list item\n\nNew paragraph") == (
        "a line the page wrapped\n- a list item\n\nNew paragraph")  # wrapped lines joined, list items kept
    assert clean("inter\x02\r\nnational") == "international"  # PDFium's own mark


def test_a_page_of_very_many_lines_is_read_without_paragraphs(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents, "_MAX_PDF_LINES", 0)
    ex = extract(make_pdf(tmp_path / "runs.pdf", ["The inter-\nnational committee.\n\nSecond paragraph."]))
    assert located(ex) == [("page 1", "The international committee. Second paragraph.")]


def test_pdf_page_labels_name_the_pages(tmp_path: Path) -> None:
    ex = extract(make_pdf(tmp_path / "l.pdf", ["Preface words.", "Chapter words."], labels=True))
    assert ex.meta["locations"] == ["page i", "page 1"]


def test_image_only_pdf_is_listed_for_ocr_not_an_error(tmp_path: Path) -> None:
    p = make_image_pdf(tmp_path / "scan.pdf")
    ex = extract(p)
    assert [x.text for x in ex.passages] == [""] and ex.meta["locations"] == [None]
    assert ex.meta["scanned_pages"] == [0] and ex.meta["scanned_locations"] == ["page 1"]
    assert ex.meta["pages"] == 1 and ex.meta["words"] == 0
    image = render_pdf_page(str(p), 0, max_edge=800)
    assert image.mode == "RGB" and max(image.size) == 800
    assert image.size[0] < image.size[1]  # portrait, as drawn
    assert max(render_pdf_page(str(p), 0).size) <= 2000
    with pytest.raises(MediaError, match="not a page 2"):
        render_pdf_page(str(p), 1)


def test_scanned_pages_are_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents, "MAX_SCANNED_PAGES", 2)
    ex = extract(make_image_pdf(tmp_path / "scan3.pdf", pages=3, size=(200, 300)))
    assert ex.meta["scanned_pages"] == [0, 1] and ex.meta["scanned_total"] == 3


def test_encrypted_pdf_says_it_needs_the_password(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica")
    pdf.cell(0, 10, "secret minutes")
    pdf.set_encryption(owner_password="owner", user_password="reader")
    pdf.output(str(tmp_path / "locked.pdf"))
    with pytest.raises(MediaError, match="password-protected"):
        extract(tmp_path / "locked.pdf")
    with pytest.raises(MediaError, match="password-protected"):
        render_pdf_page(str(tmp_path / "locked.pdf"), 0)


def test_damaged_and_disguised_pdfs_are_media_errors(tmp_path: Path) -> None:
    whole = make_pdf(tmp_path / "whole.pdf", ["Some text on a page."] * 3).read_bytes()
    (tmp_path / "half.pdf").write_bytes(whole[:len(whole) // 2])
    (tmp_path / "noise.pdf").write_bytes(random.Random(7).randbytes(5000))
    Image.new("RGB", (20, 20)).save(tmp_path / "photo.pdf", "PNG")
    with pytest.raises(MediaError, match="PDF is damaged"):
        extract(tmp_path / "half.pdf")
    with pytest.raises(MediaError, match="PDF is damaged"):
        extract(tmp_path / "noise.pdf")
    with pytest.raises(MediaError, match="not a PDF .it looks like a PNG image"):
        extract(tmp_path / "photo.pdf")


def test_pdf_past_max_pages_is_cut_and_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents, "MAX_PAGES", 2)
    ex = extract(make_pdf(tmp_path / "long.pdf", ["alpha", "beta", "gamma"]))
    assert [p.text for p in ex.passages] == ["alpha", "beta"]
    assert ex.meta["pages"] == 3 and ex.meta["truncated"] is True


def test_pdf_text_past_max_text_chars_is_cut(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents, "MAX_TEXT_CHARS", 500)
    page = "The committee discussed the harbour budget at length. " * 20  # about 1,100 characters a page
    ex = extract(make_pdf(tmp_path / "big.pdf", [page] * 5))
    kept = sum(len(p.text) for p in ex.passages)
    assert 400 <= kept <= 500 and ex.meta["truncated"] is True
    assert set(ex.meta["locations"]) == {"page 1"}  # page 2 was never read
    assert ex.meta["words"] == sum(len(p.text.split()) for p in ex.passages)


def test_pdfs_extract_the_same_on_several_threads(tmp_path: Path) -> None:
    """PDFium is not thread-safe; the module's lock makes concurrent extraction (the indexer's decode pool)
    safe and the results the same as one at a time."""
    paths = [make_pdf(tmp_path / f"t{i}.pdf", [f"document {i} page {j}" for j in range(6)]) for i in range(4)]
    alone = [text_of(extract(p)) for p in paths]
    results: dict[int, str] = {}

    def work(i: int) -> None:
        for _ in range(3):
            results[i] = text_of(extract(paths[i]))
            render_pdf_page(str(paths[i]), 0, max_edge=200)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [results[i] for i in range(4)] == alone


# -- Word, OpenDocument -------------------------------------------------------------------------------------


def test_docx_text_tables_title_and_heading_locations(tmp_path: Path) -> None:
    ex = extract(make_docx(tmp_path / "contract.docx"))
    assert ex.meta["format"] == "Word" and "pages" not in ex.meta
    assert ex.meta["title"] == "Service contract" and ex.meta["author"] == "Jane Roe"
    got = located(ex)
    assert got[0] == (None, "Signed in Lisbon by both parties.")
    # "Terms" has nothing under it before "Warranty terms": one section, named after the nearer heading
    assert got[1][0] == "Warranty terms"
    assert got[1][1].split("\n") == ["Terms", "Warranty terms", "The kettle is covered for two years from purchase.",
                                     "Part Years", "Heating element"]  # the merged cell once
    assert got[2] == ("Returns", "Returns\nBring the receipt within thirty days.")
    assert len(got) == 3


def test_docx_text_inside_content_controls_is_read(tmp_path: Path) -> None:
    import docx
    from docx.oxml import OxmlElement

    d = docx.Document()
    cover = d.add_paragraph("Annual report of the rowing club")._p
    control, content = OxmlElement("w:sdt"), OxmlElement("w:sdtContent")
    cover.addprevious(control)
    control.append(content)
    content.append(cover)  # a cover page: a paragraph inside a content control
    d.add_paragraph("Body text.")
    d.save(str(tmp_path / "cover.docx"))
    assert text_of(extract(tmp_path / "cover.docx")) == "Annual report of the rowing club\nBody text."


def test_docx_that_is_not_a_word_document(tmp_path: Path) -> None:
    make_pdf(tmp_path / "x.pdf", ["hello"])
    os.replace(tmp_path / "x.pdf", tmp_path / "really-a-pdf.docx")
    with pytest.raises(MediaError, match="not a Word document .it looks like a PDF"):
        extract(tmp_path / "really-a-pdf.docx")
    with zipfile.ZipFile(tmp_path / "other.docx", "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(MediaError, match="not a Word document: the archive has no Word document"):
        extract(tmp_path / "other.docx")
    (tmp_path / "locked.docx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4000))
    with pytest.raises(MediaError, match="not a Word document .it looks like an OLE file .an old .doc, or an Office "
                                         "document saved with a password"):
        extract(tmp_path / "locked.docx")
    whole = make_docx(tmp_path / "whole.docx").read_bytes()
    (tmp_path / "cut.docx").write_bytes(whole[:len(whole) // 2])
    with pytest.raises(MediaError, match="Word document is damaged or incomplete"):
        extract(tmp_path / "cut.docx")


def test_docx_with_broken_xml_is_a_media_error(tmp_path: Path) -> None:
    p = make_docx(tmp_path / "broken.docx")
    rewrite_zip(p, {"word/document.xml": b"<w:document><w:body><w:p>unclosed"})
    with pytest.raises(MediaError, match="Word document is damaged"):
        extract(p)


def test_zip_bomb_is_refused_before_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import docx

    p = make_docx(tmp_path / "bomb.docx")
    unpacked = sum(i.file_size for i in zipfile.ZipFile(p).infolist())
    monkeypatch.setattr(documents, "MAX_UNZIPPED_BYTES", unpacked - 1)

    parsed: list[object] = []
    real = docx.Document
    monkeypatch.setattr(docx, "Document", lambda *args: parsed.append(args) or real(*args))
    with pytest.raises(MediaError, match="would unpack to 0 MB, over the 0 MB Trove allows.*zip bomb"):
        extract(p)
    assert parsed == []  # refused before python-docx saw it
    monkeypatch.setattr(documents, "MAX_UNZIPPED_BYTES", unpacked)
    assert "Warranty terms" in extract(p).meta["locations"]  # at the limit it is read
    assert parsed


def test_odt_text_title_and_heading_locations(tmp_path: Path) -> None:
    ex = extract(make_odt(tmp_path / "diary.odt"))
    assert ex.meta["format"] == "OpenDocument"
    assert ex.meta["title"] == "Garden diary" and ex.meta["author"] == "Ann Example"
    assert located(ex) == [(None, "Notes kept since spring."),
                           ("Tomatoes", "Tomatoes\nPlanted six tomato seedlings by the south wall."),
                           ("Roses", "Roses\nPruned the climbing roses after the frost.")]


def test_odt_of_another_kind_and_broken_odt(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(MediaError, match="not an OpenDocument text: it is an OpenDocument file of another kind"):
        extract(make_odt(tmp_path / "sheet.odt", mimetype="application/vnd.oasis.opendocument.spreadsheet"))
    p = make_odt(tmp_path / "broken.odt")
    rewrite_zip(p, {"content.xml": b"<office:document-content>nope"})
    with pytest.raises(MediaError, match="OpenDocument text is damaged"):
        extract(p)
    assert capsys.readouterr().out == ""  # odfpy prints a part it cannot parse; it never gets to


def test_password_protected_odt(tmp_path: Path) -> None:
    p = make_odt(tmp_path / "locked.odt")
    with zipfile.ZipFile(p) as zf:
        manifest = zf.read("META-INF/manifest.xml")
    locked = re.sub(rb'(<manifest:file-entry manifest:full-path="content.xml"[^>]*)/>',
                    rb'\1><manifest:encryption-data manifest:checksum="x"/></manifest:file-entry>', manifest)
    assert locked != manifest
    rewrite_zip(p, {"META-INF/manifest.xml": locked, "content.xml": random.Random(1).randbytes(700)})
    with pytest.raises(MediaError, match="OpenDocument text is password-protected"):
        extract(p)


# -- HTML ---------------------------------------------------------------------------------------------------


def test_html_text_title_headings_and_declared_charset(tmp_path: Path) -> None:
    page = """<!DOCTYPE html><html><head><meta charset="windows-1252"><title>Café  guide</title>
        <meta name="author" content="Ann Example">
        <style>body { color: red }</style><script>var hidden = "tracking code";</script></head>
        <body><p>Welcome to   the <b>guide</b>.</p>
        <h1>Where to eat</h1><p>The café on the corner&nbsp;opens at eight.</p>
        <ul><li>Bread</li><li>Coffee</li></ul>
        <h2>Prices</h2><table><tr><td>Espresso</td><td>1.20</td></tr></table>
        <noscript>Enable scripts</noscript></body></html>"""
    p = tmp_path / "guide.html"
    p.write_bytes(page.encode("cp1252"))
    ex = extract(p)
    assert ex.meta["format"] == "HTML"
    assert ex.meta["title"] == "Café guide" and ex.meta["author"] == "Ann Example"
    got = located(ex)
    assert got == [(None, "Welcome to the guide."),
                   ("Where to eat", "Where to eat\nThe café on the corner opens at eight.\nBread\nCoffee"),
                   ("Prices", "Prices\nEspresso 1.20")]
    text = text_of(ex)
    for hidden in ("tracking", "color", "Enable scripts", "Café guide"):
        assert hidden not in text


def test_html_charset_from_meta_is_used_not_guessed(tmp_path: Path) -> None:
    p = tmp_path / "greek.htm"
    p.write_bytes('<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-7">'
                  "</head><body><p>Καλημέρα κόσμε</p></body></html>".encode("iso-8859-7"))
    assert text_of(extract(p)) == "Καλημέρα κόσμε"  # guessed as cp1252 it would be Latin letters
    p = tmp_path / "plain.xhtml"
    p.write_bytes("<html><body><p>naïve résumé</p></body></html>".encode())
    assert text_of(extract(p)) == "naïve résumé"


def test_html_encoding_of_a_head_cut_inside_a_character() -> None:
    assert documents._html_encoding("<p>café".encode()[:-1], complete=False) == "utf-8"
    assert documents._html_encoding("<p>café".encode()[:-1], complete=True) == "cp1252"
    assert documents._html_encoding(b"<meta charset='latin-1'>", complete=True) == "cp1252"


def test_html_past_max_text_chars_is_cut_while_streaming(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents, "MAX_TEXT_CHARS", 1000)
    monkeypatch.setattr(documents, "_READ_CHUNK", 4096)
    p = tmp_path / "huge.html"
    p.write_text("<html><body>" + "<p>A paragraph about the harbour and its boats.</p>" * 20_000 + "</body></html>")
    decoded: list[int] = []
    real = documents._decoded

    def counting(chunks: Iterator[bytes], complete: bool) -> Iterator[str]:
        for text in real(chunks, complete):
            decoded.append(len(text))
            yield text

    monkeypatch.setattr(documents, "_decoded", counting)
    ex = extract(p)
    assert sum(len(x.text) for x in ex.passages) <= 1000 and ex.meta["truncated"] is True
    assert len(decoded) < 5 and p.stat().st_size > 200 * 4096  # a few chunks of a 1 MB file were read


def test_binary_file_named_html(tmp_path: Path) -> None:
    p = tmp_path / "x.html"
    Image.new("RGB", (20, 20)).save(p, "PNG")
    with pytest.raises(MediaError, match="binary file, not HTML .it looks like a PNG image"):
        extract(p)


# -- EPUB ---------------------------------------------------------------------------------------------------


def test_epub_chapters_in_spine_order_with_titles(tmp_path: Path) -> None:
    ex = extract(make_epub(tmp_path / "sea.epub"))
    assert ex.meta["format"] == "EPUB" and ex.meta["pages"] == 2  # the navigation page is not a chapter
    assert ex.meta["title"] == "The Sea Book" and ex.meta["author"] == "Herman Example"
    assert located(ex) == [("chapter 1 · Calm Waters", "Calm Waters\nThe sea lay quiet under the morning fog."),
                           ("chapter 2 · The Storm", "Squall\nWaves broke over the harbour wall all night.")]


def test_epub_past_max_pages_and_broken_epub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = make_epub(tmp_path / "sea.epub")
    monkeypatch.setattr(documents, "MAX_PAGES", 1)
    ex = extract(p)
    assert ex.meta["locations"] == ["chapter 1 · Calm Waters"] and ex.meta["truncated"] is True
    rewrite_zip(p, {"META-INF/container.xml": b"<container><rootfiles>"})
    with pytest.raises(MediaError, match="EPUB e-book is damaged"):
        extract(p)
    with zipfile.ZipFile(tmp_path / "not.epub", "w") as zf:
        zf.writestr("a.txt", "hi")
    with pytest.raises(MediaError, match="not an EPUB e-book: the archive has no e-book"):
        extract(tmp_path / "not.epub")


def test_epub_with_drm_is_refused(tmp_path: Path) -> None:
    p = make_epub(tmp_path / "bought.epub")
    fonts_only = (b'<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
                  b'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>'
                  b'<enc:CipherData><enc:CipherReference URI="EPUB/fonts/serif.otf"/></enc:CipherData>'
                  b'</enc:EncryptedData></encryption>')
    rewrite_zip(p, {"META-INF/encryption.xml": fonts_only})
    assert extract(p).meta["pages"] == 2  # obfuscated fonts only: readable
    rewrite_zip(p, {"META-INF/encryption.xml": fonts_only.replace(b"fonts/serif.otf", b"EPUB/text/one.xhtml")})
    with pytest.raises(MediaError, match="protected by DRM"):
        extract(p)


# -- RTF ----------------------------------------------------------------------------------------------------


def test_rtf_text_escapes_and_info(tmp_path: Path) -> None:
    p = tmp_path / "trip.rtf"
    p.write_bytes(RTF)
    ex = extract(p)
    assert ex.meta["format"] == "RTF"
    assert ex.meta["title"] == "Trip notes" and ex.meta["author"] == "Ann Example"
    assert located(ex) == [(None, "Café au lait in the square.\nThe ferry left at noon.")]
    assert "89504e47" not in text_of(ex) and "Hand" not in text_of(ex)


def test_rtf_past_max_text_chars_and_not_rtf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents, "MAX_TEXT_CHARS", 300)
    p = tmp_path / "long.rtf"
    p.write_bytes(rb"{\rtf1\ansi " + rb"The ferry left the harbour at noon.\par " * 5000 + b"}")
    ex = extract(p)
    assert sum(len(x.text) for x in ex.passages) <= 300 and ex.meta["truncated"] is True
    (tmp_path / "plain.rtf").write_text("just text")
    with pytest.raises(MediaError, match="not an RTF document"):
        extract(tmp_path / "plain.rtf")


# -- every format -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["empty.pdf", "empty.docx", "empty.odt", "empty.html", "empty.epub",
                                  "empty.rtf"])
def test_empty_file_is_one_empty_passage(tmp_path: Path, name: str) -> None:
    p = tmp_path / name
    p.write_bytes(b"")
    ex = extract(p)
    assert [x.text for x in ex.passages] == [""] and ex.meta["locations"] == [None]
    assert ex.meta["words"] == 0 and ex.meta["truncated"] is False


def test_document_over_the_size_limit(tmp_path: Path) -> None:
    p = make_pdf(tmp_path / "a.pdf", ["x"])
    big = FileStat(str(p), KIND, documents.MAX_DOCUMENT_BYTES + 1, 0)
    with pytest.raises(MediaError, match="over the 300 MB limit"):
        extract_document(big)


def test_document_with_no_text_is_not_an_error(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_paragraph("   ")
    d.save(str(tmp_path / "blank.docx"))
    ex = extract(tmp_path / "blank.docx")
    assert [x.text for x in ex.passages] == [""] and ex.meta["locations"] == [None]


def test_a_heading_in_a_larger_type_is_its_own_paragraph(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=16)
    pdf.multi_cell(0, 10, "Troubleshooting")
    pdf.ln(2)
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 7, "If the red light flashes and there is no hot water, look at the pressure gauge "
                         "and top it up with the filling loop until the needle reads one and a half bar.")
    path = tmp_path / "h.pdf"
    pdf.output(str(path))
    text = extract(path).passages[0].text
    assert text.startswith("Troubleshooting\n") and "gauge and top" in text  # wrapped lines joined
