from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image

from core.media.photos import extract_photo
from core.types import FileStat, Kind, MediaError
from tests.conftest import make_photo


def stat(p: Path) -> FileStat:
    st = p.stat()
    return FileStat(str(p), Kind.PHOTO, st.st_size, st.st_mtime_ns)


def test_exif_date_camera_and_text_signals(tmp_path: Path) -> None:
    p = make_photo(tmp_path / "Trips" / "Lisbon tram" / "IMG_7.jpg", taken=datetime(2022, 5, 3, 9, 30),
                   camera=("FUJIFILM", "X-T30"))
    ex = extract_photo(stat(p), 224)
    assert ex.date_ts == datetime(2022, 5, 3, 9, 30).timestamp()
    assert ex.meta["make"] == "FUJIFILM" and ex.meta["model"] == "X-T30"
    text = ex.passages[0].text
    assert "Lisbon tram" in text and "May 2022" in text and "X-T30" in text
    assert ex.pixels is not None and ex.pixels.shape == (3, 224, 224)
    assert "thumbnail" not in ex.meta and ex.thumbnail_jpeg is not None  # the indexer stores it


def test_orientation_is_applied(tmp_path: Path) -> None:
    img = Image.new("RGB", (400, 200), (10, 200, 10))
    exif = img.getexif()
    exif[0x0112] = 6  # rotate 90 CW on display
    p = tmp_path / "rot.jpg"
    img.save(p, exif=exif)
    ex = extract_photo(stat(p), None)
    assert (ex.meta["width"], ex.meta["height"]) == (200, 400)
    assert ex.pixels is None  # no image encoder: the photo waits for visual encoding


def test_large_jpeg_is_decoded_in_draft_mode_and_keeps_its_size(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import JpegImagePlugin

    asked: list[tuple[int, int]] = []
    real = JpegImagePlugin.JpegImageFile.draft

    def draft(self: JpegImagePlugin.JpegImageFile, mode: str | None, size: tuple[int, int] | None) -> object:
        asked.append(size or (0, 0))
        return real(self, mode, size)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", draft)
    p = make_photo(tmp_path / "big.jpg", size=(4000, 3000))
    ex = extract_photo(stat(p), 224)
    assert asked and max(asked[0]) < 1000  # decoded at a fraction of its size
    assert (ex.meta["width"], ex.meta["height"]) == (4000, 3000)  # but shown with its own size


def test_a_huge_png_is_reduced_right_after_decoding(tmp_path: Path) -> None:
    from PIL import Image

    p = tmp_path / "huge.png"
    Image.new("1", (6000, 5000)).save(p)  # 30 MP, a few KB on disk
    ex = extract_photo(stat(p), 224)
    assert (ex.meta["width"], ex.meta["height"]) == (6000, 5000)
    assert ex.pixels is not None and ex.pixels.shape == (3, 224, 224)


def test_pixel_limit_message_says_what_to_do(tmp_path: Path) -> None:
    p = make_photo(tmp_path / "big.jpg", size=(2000, 1000))
    with pytest.raises(MediaError, match="over the 1-megapixel limit; raise it with TROVE_MAX_IMAGE_MEGAPIXELS"):
        extract_photo(stat(p), 224, limit_megapixels=1)


def test_other_formats_open(tmp_path: Path) -> None:
    for ext in ("png", "webp", "gif", "bmp", "tiff"):
        p = tmp_path / f"x.{ext}"
        Image.new("RGB", (64, 48), (1, 2, 3)).save(p)
        assert extract_photo(stat(p), 32).pixels is not None


def test_heic_opens(tmp_path: Path) -> None:
    import pillow_heif

    p = tmp_path / "phone.heic"
    pillow_heif.from_pillow(Image.new("RGB", (128, 96), (200, 100, 50))).save(p)
    ex = extract_photo(stat(p), 32)
    assert ex.pixels is not None and ex.meta["width"] == 128
