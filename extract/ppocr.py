"""A second OCR engine for signature pages: PP-OCRv4 through RapidOCR on ONNX Runtime.

Tesseract reads typed text well and handwriting badly; the signature pages of the 2019-2020 scans and many
2025 forms carry handwritten dates ("10-7-19", "3/6/2025") and names that it misses. PP-OCR's recognizer,
trained on photographed and handwritten text as well as print, reads most of them. The wheel
`rapidocr-onnxruntime` ships its models inside the package (nothing is downloaded at run time); when it is
not installed this reading is skipped and the values stay None with their reasons.

Its output is text lines with boxes, not a page layout; `layout` puts boxes whose vertical centres agree on
one text line, left to right, so the signature parser reads it like Tesseract's block mode (columns kept on
a line). Results go through the same OCR cache as Tesseract's, keyed by image and engine.
"""

from __future__ import annotations

import re
import time
from functools import lru_cache
from typing import Any

from PIL import Image

from extract.ocr import OcrResult

# RapidOCR scales a page down to this longest side before reading it (~180 dpi for a letter page). Measured
# with bench.accuracy: 3,400 (the full 300 dpi render) gave fewer dates (66 vs 68 of 98) and one wrong, and
# took twice as long; the recognizer sees each line at 48 px high either way.
MAX_SIDE = 2000
LAYOUT = 2  # bump when `layout` or `respace` change: the cache holds their text
ENGINE = f"rapidocr-onnxruntime PP-OCRv4 max_side {MAX_SIDE} layout {LAYOUT}"
# Line grouping: a box joins a row when its centre is within this share of the smaller height.
ROW_TOLERANCE = 0.5
# A gap wider than this many box heights between two boxes of a row is kept as a column gap.
COLUMN_GAP = 1.5


@lru_cache(maxsize=1)
def _engine() -> Any | None:
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError:
        return None
    # One thread, as each Tesseract gets one core: readings run side by side in the OCR pool's processes.
    return RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1, max_side_len=MAX_SIDE)


def available() -> bool:
    return _engine() is not None


def version() -> str:
    try:
        from importlib.metadata import version as v
        return f"{ENGINE} {v('rapidocr-onnxruntime')}"
    except Exception:
        return ENGINE


_GLUED = re.compile(r"(?<=[a-z]{3})(?=[A-Z])")  # "EnriqueM.Lucero": PP-OCR drops spaces; "McRae" keeps
_INITIAL = re.compile(r"\b([A-Z])\.(?=[A-Z][a-z])")  # "M.Lucero" -> "M. Lucero"
_NICKNAME = re.compile(r"(?<=[a-z])\s?([\"“][A-Z][a-z]+[\"”])\s?(?=[A-Z])")  # Robert"Bob"Johnson


def respace(text: str) -> str:
    """Spaces PP-OCR's recognizer dropped between words, where the letters show them: a lower-case run of
    three or more before a capital ("WilliamRisen"), an initial's full stop before a name, the quotes around a
nickname ('Robert"Bob"Johnson')."""
    return _NICKNAME.sub(r" \1 ", _INITIAL.sub(r"\1. ", _GLUED.sub(" ", text)))


def layout(boxes: list[tuple[list[list[float]], str, float]]) -> tuple[str, list[tuple[str, float, tuple[int, int, int, int]]]]:
    """(text, words) from RapidOCR's (polygon, text, score) boxes: rows by vertical centre, left to right;
    each word carries its box's score (0-100) and the box as (left, top, width, height)."""
    items = []
    for poly, text, score in boxes:
        xs, ys = [p[0] for p in poly], [p[1] for p in poly]
        left, top, right, bottom = min(xs), min(ys), max(xs), max(ys)
        items.append({"l": left, "t": top, "r": right, "b": bottom, "c": (top + bottom) / 2,
                      "h": max(1.0, bottom - top), "text": respace(str(text).strip()), "score": float(score)})
    items = [it for it in items if it["text"]]
    items.sort(key=lambda it: it["c"])
    rows: list[list[dict[str, Any]]] = []
    for it in items:
        row = rows[-1] if rows else None
        if row is not None:
            centre = sum(x["c"] for x in row) / len(row)
            height = min(it["h"], min(x["h"] for x in row))
            if abs(it["c"] - centre) <= ROW_TOLERANCE * height:
                row.append(it)
                continue
        rows.append([it])
    lines, words = [], []
    for row in rows:
        row.sort(key=lambda it: it["l"])
        parts = [row[0]["text"]]
        for a, b in zip(row, row[1:], strict=False):
            parts.append("    " if b["l"] - a["r"] > COLUMN_GAP * min(a["h"], b["h"]) else " ")
            parts.append(b["text"])
        lines.append("".join(parts))
        for it in row:
            box = (int(it["l"]), int(it["t"]), int(it["r"] - it["l"]), int(it["b"] - it["t"]))
            words += [(w, round(100 * it["score"], 1), box) for w in it["text"].split()]
    return "\n".join(lines), words


