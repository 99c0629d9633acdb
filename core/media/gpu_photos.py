"""Photos decoded and prepared on the GPU (issue 13): JPEGs in batches with nvJPEG, resized, turned
upright, cropped and normalised there, thumbnails made there too, so on a GPU machine the CPU only
hashes the files, reads their bytes and their EXIF.

Why: on the CPU a 12 MP JPEG costs its Huffman decode even at 1/8 scale (JPEG draft mode), 10-25 ms a
core, which caps an index run on a GPU at a few hundred photos a second whatever the encoder does;
``torchvision.io.decode_jpeg(device="cuda")`` decodes a list of JPEGs in one nvJPEG call. What the GPU
cannot decode (CMYK or progressive files nvJPEG refuses, a corrupt file) falls back to the CPU path
(``core.media.photos.extract_photo``) one file at a time, so a bad file costs its own decode and never
the batch's; only baseline RGB/greyscale JPEGs are sent (``gpu_candidate``).

Memory: a batch is split so its decoded images (3 bytes a pixel, plus one image's float copy while it is
resized) fit in ``FREE_SHARE`` of the device's free memory at that moment (``torch.cuda.mem_get_info``),
so a folder of 50 MP panoramas decodes in smaller groups than one of phone photos and never runs the
device out of memory.

Faithfulness: the CPU path decodes at a reduced JPEG scale and resamples with PIL's bicubic filter; here
the full image is area-reduced by an integer factor and then resized bicubic with antialiasing. The
pixels differ by a few levels, not in what they show (tests/unit/test_gpu_photos.py compares them).

torchvision 0.29 marks its image decoders deprecated in favour of TorchCodec; the issue names
``decode_jpeg(device="cuda")`` and torchvision is already a dependency (open_clip needs it), so it is
used here, its warning silenced, until TorchCodec's GPU JPEG decoder is measured against it.

Everything here also runs on the CPU (``device="cpu"``): that is how the tests check it on machines
without a GPU; the product uses it only on CUDA.
"""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from core.encoders.clip import CLIP_MEAN, CLIP_STD

log = logging.getLogger(__name__)

FREE_SHARE = 0.25  # of the device's free memory, for one group of decoded images
MAX_GROUP = 256
THUMBNAIL_QUALITY = 82  # as core.media.photos writes them
GPU_MODES = frozenset({"RGB", "L"})  # what nvJPEG decodes to RGB (not CMYK/YCCK)


@dataclass(frozen=True, slots=True)
class JpegInput:
    """One photo as the CPU stage read it: the file's bytes, its EXIF orientation (1-8) and pixel size."""

    data: bytes
    orientation: int
    width: int
    height: int


@dataclass(slots=True)
class Prepared:
    pixels: Any  # torch tensor (3, S, S) on the device, normalised for the image encoder
    thumbnail_jpeg: bytes


def gpu_candidate(img: Image.Image) -> bool:
    """Whether an opened (not decoded) image is a JPEG the GPU path takes: baseline, RGB or greyscale;
    an MPO (the multi-picture JPEG some cameras write) too, whose first picture a JPEG decoder reads as
    PIL shows it. Progressive JPEGs go to the CPU (nvJPEG's GPU decoders take baseline only; torchvision
    would hand them to a slower hybrid path, or fail)."""
    return (img.format in ("JPEG", "MPO") and img.mode in GPU_MODES and not img.info.get("progressive")
            and not img.info.get("progression"))


def group_sizes(pixels: Sequence[int], budget_bytes: int) -> list[int]:
    """Split photos of these pixel counts, in order, into consecutive groups whose decode fits
    ``budget_bytes``: each group's decoded images (3 bytes a pixel) plus its largest image once more as
    float32 (12 bytes a pixel, while it is resized). At least one photo a group, at most ``MAX_GROUP``."""
    sizes: list[int] = []
    count = held = largest = 0
    for px in pixels:
        need_held, need_largest = held + 3 * px, max(largest, px)
        if count and (count >= MAX_GROUP or need_held + 12 * need_largest > budget_bytes):
            sizes.append(count)
            count, need_held, need_largest = 0, 3 * px, px
        count, held, largest = count + 1, need_held, need_largest
    if count:
        sizes.append(count)
    return sizes


