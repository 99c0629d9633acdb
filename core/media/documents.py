"""Documents (PDF, Word, OpenDocument, HTML, EPUB, RTF): text in reading order, split into passages that
each know where they are: a page, a chapter, or the heading above them.

Bounded whatever the input: a PDF is read page by page, HTML and RTF a chunk at a time, ZIP-based formats
are refused before parsing when they would unpack to more than ``MAX_UNZIPPED_BYTES``, and no more than
``MAX_TEXT_CHARS`` of text or ``MAX_PAGES`` pages (chapters) are kept. Every problem with a file is a
``MediaError`` that says what is wrong and what to do; the parsers' own exceptions never escape. Safe to
call from several threads (PDFium, which is not, is used under ``PDFIUM_LOCK``).
"""

from __future__ import annotations

import codecs
import errno
import itertools
import logging
import re
import statistics
import threading
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any, Protocol
from xml.parsers import expat

from core.media.notes import split_passages
from core.scanner import content_hash
from core.types import Extracted, FileStat, MediaError, Passage

if TYPE_CHECKING:
    import pypdfium2 as pdfium
    from PIL import Image

log = logging.getLogger(__name__)

DOCUMENT_EXTS = frozenset({".pdf", ".docx", ".odt", ".html", ".htm", ".xhtml", ".epub", ".rtf"})
MAX_DOCUMENT_BYTES = 300 * 1024 * 1024
MAX_PAGES = 3000  # PDF pages or EPUB chapters read per file
MAX_TEXT_CHARS = 8_000_000  # text kept per document
MAX_SCANNED_PAGES = 30  # pages without a text layer listed for OCR per file
MAX_UNZIPPED_BYTES = 1024 * 1024 * 1024  # DOCX, ODT, EPUB: what the archive says it unpacks to
SCANNED_PAGE_CHARS = 20  # a page with fewer characters than this (and an image) was scanned
MAX_LOCATION_CHARS = 80
RENDER_MAX_DPI = 300  # render_pdf_page never draws a small page larger than this

# PDFium is not thread-safe, not even across documents, and the indexer decodes on several threads:
# every call into it (here, or anywhere else in Trove) holds this lock.
PDFIUM_LOCK = threading.Lock()
# warnings.catch_warnings swaps a process-wide filter list: two threads inside it at once can leave
# "ignore" in place for good. Ours take turns.
_WARNINGS_LOCK = threading.Lock()

_MB = 1024 * 1024
_READ_CHUNK = 1024 * 1024
_MAX_PDF_LINES = 5000  # a page of more lines than this is read without looking for its paragraphs
_RTF_MARKUP_FACTOR = 3  # RTF given to the converter: up to this many characters per character kept


# -- the text kept ----------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Text:
    """Sections of text in reading order, each with its location; takes no more than MAX_TEXT_CHARS."""

    sections: list[tuple[str | None, str]] = field(default_factory=list)
    chars: int = 0
    truncated: bool = False

    @property
    def room(self) -> int:
        return max(0, MAX_TEXT_CHARS - self.chars)

    @property
    def full(self) -> bool:
        """Takes nothing more: the limit is reached, or text was already cut (what follows would not fit)."""
        return self.room == 0 or self.truncated

    def add(self, location: str | None, text: str) -> None:
        if not text.strip():
            return
        if self.truncated:
            return
        if len(text) > self.room:
            text = _cut(text, self.room)
            self.truncated = True
            if not text.strip():
                return
        self.sections.append((location, text))
        self.chars += len(text)


