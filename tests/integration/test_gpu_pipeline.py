"""An index run with photos decoded by the GPU path (core/media/gpu_photos.py, run here on the CPU): the
decode pool reads bytes and EXIF only, a prefetch thread decodes whole batches, files the GPU refuses go
to the CPU decoder one by one, and the catalog ends up as a CPU-only run leaves it."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.catalog import from_blob
from core.library import Library
from core.media.gpu_photos import GpuPhotos
from tests.conftest import FakeEncoders
from tests.unit.test_gpu_photos import scene, write_jpeg

torch = pytest.importorskip("torch")
pytest.importorskip("torchvision")


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    for i, (w, h) in enumerate([(1200, 900), (900, 1200), (640, 480), (2000, 1500), (800, 600)]):
        write_jpeg(folder / f"plain-{i}.jpg", w, h)
    write_jpeg(folder / "turned.jpg", 1000, 700, orientation=6)
    write_jpeg(folder / "progressive.jpg", 700, 500, progressive=True)  # the CPU decodes it
    Image.fromarray(scene(400, 300)).save(folder / "drawing.png")  # not a JPEG: the CPU too
    whole = write_jpeg(folder / "cut.jpg", 900, 600).read_bytes()
    (folder / "cut.jpg").write_bytes(whole[: len(whole) // 2])  # the GPU refuses it, then the CPU: failed
    return folder


def index(data: Path, folder: Path, gpu: GpuPhotos | None, batch: int = 16) -> dict[str, tuple]:
    with Library.open(data, encoders=FakeEncoders()) as lib:
        lib.indexer.gpu_photos = gpu
        lib.indexer.photo_batch = batch
        lib.add_root(folder)
        summary = lib.index()
        assert summary.added == 8 and summary.failed == 1
        failures = {Path(f["path"]).name: f["reason"] for f in lib.catalog.failures()}
    out: dict[str, tuple] = {"failures": (failures,)}
    with sqlite3.connect(data / "catalog.sqlite") as conn:
        for path, thumb, visual in conn.execute(
                "SELECT f.path, f.thumbnail, c.visual FROM files f JOIN chunks c ON c.file_id = f.id"):
            with Image.open(data / thumb) as t:
                out[Path(path).name] = (from_blob(visual), t.size)
    return out


def test_a_gpu_run_indexes_as_a_cpu_run_does(tmp_path: Path, photos: Path) -> None:
    gpu = GpuPhotos(FakeEncoders().fake_image.image_size, "cpu")
    on_gpu = index(tmp_path / "gpu-data", photos, gpu, batch=3)  # several batches through the prefetch
    on_cpu = index(tmp_path / "cpu-data", photos, None)
    assert gpu.decoded_on_device == 6  # the five plain JPEGs and the turned one...
    assert gpu.refused == 1  # ...the cut one was tried and refused; progressive and PNG never sent
    assert on_gpu.keys() == on_cpu.keys() and len(on_gpu) == 9
    assert on_gpu["failures"] == on_cpu["failures"]
    assert "corrupt or truncated" in on_gpu["failures"][0]["cut.jpg"]
    for name in on_gpu.keys() - {"failures"}:
        (vg, tg), (vc, tc) = on_gpu[name], on_cpu[name]
        assert tg == tc, name  # thumbnails of the same size and orientation
        assert float(np.dot(vg, vc)) > 0.99, name  # the same pixels to within a fraction of a level
    assert on_gpu["turned.jpg"][1] == (224, 320)  # upright: portrait


def test_cancel_stops_the_prefetch_thread(tmp_path: Path, photos: Path) -> None:
    gpu = GpuPhotos(FakeEncoders().fake_image.image_size, "cpu")
    with Library.open(tmp_path / "data", encoders=FakeEncoders()) as lib:
        lib.indexer.gpu_photos = gpu
        lib.indexer.photo_batch = 1
        lib.add_root(photos)
        prepare = gpu.prepare

        def slow_then_cancel(items: list) -> list:  # the second batch's decode: the person cancels
            if gpu.decoded_on_device >= 1:
                lib.indexer.cancel.set()
            return prepare(items)

        gpu.prepare = slow_then_cancel  # type: ignore[method-assign]
        summary = lib.index()
        assert summary.cancelled
        assert summary.added < 8
        assert not [t for t in threading.enumerate() if t.name == "trove-gpu-decode"]
        lib.indexer.cancel.clear()
        gpu.prepare = prepare  # type: ignore[method-assign]
        again = lib.index()  # the next run picks up the rest
        assert again.added + summary.added == 8 and not again.cancelled
