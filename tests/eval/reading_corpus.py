"""The labelled corpus of the reading eval: photos with printed text (read by OCR), documents (PDF, Word,
OpenDocument, HTML, EPUB, RTF, a scanned PDF page) and photos with GPS positions (named by core.places).

Everything is hand-written data; ``build_reading_corpus(root)`` writes it deterministically (fixed seeds,
fixed dates) and returns the labelled queries. Photos are named like a camera names them (``IMG_3001.jpg``)
and sit in neutral folders, so a photo can only be found by the text read in it or by its place, never by
its file name. Text is drawn with Pillow's bundled font (``ImageFont.load_default(size=N)``), never a
system font, on textured backgrounds, some of it turned a few degrees and some light on dark.

Document queries come in two kinds: ``doc_paraphrase`` shares few or no words with the passage it should
find ("boiler shows a red light and won't heat water" for a troubleshooting page that speaks of a flashing
fault lamp), ``doc_exact`` uses the document's own words (a fault code, a clause's name). Each names the
file and where in it the answer is (``location``, as ``SearchResult.location`` gives it: "page 3" in a PDF,
the heading above the passage in Word, OpenDocument and HTML, "chapter N · Title" in an EPUB; None in RTF,
which has no headings).

The place coordinates were checked against ``core.places.place_of``: each resolves to the city's own
GeoNames name (``PLACED`` lists the names they resolve to). City centres that resolve to a neighbourhood
instead are listed in ``NEIGHBOURHOOD_CENTRES`` and checked by the eval, so a change to the place table
shows up there.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from tests.conftest import write_gps

QTYPES = ("photo_text", "doc_paraphrase", "doc_exact", "place")
GROUPS = {"photo_text": "text in photos", "doc_paraphrase": "documents", "doc_exact": "documents",
          "place": "places"}
READ_LOCATION = "text in the photo"  # SearchResult.location of a match on text read in a photo
FIXED_MTIME = datetime(2024, 6, 1, 12, 0, 0).timestamp()


@dataclass(frozen=True, slots=True)
class LabelledQuery:
    """One query: its words, the files that should come back (relative to the corpus root), and for a
    document query where in the file the answer is."""

    qtype: str
    text: str
    expected: tuple[str, ...]
    location: str | None = None


# -- text in photos ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TextPhoto:
    """A photo of something printed: ``lines`` (text, font size) on a card of ``card`` colour in ``ink``,
    turned ``angle_deg``, over a textured ``backdrop``."""

    path: str
    what: str
    lines: tuple[tuple[str, int], ...]
    card: tuple[int, int, int]
    ink: tuple[int, int, int]
    backdrop: tuple[int, int, int]
    angle_deg: float = 0.0
    seed: int = 0


TEXT_PHOTOS: tuple[TextPhoto, ...] = (
    TextPhoto("Camera/2024/IMG_3001.jpg", "cafe receipt",
              (("CAFE ALFAMA", 56), ("Rua dos Remedios 12, Lisboa", 32), ("Galao 1.40", 44),
               ("Pastel de nata 1.20", 44), ("Tosta mista 3.50", 44), ("TOTAL 6.10 EUR", 48)),
              (248, 246, 238), (30, 30, 30), (120, 85, 55), angle_deg=3.0, seed=1),
    TextPhoto("Camera/2024/IMG_3002.jpg", "train ticket",
              (("CP Comboios de Portugal", 40), ("Lisboa Santa Apolonia", 44), ("to Porto Campanha", 44),
               ("Platform 4  Departure 09:39", 40), ("Coach 3  Seat 52", 40)),
              (230, 238, 246), (20, 40, 90), (70, 70, 75), angle_deg=-2.0, seed=2),
    TextPhoto("Camera/2024/IMG_3003.jpg", "shop sign (light on dark)",
              (("BAKERY & COFFEE", 60), ("Fresh bread every morning", 40), ("OPEN DAILY 7 - 19", 48)),
              (25, 45, 35), (240, 225, 170), (140, 120, 100), seed=3),
    TextPhoto("Camera/2024/IMG_3004.jpg", "whiteboard",
              (("Sprint planning", 56), ("1. Migrate billing service", 40), ("2. Fix login timeout", 40),
               ("3. Update onboarding emails", 28), ("Retro on Friday", 44)),
              (245, 247, 250), (30, 60, 160), (180, 180, 170), angle_deg=2.0, seed=4),
    TextPhoto("Camera/2024/IMG_3005.jpg", "phone screenshot (dark mode)",
              (("Settings", 56), ("Bluetooth       On", 40), ("Airplane mode   Off", 40),
               ("Battery saver   45%", 40), ("Screen timeout  30 seconds", 28)),
              (28, 28, 32), (235, 235, 240), (15, 15, 18), seed=5),
    TextPhoto("Camera/2024/IMG_3006.jpg", "wifi password card",
              (("Welcome to Casa Maria", 48), ("WiFi network: Guesthouse_Maria", 40),
               ("Password: sunflower2024", 44), ("Checkout before 11:00", 28)),
              (252, 250, 240), (60, 40, 30), (160, 110, 70), angle_deg=-4.0, seed=6),
    TextPhoto("Camera/2024/IMG_3007.jpg", "parking ticket",
              (("PARKING TICKET", 56), ("Entry 14:05  Level -2", 40), ("Pay at the machine before exit", 36),
               ("Lost ticket 25.00", 36)),
              (250, 235, 120), (20, 20, 20), (90, 90, 95), angle_deg=1.5, seed=7),
    TextPhoto("Camera/2024/IMG_3008.jpg", "book cover (light on dark)",
              (("THE SILENT ORCHARD", 60), ("a novel", 36), ("HELENA MARSH", 48)),
              (60, 20, 30), (245, 230, 200), (200, 190, 170), seed=8),
    TextPhoto("Camera/2024/IMG_3009.jpg", "restaurant menu",
              (("Trattoria Da Luigi", 56), ("Spaghetti carbonara 12", 40), ("Risotto ai funghi 14", 40),
               ("Lasagne al forno 13", 40), ("Tiramisu 6", 40)),
              (250, 245, 230), (90, 20, 20), (60, 45, 35), angle_deg=-2.5, seed=9),
    TextPhoto("Camera/2024/IMG_3010.jpg", "concert poster with a date",
              (("JAZZ NIGHT", 60), ("Saturday 14 June 2025", 44), ("Blue Note Hall", 44), ("Doors open 20:00", 36)),
              (20, 30, 70), (250, 210, 60), (110, 110, 120), seed=10),
    TextPhoto("Camera/2024/IMG_3011.jpg", "boarding pass",
              (("BOARDING PASS", 52), ("Flight TP1350  Lisbon - Oslo", 40), ("Gate B12  Boarding 07:25", 40),
               ("Seat 17A  Zone 2", 40)),
              (240, 244, 250), (10, 60, 50), (50, 60, 80), angle_deg=2.5, seed=11),
    TextPhoto("Camera/2024/IMG_3012.jpg", "museum ticket",
              (("MUSEU NACIONAL DO AZULEJO", 44), ("Adult ticket 8.00 EUR", 40), ("Valid 12 March 2024", 36)),
              (235, 225, 250), (50, 30, 100), (140, 140, 130), angle_deg=-1.5, seed=12),
)

# Photos with no text at all: gradients, noise and shapes.
PLAIN_PHOTOS: tuple[tuple[str, str, int], ...] = (
    ("Camera/2024/IMG_3101.jpg", "gradient", 21), ("Camera/2024/IMG_3102.jpg", "noise", 22),
    ("Camera/2024/IMG_3103.jpg", "shapes", 23), ("Camera/2024/IMG_3104.jpg", "gradient", 24),
    ("Camera/2024/IMG_3105.jpg", "noise", 25), ("Camera/2024/IMG_3106.jpg", "shapes", 26),
    ("Camera/2024/IMG_3107.jpg", "gradient", 27), ("Camera/2024/IMG_3108.jpg", "shapes", 28),
)

TEXT_QUERIES: tuple[tuple[str, str], ...] = (
    ("Galao", "IMG_3001.jpg"),
    ("pastel de nata", "IMG_3001.jpg"),
    ("platform 4 Porto", "IMG_3002.jpg"),
    ("Santa Apolonia", "IMG_3002.jpg"),
    ("bakery open daily", "IMG_3003.jpg"),
    ("sprint planning", "IMG_3004.jpg"),
    ("login timeout", "IMG_3004.jpg"),
    ("onboarding emails", "IMG_3004.jpg"),
    ("airplane mode", "IMG_3005.jpg"),
    ("battery saver", "IMG_3005.jpg"),
    ("screen timeout 30 seconds", "IMG_3005.jpg"),
    ("wifi password", "IMG_3006.jpg"),
    ("sunflower2024", "IMG_3006.jpg"),
    ("parking ticket", "IMG_3007.jpg"),
    ("The Silent Orchard", "IMG_3008.jpg"),
    ("risotto ai funghi", "IMG_3009.jpg"),
    ("jazz night", "IMG_3010.jpg"),
    ("gate B12", "IMG_3011.jpg"),
    ("Azulejo", "IMG_3012.jpg"),
)

# Words printed on no photo: no photo may match them through text read in it.
NOT_PRINTED: tuple[str, ...] = (
    "dentist appointment", "snorkelling in Bali", "invoice for roof repairs", "chess club membership",
    "hiking boots size 44", "vaccination record", "electricity meter reading",
)


def _backdrop(size: tuple[int, int], color: tuple[int, int, int], seed: int) -> Image.Image:
    """A photo-like background: a colour with a soft light falloff, blotches and grain."""
    rng = np.random.default_rng(seed)
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = rng.uniform(0.3, 0.7) * w, rng.uniform(0.3, 0.7) * h
    light = 1.15 - 0.45 * np.hypot((xx - cx) / w, (yy - cy) / h)
    blotch = np.asarray(Image.fromarray(rng.integers(0, 255, (h // 40, w // 40), dtype=np.uint8))
                        .resize((w, h), Image.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(25)),
                        dtype=np.float32)
    blotch = (blotch - blotch.mean()) / (blotch.std() + 1e-6)
    base = np.asarray(color, dtype=np.float32)[None, None, :] * (light + 0.08 * blotch)[..., None]
    grain = rng.normal(0, 9, (h, w, 3)).astype(np.float32)
    return Image.fromarray(np.clip(base + grain, 0, 255).astype(np.uint8))


def draw_text_photo(photo: TextPhoto, path: Path, size: tuple[int, int] = (1600, 1200)) -> Path:
    """The photo: the card with its lines, turned and laid on the backdrop, with a little blur and grain."""
    rng = np.random.default_rng(photo.seed + 100)
    img = _backdrop(size, photo.backdrop, photo.seed)
    fonts = {s: ImageFont.load_default(size=s) for _, s in photo.lines}
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    widths = [probe.textlength(t, font=fonts[s]) for t, s in photo.lines]
    gap = 26
    card_w = int(max(widths)) + 160
    card_h = sum(int(s * 1.25) + gap for _, s in photo.lines) + 120
    card = Image.new("RGBA", (card_w, card_h), (*photo.card, 255))
    draw = ImageDraw.Draw(card)
    y = 60
    for (text, s), width in zip(photo.lines, widths, strict=True):
        x = (card_w - width) / 2 if s >= 52 else 80  # titles centred, the rest left-aligned
        draw.text((x, y), text, fill=(*photo.ink, 255), font=fonts[s])
        y += int(s * 1.25) + gap
    if photo.angle_deg:
        card = card.rotate(photo.angle_deg, resample=Image.Resampling.BICUBIC, expand=True)
    scale = min(1.0, 0.86 * size[0] / card.width, 0.86 * size[1] / card.height)
    if scale < 1.0:
        card = card.resize((int(card.width * scale), int(card.height * scale)), Image.Resampling.LANCZOS)
    ox = int((size[0] - card.width) / 2 + rng.integers(-40, 40))
    oy = int((size[1] - card.height) / 2 + rng.integers(-30, 30))
    img.paste(card, (ox, oy), card)
    img = img.filter(ImageFilter.GaussianBlur(0.6))
    arr = np.asarray(img, dtype=np.float32) + rng.normal(0, 4, (size[1], size[0], 3))
    return _save_jpeg(Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)), path,
                      taken=datetime(2024, 3, 1 + photo.seed, 10, 0))


def draw_plain_photo(style: str, seed: int, path: Path, size: tuple[int, int] = (1600, 1200)) -> Path:
    rng = np.random.default_rng(seed)
    w, h = size
    if style == "gradient":
        a, b = rng.integers(0, 255, 3), rng.integers(0, 255, 3)
        t = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
        arr = (a * (1 - t) + b * t) * np.ones((1, w, 1), np.float32) + rng.normal(0, 6, (h, w, 3))
        img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    elif style == "noise":
        img = _backdrop(size, tuple(int(v) for v in rng.integers(40, 220, 3)), seed)  # type: ignore[arg-type]
    else:
        img = _backdrop(size, tuple(int(v) for v in rng.integers(60, 200, 3)), seed)  # type: ignore[arg-type]
        draw = ImageDraw.Draw(img)
        for _ in range(7):
            x, y = int(rng.integers(0, w - 300)), int(rng.integers(0, h - 300))
            r = int(rng.integers(80, 280))
            fill = tuple(int(v) for v in rng.integers(0, 255, 3))
            if rng.random() < 0.5:
                draw.ellipse((x, y, x + r, y + r), fill=fill)
            else:
                draw.rectangle((x, y, x + r, y + int(r * 0.7)), fill=fill)
        img = img.filter(ImageFilter.GaussianBlur(1.2))
    return _save_jpeg(img, path, taken=datetime(2024, 4, 1 + seed % 28, 15, 0))


def _save_jpeg(img: Image.Image, path: Path, taken: datetime | None = None,
               gps: tuple[float, float] | None = None) -> Path:
    """JPEG with EXIF DateTimeOriginal and GPS written the way tests/conftest.py's make_photo writes them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    exif = img.getexif()
    exif[271], exif[272] = "Google", "Pixel 7"
    if taken is not None:
        exif.get_ifd(0x8769)[36867] = taken.strftime("%Y:%m:%d %H:%M:%S")
    if gps is not None:
        write_gps(exif, *gps)
    img.save(path, "JPEG", quality=90, exif=exif)
    return path