def _cut(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, at a space when there is one near the end."""
    head = text[:limit]
    space = head.rfind(" ", max(0, limit - 100))
    return head[:space] if space > 0 and limit < len(text) else head


def _location(text: str) -> str | None:
    one = " ".join(text.split())
    if len(one) > MAX_LOCATION_CHARS:
        one = one[:MAX_LOCATION_CHARS - 1].rstrip() + "…"
    return one or None


class _Sink(Protocol):
    """Where a reader puts blocks of text in reading order."""

    @property
    def full(self) -> bool: ...

    def heading(self, text: str) -> None: ...

    def para(self, text: str) -> None: ...


class _Sections:
    """Blocks under the nearest heading above them (Word, OpenDocument, HTML, RTF): a heading starts a new
    section named after it; headings with nothing between them share one, named after the last."""

    _FLUSH_CHARS = 1_000_000  # a long section goes to ``out`` in pieces: what waits here stays small

    def __init__(self, out: _Text) -> None:
        self.out = out
        self.label: str | None = None
        self.parts: list[str] = []
        self.pending = 0
        self.has_body = False

    @property
    def full(self) -> bool:
        return self.out.full or self.pending >= self.out.room

    def heading(self, text: str) -> None:
        label = _location(text)
        if label is None:
            return
        if self.has_body:
            self.flush()
        self.label = label
        self._take(text.strip())

    def para(self, text: str) -> None:
        if text.strip():
            self.has_body = True
            self._take(text.strip())
            if self.pending >= min(self.out.room, self._FLUSH_CHARS):
                self.flush()
                self.has_body = True  # a section flushed in pieces keeps its name

    def _take(self, text: str) -> None:
        self.parts.append(text)
        self.pending += len(text) + 2

    def flush(self) -> None:
        if self.parts:
            self.out.add(self.label, "\n\n".join(self.parts))
        self.parts, self.pending, self.has_body = [], 0, False


class _Chapter:
    """One EPUB chapter: its blocks become one text; its first heading is its title."""

    def __init__(self, room: int) -> None:
        self.room = room
        self.parts: list[str] = []
        self.chars = 0
        self.title: str | None = None

    @property
    def full(self) -> bool:
        return self.chars >= self.room

    def heading(self, text: str) -> None:
        if self.title is None:
            self.title = _location(text)
        self.para(text)

    def para(self, text: str) -> None:
        if text.strip():
            self.parts.append(text.strip())
            self.chars += len(text) + 2

    def text(self) -> str:
        return "\n\n".join(self.parts)


# -- the entry points -------------------------------------------------------------------------------------

_Reader = Callable[[str, _Text], dict[str, Any]]


def extract_document(stat: FileStat, digest: str | None = None) -> Extracted:
    """A document's passages and what is known about it (see the module's docstring). A document without
    text (an empty file, a scanned PDF) is not an error: it has one empty passage, like an empty note, and a
    scanned PDF lists its pages in ``meta["scanned_pages"]`` for OCR (``render_pdf_page``)."""
    fmt, read = _READERS[_ext(stat.path)]
    if stat.size_bytes > MAX_DOCUMENT_BYTES:
        raise MediaError(f"the document is {stat.size_bytes // _MB} MB, over the {MAX_DOCUMENT_BYTES // _MB} MB "
                         "limit for documents")
    out = _Text()
    meta: dict[str, Any] = {"format": fmt}
    if stat.size_bytes > 0:
        meta.update(read(stat.path, out))
    passages: list[Passage] = []
    locations: list[str | None] = []
    words = 0
    for location, text in out.sections:
        words += len(text.split())
        for piece in split_passages(text):
            passages.append(Passage(piece))
            locations.append(location)
    meta["locations"] = locations or [None]
    meta["truncated"] = out.truncated
    meta["words"] = words
    return Extracted(
        stat=stat,
        content_hash=digest or content_hash(stat.path, stat.size_bytes),
        passages=passages or [Passage("")],
        date_ts=stat.mtime_ns / 1e9,
        meta=meta,
    )


def render_pdf_page(path: str, index: int, max_edge: int = 2000) -> Image.Image:
    """Page ``index`` (0-based) of a PDF as an RGB image whose long edge is at most ``max_edge`` pixels
    (and no finer than RENDER_MAX_DPI): what OCR reads on a scanned page."""
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        pdf = _open_pdf(path)
        try:
            if not 0 <= index < len(pdf):
                raise MediaError(f"the PDF has {len(pdf)} pages, not a page {index + 1}; it changed since it was "
                                 "indexed: index it again")
            try:
                image = _render(pdf, index, max_edge)
            except pdfium.PdfiumError as exc:
                raise MediaError(f"page {index + 1} of the PDF cannot be drawn; the file is damaged") from exc
        finally:
            pdf.close()
    if max(image.size) > max_edge:  # rounding: a pixel over
        image.thumbnail((max_edge, max_edge))
    return image


def _render(pdf: pdfium.PdfDocument, index: int, max_edge: int) -> Image.Image:
    page = pdf[index]
    try:
        width, height = page.get_size()
        if min(width, height) <= 0:
            raise MediaError(f"page {index + 1} of the PDF has no size; the file is damaged")
        bitmap = page.render(scale=min(max_edge / max(width, height), RENDER_MAX_DPI / 72))
        try:
            return bitmap.to_pil().convert("RGB")  # a copy: the bitmap's memory is freed below
        finally:
            bitmap.close()
    finally:
        page.close()


def _ext(path: str) -> str:
    dot = path.rfind(".")
    ext = path[dot:].lower() if dot >= 0 else ""
    if ext not in DOCUMENT_EXTS:
        raise ValueError(f"not a document extension: {path!r}")
    return ext


# -- what a file really is, for messages ------------------------------------------------------------------

_PDF_MAGIC = b"%PDF"
_ZIP_MAGIC = b"PK\x03\x04"
_RTF_MAGIC = b"{\\rtf"
_MAGIC = (
    (_PDF_MAGIC, "a PDF"),
    (_ZIP_MAGIC, "a ZIP archive"),
    (_RTF_MAGIC, "an RTF document"),
    (b"\xd0\xcf\x11\xe0", "an OLE file (an old .doc, or an Office document saved with a password)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
)


def _looks_like(path: str, unless: bytes) -> str:
    """' (it looks like a PNG image)' when the first bytes say what the file is (other than what starts
    with ``unless``, what it should be), else ''."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    for magic, what in _MAGIC:
        if head.startswith(magic) and magic != unless:
            return f" (it looks like {what})"
    return ""


