"""Photos: fast, bounded decode; EXIF (orientation, taken-at, camera, GPS); thumbnail; text signals."""

from __future__ import annotations

import io
import logging
import warnings
from datetime import datetime
from typing import Any

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from core.config import environment
from core.encoders.clip import preprocess
from core.media import name_words
from core.places import Place, place_of
from core.scanner import content_hash
from core.types import Extracted, FileStat, MediaError, Passage, place_words

log = logging.getLogger(__name__)


THUMBNAIL_EDGE = 320
ImageFile.LOAD_TRUNCATED_IMAGES = False
Image.MAX_IMAGE_PIXELS = None  # we check the limit ourselves, with a message that says what to do

try:  # HEIC/HEIF from phones
    from pillow_heif import register_heif_opener

    register_heif_opener()
except ImportError:  # pragma: no cover - pillow-heif is a declared dependency
    log.warning("pillow-heif is not installed: HEIC photos will be recorded as failed")

_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]


def max_megapixels() -> float:
    return environment().max_image_megapixels


LARGE_PIXELS = 16_000_000
_REDUCIBLE = frozenset({"L", "LA", "RGB", "RGBA", "RGBX", "CMYK", "I", "I;16", "F"})


def _reduced(img: Image.Image, want: int) -> Image.Image:
    """A large image that could not be decoded reduced (JPEG is, with draft mode; PNG, TIFF, WebP are not)
    shrunk by an integer factor at once, before any copy or colour conversion: a 196-megapixel PNG took
    indexing to 2 GB, mostly in those copies."""
    if img.width * img.height <= LARGE_PIXELS:
        return img
    factor = min(img.width, img.height) // (2 * want)
    if factor < 2:
        return img
    if img.mode not in _REDUCIBLE:
        img = img.convert("L" if img.mode == "1" else "RGB")
    return img.reduce(factor)


def _decode(path: str, want: int, limit_megapixels: float | None) -> tuple[Image.Image, Image.Exif, tuple[int, int]]:
    """Open and decode an image as small as ``want`` allows, within the pixel limit: (the image turned
    upright by its EXIF orientation, its EXIF, its own size before any reduction). Errors are MediaError."""
    limit = limit_megapixels or max_megapixels()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PIL's "possibly corrupt EXIF" chatter; bad files raise anyway
            img = Image.open(path)
            megapixels = img.width * img.height / 1e6
            if megapixels > limit:
                raise MediaError(
                    f"the image is {megapixels:.0f} megapixels, over the {limit:.0f}-megapixel limit; raise it with "
                    "TROVE_MAX_IMAGE_MEGAPIXELS if you trust the file"
                )
            exif = img.getexif()
            size = img.size  # what the person's photo measures, before draft decoding or any reduction
            if img.format == "JPEG":
                img.draft("RGB", (want, want))  # decode at 1/2, 1/4 or 1/8 scale: the big saving on 12 MP
            img.seek(0)  # GIF/TIFF: first frame
            img.load()
            decoded = _reduced(img, want)
    except MediaError:
        raise
    except UnidentifiedImageError as exc:
        raise MediaError("not an image Trove can read (wrong extension or unsupported format)") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise MediaError(f"the image is corrupt or truncated ({exc})") from exc
    try:
        return ImageOps.exif_transpose(decoded) or decoded, exif, size
    except Exception:  # a broken orientation tag must not lose the photo
        log.debug("ignoring a bad EXIF orientation in %s", path)
        return decoded, exif, size


def query_pixels(path: str, image_size: int, limit_megapixels: float | None = None) -> np.ndarray:
    """An image given as a query (picked, dropped, pasted) as the encoder's input, (1, 3, S, S), decoded
    as the library's photos are; errors name the file."""
    from core.encoders.clip import preprocess

    try:
        shown, _exif, _size = _decode(path, image_size, limit_megapixels)
    except MediaError as exc:
        raise MediaError(f"{path}: {exc}") from exc
    return preprocess(shown, image_size)[None]


def extract_photo(stat: FileStat, image_size: int | None, limit_megapixels: float | None = None,
                  digest: str | None = None) -> Extracted:
    """Decode one photo. ``image_size`` is the encoder's input edge, or None when no image encoder is
    loaded (then no pixels are prepared and the photo waits for visual encoding)."""
    if stat.size_bytes == 0:
        raise MediaError("the file is empty (0 bytes)")
    digest = digest or content_hash(stat.path, stat.size_bytes)
    shown, exif, size = _decode(stat.path, max(THUMBNAIL_EDGE, image_size or 0), limit_megapixels)
    rgb = shown.convert("RGB")
    thumb = rgb.copy()
    thumb.thumbnail((THUMBNAIL_EDGE, THUMBNAIL_EDGE), Image.Resampling.BILINEAR)
    buf = io.BytesIO()
    thumb.save(buf, "JPEG", quality=82)
    pixels = preprocess(rgb, image_size) if image_size else None
    ex = _described(stat, digest, exif, size)
    ex.pixels, ex.thumbnail_jpeg = pixels, buf.getvalue()
    return ex


