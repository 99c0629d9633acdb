"""Photo indexing: how close the whole pipeline comes to the image model alone.

* model only: ``ClipEncoder.encode_images`` on pixels prepared in advance, in batches of the size the
  indexer uses (``Indexer.photo_batch``);
* decode only: ``extract_photo`` (hash, decode, EXIF, thumbnail, preprocess) on every file, with the
  indexer's number of decode threads;
* pipeline: ``Library.index()`` on a fresh data dir over the same photos, wall time (scan, decode,
  both encoders, SQLite + usearch writes, the final save).

The model and the pipeline runs are interleaved (model, pipeline, model, pipeline, ..., model) on the same
loaded models, and the medians are compared, so slow drift on a shared machine hits both sides.
The pipeline also embeds each photo's words with the sentence encoder; that is part of its cost, and
``model_plus_text_photos_per_s`` shows the ceiling with it included.
"""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from bench.common import Stopwatch, open_library, rnd, say, temp_dir, warm_up
from bench.media import PHOTO_SIZE, photo_files, photo_library


def run(quick: bool = False) -> dict[str, Any]:
    from core.library import Library
    from core.media.photos import extract_photo
    from core.types import FileStat, Kind

    count = 16 if quick else 48
    reps = 2 if quick else 3
    root = photo_library(count)
    files = photo_files(root)
    total_mb = sum(f.stat().st_size for f in files) / 1e6

    with temp_dir("indexing") as tmp:
        first = open_library(tmp / "data-0")
        say("indexing: loading and warming up the models")
        warm_up(first)
        encoders = first.encoders
        image = encoders.image
        assert image is not None
        batch = first.indexer.photo_batch
        threads = first.indexer.decode_threads

        # Decode only (what the decode pool does per file, without writing thumbnails to disk).
        stats = []
        for f in files:
            st = f.stat()
            stats.append(FileStat(str(f), Kind.PHOTO, st.st_size, st.st_mtime_ns))
        say("indexing: decoding %d photos with %d threads", count, threads)
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(lambda s: extract_photo(s, image.image_size), stats[:threads]))  # warm PIL
            t0 = time.perf_counter()
            extracted = list(pool.map(lambda s: extract_photo(s, image.image_size), stats))
            decode_s = time.perf_counter() - t0
        if any(ex.pixels is None for ex in extracted):
            raise RuntimeError("extract_photo prepared no pixels")
        pixels = np.stack([ex.pixels for ex in extracted if ex.pixels is not None])
        texts = [ex.passages[0].text for ex in extracted]

        def model_only() -> tuple[float, float]:
            t_img = t_txt = 0.0
            for i in range(0, count, batch):
                t0 = time.perf_counter()
                image.encode_images(pixels[i:i + batch])
                t1 = time.perf_counter()
                encoders.text.encode(texts[i:i + batch])
                t_txt += time.perf_counter() - t1
                t_img += t1 - t0
            return t_img, t_txt

        def pipeline(n: int) -> dict[str, Any]:
            lib = first if n == 0 else Library.open(tmp / f"data-{n}", encoders=encoders)
            try:
                lib.add_root(root)
                lib.indexer.read_text = False  # the reading pass is bench/ocr.py's (ocr_index_speed_ratio_no_text)
                watches = [Stopwatch(image, "encode_images"), Stopwatch(image, "encode_texts"),
                           Stopwatch(encoders.text, "encode")]
                try:
                    t0 = time.perf_counter()
                    summary = lib.index(query_copies=False)
                    wall = time.perf_counter() - t0
                finally:
                    for w in watches:
                        w.restore()
            finally:
                if lib is not first:
                    lib.close()
            if summary.added != count or summary.failed:
                raise RuntimeError(f"pipeline indexed {summary.added} of {count} photos ({summary.failed} failed)")
            img_w, ctext_w, text_w = watches
            return {"wall_s": wall, "image_s": img_w.seconds, "image_calls": img_w.calls,
                    "image_items": img_w.items, "text_s": text_w.seconds + ctext_w.seconds}

        model_only()  # untimed: the first run after the decode pool is often slow
        model_runs: list[tuple[float, float]] = []
        pipe_runs: list[dict[str, Any]] = []
        for r in range(reps):
            say("indexing: model only (%d/%d)", r + 1, reps + 1)
            model_runs.append(model_only())
            say("indexing: pipeline (%d/%d)", r + 1, reps)
            pipe_runs.append(pipeline(r))
        say("indexing: model only (%d/%d)", reps + 1, reps + 1)
        model_runs.append(model_only())
        precision = _precision_comparison(image, pixels, batch)
        first.close()

    model_s = statistics.median(m[0] for m in model_runs)
    text_s = statistics.median(m[1] for m in model_runs)
    pipe_s = statistics.median(p["wall_s"] for p in pipe_runs)
    model_rate = count / model_s
    pipe_rate = count / pipe_s
    decode_rate = count / decode_s
    with_text_rate = count / (model_s + text_s)
    # If decoding could not overlap the encoder at all (both need every core), the pipeline would take
    # decode time + encode time: the ratio such a machine can reach without more cores or a GPU.
    serial_ratio = model_s / (model_s + text_s + decode_s)
    image_in_pipe = statistics.median(p["image_s"] for p in pipe_runs)
    busy = statistics.median((p["image_s"] + p["text_s"]) / p["wall_s"] for p in pipe_runs)
    calls = sum(p["image_calls"] for p in pipe_runs)
    items = sum(p["image_items"] for p in pipe_runs)
    return {
        "photos": count,
        "photo_megapixels": PHOTO_SIZE[0] * PHOTO_SIZE[1] / 1e6,
        "photos_mb_total": rnd(total_mb, 1),
        "photo_batch": batch,
        "decode_threads": threads,
        "model_only_photos_per_s": rnd(model_rate, 2),
        "model_only_runs_s": [rnd(m[0]) for m in model_runs],
        "model_plus_text_photos_per_s": rnd(with_text_rate, 2),
        "decode_only_photos_per_s": rnd(decode_rate, 2),
        "pipeline_photos_per_s": rnd(pipe_rate, 2),
        "pipeline_runs_s": [rnd(p["wall_s"]) for p in pipe_runs],
        "pipeline_vs_model_ratio": rnd(pipe_rate / model_rate),
        "pipeline_vs_model_plus_text_ratio": rnd(pipe_rate / with_text_rate),
        "ratio_if_stages_serialised": rnd(serial_ratio),
        # > 1: decoding overlapped the encoders; < 1: running them together lost time (threads fighting)
        "pipeline_vs_serialised_stages": rnd(pipe_rate / (count / (model_s + text_s + decode_s))),
        "pipeline_encoder_busy_fraction": rnd(busy),
        "pipeline_image_encode_photos_per_s": rnd(count / image_in_pipe, 2),
        "pipeline_mean_image_batch": rnd(items / calls if calls else 0.0, 2),
        **precision,
    }