def _damaged(what: str, exc: BaseException) -> MediaError:
    """A parser failed on the file: one line naming the format, with the library's reason after it."""
    reason = " ".join(str(exc).split())[:120] or type(exc).__name__
    return MediaError(f"the {what} is damaged or incomplete and cannot be read ({reason}); open it in its "
                      "program and save it again")


# -- PDF --------------------------------------------------------------------------------------------------


def _open_pdf(path: str) -> pdfium.PdfDocument:
    """Opens a PDF (the caller holds PDFIUM_LOCK) or says why it cannot."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        return pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        code = exc.err_code
        if code == pdfium_c.FPDF_ERR_PASSWORD:
            raise MediaError("the PDF is password-protected; Trove cannot read it without the password "
                             "(save a copy without the password to index it)") from exc
        if code == pdfium_c.FPDF_ERR_SECURITY:
            raise MediaError("the PDF is encrypted in a way Trove cannot read; save a copy without "
                             "encryption to index it") from exc
        if code == pdfium_c.FPDF_ERR_FILE:
            raise MediaError("the PDF could not be opened (PDFium cannot read the file); check that it "
                             "is readable") from exc
        looks = _looks_like(path, _PDF_MAGIC)
        if looks:
            raise MediaError(f"not a PDF{looks}; rename it with the right extension") from exc
        raise MediaError("the PDF is damaged, incomplete or not a PDF; open it in a PDF reader to check, or "
                         "copy it again") from exc


def _read_pdf(path: str, out: _Text) -> dict[str, Any]:
    import pypdfium2 as pdfium

    meta: dict[str, Any] = {}
    scanned: list[int] = []
    scanned_locations: list[str] = []
    scanned_total = 0
    unreadable = 0
    with PDFIUM_LOCK:
        pdf = _open_pdf(path)
        try:
            pages = len(pdf)
            meta["pages"] = pages
            for key in ("Title", "Author"):
                value = _one_line(pdf.get_metadata_value(key))
                if value:
                    meta[key.lower()] = value
            for index in range(min(pages, MAX_PAGES)):
                if out.full:
                    out.truncated = True
                    break
                try:
                    text, scanned_page = _pdf_page(pdf, index)
                except pdfium.PdfiumError:
                    log.info("%s: page %d cannot be read; skipped", path, index + 1, exc_info=True)
                    unreadable += 1
                    continue
                label = _pdf_page_label(pdf, index)
                out.add(label, text)
                if scanned_page:
                    scanned_total += 1
                    if len(scanned) < MAX_SCANNED_PAGES:
                        scanned.append(index)
                        scanned_locations.append(label)
            if pages > MAX_PAGES:
                out.truncated = True
        finally:
            pdf.close()
    if unreadable and unreadable == min(pages, MAX_PAGES):
        raise MediaError("no page of the PDF can be read; it is damaged: open it in a PDF reader to check")
    if scanned:
        meta["scanned_pages"] = scanned
        meta["scanned_locations"] = scanned_locations
        if scanned_total > len(scanned):
            meta["scanned_total"] = scanned_total
    if unreadable:
        meta["unreadable_pages"] = unreadable
    return meta


def _pdf_page_label(pdf: pdfium.PdfDocument, index: int) -> str:
    """'page 12', or the page's own label where the PDF gives one ('page iv', 'page A-3')."""
    label = _one_line(pdf.get_page_label(index))
    return f"page {label}" if label and len(label) <= 16 else f"page {index + 1}"


def _pdf_page(pdf: pdfium.PdfDocument, index: int) -> tuple[str, bool]:
    """(text, scanned): the page's text with its paragraphs, and whether it is an image with (almost) no
    text layer."""
    import pypdfium2.raw as pdfium_c

    page = pdf[index]
    try:
        textpage = page.get_textpage()
        try:
            text = _pdf_text(textpage)
        finally:
            textpage.close()
        scanned = False
        if sum(len(word) for word in text.split()) < SCANNED_PAGE_CHARS:
            images = page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=4)
            scanned = next(images, None) is not None
        return _clean_pdf_text(text), scanned
    finally:
        page.close()


def _pdf_text(textpage: pdfium.PdfTextPage) -> str:
    """The page's text in PDFium's reading order, a line per line, a blank line between paragraphs. The text
    is taken in one piece (per-line rectangles would cut glyphs that lean over their neighbours, as italics
    do); each line's place on the page comes from its first and last characters."""
    try:
        text: str = textpage.get_text_range()
    except RecursionError:  # pypdfium2 recurses once per excluded character at either end of the page
        return str(textpage.get_text_bounded())
    lines = _pdf_lines(textpage, text)
    return _pdf_paragraphs(lines) if lines is not None else text


@dataclass(slots=True)
class _Line:
    text: str
    left: float  # of its first character
    top: float
    height: float  # of its first character: the font's size, about
    right: float  # of its last character (a line joined at a hyphen ends on the next row)
    bottom: float
    end_top: float


