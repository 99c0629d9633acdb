"""core.ocr with the real bundled PP-OCR models on images drawn here with Pillow's own fonts: its bundled
TrueType font (``load_default(size=N)``) and its old bitmap font drawn small and scaled up. No system
fonts, nothing downloaded."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from core import ocr
from core.ocr import MIN_SCORE, TextLine, TextReader, text_of
from core.types import ModelError

RECEIPT = ["CAFE LISBOA", "Rua Augusta 21", "2x Pastel de nata 3.00", "1x Bica 0.80", "1x Agua 1.60",
           "TOTAL 7.40 EUR"]


@pytest.fixture(scope="module")
def reader() -> TextReader:
    return TextReader(threads=2)


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:\.[0-9]+)?", text.lower())


def found_share(expected: list[str], lines: list[TextLine]) -> float:
    got = set(words(text_of(lines)))
    want = words("\n".join(expected))
    return sum(1 for w in want if w in got) / len(want)


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def receipt(angle: float = 0.0, size: tuple[int, int] = (1200, 900)) -> Image.Image:
    """White paper with six lines, on a darker mottled table, turned ``angle`` degrees counter-clockwise."""
    paper = Image.new("RGB", (560, 640), (246, 244, 236))
    draw = ImageDraw.Draw(paper)
    for i, line in enumerate(RECEIPT):
        draw.text((30, 40 + i * 95), line, fill=(25, 25, 30), font=font(34))
    rng = np.random.default_rng(1)
    table = rng.normal(70, 12, size=(size[1] // 8, size[0] // 8, 3)).clip(0, 255).astype(np.uint8)
    background = Image.fromarray(table).resize(size, Image.Resampling.BICUBIC)
    turned = paper.convert("RGBA").rotate(angle, expand=True, resample=Image.Resampling.BICUBIC)
    background.paste(turned, ((size[0] - turned.width) // 2, (size[1] - turned.height) // 2), turned)
    return background


def sign() -> Image.Image:
    """White letters on a dark green board over a blurred landscape."""
    img = landscape((1200, 900))
    draw = ImageDraw.Draw(img)
    draw.rectangle((200, 250, 1000, 560), fill=(20, 80, 40))
    draw.text((260, 290), "PLATFORM 4", fill=(250, 250, 250), font=font(90))
    draw.text((260, 430), "NORTH EXIT", fill=(250, 250, 250), font=font(90))
    return img


def screenshot() -> Image.Image:
    img = Image.new("RGB", (1280, 800), (246, 247, 249))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, 1280, 60), fill=(40, 44, 52))
    draw.text((24, 14), "Invoices - Trove", fill=(240, 240, 240), font=font(28))
    for i, (label, button) in enumerate([("Monthly budget review", "OPEN"), ("Garden museum tickets", "SAVE"),
                                         ("Library opening hours", "SHARE")]):
        y = 120 + i * 110
        draw.text((60, y), label, fill=(30, 30, 30), font=font(26))
        draw.rounded_rectangle((980, y - 8, 1180, y + 40), 8, fill=(40, 110, 220))
        draw.text((1010, y), button, fill=(255, 255, 255), font=font(24))
    return img


def bitmap_text(lines: list[str], scale: int = 5) -> Image.Image:
    """Pillow's 11 px bitmap font drawn small and scaled up: square, blocky strokes."""
    small = Image.new("L", (240, 24 + 22 * len(lines)), 250)
    draw = ImageDraw.Draw(small)
    for i, line in enumerate(lines):
        draw.text((12, 12 + 22 * i), line, fill=20, font=ImageFont.load_default_imagefont())
    return small.resize((small.width * scale, small.height * scale), Image.Resampling.BILINEAR).convert("RGB")