# -- documents ---------------------------------------------------------------------------------------------

BOILER_PAGES = (
    "Heatwell Combi 30 - User Manual\n\n"
    "Safety first. This appliance burns natural gas. If you smell gas, turn off the supply at the meter, open "
    "the windows and call the emergency gas line. Do not use light switches or naked flames. The appliance must "
    "be installed by a registered engineer. Keep the area around the flue clear.",
    "Controls and everyday use\n\n"
    "The front panel has two dials: the left dial sets the radiator temperature and the right dial sets the tap "
    "water temperature. The display shows the system pressure, which should read between 1.0 and 1.5 bar when "
    "the system is cold. To top up the pressure, open the filling loop beneath the appliance slowly until the "
    "gauge reaches 1.5 bar, then close it firmly. Eco mode lowers the flow temperature to save energy.",
    "Troubleshooting\n\n"
    "If the fault lamp flashes and the display shows F28, the burner failed to ignite: check that the gas supply "
    "is on and that your other gas appliances work, then press and hold the reset button for five seconds. If "
    "the fault returns more than three times, contact your installer. F22 means low system pressure: top up as "
    "described on page 2. If the radiators warm up but the taps run cold, the diverter valve may be stuck; this "
    "needs an engineer. Kettling noises usually mean limescale in the heat exchanger.",
    "Servicing and guarantee\n\n"
    "Have the appliance serviced once a year by a registered engineer. The guarantee lasts seven years from "
    "installation, provided the appliance is registered within 30 days and serviced every year. Keep the "
    "service record at the back of this manual.",
)