def photo_batch_for(free_bytes: int, typical_pixels: int = 12_000_000) -> int:
    """The encoder's photo batch on a GPU with ``free_bytes`` free: as many typical photos as one decode
    group holds (``group_sizes``), between 16 and 128 (the CPU stage keeps two batches of file bytes in
    memory, about 5 MB a 12 MP photo)."""
    return max(16, group_sizes([typical_pixels] * 128, int(free_bytes * FREE_SHARE))[0])


class GpuPhotos:
    """Decodes and prepares batches of JPEGs on ``device`` for an image encoder of input edge
    ``image_size``; ``dtype`` is what the encoder takes (float16 on CUDA)."""

    def __init__(self, image_size: int, device: str = "cuda", dtype: Any = None, thumbnail_edge: int = 320,
                 free_memory: Callable[[], int] | None = None) -> None:
        import torch

        self.torch = torch
        self.image_size = image_size
        self.device = torch.device(device)
        self.dtype = dtype if dtype is not None else (torch.float16 if self.device.type == "cuda" else torch.float32)
        self.thumbnail_edge = thumbnail_edge
        self.free_memory = free_memory or self._device_free
        self._mean = torch.tensor(CLIP_MEAN, device=self.device).view(3, 1, 1)
        self._std = torch.tensor(CLIP_STD, device=self.device).view(3, 1, 1)
        self.stream = torch.cuda.Stream(self.device) if self.device.type == "cuda" else None
        self.decoded_on_device = 0  # photos this object decoded (for the bench and the log)
        self.refused = 0  # photos it handed back to the CPU path

    def _device_free(self) -> int:
        if self.device.type == "cuda":
            free, _total = self.torch.cuda.mem_get_info(self.device)
            return int(free)
        return 4 << 30  # the CPU: groups of a few hundred MB, like a GPU with 16 GB free

    def prepare(self, photos: Sequence[JpegInput]) -> list[Prepared | None]:
        """Each photo prepared, or None where the device could not decode it (the caller decodes that
        one on the CPU). Runs on this object's own CUDA stream and waits for it, so what it returns is
        ready for any stream."""
        out: list[Prepared | None] = []
        budget = int(self.free_memory() * FREE_SHARE)
        start = 0
        for size in group_sizes([p.width * p.height for p in photos], budget):
            group = photos[start:start + size]
            start += size
            if self.stream is None:
                out.extend(self._prepare_group(group))
            else:
                with self.torch.cuda.stream(self.stream):
                    out.extend(self._prepare_group(group))
                self.stream.synchronize()
        return out

    def _prepare_group(self, group: Sequence[JpegInput]) -> list[Prepared | None]:
        images = self._decode(group)
        out: list[Prepared | None] = []
        for photo, img in zip(group, images, strict=True):
            if img is None:
                self.refused += 1
                out.append(None)
                continue
            try:
                out.append(self._prepared(img, photo.orientation))
                self.decoded_on_device += 1
            except RuntimeError as exc:  # out of memory on a huge photo, a kernel the device lacks
                log.info("GPU could not prepare a photo (%s); decoding it on the CPU", exc)
                self.refused += 1
                out.append(None)
        return out

    def _decode(self, group: Sequence[JpegInput]) -> list[Any]:
        """The group's images as (3, H, W) uint8 tensors on the device, in one call; where that call
        fails, one call a photo, so one bad file is None and the rest are decoded."""
        from torchvision.io import ImageReadMode, decode_jpeg

        data = [self.torch.frombuffer(bytearray(p.data), dtype=self.torch.uint8) for p in group]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # module notes: torchcodec
            try:
                return list(decode_jpeg(data, mode=ImageReadMode.RGB, device=self.device))
            except RuntimeError as exc:
                log.debug("batch JPEG decode failed (%s); decoding one at a time", exc)
            images: list[Any] = []
            for one in data:
                try:
                    images.append(decode_jpeg(one, mode=ImageReadMode.RGB, device=self.device))
                except RuntimeError:
                    images.append(None)
            return images

    def _prepared(self, img: Any, orientation: int) -> Prepared:
        torch = self.torch
        f = torch.nn.functional
        s = self.image_size
        _, h, w = img.shape
        x = img.float()
        # An integer area reduction first (the CPU path's JPEG draft decode does the same in the DCT), so
        # the antialiased resize below samples a small image.
        factor = max(1, min(h, w) // (2 * max(s, self.thumbnail_edge)))
        if factor > 1:
            x = f.avg_pool2d(x[None], factor)[0]
            h, w = x.shape[1:]
        scale = s / min(h, w)
        nh, nw = max(s, round(h * scale)), max(s, round(w * scale))
        model = f.interpolate(x[None], size=(nh, nw), mode="bicubic", antialias=True, align_corners=False)[0]
        model = upright(model, orientation)
        nh, nw = model.shape[1:]
        top, left = (nh - s) // 2, (nw - s) // 2
        model = model[:, top:top + s, left:left + s].clamp(0.0, 255.0) / 255.0
        pixels = ((model - self._mean) / self._std).to(self.dtype).contiguous()
        return Prepared(pixels, self._thumbnail(x, orientation))

    def _thumbnail(self, x: Any, orientation: int) -> bytes:
        torch = self.torch
        _, h, w = x.shape
        scale = min(1.0, self.thumbnail_edge / max(h, w))
        size = (max(1, round(h * scale)), max(1, round(w * scale)))
        small = torch.nn.functional.interpolate(x[None], size=size, mode="bilinear", antialias=True,
                                                align_corners=False)[0]
        small = upright(small, orientation).round().clamp(0, 255).to(torch.uint8).contiguous()
        from torchvision.io import encode_jpeg

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                return bytes(encode_jpeg(small, quality=THUMBNAIL_QUALITY).cpu().numpy().tobytes())
        except RuntimeError:  # no device JPEG encoder: the CPU encodes a 320-pixel image in a millisecond
            buf = io.BytesIO()
            Image.fromarray(small.permute(1, 2, 0).cpu().numpy()).save(buf, "JPEG", quality=THUMBNAIL_QUALITY)
            return buf.getvalue()


def upright(x: Any, orientation: int) -> Any:
    """A (C, H, W) tensor turned as EXIF ``orientation`` says (PIL's ``ImageOps.exif_transpose``)."""
    import torch

    if orientation == 2:
        return x.flip(2)
    if orientation == 3:
        return x.flip(1).flip(2)
    if orientation == 4:
        return x.flip(1)
    if orientation == 5:
        return x.transpose(1, 2)
    if orientation == 6:
        return torch.rot90(x, -1, (1, 2))
    if orientation == 7:
        return x.transpose(1, 2).flip(1).flip(2)
    if orientation == 8:
        return torch.rot90(x, 1, (1, 2))
    return x


def stack_pixels(pixels: Sequence[Any]) -> Any:
    """A batch for the image encoder from photos prepared on the CPU (numpy) and on a device (torch
    tensors): numpy where none is on a GPU (the encoders' protocol; torch is not imported then), else one
    tensor on that GPU, in the dtype the GPU prepared."""
    if all(isinstance(p, np.ndarray) for p in pixels):
        return np.stack(pixels)
    import torch

    tensors = [torch.from_numpy(p) if isinstance(p, np.ndarray) else p for p in pixels]
    on_device = [t for t in tensors if t.device.type != "cpu"]
    if not on_device:
        return np.stack([t.float().numpy() for t in tensors])
    where, dtype = on_device[0].device, on_device[0].dtype
    return torch.stack([t.to(where, dtype=dtype, non_blocking=True) for t in tensors])
