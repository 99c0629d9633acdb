"""Writes the sample library's generated files: a three-page PDF manual and a photo of a café receipt
with its GPS position (Lisbon), so a first look at Trove shows documents with their pages, text read in a
photo and places. Run once by hand (``python -m resources.make_sample_extras``, fpdf2 installed: the dev
extra); the files it writes are committed, and their text is in resources/README.md. CC0, like the rest
of the generated sample files."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

HERE = Path(__file__).resolve().parent / "sample-library"

MANUAL = [
    ("Aquaheat C24 combi boiler: user guide",
     "This guide covers everyday use of the Aquaheat C24 combination boiler: getting started, the "
     "warranty and what to do when the boiler shows a fault. Installation is for a registered engineer."),
    ("Warranty",
     "Your boiler is covered for five years from the date of installation, provided it is serviced every "
     "twelve months by a registered engineer. Keep the service record with this guide: without it a "
     "repair under warranty can be refused."),
    ("Troubleshooting",
     "If the red light flashes and there is no hot water, look at the pressure gauge. Below 1 bar, top up "
     "the pressure with the filling loop until the needle reads 1.5 bar, then hold the reset button for "
     "five seconds. If the fault comes back within a day, switch the boiler off and call a registered "
     "engineer."),
]

RECEIPT = ["PASTELARIA BELEM", "Rua de Belem 84, Lisboa", "", "2x Pastel de nata   2.60", "1x Galao            1.40",
           "", "TOTAL EUR           4.00", "Obrigado!"]
LISBON = (38.6976, -9.2033)  # Belem, Lisbon


def write_manual(path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title("Aquaheat C24 user guide")
    pdf.set_author("Aquaheat")
    for heading, body in MANUAL:
        pdf.add_page()
        pdf.set_font("Helvetica", style="B", size=16)
        pdf.multi_cell(0, 10, heading)
        pdf.ln(4)
        pdf.set_font("Helvetica", size=12)
        pdf.multi_cell(0, 7, body)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))


def write_receipt(path: Path) -> None:
    rng_img = Image.effect_noise((1024, 768), 24).convert("RGB")  # a wooden-ish table: warm noise
    table = Image.blend(Image.new("RGB", (1024, 768), (120, 82, 50)), rng_img, 0.25).filter(ImageFilter.GaussianBlur(1))
    paper = Image.new("RGB", (470, 640), (248, 246, 238))
    draw = ImageDraw.Draw(paper)
    font = ImageFont.load_default(size=26)
    y = 40
    for line in RECEIPT:
        draw.text((36, y), line, fill=(25, 25, 25), font=font)
        y += 62
    paper = paper.convert("RGBA").rotate(4, expand=True, resample=Image.Resampling.BICUBIC)
    table.paste(paper, ((1024 - paper.width) // 2, (768 - paper.height) // 2), paper)
    exif = table.getexif()
    exif[271], exif[272] = "Apple", "iPhone 12"
    exif[306] = "2024:10:12 10:41:07"
    exif.get_ifd(0x8769)[36867] = "2024:10:12 10:41:07"
    gps = exif.get_ifd(0x8825)
    for (ref, tag), value, sides in (((1, 2), LISBON[0], "NS"), ((3, 4), LISBON[1], "EW")):
        gps[ref] = sides[value < 0]
        deg = abs(value)
        gps[tag] = (float(int(deg)), float(int(deg * 60 % 60)), round(deg * 3600 % 60, 2))
    path.parent.mkdir(parents=True, exist_ok=True)
    table.save(path, "JPEG", quality=85, exif=exif)


if __name__ == "__main__":
    write_manual(HERE / "documents" / "boiler-user-guide.pdf")
    write_receipt(HERE / "photos" / "lisbon" / "cafe-receipt.jpg")