def _pdf_lines(textpage: pdfium.PdfTextPage, text: str) -> list[_Line] | None:
    """The page's lines (PDFium ends each with CR LF) with where they are, or None where that is unknown."""
    import pypdfium2.raw as pdfium_c

    rows = text.split("\r\n")
    if len(rows) > _MAX_PDF_LINES:
        return None
    lines = []
    offset = 0
    for row in rows:
        words = row.strip()
        if words:
            first = pdfium_c.FPDFText_GetCharIndexFromTextIndex(textpage, offset + len(row) - len(row.lstrip()))
            last = pdfium_c.FPDFText_GetCharIndexFromTextIndex(textpage, offset + len(row.rstrip()) - 1)
            if first < 0 or last < 0:  # a character PDFium inserted: no place on the page
                return None
            left, bottom, _, top = textpage.get_charbox(first, loose=True)
            _, end_bottom, right, end_top = textpage.get_charbox(last, loose=True)
            lines.append(_Line(words, left, top, max(top - bottom, 1.0), right, end_bottom, end_top))
        offset += len(row) + 2
    return lines


_SENTENCE_END = ".!?:;\"”’)"


def _pdf_paragraphs(lines: list[_Line]) -> str:
    """Lines joined by line breaks, with a blank line where a paragraph ends: a gap clearly wider than the
    page's usual line spacing, a step up (a new column), a short line that ends a sentence, or a change of
    type size (a heading and its text). A break too
    many costs nothing (split_passages packs paragraphs), a missing one cuts a passage mid-way."""
    if not lines:
        return ""
    gaps = [a.bottom - b.top for a, b in zip(lines, lines[1:], strict=False)
            if -0.5 * a.height < a.bottom - b.top < 1.5 * a.height]
    usual = statistics.median(gaps) if gaps else 0.0
    left_edge = min(line.left for line in lines)
    right_edge = max(line.right for line in lines)
    short = right_edge - 0.1 * (right_edge - left_edge)
    parts = [lines[0].text]
    for a, b in zip(lines, lines[1:], strict=False):
        height = max(a.height, b.height)
        new_para = (b.top > a.end_top + 0.25 * height or a.bottom - b.top > usual + 0.4 * height
                    or (a.right < short and a.text[-1:] in _SENTENCE_END)
                    or abs(a.height - b.height) > 0.2 * min(a.height, b.height))  # another type size: a heading
        parts.append("\n\n" if new_para else "\n")
        parts.append(b.text)
    return "".join(parts)


_HYPHEN_MARK = re.compile("[\x02\ufffe][ \t\r\n]*")  # PDFium's mark for a hyphen that broke a word at a line end
_LINE_HYPHEN = re.compile(r"([^\W\d_])-\n([^\W\d_])")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\u00ad\uffff]")
_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
                            "\ufb05": "st", "\ufb06": "st"})


_WRAPPED = re.compile(r"(?<!\n)\n(?!\n|[ \t]*(?:[-*\u2022\u25aa\u25cf\u2013]|\d{1,3}[.)])\s)")


def _clean_pdf_text(text: str) -> str:
    """Words broken by a hyphen at a line end joined again ("inter-\\nnational"), the lines of a paragraph
    joined with spaces (a PDF's line ends are where the page was wrapped, not the writer's: kept, they showed
    as ragged lines in the preview), except before a list item; ligatures spelled out, control characters
    dropped."""
    text = _HYPHEN_MARK.sub("", text.replace("\r\n", "\n"))
    text = _LINE_HYPHEN.sub(lambda m: m[1] + m[2] if m[2].islower() else m[0], text)
    text = _WRAPPED.sub(lambda m: "" if m.start() and text[m.start() - 1] == "-" else " ", text.replace("\r", "\n"))
    return _CONTROL.sub("", text).translate(_LIGATURES)


def _one_line(text: str | None) -> str:
    return " ".join((text or "").replace("\x00", " ").split())


# -- ZIP-based formats ------------------------------------------------------------------------------------


def _check_zip(path: str, what: str, is_it: Callable[[zipfile.ZipFile, set[str]], str | None]) -> None:
    """Refuses a file that is not a ZIP, one that would unpack to more than MAX_UNZIPPED_BYTES (damaged, or a
    zip bomb), before any parser reads it, and one that ``is_it`` says is something else (it returns why, or
    raises MediaError for a damaged part)."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            total = sum(info.file_size for info in infos)
            if total > MAX_UNZIPPED_BYTES:
                raise MediaError(f"the {what} would unpack to {total // _MB} MB, over the "
                                 f"{MAX_UNZIPPED_BYTES // _MB} MB Trove allows; it is damaged or built to "
                                 "exhaust memory (a zip bomb)")
            wrong = is_it(zf, {info.filename for info in infos})
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError, zlib.error,
            OSError) as exc:
        if isinstance(exc, OSError) and not _bad_offset(exc):
            raise
        looks = _looks_like(path, _ZIP_MAGIC)
        if looks:
            raise MediaError(f"not {_a(what)}{looks}; rename it with the right extension") from exc
        raise MediaError(f"the {what} is damaged or incomplete (it is not a valid ZIP archive); copy it "
                         "again or save it again in its program") from exc
    if wrong:
        raise MediaError(f"not {_a(what)}: {wrong}; rename it with the right extension")


def _a(what: str) -> str:
    return f"{'an' if what[:1] in 'AEIOU' else 'a'} {what}"


def _bad_offset(exc: OSError) -> bool:
    """The OSError zipfile raises for a damaged archive (a seek to a negative offset), not the machine's."""
    return exc.errno == errno.EINVAL


