"""Generated media for the benchmarks: 12-megapixel JPEGs, short notes, spoken English.

Everything is deterministic (seeded), so two runs measure the same bytes. Photos are slow to make
(about half a second each), so they are kept in a cache folder between runs.
"""

from __future__ import annotations

import io
import json
import os
import random
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from bench.common import cache_dir, say

PHOTO_SIZE = (4000, 3000)  # 12 megapixels, a phone camera's 4:3
PHOTO_QUALITY = 90
_PHOTO_VERSION = 1  # bump when the generator changes, so old caches are not reused
_ALBUMS = ["2023 Lisbon trip", "Garden", "Birthday party", "Hiking Alps", "Kitchen renovation", "Beach weekend"]
_CAMERAS = [("Apple", "iPhone 13"), ("Google", "Pixel 7"), ("Canon", "EOS R6"), ("Samsung", "SM-S911B")]


def photo_library(count: int) -> Path:
    """A folder of ``count`` 12 MP JPEGs in album folders, generated on first use and cached.

    Photo ``i`` is the same bytes whatever ``count`` is: the images live once in a pool and each library
    size is a folder of hard links to the first ``count`` of them (copies where links are not possible).
    """
    base = cache_dir(f"photos-v{_PHOTO_VERSION}")
    root = base / f"library-{count}"
    manifest = root / "manifest.json"
    if manifest.exists():
        try:
            files = json.loads(manifest.read_text())["files"]
            if len(files) == count and all((root / f).is_file() for f in files):
                return root
        except (OSError, ValueError, KeyError):
            pass
    pool = base / "pool"
    pool.mkdir(exist_ok=True)
    missing = [i for i in range(count) if not (pool / _pool_name(i)).is_file()]
    if missing:
        say("generating %d photos of %dx%d in %s (once; cached)", len(missing), *PHOTO_SIZE, pool)
        workers = max(1, min(4, os.cpu_count() or 1))
        with ThreadPoolExecutor(workers) as ex:
            list(ex.map(lambda i: _write_photo(pool / _pool_name(i), i), missing))
    shutil.rmtree(root, ignore_errors=True)
    rels = [f"{_ALBUMS[i % len(_ALBUMS)]}/IMG_{1000 + i:04d}.jpg" for i in range(count)]
    for i, rel in enumerate(rels):
        dest = root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(pool / _pool_name(i), dest)
        except OSError:
            shutil.copyfile(pool / _pool_name(i), dest)
    manifest.write_text(json.dumps({"files": rels}))
    return root


def _pool_name(i: int) -> str:
    return f"photo-{i:05d}.jpg"


def photo_files(root: Path) -> list[Path]:
    files = json.loads((root / "manifest.json").read_text())["files"]
    return [root / f for f in files]