def extract_photo_bytes(stat: FileStat, limit_megapixels: float | None = None,
                        digest: str | None = None) -> Extracted | None:
    """A photo for the GPU path (core.media.gpu_photos): its description, EXIF and the file's bytes, with
    no pixel decoded here (``Extracted.jpeg``); the GPU decodes it, makes its pixels and its thumbnail.
    None where the GPU path does not take the file (not a baseline RGB or greyscale JPEG, or over the
    pixel limit): the caller decodes it with ``extract_photo``."""
    from core.media.gpu_photos import gpu_candidate

    if stat.size_bytes == 0:
        raise MediaError("the file is empty (0 bytes)")
    limit = limit_megapixels or max_megapixels()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(stat.path) as img:  # the header and EXIF only; nothing is decoded
                if not gpu_candidate(img) or img.width * img.height / 1e6 > limit:
                    return None
                exif, size = img.getexif(), img.size
    except (UnidentifiedImageError, SyntaxError, ValueError, EOFError):
        return None  # the CPU path says what is wrong with it
    with open(stat.path, "rb") as fh:
        data = fh.read()
    ex = _described(stat, digest or content_hash(stat.path, stat.size_bytes), exif, size)
    orientation = exif.get(0x0112)
    ex.jpeg = data
    ex.orientation = orientation if isinstance(orientation, int) and 1 <= orientation <= 8 else 1
    return ex


def _described(stat: FileStat, digest: str, exif: Image.Exif, size: tuple[int, int]) -> Extracted:
    """A photo's metadata (EXIF, place, size as shown) and its words, without pixels."""
    meta = _exif_meta(exif)
    if "gps" in meta:
        _add_place(meta)
    turned = exif.get(0x0112) in (5, 6, 7, 8)  # EXIF orientations that swap width and height
    meta.update(width=size[1] if turned else size[0], height=size[0] if turned else size[1])
    taken = meta.get("taken_at")
    date_ts = _parse_exif_date(taken) if taken else None
    when = date_ts if date_ts is not None else stat.mtime_ns / 1e9
    return Extracted(
        stat=stat,
        content_hash=digest,
        passages=[Passage(photo_text(stat.path, meta, when, stat.root))],
        date_ts=when,
        meta=meta,
    )


def photo_text(path: str, meta: dict[str, Any], date_ts: float, root: str = "") -> str:
    """What describes a photo in words: folders, file name, when, camera, place."""
    d = datetime.fromtimestamp(date_ts)
    bits = [f"Photo {name_words(path, root)}", f"taken {d.day} {_MONTHS[d.month - 1]} {d.year}"]
    camera = " ".join(x for x in (meta.get("make"), meta.get("model")) if x)
    if camera:
        bits.append(f"camera {camera}")
    if meta.get("description"):
        bits.append(str(meta["description"]))
    place = Place.from_meta(meta["place"]) if isinstance(meta.get("place"), dict) else None
    if place is not None:
        bits.append(f"taken in {place.words()}")
    return "; ".join(bits)


def _add_place(meta: dict[str, Any]) -> None:
    """The place a photo was taken, from its GPS position (offline, core.places): ``place`` for the
    preview, ``place_words`` for the place filter."""
    lat, lon = meta["gps"]
    place = place_of(lat, lon)
    if place is not None:
        meta["place"] = place.as_meta()
        meta["place_words"] = place_words(place.words())


def image_for_reading(path: str, max_edge: int) -> Image.Image:
    """A photo as the text reader sees it: upright, RGB, its long edge at most ``max_edge`` (JPEGs decode
    at a reduced scale, so a small edge is cheap). Errors are MediaError."""
    shown, _exif, _size = _decode(path, max_edge, None)
    rgb = shown.convert("RGB")
    if max(rgb.size) > max_edge:
        rgb.thumbnail((max_edge, max_edge), Image.Resampling.BILINEAR)
    return rgb


def _exif_meta(exif: Image.Exif) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    try:
        sub = exif.get_ifd(_EXIF_IFD)
        taken = sub.get(36867) or sub.get(36868) or exif.get(306)
        if isinstance(taken, str) and taken.strip():
            meta["taken_at"] = taken.strip()
        for tag, key in ((271, "make"), (272, "model"), (270, "description")):
            v = exif.get(tag)
            if isinstance(v, str) and v.strip():
                meta[key] = v.strip().strip("\x00")
        gps = exif.get_ifd(_GPS_IFD)
        if gps and 2 in gps and 4 in gps:
            lat = _dms(gps[2]) * (-1 if gps.get(1) == "S" else 1)
            lon = _dms(gps[4]) * (-1 if gps.get(3) == "W" else 1)
            meta["gps"] = (round(lat, 6), round(lon, 6))
    except Exception as exc:  # EXIF is advisory; a photo with broken EXIF is still a photo
        log.debug("ignoring unreadable EXIF: %s", exc)
    return meta


def _dms(value: Any) -> float:
    d, m, s = (float(x) for x in value)
    return d + m / 60 + s / 3600


def _parse_exif_date(text: str) -> float | None:
    for fmt in ("%Y:%m:%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y:%m:%d"):
        try:
            return datetime.strptime(text[:19], fmt).timestamp()
        except ValueError:
            continue
    return None