def _guarded_parse(what: str, parse: Callable[[], Any]) -> Any:
    """Runs a third-party parser on a file already checked by _check_zip: whatever it raises about the file's
    contents becomes a MediaError naming the format. OSError (the file vanished, no permission) passes."""
    try:
        return parse()
    except OSError as exc:
        if not _bad_offset(exc):
            raise
        raise _damaged(what, exc) from exc
    except MemoryError:
        raise
    except Exception as exc:  # the parsers raise KeyError, ValueError, lxml's and expat's errors, their own
        raise _damaged(what, exc) from exc


def _read_docx(path: str, out: _Text) -> dict[str, Any]:
    def is_word(zf: zipfile.ZipFile, names: set[str]) -> str | None:
        if "[Content_Types].xml" not in names or not any(n.startswith("word/") for n in names):
            return "the archive has no Word document in it"
        return None

    _check_zip(path, "Word document", is_word)
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = _guarded_parse("Word document", lambda: docx.Document(path))
    meta: dict[str, Any] = {}
    props = document.core_properties
    for key, value in (("title", props.title), ("author", props.author)):
        if _one_line(value):
            meta[key] = _one_line(value)
    heading_styles: dict[str | None, bool] = {}
    sections = _Sections(out)
    for block in _docx_blocks(document):
        if sections.full:
            out.truncated = True
            break
        if isinstance(block, Paragraph):
            style_id = block._p.style  # the style's id; its name is looked up once per id
            if style_id not in heading_styles:
                name = (block.style.name or "").lower() if block.style is not None else ""
                heading_styles[style_id] = name.startswith("heading") or name == "title"
            if heading_styles[style_id]:
                sections.heading(block.text)
            else:
                sections.para(block.text)
        elif isinstance(block, Table):
            try:
                sections.para(_docx_table(block, 0))
            except (IndexError, ValueError, KeyError):  # python-docx on a malformed grid (spans, merges)
                log.info("%s: a table cannot be read; left out", path, exc_info=True)
    sections.flush()
    return meta


def _docx_blocks(document: Any) -> Iterator[Any]:
    """The body's paragraphs and tables in order, with those inside content controls (``w:sdt``: cover pages,
    tables of contents, template fields), which python-docx's ``iter_inner_content`` passes over."""
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    para, table, control, content = qn("w:p"), qn("w:tbl"), qn("w:sdt"), qn("w:sdtContent")
    stack = [iter(document.element.body)]
    while stack:
        element = next(stack[-1], None)
        if element is None:
            stack.pop()
        elif element.tag == para:
            yield Paragraph(element, document)
        elif element.tag == table:
            yield Table(element, document)
        elif element.tag == control and (inner := element.find(content)) is not None:
            stack.append(iter(inner))


def _docx_table(table: Any, depth: int) -> str:
    """A table's rows as lines, its cells separated by tabs; a merged cell once; nested tables inline."""
    from docx.table import Table

    rows = []
    seen: dict[int, object] = {}  # merged cells repeat one <w:tc>; holding it keeps its id unique
    for row in table.rows:
        cells = []
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen[id(cell._tc)] = cell._tc
            parts = []
            for inner in cell.iter_inner_content():
                if isinstance(inner, Table):
                    if depth < 4:
                        parts.append(_docx_table(inner, depth + 1))
                elif inner.text.strip():
                    parts.append(inner.text.strip())
            if parts:
                cells.append(" ".join(parts))
        if cells:
            rows.append("\t".join(cells))
    return "\n".join(rows)


_ODF_TEXT = "application/vnd.oasis.opendocument.text"


