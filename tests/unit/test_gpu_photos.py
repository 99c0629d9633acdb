"""The GPU photo path (core/media/gpu_photos.py), run on the CPU: the same decode, resize, orientation,
crop, normalisation and thumbnails the product runs on CUDA, checked against the CPU path's pixels."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.media.gpu_photos import (
    MAX_GROUP,
    GpuPhotos,
    JpegInput,
    gpu_candidate,
    group_sizes,
    photo_batch_for,
    stack_pixels,
    upright,
)
from core.media.photos import extract_photo, extract_photo_bytes
from core.types import FileStat, Kind, MediaError

torch = pytest.importorskip("torch")
pytest.importorskip("torchvision")

SIZE = 224


def scene(width: int, height: int) -> np.ndarray:
    """A picture with structure everywhere and no symmetry: gradients, a bright block in one corner and
    a dark bar near one edge, so a wrong turn, flip or crop moves a lot of pixels."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    arr = np.stack([255 * x / width, 255 * y / height, 128 + 100 * np.sin(x / 37.0) * np.cos(y / 23.0)], axis=-1)
    arr[: height // 3, : width // 4] = (250, 240, 30)
    arr[height - height // 8:, width // 3: width // 2] = (10, 10, 90)
    return np.clip(arr, 0, 255).astype(np.uint8)


def write_jpeg(path: Path, width: int = 1200, height: int = 900, orientation: int | None = None,
               **save: object) -> Path:
    img = Image.fromarray(scene(width, height))
    exif = img.getexif()
    if orientation is not None:
        exif[0x0112] = orientation
    img.save(path, "JPEG", quality=92, exif=exif, **save)
    return path


def stat_of(path: Path) -> FileStat:
    st = path.stat()
    return FileStat(str(path), Kind.PHOTO, st.st_size, st.st_mtime_ns, str(path.parent))


def cpu_pixels(path: Path) -> np.ndarray:
    px = extract_photo(stat_of(path), SIZE).pixels
    assert px is not None
    return np.asarray(px)


def gpu_input(path: Path) -> JpegInput:
    ex = extract_photo_bytes(stat_of(path))
    assert ex is not None and ex.jpeg is not None
    return JpegInput(ex.jpeg, ex.orientation, ex.meta["width"], ex.meta["height"])


@pytest.fixture
def gpu() -> GpuPhotos:
    return GpuPhotos(SIZE, "cpu")


def test_prepared_pixels_match_the_cpu_path(tmp_path: Path, gpu: GpuPhotos) -> None:
    path = write_jpeg(tmp_path / "scene.jpg", 2400, 1800)
    [ready] = gpu.prepare([gpu_input(path)])
    assert ready is not None
    px = ready.pixels.numpy()
    assert px.shape == (3, SIZE, SIZE) and px.dtype == np.float32
    diff = np.abs(px - cpu_pixels(path))
    # One level of 255 is about 0.015 here (CLIP's std is about 0.27): measured 0.005 on average (a third
    # of a level) and 0.02 at the 99th percentile, where a shifted crop or a wrong scale costs tens.
    assert diff.mean() < 0.02, diff.mean()
    assert np.percentile(diff, 99) < 0.08
    assert gpu.decoded_on_device == 1 and gpu.refused == 0


@pytest.mark.parametrize("orientation", range(1, 9))
def test_each_exif_orientation_is_applied_as_pil_does(tmp_path: Path, gpu: GpuPhotos, orientation: int) -> None:
    path = write_jpeg(tmp_path / f"o{orientation}.jpg", 900, 600, orientation=orientation)
    [ready] = gpu.prepare([gpu_input(path)])
    assert ready is not None
    want = cpu_pixels(path)
    got = ready.pixels.numpy()
    assert np.abs(got - want).mean() < 0.02
    if orientation != 1:  # the same photo not turned is far off: the check above can fail
        plain = gpu.prepare([JpegInput(path.read_bytes(), 1, 900, 600)])[0]
        assert plain is not None
        assert np.abs(plain.pixels.numpy() - want).mean() > 0.2
    thumb = Image.open(io.BytesIO(ready.thumbnail_jpeg))
    assert thumb.format == "JPEG"
    assert thumb.size == ((213, 320) if orientation in (5, 6, 7, 8) else (320, 213))  # as PIL's thumbnail()


def test_upright_matches_pil_exif_transpose() -> None:
    from PIL import ImageOps

    arr = scene(7, 5)
    for orientation in range(1, 9):
        img = Image.fromarray(arr)
        exif = img.getexif()
        exif[0x0112] = orientation
        buf = io.BytesIO()
        img.save(buf, "PNG", exif=exif)
        want = np.asarray(ImageOps.exif_transpose(Image.open(buf)))
        got = upright(torch.from_numpy(arr).permute(2, 0, 1), orientation).permute(1, 2, 0).numpy()
        assert np.array_equal(got, want), orientation


def test_a_bad_file_in_a_batch_costs_only_itself(tmp_path: Path, gpu: GpuPhotos) -> None:
    good = gpu_input(write_jpeg(tmp_path / "a.jpg"))
    truncated = JpegInput(good.data[: len(good.data) // 2], 1, good.width, good.height)
    garbage = JpegInput(b"\xff\xd8\xff" + bytes(500), 1, 10, 10)
    out = gpu.prepare([good, truncated, good, garbage])
    assert [o is not None for o in out] == [True, False, True, False]
    assert gpu.refused == 2 and gpu.decoded_on_device == 2


def test_batches_split_by_free_memory(tmp_path: Path) -> None:
    twelve = 4000 * 3000
    budget = 3 * 3 * twelve + 12 * twelve  # three 12 MP photos and one float copy
    assert group_sizes([twelve] * 10, budget) == [3, 3, 3, 1]
    assert group_sizes([twelve, 50 * twelve, twelve], budget) == [1, 1, 1]  # a huge one alone, never skipped
    assert group_sizes([100] * (MAX_GROUP + 5), 1 << 40) == [MAX_GROUP, 5]
    assert group_sizes([], budget) == []
    # prepare() follows the device's free memory: 4 photos of 1200x900 with room for two at a time
    calls: list[int] = []
    small = 1200 * 900
    gpu = GpuPhotos(SIZE, "cpu", free_memory=lambda: calls.append(1) or int((2 * 3 * small + 12 * small) / 0.25))
    seen: list[int] = []
    decode = gpu._decode
    gpu._decode = lambda group: seen.append(len(group)) or decode(group)  # type: ignore[method-assign]
    photo = gpu_input(write_jpeg(tmp_path / "b.jpg"))
    assert all(p is not None for p in gpu.prepare([photo] * 4))
    assert seen == [2, 2] and calls == [1]


def test_photo_batch_follows_free_memory() -> None:
    assert photo_batch_for(0) == 16
    assert photo_batch_for(2 << 30) == 16  # a quarter, 0.5 GB, decodes 13 photos of 12 MP: the floor
    assert photo_batch_for(8 << 30) == 55  # 2 GB: 55 of them (36 MB each) beside one float copy (144 MB)
    assert photo_batch_for(140 << 30) == 128  # an H200's: the cap


def test_which_files_take_the_gpu_path(tmp_path: Path) -> None:
    baseline = write_jpeg(tmp_path / "base.jpg")
    progressive = write_jpeg(tmp_path / "prog.jpg", progressive=True)
    grey = tmp_path / "grey.jpg"
    Image.fromarray(scene(300, 200)[:, :, 0]).save(grey, "JPEG")
    cmyk = tmp_path / "cmyk.jpg"
    Image.fromarray(scene(300, 200)).convert("CMYK").save(cmyk, "JPEG")
    png = tmp_path / "p.png"
    Image.fromarray(scene(300, 200)).save(png)
    mpo = tmp_path / "pair.jpg"  # a camera's multi-picture file: the first picture is the photo
    Image.fromarray(scene(300, 200)).save(mpo, "MPO", save_all=True, append_images=[Image.new("RGB", (300, 200))])
    verdicts = {p.name: gpu_candidate(Image.open(p)) for p in (baseline, progressive, grey, cmyk, png, mpo)}
    assert verdicts == {"base.jpg": True, "prog.jpg": False, "grey.jpg": True, "cmyk.jpg": False, "p.png": False,
                        "pair.jpg": True}
    gpu = GpuPhotos(SIZE, "cpu")
    [ready] = gpu.prepare([gpu_input(mpo)])
    assert ready is not None and np.abs(ready.pixels.numpy() - cpu_pixels(mpo)).mean() < 0.02
    for path in (progressive, cmyk, png):
        assert extract_photo_bytes(stat_of(path)) is None  # the caller decodes these on the CPU
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    with pytest.raises(MediaError, match="empty"):
        extract_photo_bytes(stat_of(empty))


def test_the_bytes_path_describes_the_photo_as_the_cpu_path_does(tmp_path: Path) -> None:
    from datetime import datetime

    from tests.conftest import make_photo

    path = make_photo(tmp_path / "trip" / "beach.jpg", size=(640, 480), taken=datetime(2021, 7, 4, 12, 0),
                      camera=("Canon", "EOS R6"), gps=(48.8584, 2.2945))
    cpu, by_bytes = extract_photo(stat_of(path), SIZE), extract_photo_bytes(stat_of(path))
    assert by_bytes is not None
    assert by_bytes.meta == cpu.meta and by_bytes.passages == cpu.passages and by_bytes.date_ts == cpu.date_ts
    assert by_bytes.content_hash == cpu.content_hash and by_bytes.jpeg == path.read_bytes()
    assert by_bytes.pixels is None and by_bytes.thumbnail_jpeg is None and by_bytes.orientation == 1


def test_stacking_keeps_numpy_unless_a_photo_is_on_a_gpu() -> None:
    a = np.zeros((3, 4, 4), np.float32)
    b = torch.ones((3, 4, 4))
    assert isinstance(stack_pixels([a, a]), np.ndarray)
    mixed = stack_pixels([a, b])  # tensors on the CPU (the GPU path run on the CPU): numpy for the encoder
    assert isinstance(mixed, np.ndarray) and mixed.shape == (2, 3, 4, 4) and mixed[1].min() == 1.0