TENANCY_PAGES = (
    "Assured Shorthold Tenancy Agreement\n\n"
    "This agreement is made between the landlord, Mr Daniel Okafor, and the tenant, Ms Priya Raman, for the "
    "flat at 14 Elm Court, Leeds. The tenancy starts on 1 September 2024 for a fixed term of twelve months.\n\n"
    "Rent. The rent is 950 pounds per calendar month, payable in advance on the first day of each month by "
    "standing order.",
    "Deposit\n\n"
    "The tenant pays a deposit of 1,100 pounds, which the landlord protects in a government approved tenancy "
    "deposit protection scheme within 30 days. At the end of the tenancy the deposit is returned within ten days "
    "of the tenant leaving, less any reasonable deductions for damage beyond fair wear and tear, unpaid rent, or "
    "cleaning needed to restore the property to the condition recorded in the inventory. Disputes about "
    "deductions go to the scheme's free adjudication service.",
    "Repairs and access\n\n"
    "The landlord keeps the structure, exterior, heating and hot water in repair. The tenant reports any repair "
    "needed promptly. The landlord gives at least 24 hours written notice before visiting, except in an "
    "emergency.\n\n"
    "Ending the tenancy. Either party may end the agreement after the fixed term by giving two months notice "
    "in writing. Pets are not allowed without written consent.",
)