def _read_odt(path: str, out: _Text) -> dict[str, Any]:
    def is_odt(zf: zipfile.ZipFile, names: set[str]) -> str | None:
        if "content.xml" not in names:
            return "the archive has no OpenDocument content in it"
        if "mimetype" in names and zf.getinfo("mimetype").file_size < 200:
            kind = zf.read("mimetype").decode("ascii", "replace").strip()
            if not kind.startswith(_ODF_TEXT):
                return f"it is an OpenDocument file of another kind ({kind})"
        manifest = "META-INF/manifest.xml"
        if manifest in names and zf.getinfo(manifest).file_size < _MB and b"encryption-data" in zf.read(manifest):
            raise MediaError("the OpenDocument text is password-protected; Trove cannot read it without the "
                             "password (save a copy without the password to index it)")
        # odfpy does not raise on malformed XML: it prints the whole part to stdout and goes on with an empty
        # document. Each part it parses is checked here first, streamed through expat.
        for name in ("content.xml", "styles.xml", "meta.xml", "settings.xml"):
            if name in names:
                with zf.open(name) as part:
                    try:
                        expat.ParserCreate().ParseFile(part)
                    except expat.ExpatError as exc:
                        raise _damaged("OpenDocument text", exc) from exc
        return None

    _check_zip(path, "OpenDocument text", is_odt)
    from odf import dc, teletype
    from odf import meta as odf_meta
    from odf.namespaces import OFFICENS, TABLENS, TEXTNS
    from odf.opendocument import load

    doc = _guarded_parse("OpenDocument text", lambda: load(path))
    meta: dict[str, Any] = {}
    for key, kinds in (("title", (dc.Title,)), ("author", (dc.Creator, odf_meta.InitialCreator))):
        for kind in kinds:
            values = [_one_line(teletype.extractText(e)) for e in doc.meta.getElementsByType(kind)]
            if values and values[0]:
                meta[key] = values[0]
                break
    if doc.text is None:
        return meta
    skip = {(TEXTNS, "tracked-changes"), (TEXTNS, "sequence-decls"), (OFFICENS, "forms"),
            (TEXTNS, "variable-decls"), (TEXTNS, "user-field-decls")}
    sections = _Sections(out)
    stack = list(reversed(doc.text.childNodes))  # depth-first in document order, without recursion
    try:
        while stack:
            if sections.full:
                out.truncated = True
                break
            node = stack.pop()
            if node.nodeType != node.ELEMENT_NODE or node.qname in skip:
                continue
            if node.qname == (TEXTNS, "h"):
                sections.heading(teletype.extractText(node))
            elif node.qname == (TEXTNS, "p"):
                sections.para(teletype.extractText(node))
            elif node.qname == (TABLENS, "table-row"):
                cells = [" ".join(teletype.extractText(c).split()) for c in node.childNodes
                         if c.nodeType == c.ELEMENT_NODE]
                sections.para("\t".join(c for c in cells if c))
            else:
                stack.extend(reversed(node.childNodes))
    except RecursionError as exc:  # teletype.extractText recurses: a paragraph nested thousands deep
        raise MediaError("the OpenDocument text is nested too deeply to read; it is damaged or was built "
                         "to break readers") from exc
    sections.flush()
    return meta


_CIPHER_URI = re.compile(rb"""CipherReference[^>]*?URI\s*=\s*["']([^"']+)["']""")


def _read_epub(path: str, out: _Text) -> dict[str, Any]:
    def is_epub(zf: zipfile.ZipFile, names: set[str]) -> str | None:
        if "META-INF/container.xml" not in names:
            return "the archive has no e-book in it"
        # DRM encrypts the chapters and lists them here (fonts listed alone are only obfuscated)
        if "META-INF/encryption.xml" in names and zf.getinfo("META-INF/encryption.xml").file_size < _MB:
            listed = _CIPHER_URI.findall(zf.read("META-INF/encryption.xml"))
            if any(uri.lower().endswith((b".xhtml", b".html", b".htm")) for uri in listed):
                raise MediaError("the e-book is protected by DRM (its chapters are encrypted); Trove can only "
                                 "read e-books without DRM")
        return None

    _check_zip(path, "EPUB e-book", is_epub)
    from ebooklib import ITEM_DOCUMENT, epub

    def parse() -> Any:
        with _WARNINGS_LOCK, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ebooklib warns about its own future defaults on every read
            return epub.read_epub(path, options={"ignore_ncx": True})

    book = _guarded_parse("EPUB e-book", parse)
    meta: dict[str, Any] = {}
    for key, name in (("title", "title"), ("author", "creator")):
        values = [_one_line(v) for v, _ in book.get_metadata("DC", name)]
        if values and values[0]:
            meta[key] = values[0]
    toc = _epub_toc(book.toc)
    chapters = []
    for idref, _linear in book.spine:
        item = book.get_item_with_id(idref)
        if item is not None and item.get_type() == ITEM_DOCUMENT and not isinstance(item, epub.EpubNav):
            chapters.append(item)
    meta["pages"] = len(chapters)
    for number, item in enumerate(chapters[:MAX_PAGES], 1):
        if out.full:
            out.truncated = True
            break
        chapter = _Chapter(out.room)
        _feed_html(_decoded([item.get_content()], complete=True), chapter)
        title = toc.get(item.get_name()) or chapter.title
        label = f"chapter {number}" + (f" · {title}" if title else "")
        out.add(label, chapter.text())
        if chapter.full:
            out.truncated = True
    if len(chapters) > MAX_PAGES:
        out.truncated = True
    return meta


def _epub_toc(entries: Any) -> dict[str, str]:
    """{file name: title} from an ebooklib table of contents (Links, and (Section, children) pairs); the
    first title given for a file wins."""
    found: dict[str, str] = {}
    stack = [iter(entries or ())]
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            continue
        if isinstance(entry, tuple | list) and len(entry) == 2:
            head, children = entry
            stack.append(iter(children or ()))
            entry = head
        href = getattr(entry, "href", None)
        title = _location(getattr(entry, "title", None) or "")
        if href and title:
            found.setdefault(href.split("#", 1)[0], title)
    return found