def render(page: Any, dpi: int) -> Image.Image:
    """The page in colour: ink colour sets a signature's or a date's strokes apart from the print."""
    return page.render(scale=dpi / 72).to_pil().convert("RGB")


def ocr_image(image: Image.Image, dpi: int, top: int | None = None) -> OcrResult | None:
    """One page image read by PP-OCR; None when the engine is not installed. With `top` (px of `image`),
    only the lines from there down are recognized: the detector reads the whole page as before (a crop
    would shift its boxes), and the lines it finds above `top` are dropped before the recognizer, which
    takes most of the time (three quarters of a page's)."""
    import numpy as np

    engine = _engine()
    if engine is None:
        return None
    start = time.perf_counter()
    if top is None:
        result, _ = engine(np.asarray(image if image.mode == "RGB" else image.convert("RGB")))
    else:
        detect_all = engine.auto_text_det
        engine.auto_text_det = lambda img: _below(detect_all(img), top * img.shape[0] / image.height)
        try:
            result, _ = engine(np.asarray(image if image.mode == "RGB" else image.convert("RGB")))
        finally:
            del engine.auto_text_det
    seconds = time.perf_counter() - start
    text, words = layout(result or [])
    mean = sum(c for _, c, _ in words) / len(words) if words else 0.0
    return OcrResult(text=text, words=words, mean_conf=round(mean, 1), dpi=dpi, seconds=seconds)


def _below(detected: tuple[Any, float], top: float) -> tuple[Any, float]:
    """RapidOCR's detected boxes (and time) less those whose top is above `top` (px of the detector's image);
    None for the boxes when none is left, as RapidOCR's detector says it found none."""
    boxes, elapsed = detected
    kept = [b for b in boxes if min(p[1] for p in b) >= top] if boxes is not None else []
    return (kept or None), elapsed


def detect(image: Any, height: int) -> list[tuple[int, int, int, int]]:
    """Text boxes (left, top, right, bottom) PP-OCR's detector finds in an RGB array, looked for with the
    image's short side scaled up to `height` px; [] without the engine. (RapidOCR's own detector call scales
    a short image up to 736 px: a date line would take seconds. At the image's own scale the detector loses
    pieces of handwriting: "5/" of "5/18/2020".)"""
    engine = _engine()
    if engine is None:
        return []
    from rapidocr_onnxruntime.ch_ppocr_det.utils import DetPreProcess

    det = engine.text_det
    shape = image.shape[:2]
    prepared = DetPreProcess(height, "min", det.mean, det.std)(image)  # the short side scaled up to `height`
    if prepared is None:
        return []
    boxes, _ = det.postprocess_op(det.infer(prepared)[0], shape)
    boxes = det.filter_tag_det_res(boxes, shape)
    return [(int(d[:, 0].min()), int(d[:, 1].min()), int(d[:, 0].max()), int(d[:, 1].max())) for d in boxes]


def line_scores(line: Any) -> tuple[Any, list[str]] | None:
    """The recognizer's per-slice log-probabilities for one text line (an RGB array) and its character set
    (class 0 the CTC blank): what `extract.datedecode` reads a date from. None without the engine."""
    import numpy as np

    engine = _engine()
    if engine is None or line.size == 0:
        return None
    rec = engine.text_rec
    _, height, width = rec.rec_image_shape
    norm = rec.resize_norm_img(line, max(width / height, line.shape[1] / line.shape[0]))
    probs = rec.session(norm[np.newaxis].astype(np.float32))[0][0]
    return np.log(np.maximum(probs, 1e-12)), list(rec.postprocess_op.character)