PAPER_PAGES = (
    "Sleep Duration and Academic Performance in Adolescents: A Longitudinal Study\n\n"
    "Abstract. We followed 412 secondary school pupils aged 14 to 17 over one school year to examine whether "
    "habitual sleep duration predicts examination results. Pupils who slept fewer than seven hours on school "
    "nights scored on average 8 percent lower in end-of-year mathematics and language examinations than peers "
    "who slept eight hours or more, after adjusting for socioeconomic status and prior attainment. Later school "
    "start times may benefit learning.",
    "Methods\n\n"
    "Sleep was measured objectively with wrist-worn actigraphy for two weeks in each term, alongside sleep "
    "diaries. Examination scores were obtained from school records. We fitted mixed-effects regression models "
    "with school as a random effect.\n\n"
    "Results. Mean sleep on school nights was 7.1 hours. Each additional hour of sleep was associated with a "
    "3.2 point increase in standardised scores. Limitations include the observational design.",
)

PENSION_PAGES = (
    "Annual Pension Statement 2024 - Northbridge Workplace Pension\n\n"
    "Member: Ms Ana Ferreira. Your pot was valued at 48,230 pounds on 5 April 2024. Contributions this year: "
    "you paid 2,400 pounds and your employer paid 3,600 pounds. Investment fund: Northbridge Lifestyle Growth.",
    "Your projected retirement income\n\n"
    "If you keep paying in at the current rate until your selected retirement age of 67, we estimate your pot "
    "could provide an annual income of 9,800 pounds in today's money. This projection is not guaranteed: it "
    "depends on investment returns, charges and annuity rates at the time you retire. You can usually take 25 "
    "percent of your pot as a tax-free lump sum.",
)