def _write_photo(path: Path, seed: int) -> None:
    """Smooth colour gradients, a few soft shapes and sensor-like noise: compresses like a real photo
    (about 3 MB at quality 90), unlike flat colour (tiny) or white noise (huge)."""
    from PIL import Image, ImageDraw, ImageFilter

    rng = np.random.default_rng(1000 + seed)
    w, h = PHOTO_SIZE
    y = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None]
    x = np.linspace(0.0, 1.0, w, dtype=np.float32)[None, :]
    a, b = rng.uniform(0.5, 4.0, 2)
    base = np.empty((h, w, 3), dtype=np.float32)
    for ch in range(3):
        c0, c1, c2 = rng.uniform(0.1, 0.9, 3)
        phase = rng.uniform(0, 6.28)
        base[..., ch] = 255.0 * (c0 + (c1 - c0) * x * y + 0.25 * c2 * np.sin(a * 3.0 * x + b * 2.0 * y + phase))
    # Soft shapes drawn small and scaled up (cheap, and gives large smooth edges like real objects).
    small = Image.new("RGB", (w // 8, h // 8), (0, 0, 0))
    mask = Image.new("L", small.size, 0)
    draw, mdraw = ImageDraw.Draw(small), ImageDraw.Draw(mask)
    for _ in range(int(rng.integers(3, 9))):
        x0, y0 = int(rng.integers(0, w // 8)), int(rng.integers(0, h // 8))
        x1, y1 = x0 + int(rng.integers(20, 200)), y0 + int(rng.integers(20, 150))
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape((x0, y0, x1, y1), fill=colour)
        (mdraw.ellipse if shape == draw.ellipse else mdraw.rectangle)((x0, y0, x1, y1), fill=200)
    small = small.filter(ImageFilter.GaussianBlur(2))
    mask = mask.filter(ImageFilter.GaussianBlur(2))
    shapes = np.asarray(small.resize((w, h), Image.Resampling.BILINEAR), dtype=np.float32)
    alpha = np.asarray(mask.resize((w, h), Image.Resampling.BILINEAR), dtype=np.float32)[..., None] / 255.0
    base = base * (1.0 - alpha) + shapes * alpha
    base += rng.normal(0.0, 6.0, (h, w, 1)).astype(np.float32)  # luminance noise, as a sensor makes
    arr = np.clip(base, 0, 255).astype(np.uint8)
    img = Image.fromarray(arr, "RGB")
    exif = Image.Exif()
    make, model = _CAMERAS[seed % len(_CAMERAS)]
    exif[271], exif[272] = make, model
    exif[306] = f"2023:{1 + seed % 12:02d}:{1 + seed % 28:02d} 12:{seed % 60:02d}:00"
    exif.get_ifd(0x8769)[36867] = exif[306]
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=PHOTO_QUALITY, exif=exif.tobytes())
    tmp = path.with_suffix(".partial")
    tmp.write_bytes(buf.getvalue())
    os.replace(tmp, path)


# -- notes --------------------------------------------------------------------------------------------
TOPICS: dict[str, list[str]] = {
    "cooking": "recipe garlic onion tomato basil oven bake simmer pasta sauce flour butter sugar lemon pepper "
               "salt soup bread dough roast chicken salad vinegar olive cheese".split(),
    "travel": "flight train hotel passport luggage beach mountain museum ticket station airport map city "
              "harbour ferry hostel booking itinerary border souvenir sunset island".split(),
    "garden": "seeds compost tomatoes roses soil watering pruning hedge lawn mower shovel greenhouse bulbs "
              "weeds mulch orchard apple pear blossom fence shed".split(),
    "work": "meeting deadline budget report client invoice project roadmap review quarterly slides email "
            "contract hiring manager agenda minutes proposal launch metrics".split(),
    "health": "doctor appointment vitamins running yoga sleep dentist prescription blood pressure stretching "
              "swim gym knee physiotherapy allergy steps water diet".split(),
    "home": "plumber leak boiler paint kitchen tiles curtains sofa mortgage insurance rent landlord repair "
            "window roof gutter heating electrician furniture carpet".split(),
}
_GLUE = "the a and to for with on at about remember need next then after before buy call check book".split()


def note_text(rng: random.Random, words: int) -> str:
    topic = TOPICS[rng.choice(sorted(TOPICS))]
    out = []
    for _ in range(words):
        out.append(rng.choice(topic) if rng.random() < 0.6 else rng.choice(_GLUE))
    text = " ".join(out)
    return text[0].upper() + text[1:] + "."


def write_notes(root: Path, count: int, folders: int, words: tuple[int, int], seed: int = 0) -> list[Path]:
    """``count`` notes spread over ``folders`` folders, each of ``words`` (min, max) words."""
    rng = random.Random(seed)
    paths = []
    for i in range(count):
        folder = root / f"folder-{i % folders:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        p = folder / f"note-{i:05d}.txt"
        p.write_text(note_text(rng, rng.randint(*words)) + "\n", encoding="utf-8")
        paths.append(p)
    return paths


def queries(count: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    names = sorted(TOPICS)
    out = []
    for _ in range(count):
        topic = TOPICS[rng.choice(names)]
        out.append(" ".join(rng.sample(topic, rng.randint(2, 4))))
    return out


# -- speech -------------------------------------------------------------------------------------------
SPEECH_TEXT = (
    "Good morning. This is a voice memo about the plans for next week. On Monday I need to call the plumber "
    "about the leak under the kitchen sink, and then book the train tickets to Lisbon for the conference. "
    "On Tuesday there is a meeting with the design team at ten o'clock, so remember to bring the printed "
    "slides and the budget report. On Wednesday afternoon the garden needs watering, and the tomatoes should "
    "be moved into the greenhouse before the cold weather arrives. Thursday is the dentist appointment at "
    "half past three. On Friday evening we are having dinner with Anna and Peter, and I promised to bake "
    "the lemon cake with fresh butter and sugar. Finally, do not forget to renew the passport before the "
    "summer holiday, because the office is very slow in June."
)


def speech_wav(path: Path, text: str = SPEECH_TEXT, words_per_minute: int = 150) -> Path:
    """Speak ``text`` with espeak-ng into a WAV file. Raises FileNotFoundError if espeak-ng is missing."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise FileNotFoundError("espeak-ng is not installed (apt-get install espeak-ng)")
    subprocess.run([exe, "-v", "en-us", "-s", str(words_per_minute), "-w", str(path), text],
                   check=True, capture_output=True)
    return path


def wav_seconds(path: Path) -> float:
    import wave

    with wave.open(str(path), "rb") as w:
        return w.getnframes() / float(w.getframerate())
