"""Indexing photos on a CUDA GPU (issue 13): how close the whole pipeline comes to the image model alone,
with photos decoded on the GPU (core/media/gpu_photos.py) and, for comparison, on the CPU.

Skipped (one key says so) where torch sees no CUDA device: the CI machines and most laptops. On a GPU:

* **photos**: 2,048 distinct 12 MP JPEGs (256 with ``--quick``): bench/media.py's 64 generated photos,
  each copied with a numbered comment segment after its start marker, so every file has its own bytes
  and content hash and none is taken for a copy of another.
* **model only**: ``ClipEncoder.encode_images`` (fp16) on pixels already on the GPU, in batches of the
  size an index run picks there (``gpu_photos.photo_batch_for`` the free memory).
* **GPU decode only**: ``GpuPhotos.prepare`` (nvJPEG decode, resize, turn, crop, normalise, thumbnail)
  on the files' bytes read in advance, in the same batches.
* **CPU decode only**: ``extract_photo`` with the indexer's decode threads, on at most 256 files.
* **pipeline, GPU decode / CPU decode**: ``Library.index()`` over the folder in a fresh data folder (scan,
  hash, decode, both encoders, SQLite and usearch writes, the save), the reading pass off (bench/ocr.py
  times it); runs interleaved with the model-only runs, medians compared.
* GPU memory peak (``torch.cuda.max_memory_allocated``) and the process's peak RSS.

Targets (the issue): pipeline >= 1000 photos/s end to end on an H100/H200-class GPU, and >= 0.8 of the
model alone.

The sentence model is the real one where its package is installed; elsewhere (a device machine that
cannot install its 88 MB package) a hashed bag-of-words stand-in embeds the photos' words, and
``gpu_text_encoder`` says which ran. ``python -m bench.gpu --device cpu --photos 16`` runs the same steps
on the CPU (GpuPhotos on the CPU) to check the script itself on a machine without a GPU; its numbers
mean nothing.

On a device machine without this project's packages, carry wheels for open_clip_torch (and ftfy, wcwidth),
usearch==2.25.1, sqlite-utils (and sqlite-fts4, click-default-group), platformdirs, reverse_geocoder,
pycountry and watchdog, and run ``python -m bench --only gpu`` from the checkout.
"""

from __future__ import annotations

import os
import resource
import statistics
import struct
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench.common import HashedWords, rnd, say, temp_dir
from bench.media import photo_files, photo_library

POOL = 64  # generated photos; the rest are copies with bytes of their own


def run(quick: bool = False) -> dict[str, Any]:
    import torch

    if not torch.cuda.is_available():
        say("gpu: torch sees no CUDA device here; skipped")
        return {"gpu": "skipped: no CUDA device"}
    return measure("cuda", 256 if quick else 2048, reps=2)