WARRANTY_SECTIONS = (
    ("Your claim",
     "Dear Mr Lindqvist, thank you for contacting Brightwash about your AquaPro 8 washing machine, claim "
     "reference WM-55821. The drum bearing failure you reported is a manufacturing fault covered by your "
     "five-year parts and labour guarantee, so there is nothing to pay."),
    ("What happens next",
     "An engineer will visit on Tuesday 8 October between 8am and 1pm. Please make sure the machine is empty "
     "and accessible. If the repair cannot be completed on the day, we will replace the appliance with an "
     "equivalent model."),
)

NEWSLETTER_SECTIONS = (
    ("Sports day",
     "Sports day will take place on Friday 21 June on the school field. Children should wear their house "
     "colours and bring a named water bottle. Parents are welcome to watch the sprints and the relay from "
     "1.30pm."),
    ("Head lice",
     "We have had several cases of head lice in Year 2. Please check your child's hair with a fine-toothed comb "
     "this weekend and treat it if needed."),
    ("Term dates",
     "The summer half-term holiday runs from 27 May to 31 May. School closes for the summer on 23 July and "
     "reopens on 4 September."),
)

BANK_SECTIONS = (
    ("Overdraft fee",
     "On 3 May your current account ending 4471 went over its arranged limit. We have charged an unarranged "
     "overdraft fee of 25 pounds, which will leave your account on 20 May."),
    ("How to avoid charges in future",
     "Set up a low balance alert in the mobile app, or ask us to review your arranged overdraft limit. If you "
     "are finding it hard to manage your money, our financial support team can help."),
)

RECIPE_CHAPTERS = (
    ("Breads",
     "A simple loaf needs flour, water, salt and yeast. Knead the dough for ten minutes until smooth and "
     "elastic, then leave it covered in a warm place for an hour until it has doubled in size. A sourdough "
     "starter replaces commercial yeast: feed it daily with equal weights of flour and water."),
    ("Soups",
     "Gazpacho is served chilled: blend ripe tomatoes, cucumber, green pepper, garlic, olive oil and sherry "
     "vinegar, then refrigerate for at least two hours. A leek and potato soup is thickened by the potatoes "
     "alone."),
    ("Desserts",
     "For a lemon tart, blind bake the pastry case before adding a filling of eggs, sugar, cream and lemon "
     "juice. Bake at a low temperature until the centre just wobbles."),
)

ROSES_SECTIONS = (
    ("When to prune",
     "Prune most roses in late winter or early spring, just as the buds begin to swell. Climbing roses are "
     "pruned in autumn after flowering."),
    ("How to prune",
     "Use sharp secateurs and cut just above an outward-facing bud, at a slant. Remove dead, diseased and "
     "crossing stems first."),
    ("Feeding",
     "Feed with a rose fertiliser in spring and again after the first flush of flowers."),
)

MINUTES = (
    "Minutes of the Larch Road Residents Association meeting, 4 March 2024. Present: 14 residents.",
    "1. Refuse collection. Several neighbours reported wheelie bins left on the pavement for days after "
    "collection, blocking pushchairs and wheelchairs. The secretary will write to the council.",
    "2. The annual subscription remains 10 pounds per household.",
    "3. The summer street party is planned for 13 July; volunteers are needed to marshal the road closure.",
)

SCANNED_LETTER = (
    ("City Council Parking Services", 44), ("Dear resident,", 36),
    ("Your residents parking permit expires on 30 June 2024.", 32),
    ("Renew it online before that date to avoid a penalty charge.", 32),
    ("Permit number RP-20931  Zone C", 32),
)


def _pdf(path: Path, pages: tuple[str, ...]) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    for page in pages:
        pdf.add_page()
        title, _, body = page.partition("\n\n")
        pdf.set_font("Helvetica", style="B", size=15)
        pdf.multi_cell(0, 9, title)
        pdf.ln(4)
        pdf.set_font("Helvetica", size=11)
        for para in body.split("\n\n"):
            pdf.multi_cell(0, 6, para)
            pdf.ln(4)
    pdf.output(str(path))


def _docx(path: Path, title: str, sections: tuple[tuple[str, str], ...]) -> None:
    import docx

    d = docx.Document()
    d.core_properties.title = title
    d.add_paragraph(title)
    for heading, body in sections:
        d.add_heading(heading, level=1)
        d.add_paragraph(body)
    d.save(str(path))