def field(size: tuple[int, int], scale: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    coarse = (rng.random((max(2, size[1] // scale), max(2, size[0] // scale))) * 255).astype(np.uint8)
    return np.asarray(Image.fromarray(coarse).resize(size, Image.Resampling.BICUBIC), dtype=np.float32) / 255


def landscape(size: tuple[int, int] = (1200, 900)) -> Image.Image:
    """A sky gradient, two ranges of hills and a blur."""
    w, h = size
    y = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    sky = np.array([90, 150, 230], np.float32) * (1 - y) + np.array([230, 230, 240], np.float32) * y
    img = Image.fromarray(np.repeat(sky, w, axis=1).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    rng = np.random.default_rng(3)
    for layer, colour in enumerate([(70, 100, 60), (40, 70, 40)]):
        xs = np.linspace(0, w, 30)
        ys = h * (0.5 + 0.2 * layer) + np.cumsum(rng.normal(0, 15, 30))
        draw.polygon([(0, h), *zip(xs.tolist(), ys.tolist(), strict=True), (w, h)], fill=colour)
    return img.filter(ImageFilter.GaussianBlur(3))


def gradient() -> Image.Image:
    x = np.linspace(0, 255, 1200, dtype=np.float32)[None, :]
    y = np.linspace(0, 255, 900, dtype=np.float32)[:, None]
    return Image.fromarray(np.stack([x + 0 * y, y + 0 * x, (x + y) / 2], axis=-1).astype(np.uint8))


def noise() -> Image.Image:
    rng = np.random.default_rng(5)
    return Image.fromarray(rng.normal(128, 35, size=(900, 1200, 3)).clip(0, 255).astype(np.uint8))


def shapes() -> Image.Image:
    rng = np.random.default_rng(11)
    img = Image.new("RGB", (1200, 900), (180, 170, 150))
    draw = ImageDraw.Draw(img)
    for _ in range(15):
        x, y = int(rng.integers(0, 1100)), int(rng.integers(0, 800))
        w, h = int(rng.integers(60, 400)), int(rng.integers(60, 400))
        fill = tuple(int(c) for c in rng.integers(0, 256, 3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)((x, y, x + w, y + h), fill=fill)
    return img.filter(ImageFilter.GaussianBlur(1))


def texture() -> Image.Image:
    f = 0.6 * field((1200, 900), 40, 1) + 0.4 * field((1200, 900), 6, 2)
    grey = (f * 180 + 40).astype(np.uint8)
    return Image.fromarray(np.stack([grey, (grey * 0.8).astype(np.uint8), (grey * 0.6).astype(np.uint8)], -1)
                           ).filter(ImageFilter.GaussianBlur(2))


TEXT_IMAGES: dict[str, Callable[[], Image.Image]] = {
    "receipt": receipt, "receipt turned 10 degrees": lambda: receipt(10), "sideways receipt": lambda: receipt(90),
    "sign": sign, "screenshot": screenshot, "bitmap font": lambda: bitmap_text(["meeting agenda", "budget"]),
}
EMPTY_IMAGES: dict[str, Callable[[], Image.Image]] = {
    "gradient": gradient, "noise": noise, "shapes": shapes, "landscape": landscape, "texture": texture,
}


# ---- reading -------------------------------------------------------------------------------------------


def test_reads_a_receipt_in_reading_order(reader: TextReader) -> None:
    lines = reader.read(receipt())
    assert found_share(RECEIPT, lines) >= 0.85, text_of(lines)
    rows = [r.lower() for r in text_of(lines).splitlines()]
    assert "lisboa" in rows[0] and "total" in rows[-1], rows
    assert len(rows) == len(RECEIPT), rows
    assert all(line.score >= MIN_SCORE and line.text.strip() for line in lines)


@pytest.mark.parametrize("angle", [10, -10, 90, -90, 180])
def test_reads_turned_text_in_the_page_order(reader: TextReader, angle: int) -> None:
    lines = reader.read(receipt(angle))
    assert found_share(RECEIPT, lines) >= 0.8, (angle, text_of(lines))
    texts = [ln.text.lower() for ln in lines]
    first = next(i for i, t in enumerate(texts) if "lisboa" in t)
    last = next(i for i, t in enumerate(texts) if "total" in t)
    assert first == 0 and last == len(texts) - 1, texts


def test_reads_white_text_on_a_dark_sign(reader: TextReader) -> None:
    text = text_of(reader.read(sign()))
    assert {"platform", "4", "north", "exit"} <= set(words(text)), text


def test_reads_a_screenshot(reader: TextReader) -> None:
    want = ["Invoices Trove", "Monthly budget review", "OPEN", "Garden museum tickets", "SAVE",
            "Library opening hours", "SHARE"]
    lines = reader.read(screenshot())
    assert found_share(want, lines) >= 0.85, text_of(lines)
    rows = text_of(lines).lower().splitlines()
    budget_row = next(r for r in rows if "budget" in r)
    assert budget_row.endswith("open"), rows  # a label and its button share a row, label first


def test_reads_the_scaled_bitmap_font(reader: TextReader) -> None:
    lines = reader.read(bitmap_text(["meeting agenda", "budget 2024"]))
    assert found_share(["meeting agenda", "budget 2024"], lines) >= 0.75, text_of(lines)


def test_boxes_are_fractions_of_the_image_given(reader: TextReader) -> None:
    img = Image.new("RGB", (1600, 1000), "white")
    ImageDraw.Draw(img).text((900, 700), "ticket price", fill="black", font=font(60))
    for max_edge in (1600, 800):
        lines = reader.read(img, max_edge=max_edge)
        assert [ln.text.lower() for ln in lines] == ["ticket price"], lines
        x0, y0, x1, y1 = lines[0].box
        assert 0.0 <= x0 < x1 <= 1.0 and 0.0 <= y0 < y1 <= 1.0
        cx, cy = (x0 + x1) / 2 * 1600, (y0 + y1) / 2 * 1000
        drawn = ImageDraw.Draw(img).textbbox((900, 700), "ticket price", font=font(60))
        assert drawn[0] < cx < drawn[2] and drawn[1] < cy < drawn[3], (max_edge, lines[0].box, drawn)


def test_modes_are_converted_before_reading(reader: TextReader) -> None:
    black_on_clear = Image.new("RGBA", (900, 300), (0, 0, 0, 0))
    ImageDraw.Draw(black_on_clear).text((40, 100), "summer garden", fill=(0, 0, 0, 255), font=font(70))
    white_on_clear = Image.new("LA", (900, 300), (0, 0))
    ImageDraw.Draw(white_on_clear).text((40, 100), "summer garden", fill=(255, 255), font=font(70))
    grey16 = Image.new("I;16", (900, 300), 60000)
    ImageDraw.Draw(grey16).text((40, 100), "summer garden", fill=3000, font=font(70))
    palette_clear = Image.new("P", (900, 300), 1)  # both entries black; entry 1 (the background) transparent
    palette_clear.putpalette([0, 0, 0, 0, 0, 0])
    palette_clear.info["transparency"] = 1
    ImageDraw.Draw(palette_clear).text((40, 100), "summer garden", fill=0, font=font(70))
    cmyk = Image.new("CMYK", (900, 300), (0, 0, 0, 0))
    ImageDraw.Draw(cmyk).text((40, 100), "summer garden", fill=(0, 0, 0, 255), font=font(70))
    for img in (black_on_clear, white_on_clear, grey16, palette_clear, cmyk):
        assert "summer garden" in text_of(reader.read(img)).lower(), img.mode


def speckle(mode: str, size: tuple[int, int]) -> Image.Image:
    """Random pixels in ``mode`` (deep greys via a 16-bit array, so they hold values beyond 255)."""
    rng = np.random.default_rng(size[0] * 7 + size[1])
    if mode in ("I;16", "I", "F"):
        img = Image.fromarray(rng.integers(0, 65536, size=(size[1], size[0])).astype(np.uint16))
        return img if mode == "I;16" else img.convert(mode)
    return Image.fromarray(rng.integers(0, 256, size=(size[1], size[0], 3)).astype(np.uint8)).convert(mode)


@pytest.mark.parametrize("size", [(1, 1), (7, 300), (300, 7), (5000, 12), (12, 5000), (9000, 40), (40, 40), (33, 900)])
@pytest.mark.parametrize("mode", ["RGB", "L", "1", "P", "RGBA", "LA", "I", "F", "I;16", "CMYK"])
def test_tiny_odd_and_strange_images_do_not_raise(reader: TextReader, size: tuple[int, int], mode: str) -> None:
    img = speckle(mode, size)
    assert img.mode == mode
    lines = reader.read(img)
    assert isinstance(lines, list) and all(isinstance(ln, TextLine) for ln in lines)
    assert reader.has_text(img) in (True, False)
    if min(size) < 8:
        assert lines == [] and reader.has_text(img) is False


def test_a_long_thin_strip_of_text_is_read_and_placed(reader: TextReader) -> None:
    """1200 x 16 px: padded to the detector's 32 px, but the box is still a fraction of the strip."""
    strip = Image.new("RGB", (1200, 16), "white")
    ImageDraw.Draw(strip).text((20, 0), "north station platform", fill="black", font=font(12))
    lines = reader.read(strip)
    assert "north station platform" in text_of(lines).lower()
    assert lines[0].box[1] < 0.2 and lines[0].box[3] > 0.8 and lines[0].box[2] < 0.2, lines[0].box


# ---- the gate ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", TEXT_IMAGES)
def test_gate_sees_text(reader: TextReader, name: str) -> None:
    assert reader.has_text(TEXT_IMAGES[name]()) is True


@pytest.mark.parametrize("name", EMPTY_IMAGES)
def test_gate_passes_over_photos_without_text(reader: TextReader, name: str) -> None:
    assert reader.has_text(EMPTY_IMAGES[name]()) is False


def test_gate_sees_one_small_line_on_a_photo(reader: TextReader) -> None:
    """x-height 1.5% of the height (the bundled font's x-height is about 0.52 of its size)."""
    img = landscape((2000, 1500))
    ImageDraw.Draw(img).text((300, 1100), "museum ticket price", fill=(10, 10, 10), font=font(round(0.015 * 1500 / 0.52)))
    assert reader.has_text(img) is True
    assert reader.has_text(landscape((2000, 1500))) is False


# ---- text_of -------------------------------------------------------------------------------------------


def test_text_of_joins_a_row_with_spaces_and_rows_with_newlines() -> None:
    lines = [
        TextLine("CAFE LISBOA", (0.1, 0.10, 0.5, 0.15), 0.99),
        TextLine("2x Pastel", (0.1, 0.30, 0.4, 0.35), 0.98),
        TextLine("3.00", (0.7, 0.31, 0.8, 0.36), 0.97),
        TextLine("TOTAL 7.40", (0.1, 0.50, 0.5, 0.55), 0.99),
    ]
    assert text_of(lines) == "CAFE LISBOA\n2x Pastel 3.00\nTOTAL 7.40"
    assert text_of([]) == ""
    assert text_of(lines[1:3][::-1]) == "3.00\n2x Pastel"  # the order given is kept; a row runs left to right


# ---- models --------------------------------------------------------------------------------------------


def test_missing_models_raise_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="is missing; reinstall"):
        TextReader(models_dir=tmp_path).has_text(receipt())
    (tmp_path / ocr.DET_MODEL).write_bytes(b"not a model")
    with pytest.raises(ModelError, match="cannot load the OCR model"):
        TextReader(models_dir=tmp_path).has_text(receipt())


def test_nothing_loads_before_first_use_and_loading_happens_once(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[str] = []
    real = ocr._session

    def counting(path: Path, threads: int) -> object:
        made.append(path.name)
        return real(path, threads)

    monkeypatch.setattr(ocr, "_session", counting)
    fresh = TextReader(threads=1)
    assert made == []
    img = receipt()
    answers: list[bool] = []
    threads = [threading.Thread(target=lambda: answers.append(fresh.has_text(img))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [True] * 4 and made == [ocr.DET_MODEL]
    fresh.read(img)
    fresh.read(img)
    assert sorted(made) == sorted([ocr.DET_MODEL, ocr.CLS_MODEL, ocr.REC_MODEL])


def test_sessions_use_bounded_threads_and_do_not_spin() -> None:
    opts = ocr._session(ocr.model_dir() / ocr.CLS_MODEL, 1).get_session_options()
    assert (opts.intra_op_num_threads, opts.inter_op_num_threads) == (1, 1)
    assert opts.get_session_config_entry("session.intra_op.allow_spinning") == "0"


def test_reading_never_downloads_and_stays_quiet(monkeypatch: pytest.MonkeyPatch,
                                                 capfd: pytest.CaptureFixture[str]) -> None:
    from rapidocr.utils import download_file

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("rapidocr tried to download something")

    monkeypatch.setattr(download_file.DownloadFile, "run", classmethod(refuse))
    monkeypatch.setattr(download_file.requests, "get", refuse)
    capfd.readouterr()
    fresh = TextReader(threads=1)
    assert "lisboa" in text_of(fresh.read(receipt())).lower()
    fresh.has_text(noise())
    out, err = capfd.readouterr()
    assert out == "" and err == ""  # rapidocr logs to its own stderr handler at INFO unless quietened
    assert logging.getLogger("RapidOCR").level >= logging.WARNING
