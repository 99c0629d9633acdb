"""Reading text in photos (``core.ocr.TextReader``) on generated 2000x1500 images, the size the indexer
hands over after decoding: ~40 photo-like images without text (skies, noise, shapes, landscapes, bricks,
foliage, blurred textures) and ~20 with text (receipts, signs, screenshots, whiteboards, pages, a caption).

``ocr_gate_photos_per_s`` is ``has_text`` over all of them; ``ocr_gate_recall_text`` and
``ocr_gate_false_positive_rate`` say how well it sorts them. ``ocr_photos_with_text_per_s`` is ``read``
on the text images, and ``ocr_word_recall`` the fraction of the words drawn that it found, so a fast but
blind reader cannot pass. ``ocr_read_vs_gate_time_ratio`` is how many gates one read costs, both timed
in this run on the same images. Fonts are Pillow's own (no system fonts)."""

from __future__ import annotations

import re
import resource
import statistics
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from bench.common import rnd, say

SIZE = (2000, 1500)
WORDS = ("cafe lisboa pastel nata total agua sumo bica torrada menu exit open closed parking station platform "
         "monday meeting agenda budget review invoice number date amount paid thank you welcome street market "
         "garden library museum ticket price sale today north south report chapter summary").split()


@dataclass(slots=True)
class Sample:
    name: str
    image: Image.Image
    words: list[str]  # drawn words (lower case); empty for a photo without text


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _phrase(rng: np.random.Generator, n: int) -> str:
    return " ".join(str(w) for w in rng.choice(WORDS, size=n, replace=False))


# ---- photos without text ---------------------------------------------------------------------------------


