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

``onnx_*``: the same on the encoders an index run on the CPU uses once the library's ONNX copies exist
(onnxruntime, CLIP int8 where its trial chose it; core.encoders.onnx_index). The copies are written
first, as a library's first index run writes them (a child process, then the int8 trial), not timed;
their model-only and pipeline runs are interleaved with torch's.
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

        say("indexing: writing the ONNX copies and trying them in int8 (once, as a first index run does)")
        onnx = _onnx_encoders(tmp / "onnx", first.clip)
        onnx_image = onnx.image

        def model_only(enc: Any = encoders) -> tuple[float, float]:
            t_img = t_txt = 0.0
            for i in range(0, count, batch):
                t0 = time.perf_counter()
                enc.image.encode_images(pixels[i:i + batch])
                t1 = time.perf_counter()
                enc.text.encode(texts[i:i + batch])
                t_txt += time.perf_counter() - t1
                t_img += t1 - t0
            return t_img, t_txt

        def pipeline(n: int, enc: Any = encoders) -> dict[str, Any]:
            image = enc.image
            lib = first if n == 0 and enc is encoders else Library.open(tmp / f"data-{n}-{id(enc)}", encoders=enc)
            try:
                lib.add_root(root)
                lib.indexer.read_text = False  # the reading pass is bench/ocr.py's (ocr_index_speed_ratio_no_text)
                watches = [Stopwatch(image, "encode_images"), Stopwatch(image, "encode_texts"),
                           Stopwatch(enc.text, "encode")]
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
        model_only(onnx)
        model_runs: list[tuple[float, float]] = []
        pipe_runs: list[dict[str, Any]] = []
        onnx_model_runs: list[tuple[float, float]] = []
        onnx_pipe_runs: list[dict[str, Any]] = []
        for r in range(reps):
            say("indexing: model only, torch and onnxruntime (%d/%d)", r + 1, reps + 1)
            model_runs.append(model_only())
            onnx_model_runs.append(model_only(onnx))
            say("indexing: pipeline, torch and onnxruntime (%d/%d)", r + 1, reps)
            pipe_runs.append(pipeline(r))
            onnx_pipe_runs.append(pipeline(r, onnx))
        say("indexing: model only (%d/%d)", reps + 1, reps + 1)
        model_runs.append(model_only())
        onnx_model_runs.append(model_only(onnx))
        precision = _precision_comparison(image, pixels, batch)
        precision.update(_onnx_comparison(onnx_image, image.arch, tmp / "onnx" / "query", pixels, batch))
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
        "onnx_model_only_photos_per_s": rnd(count / statistics.median(m[0] for m in onnx_model_runs), 2),
        "onnx_vs_torch_model_only_speed": rnd(model_s / statistics.median(m[0] for m in onnx_model_runs)),
        "onnx_pipeline_photos_per_s": rnd(count / statistics.median(p["wall_s"] for p in onnx_pipe_runs), 2),
        "onnx_pipeline_runs_s": [rnd(p["wall_s"]) for p in onnx_pipe_runs],
        "onnx_vs_torch_pipeline_speed": rnd(pipe_s / statistics.median(p["wall_s"] for p in onnx_pipe_runs)),
    }


def _onnx_encoders(data_dir: Any, clip: Any) -> Any:
    """The encoders an index run on the CPU uses once the copies exist: the copies written in a child (as a
    first index run writes them), then loaded (the int8 trial runs here, once) and warmed up."""
    import threading

    import numpy as np

    from core import copies
    from core.encoders.onnx_index import OnnxClipEncoder
    from core.library import default_encoders

    root = data_dir / "query"
    if not copies.write_in_child(data_dir, root, threading.Event()):
        raise RuntimeError("could not write the ONNX copies")
    onnx = default_encoders(clip, "cpu", root)
    if not isinstance(onnx.image, OnnxClipEncoder):
        raise RuntimeError("the ONNX copies did not load; see the log")
    size = onnx.image.image_size
    onnx.image.encode_images(np.random.default_rng(0).standard_normal((16, 3, size, size), dtype=np.float32))
    onnx.image.encode_texts(["warm up sentence about a beach holiday"] * 16)
    onnx.text.encode(["warm up sentence about a beach holiday"] * 16)
    return onnx


def _onnx_comparison(onnx_image: Any, arch: str, root: Any, pixels: Any, batch: int) -> dict[str, Any]:
    """onnxruntime's CLIP image tower: its int8 and fp32 copies alternating on the same decoded photos
    (speeds, lowest cosine between them), the trials' figures, and the lowest cosine of what the index run
    uses to torch's fp32 tower (the vectors share its model id)."""
    import numpy as np

    from core.device import cpu_threads
    from core.encoders import onnx_export as ox
    from core.encoders.clip import ClipEncoder
    from core.encoders.onnx_int8 import INT8_MODEL
    from core.encoders.onnx_query import OnnxClipVisual

    folder = ox.export_dir(root, ox.visual_id(onnx_image.model_id))
    threads = cpu_threads()  # as the index run's sessions
    towers = {"fp32": OnnxClipVisual(folder, threads)}
    if (folder / INT8_MODEL).is_file():
        towers["int8"] = OnnxClipVisual(folder, threads, INT8_MODEL)
    times: dict[str, list[float]] = {name: [] for name in towers}
    outs: dict[str, Any] = {}
    for _ in range(2):
        for name, tower in towers.items():
            t0 = time.perf_counter()
            outs[name] = np.concatenate([tower.encode_images(pixels[i:i + batch]) for i in range(0, len(pixels), batch)])
            times[name].append(time.perf_counter() - t0)
    torch_fp32 = ClipEncoder(arch, "random", onnx_image.model_id, "cpu", precision="fp32")
    want = np.concatenate([torch_fp32.encode_images(pixels[i:i + batch]) for i in range(0, len(pixels), batch)])
    used = np.concatenate([onnx_image.encode_images(pixels[i:i + batch]) for i in range(0, len(pixels), batch)])
    out: dict[str, Any] = {
        "onnx_clip_precision": onnx_image.precision,
        "onnx_clip_text_precision": onnx_image.text_precision,
        "onnx_precision_trial": {"image": onnx_image.precision_check, "text": onnx_image.text_precision_check},
        "onnx_fp32_photos_per_s": rnd(len(pixels) / min(times["fp32"]), 2),
        "onnx_vs_torch_fp32_min_cosine": rnd(float((used * want).sum(axis=1).min()), 5),
    }
    if "int8" in towers:
        out.update(onnx_int8_photos_per_s=rnd(len(pixels) / min(times["int8"]), 2),
                   onnx_int8_vs_fp32_speed=rnd(min(times["fp32"]) / min(times["int8"])),
                   onnx_int8_vs_fp32_min_cosine=rnd(float((outs["fp32"] * outs["int8"]).sum(axis=1).min()), 5))
    return out


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