# -- HTML -------------------------------------------------------------------------------------------------

_BLOCK_TAGS = frozenset(
    "address article aside blockquote body caption center dd details dialog dir div dl dt fieldset figcaption "
    "figure footer form frameset header hgroup hr html legend li main menu nav ol p pre section summary table "
    "tbody td tfoot th thead tr ul".split())
_LINE_TAGS = frozenset({"li", "tr", "dt", "dd"})
_CELL_TAGS = frozenset({"td", "th"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_SKIP_TAGS = frozenset({"script", "style", "template", "noscript", "svg", "math", "object", "iframe"})
_SPACES = re.compile(r"\s+")


class _HtmlText(HTMLParser):
    """HTML to blocks of text: script, style and the head (but its title) left out, block elements end a
    block, ``br``/``li``/``tr`` end a line, h1-h6 are headings. Whitespace collapses as a browser shows it,
    except in ``pre``."""

    def __init__(self, sink: _Sink) -> None:
        super().__init__(convert_charrefs=True)
        self.sink = sink
        self.title: str | None = None
        self.author: str | None = None
        self._skip: list[str] = []
        self._in_head = False
        self._title: list[str] | None = None
        self._heading: list[str] | None = None
        self._pre = 0
        self._block: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._title is not None and (tag in _BLOCK_TAGS or tag in _HEADINGS):
            self._end_title()  # a <title> left open
        if self._skip:
            if tag in _SKIP_TAGS:
                self._skip.append(tag)
            return
        if tag in _SKIP_TAGS:
            self._skip.append(tag)
        elif tag == "head":
            self._in_head = True
        elif tag == "title" and self.title is None:
            self._title = []
        elif tag == "meta":
            named = dict(attrs)
            if (named.get("name") or "").lower() == "author" and named.get("content"):
                self.author = _one_line(named["content"]) or None
        elif tag in _HEADINGS:
            self._end_heading()
            self._end_block()
            self._in_head = False
            self._heading = []
        elif tag in _BLOCK_TAGS:
            self._in_head = False
            self._end_heading()
            if tag in _CELL_TAGS:
                self._block.append(" ")
            elif tag in _LINE_TAGS:
                self._block.append("\n")
            else:
                self._end_block()
            if tag == "pre":
                self._pre += 1
        elif tag == "br":
            (self._heading if self._heading is not None else self._block).append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self._skip:
            if tag in self._skip:
                while self._skip.pop() != tag:
                    pass
            return
        if tag == "head":
            self._in_head = False
        elif tag == "title":
            self._end_title()
        elif tag in _HEADINGS:
            self._end_heading()
        elif tag in _BLOCK_TAGS:
            if tag == "pre":
                self._pre = max(0, self._pre - 1)
            if tag in _LINE_TAGS:
                self._block.append("\n")
            elif tag not in _CELL_TAGS:
                self._end_block()

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._title is not None:
            self._title.append(data)
            return
        if self._in_head:
            return
        if not self._pre:
            data = _SPACES.sub(" ", data)
        (self._heading if self._heading is not None else self._block).append(data)

    def close(self) -> None:
        super().close()
        self._end_heading()
        self._end_block()

    def _end_title(self) -> None:
        if self._title is not None:
            self.title = _one_line("".join(self._title))[:300] or None
            self._title = None

    def _end_heading(self) -> None:
        if self._heading is not None:
            self.sink.heading(_one_line("".join(self._heading)))
            self._heading = None

    def _end_block(self) -> None:
        if self._block:
            lines = (_one_line(line) if not self._pre else line.rstrip() for line in "".join(self._block).split("\n"))
            self.sink.para("\n".join(line for line in lines if line))
            self._block = []


def _feed_html(chunks: Iterator[str], sink: _Sink) -> _HtmlText:
    """Feeds decoded text to the parser until it ends or the sink is full."""
    parser = _HtmlText(sink)
    for chunk in chunks:
        parser.feed(chunk)
        if sink.full:
            break
    parser.close()
    return parser


_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""")


def _html_encoding(head: bytes, complete: bool) -> str:
    """The encoding of an HTML file from its first bytes: a byte order mark, else a <meta> charset or the
    XML declaration, else UTF-8 if the bytes are UTF-8 (``complete``: ``head`` is the whole file), else
    cp1252, as core.media.notes.decode_text decides for notes."""
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    found = _META_CHARSET.search(head[:4096]) or _XML_ENCODING.search(head[:1024])
    if found:
        try:
            name = codecs.lookup(found[1].decode("ascii")).name
        except LookupError:
            name = ""
        if name in ("latin-1", "iso8859-1", "ascii"):
            return "cp1252"  # what browsers read these labels as
        if name and not name.startswith(("utf-16", "utf-32")):  # a UTF-16 file would have had a BOM
            return name
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if not complete and exc.reason == "unexpected end of data":  # a character cut by the head's end
            return "utf-8"
    return "cp1252"


def _decoded(chunks: Iterator[bytes] | list[bytes], complete: bool) -> Iterator[str]:
    """Byte chunks as text, in the encoding the first chunk shows; ``complete``: that chunk is everything."""
    decoder = None
    for chunk in chunks:
        if decoder is None:
            decoder = codecs.getincrementaldecoder(_html_encoding(chunk, complete))("replace")
        yield decoder.decode(chunk)
    if decoder is not None:
        yield decoder.decode(b"", final=True)


def _read_html(path: str, out: _Text) -> dict[str, Any]:
    with open(path, "rb") as fh:
        head = fh.read(_READ_CHUNK)
        if b"\x00" in head[:4096] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
            looks = _looks_like(path, unless=b"<")
            raise MediaError(f"this is a binary file, not HTML{looks}; rename it if it is not a web page")

        def chunks() -> Iterator[bytes]:
            yield head
            while block := fh.read(_READ_CHUNK):
                yield block

        sections = _Sections(out)
        complete = len(head) < _READ_CHUNK
        parser = _feed_html(_decoded(chunks(), complete), sections)
        if sections.full and fh.read(1):
            out.truncated = True
    sections.flush()
    meta: dict[str, Any] = {}
    if parser.title:
        meta["title"] = parser.title
    if parser.author:
        meta["author"] = parser.author
    return meta


# -- RTF --------------------------------------------------------------------------------------------------

_RTF_DROP = re.compile(rb"\{\\\*\\|\{\\pict\b|\{\\object\b")  # pictures, objects, ignorable destinations
_RTF_BRACE = re.compile(rb"\\[\\{}]|[{}]")
_RTF_INFO = re.compile(rb"\{\\(title|author)\s+([^{}]*)\}")


def _read_rtf(path: str, out: _Text) -> dict[str, Any]:
    from striprtf.striprtf import rtf_to_text

    with open(path, "rb") as fh:
        head = fh.read(_READ_CHUNK)
        if not head[:64].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(_RTF_MAGIC):
            looks = _looks_like(path, _RTF_MAGIC)
            raise MediaError(f"not an RTF document{looks}; rename it with the right extension")
        info: dict[str, bytes] = {m[1].decode(): m[2] for m in _RTF_INFO.finditer(head[:256 * 1024])}

        def chunks() -> Iterator[bytes]:
            yield head
            while block := fh.read(_READ_CHUNK):
                yield block

        kept, cut = _rtf_without_pictures(chunks(), _RTF_MARKUP_FACTOR * out.room)

    def convert(rtf: bytes) -> Callable[[], str]:
        return lambda: str(rtf_to_text(rtf.decode("cp1252", "replace"), errors="replace"))

    text = _guarded_parse("RTF document", convert(kept))
    sections = _Sections(out)
    for para in text.split("\n"):  # the converter ends each \par with one line break
        sections.para(para)
    sections.flush()
    if cut:
        out.truncated = True
    meta: dict[str, Any] = {}
    for key, raw in info.items():
        value = _one_line(_guarded_parse("RTF document", convert(b"{\\rtf1 " + raw + b"}")))
        if value:
            meta[key] = value
    return meta


def _rtf_without_pictures(chunks: Iterator[bytes], limit: int) -> tuple[bytes, bool]:
    """The RTF without its picture, object and ignorable groups (most of a large RTF's bytes, and slow for
    the converter, which walks the text a character at a time), up to ``limit`` bytes; and whether it was
    cut there. Read a chunk at a time: only what is kept is held."""
    kept: list[bytes] = []
    size = 0
    depth = 0  # > 0: inside a group being dropped
    buf = b""
    for chunk in itertools.chain(chunks, [b""]):
        final = not chunk
        buf += chunk
        pos = 0
        while pos < len(buf) and size < limit:
            if depth == 0:
                found = _RTF_DROP.search(buf, pos)
                # a group's opening cut by the chunk's end waits for the next chunk
                stop = found.start() if found else len(buf) if final else max(pos, len(buf) - 16)
                piece = buf[pos:min(stop, pos + limit - size)]
                kept.append(piece)
                size += len(piece)
                pos += len(piece)
                if found is None or pos < found.start():
                    break
            scanned = pos
            for brace in _RTF_BRACE.finditer(buf, pos):
                scanned = brace.end()
                if brace[0] == b"{":
                    depth += 1
                elif brace[0] == b"}":
                    depth -= 1
                    if depth == 0:
                        break
            if depth:  # the group goes on in the next chunk; a lone backslash at the end waits for it
                pos = len(buf) - 1 if buf.endswith(b"\\") and scanned < len(buf) and not final else len(buf)
                break
            pos = scanned
        buf = buf[pos:]
        if size >= limit:
            return b"".join(kept), True
    return b"".join(kept), False


_READERS: dict[str, tuple[str, _Reader]] = {
    ".pdf": ("PDF", _read_pdf),
    ".docx": ("Word", _read_docx),
    ".odt": ("OpenDocument", _read_odt),
    ".html": ("HTML", _read_html),
    ".htm": ("HTML", _read_html),
    ".xhtml": ("HTML", _read_html),
    ".epub": ("EPUB", _read_epub),
    ".rtf": ("RTF", _read_rtf),
}
