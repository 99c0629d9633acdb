"""Text in photos (receipts, screenshots, signs, whiteboards, scanned pages), read with the PP-OCR models
that the ``rapidocr`` wheel bundles, on onnxruntime.

``TextReader.has_text`` is the cheap gate: the detection model alone on a copy about ``GATE_EDGE`` px
long. ``TextReader.read`` runs detection, the 0/180 degree direction classifier and recognition at a
bounded resolution and returns ``TextLine`` records in reading order. A page photographed sideways or
upside down is read too: tall detected lines are turned before recognition, the classifier's votes
decide which way up the page is, and the reading order is worked out in that upright frame.

Only the model files inside the installed ``rapidocr`` package are used: each onnxruntime session is
built here from an explicit path and handed to rapidocr's pre- and post-processing, so rapidocr's
download code is never reached. Threads are bounded (``threads`` intra-op, one inter-op, no spinning)
because this runs beside other model work on small machines.
"""

from __future__ import annotations

import importlib.util
import logging
import math
import statistics
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image

from core.types import MediaError, ModelError

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

MIN_SCORE: float = 0.5  # recognition confidence below which a line is dropped
DET_EDGE = 1280  # long edge read() detects on; lines are cut from the max_edge copy (960 read all generated text too)
GATE_EDGE = 512  # long edge of the copy that has_text() looks at (measured: 480 misses small text on busy backgrounds)
DET_MODEL = "PP-OCRv6_det_small.onnx"
CLS_MODEL = "ch_ppocr_mobile_v2.0_cls_mobile.onnx"
REC_MODEL = "PP-OCRv6_rec_small.onnx"

_MIN_SIDE_PX = 8  # an image (after scaling) narrower than this holds no legible text
_DET_MULTIPLE = 32  # the detector's input sides are rounded to multiples of this
_TALL = 1.5  # a detected box this many times taller than wide is a line of sideways text
_CLS_SURE = 0.9  # the direction classifier's own threshold for turning a line round

# The gate: a detected box counts when it looks like a line of print at the gate's scale: not thin, not
# a large part of the picture, clearly wider than tall, and the more square the surer the detector must be.
_GATE_MIN_HEIGHT_PX = 6.0  # short side of the (unclipped) box on the GATE_EDGE copy
_GATE_MAX_HEIGHT = 0.35  # short side as a fraction of the copy's short side
_GATE_LONG_LINE = 3.0  # long side / short side of a line of several characters
_GATE_LONG_SCORE = 0.5  # mean text probability such a line needs (the detector's own floor)
_GATE_SHORT_LINE = 2.0  # a short word
_GATE_SHORT_SCORE = 0.65
_GATE_FLAT_STD = 2.0  # grey-level standard deviation under which the copy is blank


@dataclass(frozen=True, slots=True)
class TextLine:
    """One recognised line. ``box`` is x0, y0, x1, y1 as fractions (0..1) of the image given: the
    axis-aligned bounding box of the detected quadrilateral. ``score`` is the recognition confidence."""

    text: str
    box: tuple[float, float, float, float]
    score: float


@dataclass(slots=True)
class _Models:
    det: Any
    cls: Any = None
    rec: Any = None


def model_dir() -> Path:
    """The ``models`` folder inside the installed ``rapidocr`` package (found without importing it)."""
    spec = importlib.util.find_spec("rapidocr")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("the OCR package rapidocr is not installed; install Trove's dependencies again")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