def _precision_comparison(image: Any, pixels: Any, batch: int) -> dict[str, Any]:
    """The image encoder as the indexer chose it (``TROVE_CLIP_PRECISION=auto``: int8 where faithful and
    faster) against fp32, alternating, on the same decoded photos: speeds, and the lowest cosine between
    their vectors."""
    import numpy as np

    from core.encoders.clip import ClipEncoder

    fp32 = ClipEncoder(image.arch, "random", image.model_id, "cpu", precision="fp32")
    times: dict[str, list[float]] = {"chosen": [], "fp32": []}
    outs: dict[str, Any] = {}
    for _ in range(2):
        for name, enc in (("fp32", fp32), ("chosen", image)):
            t0 = time.perf_counter()
            outs[name] = np.concatenate([enc.encode_images(pixels[i:i + batch]) for i in range(0, len(pixels), batch)])
            times[name].append(time.perf_counter() - t0)
    return {
        "clip_precision": image.precision,
        "clip_precision_trial": getattr(image, "precision_check", {}),
        "clip_fp32_photos_per_s": rnd(len(pixels) / min(times["fp32"]), 2),
        "clip_chosen_photos_per_s": rnd(len(pixels) / min(times["chosen"]), 2),
        "clip_chosen_vs_fp32_speed": rnd(min(times["fp32"]) / min(times["chosen"])),
        "clip_chosen_vs_fp32_min_cosine": rnd(float((outs["fp32"] * outs["chosen"]).sum(axis=1).min()), 5),
    }