def _odt(path: Path, title: str, sections: tuple[tuple[str, str], ...]) -> None:
    from odf import dc, text
    from odf.opendocument import OpenDocumentText

    doc = OpenDocumentText()
    doc.meta.addElement(dc.Title(text=title))
    doc.text.addElement(text.P(text="Northgate Bank, Customer Services, PO Box 120, Bristol"))
    for heading, body in sections:
        doc.text.addElement(text.H(outlinelevel=1, text=heading))
        doc.text.addElement(text.P(text=body))
    doc.save(str(path))


def _html(path: Path, title: str, sections: tuple[tuple[str, str], ...]) -> None:
    body = "".join(f"<h2>{h}</h2>\n<p>{p}</p>\n" for h, p in sections)
    path.write_text(f"<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title></head>\n"
                    f"<body><h1>{title}</h1>\n{body}</body></html>\n", encoding="utf-8")


def _epub(path: Path, title: str, chapters: tuple[tuple[str, str], ...]) -> None:
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("kitchen-basics-001")
    book.set_title(title)
    book.set_language("en")
    book.add_author("Marta Silva")
    items = []
    for i, (name, body) in enumerate(chapters, 1):
        ch = epub.EpubHtml(title=name, file_name=f"chap_{i}.xhtml", lang="en")
        ch.content = f"<html><body><h1>{name}</h1><p>{body}</p></body></html>"
        book.add_item(ch)
        items.append(ch)
    book.toc = tuple(items)
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", *items]
    epub.write_epub(str(path), book)


def _rtf(path: Path, paragraphs: tuple[str, ...]) -> None:
    body = "".join(p + "\\par\n" for p in paragraphs)
    path.write_text("{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times New Roman;}}\n"
                    "{\\info{\\title Residents Association minutes}}\n\\f0\\fs24\n" + body + "}\n",
                    encoding="ascii")


def _scanned_pdf(path: Path, lines: tuple[tuple[str, int], ...]) -> None:
    """A letter scanned to PDF: one page that is a picture, no text layer (read in the reading pass)."""
    page = _backdrop((1275, 1650), (236, 233, 226), seed=40)
    draw = ImageDraw.Draw(page)
    y = 160
    for text, size in lines:
        draw.text((120, y), text, fill=(25, 25, 25), font=ImageFont.load_default(size=size))
        y += int(size * 2.2)
    page.save(path, "PDF", resolution=150)


@dataclass(frozen=True, slots=True)
class Document:
    path: str
    what: str
    write: Callable[[Path], None]


DOCUMENTS: tuple[Document, ...] = (
    Document("Documents/Home/manual_HC30.pdf", "boiler manual, 4 pages (PDF)", lambda p: _pdf(p, BOILER_PAGES)),
    Document("Documents/Home/agreement_2024.pdf", "tenancy agreement, 3 pages (PDF)",
             lambda p: _pdf(p, TENANCY_PAGES)),
    Document("Documents/Reading/paper_0412.pdf", "research paper, 2 pages (PDF)", lambda p: _pdf(p, PAPER_PAGES)),
    Document("Documents/Money/statement_2024.pdf", "pension statement, 2 pages (PDF)",
             lambda p: _pdf(p, PENSION_PAGES)),
    Document("Documents/Home/letter_brightwash.docx", "warranty letter (Word)",
             lambda p: _docx(p, "Warranty claim", WARRANTY_SECTIONS)),
    Document("Documents/School/newsletter_spring.docx", "school newsletter (Word)",
             lambda p: _docx(p, "Hillside Primary Newsletter", NEWSLETTER_SECTIONS)),
    Document("Documents/Money/letter_0503.odt", "bank letter (OpenDocument)",
             lambda p: _odt(p, "Your current account", BANK_SECTIONS)),
    Document("Documents/Books/kitchen_basics.epub", "recipe book, 3 chapters (EPUB)",
             lambda p: _epub(p, "Kitchen Basics", RECIPE_CHAPTERS)),
    Document("Documents/Garden/roses.html", "gardening guide (HTML)",
             lambda p: _html(p, "Caring for roses", ROSES_SECTIONS)),
    Document("Documents/Home/minutes_march.rtf", "meeting minutes (RTF)", lambda p: _rtf(p, MINUTES)),
    Document("Documents/Scans/scan_0007.pdf", "scanned letter, no text layer (PDF)",
             lambda p: _scanned_pdf(p, SCANNED_LETTER)),
)

_D = {d.path.rsplit("/", 1)[1].split(".")[0]: d.path for d in DOCUMENTS}