class TextReader:
    """Reads text in images. Loads nothing until first used; the detector loads on the first call, the
    classifier and recogniser on the first ``read``; loading is thread-safe and happens once. Calls may
    come from several threads."""

    def __init__(self, threads: int = 2, models_dir: Path | None = None) -> None:
        self.threads = max(1, int(threads))
        self._dir = models_dir
        self._lock = threading.Lock()
        self._models: _Models | None = None
        self._full = False  # classifier and recogniser loaded too

    # ---- public -------------------------------------------------------------------------------------

    def has_text(self, image: Image.Image) -> bool:
        """Whether ``image`` likely shows legible text: the detector on a small copy, no recognition."""
        small = _prepare(image, GATE_EDGE)
        if small is None:
            return False
        import numpy as np

        if float(np.asarray(small.convert("L"), dtype=np.float32).std()) < _GATE_FLAT_STD:
            return False
        det = self._load(full=False).det
        quads, scores = _detect(det, _bgr(small))
        return _gate(quads, scores, min(small.size))

    def read(self, image: Image.Image, max_edge: int = 1600) -> list[TextLine]:
        """Every line of text with confidence >= ``MIN_SCORE``, in reading order (top to bottom, left to
        right within a row, on the upright page). The image is scaled down so its long edge is at most
        ``max_edge`` first."""
        small = _prepare(image, max_edge)
        if small is None:
            return []
        models = self._load(full=True)
        bgr = _bgr(small)
        scale = min(1.0, DET_EDGE / max(small.size))
        if scale < 1.0:
            det_copy = small.resize((round(small.width * scale), round(small.height * scale)),
                                    Image.Resampling.BILINEAR, reducing_gap=2.0)
            quads, _ = _detect(models.det, _bgr(det_copy))
            quads = [q / scale for q in quads]
        else:
            quads, _ = _detect(models.det, bgr)
        if not quads:
            return []
        return _recognise(models, bgr, quads, small.size)

    # ---- models -------------------------------------------------------------------------------------

    def _load(self, full: bool) -> _Models:
        models = self._models
        if models is not None and (self._full or not full):
            return models
        with self._lock:
            if self._models is None:
                self._models = _Models(det=self._build_det())
            if full and not self._full:
                self._models.cls, self._models.rec = self._build_cls_rec()
                self._full = True
            return self._models

    def _build_det(self) -> Any:
        from rapidocr.ch_ppocr_det import TextDetector

        section = self._section("Det", DET_MODEL)
        # The images are scaled here; the detector then only rounds their sides to multiples of 32.
        section.limit_type = "max"
        section.limit_side_len = 1 << 20
        return _construct(TextDetector, section, DET_MODEL)

    def _build_cls_rec(self) -> tuple[Any, Any]:
        from rapidocr.ch_ppocr_cls import TextClassifier
        from rapidocr.ch_ppocr_rec import TextRecognizer

        cls = _construct(TextClassifier, self._section("Cls", CLS_MODEL), CLS_MODEL)
        rec_section = self._section("Rec", REC_MODEL)
        rec = _construct(TextRecognizer, rec_section, REC_MODEL)
        if not rec.session.have_key():  # the character list lives in the model; without it rapidocr downloads one
            raise ModelError(f"the OCR model {rec_section.model_path} has no character list; reinstall rapidocr")
        return cls, rec

    def _section(self, name: str, filename: str) -> Any:
        """rapidocr's configuration for one model, pointing at its file, with our own onnxruntime session."""
        from omegaconf import OmegaConf
        from rapidocr.main import DEFAULT_CFG_PATH
        from rapidocr.utils.parse_parameters import ParseParams

        _quiet_rapidocr()
        path = (self._dir or model_dir()) / filename
        if not path.is_file():
            raise ModelError(f"the OCR model {path} is missing; reinstall rapidocr "
                             "(pip install --force-reinstall rapidocr) to restore its bundled models")
        cfg = ParseParams.load(DEFAULT_CFG_PATH)
        section: Any = OmegaConf.create(OmegaConf.to_container(cfg[name]), flags={"allow_objects": True})
        section.engine_cfg = cfg.EngineConfig.onnxruntime
        section.engine_cfg.intra_op_num_threads = self.threads
        section.engine_cfg.inter_op_num_threads = 1
        section.model_path = str(path)
        section.model_root_dir = str(path.parent)
        section.font_path = None
        section.session = _session(path, self.threads)
        return section


# ---- helpers: loading -----------------------------------------------------------------------------------