def measure(device: str, count: int, reps: int = 2) -> dict[str, Any]:
    import torch

    from core.library import Library
    from core.media.gpu_photos import GpuPhotos, JpegInput, photo_batch_for
    from core.media.photos import extract_photo, extract_photo_bytes
    from core.types import FileStat, Kind

    on_cuda = device == "cuda"
    with temp_dir("gpu") as tmp:
        root = _distinct_photos(tmp / "photos", count)
        files = sorted(root.rglob("*.jpg"))
        stats = [FileStat(str(f), Kind.PHOTO, f.stat().st_size, f.stat().st_mtime_ns, str(root)) for f in files]
        base = Library.open(tmp / "data-base", device=device)
        encoders, text_encoder = _encoders(base, device)
        image = encoders.image
        assert image is not None
        gpu = GpuPhotos(image.image_size, device)
        batch = photo_batch_for(gpu.free_memory()) if on_cuda else 16
        threads = base.indexer.decode_threads
        say("gpu: %d photos of 12 MP on %s, batches of %d, %d decode threads", count, device, batch, threads)

        # GPU decode only, on bytes read in advance (what the decode pool hands it).
        inputs = []
        for st in stats:
            ex = extract_photo_bytes(st)
            if ex is None or ex.jpeg is None:
                raise RuntimeError(f"{st.path} would not take the GPU path")
            inputs.append(JpegInput(ex.jpeg, ex.orientation, ex.meta["width"], ex.meta["height"]))
        gpu.prepare(inputs[:batch])  # warm-up: nvJPEG's handles, the kernels
        _sync(device)
        t0 = time.perf_counter()
        prepared = []
        for i in range(0, count, batch):
            prepared.extend(gpu.prepare(inputs[i:i + batch]))
        _sync(device)
        gpu_decode_s = time.perf_counter() - t0
        refused = sum(p is None for p in prepared)
        pixels = torch.stack([p.pixels for p in prepared if p is not None][:batch])
        del prepared, inputs

        # CPU decode only (the pool's work per file on the CPU path).
        cpu_n = min(count, 256)
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(lambda s: extract_photo(s, image.image_size), stats[:threads]))
            t0 = time.perf_counter()
            list(pool.map(lambda s: extract_photo(s, image.image_size), stats[:cpu_n]))
            cpu_decode_s = time.perf_counter() - t0

        def model_only() -> float:
            image.encode_images(pixels)
            _sync(device)
            t0 = time.perf_counter()
            for i in range(0, count, batch):
                image.encode_images(pixels[: min(batch, count - i)])
            _sync(device)
            return time.perf_counter() - t0

        def pipeline(n: int, on_gpu: bool) -> dict[str, Any]:
            os.environ["TROVE_GPU_DECODE"] = "1" if on_gpu else "0"
            if on_cuda:
                torch.cuda.reset_peak_memory_stats()
            lib = Library.open(tmp / f"data-{n}-{on_gpu}", encoders=encoders)
            try:
                lib.add_root(root)
                lib.indexer.read_text = False
                lib.indexer.photo_batch = batch
                run_gpu = GpuPhotos(image.image_size, device) if on_gpu else None
                lib.indexer.gpu_photos = run_gpu
                t0 = time.perf_counter()
                summary = lib.index(query_copies=False)
                wall = time.perf_counter() - t0
            finally:
                lib.close()
            if summary.added != count or summary.failed:
                raise RuntimeError(f"pipeline indexed {summary.added} of {count} photos ({summary.failed} failed)")
            return {"wall_s": wall, "gpu_mb": torch.cuda.max_memory_allocated() / 2**20 if on_cuda else 0.0,
                    "on_device": run_gpu.decoded_on_device if run_gpu else 0}

        model_only()
        model_runs, gpu_runs, cpu_runs = [], [], []
        for r in range(reps):
            say("gpu: model only, pipeline with GPU decode, pipeline with CPU decode (%d/%d)", r + 1, reps)
            model_runs.append(model_only())
            gpu_runs.append(pipeline(r, True))
            cpu_runs.append(pipeline(r, False))
        model_runs.append(model_only())
        os.environ.pop("TROVE_GPU_DECODE", None)
        base.close()

    model_rate = count / statistics.median(model_runs)
    gpu_rate = count / statistics.median(p["wall_s"] for p in gpu_runs)
    cpu_rate = count / statistics.median(p["wall_s"] for p in cpu_runs)
    return {
        "gpu_device": _device_name(device),
        "gpu_photos": count,
        "gpu_photo_batch": batch,
        "gpu_decode_threads": threads,
        "gpu_text_encoder": text_encoder,
        "gpu_model_only_photos_per_s": rnd(model_rate, 1),
        "gpu_decode_only_photos_per_s": rnd(count / gpu_decode_s, 1),
        "gpu_decode_refused": refused,
        "gpu_cpu_decode_only_photos_per_s": rnd(cpu_n / cpu_decode_s, 1),
        "gpu_pipeline_photos_per_s": rnd(gpu_rate, 1),
        "gpu_pipeline_runs_s": [rnd(p["wall_s"]) for p in gpu_runs],
        "gpu_pipeline_vs_model_ratio": rnd(gpu_rate / model_rate),
        "gpu_pipeline_photos_decoded_on_device": gpu_runs[-1]["on_device"],
        "gpu_pipeline_cpu_decode_photos_per_s": rnd(cpu_rate, 1),
        "gpu_pipeline_cpu_decode_vs_model_ratio": rnd(cpu_rate / model_rate),
        "gpu_decode_speedup_in_pipeline": rnd(gpu_rate / cpu_rate),
        "gpu_memory_peak_mb": rnd(max(p["gpu_mb"] for p in gpu_runs), 0),
        "gpu_process_peak_rss_mb": rnd(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0),
        "gpu_targets": "pipeline >= 1000 photos/s and >= 0.8x model only",
    }


def _distinct_photos(folder: Path, count: int) -> Path:
    """``count`` JPEGs with bytes of their own: the generated pool's photos, each copy with a comment
    segment (FF FE) holding its number right after the start-of-image marker."""
    pool = photo_files(photo_library(min(POOL, count)))
    for i in range(count):
        data = pool[i % len(pool)].read_bytes()
        note = f"trove bench copy {i}".encode()
        dest = folder / f"album-{i // 256:02d}" / f"IMG_{i:05d}.jpg"
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data[:2] + b"\xff\xfe" + struct.pack(">H", len(note) + 2) + note + data[2:])
    return folder


def _encoders(lib: Any, device: str) -> tuple[Any, str]:
    """The library's encoders with the models loaded and warmed up; the sentence model swapped for a
    hashed stand-in where its package is missing. Returns (encoders, which text encoder)."""
    from core.encoders import Encoders

    encoders = lib.encoders
    image = encoders.image
    try:
        text = encoders.text
        name = "real"
    except (ImportError, OSError) as exc:
        say("gpu: the sentence model is not installed here (%s); a hashed stand-in embeds the words", exc)
        text, name = HashedWords(), "hashed stand-in (sentence model not installed)"
        encoders = Encoders(lambda: text, lambda: image, lambda: lib.encoders.speech, text_model_id=text.model_id,
                            text_dim=text.dim, visual_model_id=encoders.visual_model_id,
                            visual_dim=encoders.visual_dim, device=device)
    warm = [f"warm up sentence {i} about a beach holiday" for i in range(32)]
    text.encode(warm)
    image.encode_texts(warm)
    return encoders, name


def _sync(device: str) -> None:
    if device == "cuda":
        import torch

        torch.cuda.synchronize()


def _device_name(device: str) -> str:
    if device != "cuda":
        return device
    import torch

    return str(torch.cuda.get_device_name(0))


if __name__ == "__main__":
    import argparse
    import json

    parser = argparse.ArgumentParser(prog="python -m bench.gpu", description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", help="cuda (default), or cpu to check the script itself")
    parser.add_argument("--photos", type=int, default=2048)
    args = parser.parse_args()
    os.environ["TROVE_CLIP_WEIGHTS"] = "random"
    print(json.dumps(measure(args.device, args.photos, reps=1), indent=2), file=sys.stdout)