def _noise_field(rng: np.random.Generator, size: tuple[int, int], scale: int) -> np.ndarray:
    """Smooth random field in 0..1: coarse noise scaled up with bicubic interpolation."""
    w, h = size
    coarse = rng.random((max(2, h // scale), max(2, w // scale))).astype(np.float32)
    img = Image.fromarray((coarse * 255).astype(np.uint8)).resize(size, Image.Resampling.BICUBIC)
    return np.asarray(img, dtype=np.float32) / 255.0


def _colourise(field: np.ndarray, a: np.ndarray, b: np.ndarray) -> Image.Image:
    rgb = a[None, None, :] * (1 - field[..., None]) + b[None, None, :] * field[..., None]
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8))


def photo(kind: str, seed: int, size: tuple[int, int] = SIZE) -> Image.Image:
    rng = np.random.default_rng(seed)
    w, h = size
    colours = rng.integers(0, 256, size=(2, 3)).astype(np.float32)
    if kind == "gradient":
        down = np.linspace(0, 1, h, dtype=np.float32)[:, None] * np.ones((1, w), np.float32)
        across = np.linspace(0, 1, w, dtype=np.float32)[None, :]
        return _colourise(np.clip(0.8 * down + 0.2 * across, 0, 1), colours[0], colours[1])
    if kind == "noise":
        sigma = rng.uniform(10, 40)
        mean = rng.uniform(60, 200, size=3)
        arr = mean[None, None, :] + rng.normal(0, sigma, size=(h, w, 3))
        return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    if kind == "clouds":
        field = 0.6 * _noise_field(rng, size, 200) + 0.3 * _noise_field(rng, size, 50) + 0.1 * _noise_field(rng, size, 8)
        return _colourise(field, colours[0], colours[1])
    if kind == "shapes":
        img = _colourise(_noise_field(rng, size, 300), colours[0], colours[1])
        draw = ImageDraw.Draw(img)
        for _ in range(int(rng.integers(8, 25))):
            x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
            x1, y1 = x0 + int(rng.integers(40, 600)), y0 + int(rng.integers(40, 600))
            fill = tuple(int(c) for c in rng.integers(0, 256, 3))
            shape = int(rng.integers(0, 3))
            if shape == 0:
                draw.ellipse((x0, y0, x1, y1), fill=fill)
            elif shape == 1:
                draw.rectangle((x0, y0, x1, y1), fill=fill)
            else:
                draw.line((x0, y0, x1, y1), fill=fill, width=int(rng.integers(3, 30)))
        return img.filter(ImageFilter.GaussianBlur(1.5))
    if kind == "landscape":
        sky = photo("gradient", seed + 1000, size)
        draw = ImageDraw.Draw(sky)
        for layer in range(3):
            base = h * (0.45 + 0.15 * layer)
            xs = np.linspace(0, w, 40)
            ys = base + np.cumsum(rng.normal(0, 25, size=40))
            fill = tuple(int(c) for c in (40 + 30 * layer + rng.integers(0, 40, 3)))
            draw.polygon([(0, h)] + [(float(x), float(y)) for x, y in zip(xs, ys, strict=True)] + [(w, h)], fill=fill)
        return sky.filter(ImageFilter.GaussianBlur(3))
    if kind == "bricks":
        img = Image.new("RGB", size, tuple(int(c) for c in colours[0]))
        draw = ImageDraw.Draw(img)
        bw, bh = int(rng.integers(80, 200)), int(rng.integers(30, 70))
        for row, y in enumerate(range(0, h, bh)):
            for x in range(-bw if row % 2 else 0, w, bw):
                tint = colours[1] + rng.normal(0, 15, 3)
                draw.rectangle((x + 3, y + 3, x + bw - 3, y + bh - 3), fill=tuple(int(c) for c in np.clip(tint, 0, 255)))
        return img.filter(ImageFilter.GaussianBlur(1))
    if kind == "foliage":
        img = _colourise(_noise_field(rng, size, 100), np.array([20, 60, 20.0]), np.array([90, 160, 60.0]))
        draw = ImageDraw.Draw(img)
        for _ in range(3000):
            x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
            r = int(rng.integers(4, 25))
            g = int(rng.integers(60, 200))
            draw.ellipse((x - r, y - r // 2, x + r, y + r // 2), fill=(g // 3, g, g // 4))
        return img.filter(ImageFilter.GaussianBlur(1))
    if kind == "texture":
        field = _noise_field(rng, size, 4)
        img = _colourise(field, colours[0], colours[1])
        return img.filter(ImageFilter.GaussianBlur(float(rng.uniform(1, 6))))
    raise ValueError(kind)


PHOTO_KINDS = ("gradient", "noise", "clouds", "shapes", "landscape", "bricks", "foliage", "texture")


# ---- images with text ------------------------------------------------------------------------------------


def _draw_lines(draw: ImageDraw.ImageDraw, lines: list[str], x: int, y: int, size: int, fill: tuple[int, ...],
                spacing: float = 1.6) -> None:
    f = font(size)
    for i, line in enumerate(lines):
        draw.text((x, y + int(i * size * spacing)), line, fill=fill, font=f)


def receipt(rng: np.random.Generator, size: tuple[int, int] = SIZE) -> tuple[Image.Image, list[str]]:
    lines = ["CAFE LISBOA", "Rua Augusta 21"]
    for _ in range(int(rng.integers(3, 6))):
        item = str(rng.choice(["Pastel de nata", "Bica", "Torrada", "Sumo laranja", "Agua", "Croissant"]))
        lines.append(f"{int(rng.integers(1, 4))}x {item} {rng.uniform(1, 9):.2f}")
    lines.append(f"TOTAL {rng.uniform(5, 30):.2f} EUR")
    text_px = int(rng.integers(34, 46))
    paper = Image.new("RGB", (int(text_px * 17), int(text_px * 1.7 * (len(lines) + 1.5))), (245, 242, 232))
    _draw_lines(ImageDraw.Draw(paper), lines, text_px, text_px // 2, text_px, (25, 25, 30), 1.7)
    back = photo("texture", int(rng.integers(1 << 30)), size)
    dark = Image.eval(back, lambda v: v // 3)
    angle = float(rng.uniform(-12, 12))
    paper_rgba = paper.convert("RGBA").rotate(angle, expand=True, resample=Image.Resampling.BICUBIC)
    dark.paste(paper_rgba, ((size[0] - paper_rgba.width) // 2, (size[1] - paper_rgba.height) // 2), paper_rgba)
    return dark, lines


def sign(rng: np.random.Generator, size: tuple[int, int] = SIZE) -> tuple[Image.Image, list[str]]:
    img = photo(str(rng.choice(["landscape", "clouds", "bricks"])), int(rng.integers(1 << 30)), size)
    lines = [_phrase(rng, 2).upper() for _ in range(int(rng.integers(1, 3)))]
    text_px = int(rng.integers(70, 130))
    board = (int(text_px * 0.62 * max(len(s) for s in lines) + text_px), int(text_px * 1.4 * len(lines) + text_px * 0.8))
    x0, y0 = int(rng.integers(50, max(60, size[0] - board[0] - 50))), int(rng.integers(50, max(60, size[1] - board[1] - 50)))
    draw = ImageDraw.Draw(img)
    colour = tuple(int(c) for c in rng.choice([(20, 70, 30), (20, 40, 120), (120, 20, 20), (30, 30, 30)]))
    draw.rectangle((x0, y0, x0 + board[0], y0 + board[1]), fill=colour)
    _draw_lines(draw, lines, x0 + text_px // 2, y0 + text_px // 3, text_px, (250, 250, 250), 1.4)
    return img.filter(ImageFilter.GaussianBlur(0.8)), lines


def screenshot(rng: np.random.Generator, size: tuple[int, int] = SIZE) -> tuple[Image.Image, list[str]]:
    w, h = size
    img = Image.new("RGB", size, (246, 247, 249))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, w, 90), fill=(40, 44, 52))
    title = _phrase(rng, 3).title()
    draw.text((40, 22), title, fill=(240, 240, 240), font=font(44))
    lines = [title]
    y = 150
    for _ in range(int(rng.integers(5, 9))):
        label = _phrase(rng, int(rng.integers(2, 5))).capitalize()
        draw.text((80, y), label, fill=(30, 30, 30), font=font(36))
        lines.append(label)
        button = _phrase(rng, 1).upper()
        draw.rounded_rectangle((w - 420, y - 10, w - 120, y + 50), 10, fill=(40, 110, 220))
        draw.text((w - 390, y), button, fill=(255, 255, 255), font=font(32))
        lines.append(button)
        y += 140
    return img, lines


def whiteboard(rng: np.random.Generator, size: tuple[int, int] = SIZE) -> tuple[Image.Image, list[str]]:
    """Pillow's small bitmap font drawn and scaled up: blocky strokes unlike the TrueType font."""
    lines = [_phrase(rng, int(rng.integers(2, 4))) for _ in range(int(rng.integers(3, 6)))]
    bitmap = ImageFont.load_default_imagefont()
    small = Image.new("RGB", (size[0] // 6, size[1] // 6), (235, 238, 240))
    draw = ImageDraw.Draw(small)
    ink = tuple(int(c) for c in rng.choice([(20, 20, 160), (20, 20, 20), (160, 20, 20)]))
    for i, line in enumerate(lines):
        draw.text((20, 20 + i * 26), line, fill=ink, font=bitmap)
    img = small.resize(size, Image.Resampling.BILINEAR).filter(ImageFilter.GaussianBlur(2))
    return img, lines


def page(rng: np.random.Generator, size: tuple[int, int] = SIZE) -> tuple[Image.Image, list[str]]:
    img = Image.new("RGB", size, (250, 250, 247))
    lines = [_phrase(rng, int(rng.integers(5, 9))).capitalize() for _ in range(14)]
    _draw_lines(ImageDraw.Draw(img), lines, 120, 90, 40, (15, 15, 15), 2.2)
    arr = np.asarray(img, dtype=np.float32) + rng.normal(0, 6, size=(size[1], size[0], 3))
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)), lines


def caption(rng: np.random.Generator, size: tuple[int, int] = SIZE) -> tuple[Image.Image, list[str]]:
    """One line of print whose x-height is about 1.5% of the image height, over a photo."""
    img = photo(str(rng.choice(["landscape", "clouds"])), int(rng.integers(1 << 30)), size)
    text = _phrase(rng, 4)
    text_px = int(0.015 * size[1] / 0.52)  # the bundled font's x-height is about 0.52 of its size
    draw = ImageDraw.Draw(img)
    x, y = int(rng.integers(50, size[0] // 3)), int(rng.integers(size[1] // 2, size[1] - 100))
    box = draw.textbbox((x, y), text, font=font(text_px))
    draw.rectangle((box[0] - 10, box[1] - 8, box[2] + 10, box[3] + 8), fill=(250, 250, 250))
    draw.text((x, y), text, fill=(10, 10, 10), font=font(text_px))
    return img, [text]


TEXT_KINDS = (receipt, receipt, receipt, receipt, sign, sign, sign, sign, screenshot, screenshot, screenshot,
              whiteboard, whiteboard, page, page, caption, caption, caption, receipt, sign)


def samples(quick: bool) -> list[Sample]:
    n_photos = 16 if quick else 40
    out = [Sample(f"{PHOTO_KINDS[i % len(PHOTO_KINDS)]}-{i}", photo(PHOTO_KINDS[i % len(PHOTO_KINDS)], i), [])
           for i in range(n_photos)]
    kinds = TEXT_KINDS[::2] if quick else TEXT_KINDS
    for i, make in enumerate(kinds):
        img, lines = make(np.random.default_rng(10_000 + i))
        out.append(Sample(f"{make.__name__}-{i}", img, tokens("\n".join(lines))))
    return out


def tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:\.[0-9]+)?", text.lower())


def word_recall(expected: list[str], found: str) -> float:
    if not expected:
        return 1.0
    got = set(tokens(found))
    return sum(1 for w in expected if w in got) / len(expected)


def _rss_mb() -> float:
    """Resident memory now (Linux; elsewhere the peak so far)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run(quick: bool = False) -> dict[str, Any]:
    from core.ocr import TextReader, text_of

    say("ocr: generating images")
    items = samples(quick)
    photos = [s for s in items if not s.words]
    texts = [s for s in items if s.words]
    reader = TextReader(threads=2)
    rss0 = _rss_mb()
    warm = texts[0].image
    t0 = time.perf_counter()
    reader.read(warm)  # the first call loads the models (imports included)
    first_s = time.perf_counter() - t0
    rss_loaded = _rss_mb()
    t0 = time.perf_counter()
    reader.read(warm)
    load_s = first_s - (time.perf_counter() - t0)
    reader.has_text(warm)

    gate: dict[str, bool] = {}
    gate_times: dict[str, float] = {}
    for s in items:
        t0 = time.perf_counter()
        gate[s.name] = reader.has_text(s.image)
        gate_times[s.name] = time.perf_counter() - t0
    gate_s = sum(gate_times.values())
    false_pos = [s.name for s in photos if gate[s.name]]
    missed = [s.name for s in texts if not gate[s.name]]
    say("ocr gate: %.1f photos/s; false positives %s; missed %s", len(items) / gate_s, false_pos, missed)

    recalls, read_times = [], []
    for s in texts:
        t0 = time.perf_counter()
        lines = reader.read(s.image)
        read_times.append(time.perf_counter() - t0)
        recalls.append(word_recall(s.words, text_of(lines)))
        if recalls[-1] < 0.8:
            say("ocr read %s: recall %.2f: %r", s.name, recalls[-1], text_of(lines)[:200])
    read_photo_times = []
    for s in photos[:8]:  # read() on a photo without text: what the gate saves
        t0 = time.perf_counter()
        reader.read(s.image)
        read_photo_times.append(time.perf_counter() - t0)
    gate_text_s = statistics.median(gate_times[s.name] for s in texts)
    return {
        "ocr_images_without_text": len(photos),
        "ocr_images_with_text": len(texts),
        "ocr_image_size": f"{SIZE[0]}x{SIZE[1]}",
        "ocr_model_load_s": rnd(load_s, 3),
        "ocr_load_rss_mb": rnd(rss_loaded - rss0, 1),
        "ocr_rss_after_reads_mb": rnd(_rss_mb() - rss0, 1),
        "ocr_gate_photos_per_s": rnd(len(items) / gate_s, 2),
        "ocr_gate_p50_ms": rnd(statistics.median(gate_times.values()) * 1000, 1),
        "ocr_gate_recall_text": rnd(sum(1 for s in texts if gate[s.name]) / len(texts)),
        "ocr_gate_false_positive_rate": rnd(len(false_pos) / len(photos)),
        "ocr_photos_with_text_per_s": rnd(len(texts) / sum(read_times), 2),
        "ocr_read_p50_ms": rnd(statistics.median(read_times) * 1000, 1),
        "ocr_read_no_text_p50_ms": rnd(statistics.median(read_photo_times) * 1000, 1),
        "ocr_read_vs_gate_time_ratio": rnd(statistics.median(read_times) / gate_text_s, 2),
        "ocr_word_recall": rnd(statistics.mean(recalls)),
        "ocr_word_recall_min": rnd(min(recalls)),
        **index_cost(quick, [s for s in texts[:6 if quick else 12]]),
    }


def index_cost(quick: bool, with_text: list[Sample]) -> dict[str, Any]:
    """What the reading pass adds to ``Library.index()``: the same generated 12 MP photos without text
    indexed into fresh data folders with reading off and on (models warm, shared; alternating, best of
    two each), then the same folder plus photos with text (a mixed folder). Keys:
    ``ocr_index_speed_ratio_no_text`` (photos/s with reading on / off; target >= 0.9),
    ``ocr_share_of_index_time_no_text`` and ``ocr_share_of_index_time_mixed`` (the part of an index run's
    wall time the reading pass takes)."""
    import shutil

    from bench.common import open_library, temp_dir, warm_up
    from bench.media import photo_files, photo_library
    from core.library import Library

    count = 16 if quick else 48
    photos = photo_files(photo_library(count))
    with temp_dir("ocr-index") as tmp:
        plain = tmp / "plain"
        for f in photos:
            dest = plain / f.parent.name / f.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, dest)
        mixed = tmp / "mixed"
        shutil.copytree(plain, mixed)
        for s in with_text:
            s.image.save(mixed / f"text-{s.name}.jpg", "JPEG", quality=90)
        first = open_library(tmp / "data-warm")
        warm_up(first)
        first.encoders.reader.has_text(with_text[0].image)  # the reader's models load before any timing
        first.encoders.reader.read(with_text[0].image)
        encoders = first.encoders
        runs = 0

        def index(root: Any, read_text: bool) -> tuple[float, float]:
            nonlocal runs
            runs += 1
            lib = Library.open(tmp / f"data-{runs}", encoders=encoders)
            try:
                lib.indexer.read_text = read_text
                lib.add_root(root)
                phases: dict[str, float] = {}

                def heard(p: Any) -> None:
                    phases.setdefault(p.phase, time.perf_counter())

                t0 = time.perf_counter()
                lib.index(query_copies=False, progress=heard)
                wall = time.perf_counter() - t0
            finally:
                lib.close()
            reading = wall - (phases["reading"] - t0) if "reading" in phases else 0.0
            return wall, reading

        say("ocr: indexing %d photos without text, reading off and on", count)
        off = [index(plain, False)[0] for _ in range(1)]
        on_runs = []
        for _ in range(2):
            on_runs.append(index(plain, True))
            off.append(index(plain, False)[0])
        on_wall, on_read = min(on_runs)
        say("ocr: indexing a mixed folder (%d without text, %d with)", count, len(with_text))
        mixed_wall, mixed_read = min(index(mixed, True) for _ in range(2))
        first.close()
    return {
        "ocr_index_photos": count,
        "ocr_index_s_reading_off": rnd(min(off), 2),
        "ocr_index_s_reading_on": rnd(on_wall, 2),
        "ocr_index_speed_ratio_no_text": rnd(min(off) / on_wall),
        "ocr_share_of_index_time_no_text": rnd(on_read / on_wall),
        "ocr_mixed_photos_with_text": len(with_text),
        "ocr_share_of_index_time_mixed": rnd(mixed_read / mixed_wall),
    }