# (type, query, file stem, location)
DOCUMENT_QUERIES: tuple[tuple[str, str, str, str | None], ...] = (
    ("doc_paraphrase", "boiler shows a red light and won't heat water", "manual_HC30", "page 3"),
    ("doc_paraphrase", "what happens to my deposit when I move out", "agreement_2024", "page 2"),
    ("doc_paraphrase", "can the landlord keep money for damage after I leave", "agreement_2024", "page 2"),
    ("doc_paraphrase", "do teenagers who sleep less get worse grades", "paper_0412", "page 1"),
    ("doc_paraphrase", "how much money will I get each year once I stop working", "statement_2024", "page 2"),
    ("doc_paraphrase", "my broken washer will be fixed at no cost", "letter_brightwash", "Your claim"),
    ("doc_paraphrase", "when is the repair technician coming", "letter_brightwash", "What happens next"),
    ("doc_paraphrase", "children's running races event", "newsletter_spring", "Sports day"),
    ("doc_paraphrase", "bank charged me for spending more than I had", "letter_0503", "Overdraft fee"),
    ("doc_paraphrase", "how long to let dough rise before baking", "kitchen_basics", "chapter 1 · Breads"),
    ("doc_paraphrase", "a cold soup for hot weather", "kitchen_basics", "chapter 2 · Soups"),
    ("doc_paraphrase", "best time of year to cut back rose bushes", "roses", "When to prune"),
    ("doc_paraphrase", "neighbours complained about rubbish containers blocking the footpath", "minutes_march", None),
    ("doc_paraphrase", "when does my permit for parking on my street run out", "scan_0007", "page 1"),
    ("doc_exact", "F28 reset button", "manual_HC30", "page 3"),
    ("doc_exact", "tenancy deposit protection scheme", "agreement_2024", "page 2"),
    ("doc_exact", "wrist-worn actigraphy", "paper_0412", "page 2"),
    ("doc_exact", "tax-free lump sum", "statement_2024", "page 2"),
    ("doc_exact", "claim reference WM-55821", "letter_brightwash", "Your claim"),
    ("doc_exact", "head lice", "newsletter_spring", "Head lice"),
    ("doc_exact", "unarranged overdraft fee", "letter_0503", "Overdraft fee"),
    ("doc_exact", "sourdough starter", "kitchen_basics", "chapter 1 · Breads"),
    ("doc_exact", "annual subscription per household", "minutes_march", None),
    ("doc_exact", "residents parking permit expires", "scan_0007", "page 1"),
)


# -- places ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlacedPhoto:
    path: str
    gps: tuple[float, float]
    label: str  # what core.places.place_of(*gps).label() gives (checked by the eval)


PLACED: tuple[PlacedPhoto, ...] = (
    PlacedPhoto("Camera/2023/IMG_4001.jpg", (38.7223, -9.1393), "Lisbon, Portugal"),
    PlacedPhoto("Camera/2023/IMG_4002.jpg", (38.7139, -9.1334), "Lisbon, Portugal"),
    PlacedPhoto("Camera/2023/IMG_4003.jpg", (41.1496, -8.6110), "Porto, Portugal"),
    PlacedPhoto("Camera/2023/IMG_4004.jpg", (59.9139, 10.7522), "Oslo, Norway"),
    PlacedPhoto("Camera/2023/IMG_4005.jpg", (60.3913, 5.3221), "Bergen, Hordaland, Norway"),
    PlacedPhoto("Camera/2023/IMG_4006.jpg", (35.6895, 139.6917), "Tokyo, Japan"),
    PlacedPhoto("Camera/2023/IMG_4007.jpg", (35.6812, 139.7671), "Tokyo, Japan"),
    PlacedPhoto("Camera/2023/IMG_4008.jpg", (35.0116, 135.7681), "Kyoto, Japan"),
    PlacedPhoto("Camera/2023/IMG_4009.jpg", (37.7749, -122.4194), "San Francisco, California, United States"),
    PlacedPhoto("Camera/2023/IMG_4010.jpg", (34.0522, -118.2437), "Los Angeles, California, United States"),
    PlacedPhoto("Camera/2023/IMG_4011.jpg", (40.7128, -74.0060), "New York City, New York, United States"),
    PlacedPhoto("Camera/2023/IMG_4012.jpg", (51.5074, -0.1278), "London, England, United Kingdom"),
    PlacedPhoto("Camera/2023/IMG_4013.jpg", (55.9533, -3.1883), "Edinburgh, Scotland, United Kingdom"),
    PlacedPhoto("Camera/2023/IMG_4014.jpg", (-33.8688, 151.2093), "Sydney, New South Wales, Australia"),
    PlacedPhoto("Camera/2023/IMG_4015.jpg", (-33.9249, 18.4241), "Cape Town, Western Cape, South Africa"),
    PlacedPhoto("Camera/2023/IMG_4016.jpg", (-34.6037, -58.3816), "Buenos Aires, Buenos Aires F.D., Argentina"),
)
UNPLACED: tuple[str, ...] = ("Camera/2023/IMG_4101.jpg", "Camera/2023/IMG_4102.jpg", "Camera/2023/IMG_4103.jpg",
                             "Camera/2023/IMG_4104.jpg")