def _quiet_rapidocr() -> None:
    import rapidocr.utils.log  # noqa: F401  (creates the "RapidOCR" logger at INFO with its own handler)

    logging.getLogger("RapidOCR").setLevel(logging.WARNING)


def _session(path: Path, threads: int) -> Any:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3
    opts.enable_cpu_mem_arena = False  # as rapidocr does: an arena keeps the largest image's memory for good
    # Idle worker threads spinning for work would take a core from the other models on a small machine.
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.add_session_config_entry("session.inter_op.allow_spinning", "0")
    try:
        return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own pybind types for unreadable models
        raise ModelError(f"cannot load the OCR model {path} ({type(exc).__name__}); reinstall rapidocr") from exc


def _construct(factory: Any, section: Any, filename: str) -> Any:
    try:
        return factory(section)
    except ModelError:
        raise
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"cannot set up the OCR model {filename} ({type(exc).__name__}: {exc})") from exc


# ---- helpers: images ------------------------------------------------------------------------------------


def _prepare(image: Image.Image, max_edge: int) -> Image.Image | None:
    """An RGB copy whose long edge is at most ``max_edge``; None when too small to hold text."""
    w, h = image.size
    if min(w, h) < _MIN_SIDE_PX:
        return None
    scale = min(1.0, max_edge / max(w, h))
    nw, nh = round(w * scale), round(h * scale)
    if min(nw, nh) < _MIN_SIDE_PX:
        return None
    rgb = _to_rgb(image)
    if (nw, nh) != (w, h):
        rgb = rgb.resize((nw, nh), Image.Resampling.BILINEAR, reducing_gap=2.0)
    return rgb