# Famous city centres (common coordinates) whose nearest GeoNames place is a neighbourhood or a local-language
# name, so the city's English name is not among the photo's words (or is only its region). Not in the corpus;
# the eval prints what each resolves to. Found with core.places.place_of while choosing PLACED.
NEIGHBOURHOOD_CENTRES: dict[str, tuple[float, float]] = {
    "Berlin": (52.5200, 13.4050), "Vancouver": (49.2827, -123.1207), "Barcelona": (41.3851, 2.1734),
    "Prague": (50.0755, 14.4378), "New York (Times Square)": (40.7580, -73.9855), "Istanbul": (41.0082, 28.9784),
    "Hong Kong": (22.3193, 114.1694), "Manila": (14.5995, 120.9842), "Lagos": (6.5244, 3.3792),
    "Bogota": (4.7110, -74.0721), "Hamburg": (53.5511, 9.9937), "Zurich": (47.3769, 8.5417),
    "Milan": (45.4642, 9.1900), "Osaka": (34.6937, 135.5023), "Delhi": (28.6139, 77.2090),
}


def _placed(*cities: str) -> tuple[str, ...]:
    out = tuple(p.path for p in PLACED if any(c in p.label.split(", ") for c in cities))
    assert out, cities
    return out


PLACE_QUERIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Lisbon", _placed("Lisbon")),
    ("photos from Norway", _placed("Norway")),
    ("pictures in Japan", _placed("Japan")),
    ("Tokyo", _placed("Tokyo")),
    ("trip to Portugal", _placed("Portugal")),
    ("USA", _placed("United States")),
    ("United Kingdom", _placed("United Kingdom")),
    ("California", _placed("California")),
    ("Scotland", _placed("Scotland")),
    ("holiday in Kyoto", _placed("Kyoto")),
    ("Bergen", _placed("Bergen")),
    ("New South Wales", _placed("New South Wales")),
    ("Cape Town", _placed("Cape Town")),
    ("Argentina", _placed("Argentina")),
    ("New York", _placed("New York")),
    ("Porto", _placed("Porto")),
)

# Query(near=...) -> exactly the photos taken there.
NEAR_CHECKS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Lisbon", _placed("Lisbon")),
    ("Norway", _placed("Norway")),
    ("Japan", _placed("Japan")),
    ("California", _placed("California")),
    ("United Kingdom", _placed("United Kingdom")),
    ("USA", _placed("United States")),
)


# -- building it -------------------------------------------------------------------------------------------


def build_reading_corpus(root: Path) -> list[LabelledQuery]:
    """Write every file under ``root`` and return the labelled queries (paths relative to ``root``)."""
    for tp in TEXT_PHOTOS:
        draw_text_photo(tp, root / tp.path)
    for path, style, seed in PLAIN_PHOTOS:
        draw_plain_photo(style, seed, root / path)
    for i, pp in enumerate(PLACED):
        img = _backdrop((1200, 900), _PLACE_COLOURS[i % len(_PLACE_COLOURS)], seed=60 + i)
        _save_jpeg(img, root / pp.path, taken=datetime(2023, 1 + i % 12, 10, 12, 0), gps=pp.gps)
    for i, path in enumerate(UNPLACED):
        img = _backdrop((1200, 900), _PLACE_COLOURS[-1 - i], seed=90 + i)
        _save_jpeg(img, root / path, taken=datetime(2023, 2 + i, 20, 9, 0))
    for doc in DOCUMENTS:
        target = root / doc.path
        target.parent.mkdir(parents=True, exist_ok=True)
        doc.write(target)
        os.utime(target, (FIXED_MTIME, FIXED_MTIME))
    queries = [LabelledQuery("photo_text", text, (f"Camera/2024/{name}",)) for text, name in TEXT_QUERIES]
    queries += [LabelledQuery(qtype, text, (_D[stem],), location) for qtype, text, stem, location in DOCUMENT_QUERIES]
    queries += [LabelledQuery("place", text, expected) for text, expected in PLACE_QUERIES]
    return queries


_PLACE_COLOURS: tuple[tuple[int, int, int], ...] = (
    (90, 140, 200), (200, 170, 120), (60, 120, 70), (170, 90, 60), (120, 120, 160), (210, 200, 190),
    (40, 70, 110), (150, 160, 90),
)