def _to_rgb(image: Image.Image) -> Image.Image:
    """Any Pillow mode as 8-bit RGB. Transparent images are laid on white, or on black when what is
    opaque is mostly light (light text on a transparent background); deep greys are stretched."""
    import numpy as np

    mode = image.mode
    if mode == "RGB":
        return image
    if mode in ("I", "F") or mode.startswith("I;"):
        a = np.asarray(image, dtype=np.float32)
        if a.ndim != 2:
            a = a.reshape(image.size[1], image.size[0])
        finite = a[np.isfinite(a)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
        scaled = np.nan_to_num((a - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(a))
        return Image.fromarray(np.clip(scaled, 0, 255).astype(np.uint8)).convert("RGB")
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or (mode == "P" and "transparency" in image.info)
    if not has_alpha:
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    pixels = np.asarray(rgba)
    opaque = pixels[..., 3] > 0
    light = False
    if opaque.any():
        rgb = pixels[..., :3][opaque].astype(np.float32)
        light = float((rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)).mean()) >= 128.0
    background = Image.new("RGBA", rgba.size, (0, 0, 0, 255) if light else (255, 255, 255, 255))
    return Image.alpha_composite(background, rgba).convert("RGB")


def _bgr(image: Image.Image) -> np.ndarray:
    """The BGR array the models expect, padded (edge pixels repeated) to at least the detector's unit."""
    import cv2
    import numpy as np

    a = np.ascontiguousarray(np.asarray(image)[:, :, ::-1])
    h, w = a.shape[:2]
    pad_y, pad_x = max(0, _DET_MULTIPLE - h), max(0, _DET_MULTIPLE - w)
    if pad_y or pad_x:
        a = cv2.copyMakeBorder(a, 0, pad_y, 0, pad_x, cv2.BORDER_REPLICATE)
    return a


# ---- helpers: models ------------------------------------------------------------------------------------


def _model_call(what: str, fn: Any, *args: Any) -> Any:
    """A call into rapidocr. It wraps onnxruntime and OpenCV, whose failures on a strange image come as many
    types; they become one ``MediaError`` (the cause chained, with its traceback)."""
    try:
        return fn(*args)
    except Exception as exc:
        log.debug("the text %s failed", what, exc_info=True)
        raise MediaError(f"the text {what} failed on this image ({type(exc).__name__}: {exc}); "
                         "it may be damaged") from exc


def _detect(det: Any, bgr: np.ndarray) -> tuple[list[np.ndarray], list[float]]:
    """Quadrilaterals (4x2 float, pixels of ``bgr``; tl, tr, br, bl) of detected text, their mean
    probabilities."""
    out = _model_call("detector", det, bgr)
    if out.boxes is None or len(out.boxes) == 0:
        return [], []
    return [b.astype("float32") for b in out.boxes], [float(v) for v in out.scores]


def _sides(quad: np.ndarray) -> tuple[float, float]:
    """Width (along the first edge) and height of a quadrilateral in tl, tr, br, bl order."""
    import numpy as np

    w = max(float(np.linalg.norm(quad[0] - quad[1])), float(np.linalg.norm(quad[3] - quad[2])))
    h = max(float(np.linalg.norm(quad[0] - quad[3])), float(np.linalg.norm(quad[1] - quad[2])))
    return w, h


def _gate(quads: Sequence[np.ndarray], scores: Sequence[float], short_side: int) -> bool:
    for quad, score in zip(quads, scores, strict=True):
        w, h = _sides(quad)
        short, long = min(w, h), max(w, h)
        if not _GATE_MIN_HEIGHT_PX <= short <= _GATE_MAX_HEIGHT * short_side:
            continue
        if long >= _GATE_LONG_LINE * short and score >= _GATE_LONG_SCORE:
            return True
        if long >= _GATE_SHORT_LINE * short and score >= _GATE_SHORT_SCORE:
            return True
    return False


@dataclass(slots=True)
class _Line:
    text: str
    score: float
    quad: np.ndarray  # pixels of the scaled image


def _recognise(models: _Models, bgr: np.ndarray, quads: list[np.ndarray], size: tuple[int, int]) -> list[TextLine]:
    """Cut, turn upright, recognise and order the lines; ``size`` is the image's before padding."""
    import numpy as np
    from rapidocr.ch_ppocr_rec import TextRecInput
    from rapidocr.utils.process_img import get_rotate_crop_image

    sizes = [_sides(q) for q in quads]
    tall = sum(1 for w, h in sizes if h >= _TALL * w)
    wide = sum(1 for w, h in sizes if w >= _TALL * h)
    sideways = tall > wide  # most lines run up or down: a page photographed turned by 90 degrees
    crops = []
    for quad, (w, h) in zip(quads, sizes, strict=True):
        crop = _model_call("cropper", get_rotate_crop_image, bgr, quad.copy())  # turns crops >= 1.5x taller than wide
        if sideways and w / _TALL < h < _TALL * w:  # on a sideways page, squarish boxes are turned too
            crop = np.rot90(crop)
        crops.append(np.ascontiguousarray(crop))
    cls_out = _model_call("direction classifier", models.cls, crops)
    labels = [(str(label), float(p)) for label, p in cls_out.cls_res]
    upside_down = _page_upside_down(labels, sizes, sideways)
    upright = []
    for img, (_label, p) in zip(cls_out.img_list, labels, strict=True):
        if upside_down and p <= _CLS_SURE:  # the classifier turned the lines it was sure of; the page decides the rest
            img = np.ascontiguousarray(np.rot90(img, 2))
        upright.append(img)
    rec_out = _model_call("recogniser", models.rec, TextRecInput(img=upright))

    lines = [_Line(str(t).strip(), float(v), q) for t, v, q in zip(rec_out.txts, rec_out.scores, quads, strict=True)]
    lines = [ln for ln in lines if ln.text and ln.score >= MIN_SCORE]
    turns = (1 if sideways else 0) + (2 if upside_down else 0)
    w, h = size
    return [TextLine(ln.text, _fraction_box(ln.quad, w, h), round(ln.score, 4))
            for ln in _reading_order(lines, turns, w, h)]


def _page_upside_down(labels: list[tuple[str, float]], sizes: list[tuple[float, float]], sideways: bool) -> bool:
    """The classifier's vote over the lines that run the page's way, weighted by confidence and length."""
    up = down = 0.0
    for (label, p), (w, h) in zip(labels, sizes, strict=True):
        if sideways != (h > w):
            continue
        weight = max(w, h) * p
        if "180" in label:
            down += weight
        else:
            up += weight
    return down > up


def _fraction_box(quad: np.ndarray, w: int, h: int) -> tuple[float, float, float, float]:
    xs, ys = quad[:, 0], quad[:, 1]

    def f(v: float, size: int) -> float:
        return round(min(1.0, max(0.0, v / size)), 5)

    return f(float(xs.min()), w), f(float(ys.min()), h), f(float(xs.max()), w), f(float(ys.max()), h)


def _turn(points: np.ndarray, turns: int, w: int, h: int) -> np.ndarray:
    """Points of a w x h image turned ``turns`` quarter turns counter-clockwise (as ``np.rot90``)."""
    import numpy as np

    x, y = points[:, 0], points[:, 1]
    if turns == 1:
        return np.stack([y, w - x], axis=1)
    if turns == 2:
        return np.stack([w - x, h - y], axis=1)
    if turns == 3:
        return np.stack([h - y, x], axis=1)
    return points


def _reading_order(lines: list[_Line], turns: int, w: int, h: int) -> list[_Line]:
    """Rows top to bottom, lines left to right within a row, on the upright and de-skewed page."""
    import numpy as np

    if len(lines) < 2:
        return lines
    quads = [_turn(ln.quad, turns, w, h) for ln in lines]
    angles = []
    for q in quads:
        qw, qh = _sides(q)
        edge = q[1] - q[0] if qw >= qh else q[2] - q[1]
        a = math.degrees(math.atan2(float(edge[1]), float(edge[0])))
        a = (a + 90.0) % 180.0 - 90.0  # the same line drawn either way
        if abs(a) <= 45.0 and max(qw, qh) >= 2 * min(qw, qh):  # only clearly elongated lines tell the skew
            angles.append(a)
    skew = math.radians(statistics.median(angles)) if angles else 0.0
    c, s = math.cos(-skew), math.sin(-skew)
    rot = np.array([[c, -s], [s, c]])
    items = []
    for ln, q in zip(lines, quads, strict=True):
        p = q @ rot.T
        items.append((float(p[:, 1].min()), float(p[:, 1].max()), float(p[:, 0].min()), ln))
    items.sort(key=lambda t: (t[0] + t[1]) / 2)
    rows: list[list[tuple[float, float, float, _Line]]] = []
    for item in items:
        y0, y1 = item[0], item[1]
        if rows:
            row = rows[-1]
            r0 = statistics.median(i[0] for i in row)
            r1 = statistics.median(i[1] for i in row)
            overlap = min(y1, r1) - max(y0, r0)
            if overlap >= 0.5 * min(y1 - y0, r1 - r0):
                row.append(item)
                continue
        rows.append([item])
    return [i[3] for row in rows for i in sorted(row, key=lambda t: t[2])]


# ---- text ---------------------------------------------------------------------------------------------


def _same_row(a: TextLine, b: TextLine) -> bool:
    """``b`` continues ``a``'s row: their vertical extents overlap by half the smaller height and ``b``
    starts past the middle of ``a`` (the next row's first line starts near ``a``'s start)."""
    overlap = min(a.box[3], b.box[3]) - max(a.box[1], b.box[1])
    smaller = min(a.box[3] - a.box[1], b.box[3] - b.box[1])
    return smaller > 0 and overlap >= 0.5 * smaller and b.box[0] >= (a.box[0] + a.box[2]) / 2


def text_of(lines: Sequence[TextLine]) -> str:
    """The lines as one text, in the order given (``read`` gives reading order): lines on the same row
    joined with spaces, rows with newlines. Rows are judged on the image as given, so the lines of a page
    photographed sideways come out one per row."""
    out: list[str] = []
    prev: TextLine | None = None
    for line in lines:
        if prev is not None:
            out.append(" " if _same_row(prev, line) else "\n")
        out.append(line.text)
        prev = line
    return "".join(out)
