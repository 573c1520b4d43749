"""OCR of rendered pages: Tesseract, cached by page-image hash, on a process pool.

A page is rendered in-process by pdfium in grayscale at `DPI`, hashed (pixels + size + Tesseract version +
config), and looked up in `<data>/cache/ocr/`; only a miss runs Tesseract. Tesseract runs once per page and
gives its TSV (text, boxes, word confidences): in-process through tesserocr when that is linked against the
`tesseract` command's own library (`_api_usable`), else through pytesseract, which runs the command on an
uncompressed PGM (a PNG's deflate would cost a tenth of the OCR). Each worker process runs Tesseract with
OMP_THREAD_LIMIT=1, so N workers use N cores, as N bare `tesseract` processes would.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import multiprocessing
import os
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytesseract
from PIL import Image

from moa.atomic import write_bytes
from moa.errors import ExternalError

# Chosen by measurement (`python bench/speed.py --dpi-sweep`): on typed scans 150, 200 and 300 dpi give the same
# word confidence (~95) and dictionary share (~0.99), 300 costing ~1.3-1.6x the time of 150; but on signature
# pages only 300 reads the handwritten dates (DeLand p9: "3/4/95" at 300, "3/4las" at 200, nothing at 150),
# and dates are what researchers cite. The scans themselves are 200-400 dpi.
DPI = 300
LANG = "eng"
CONFIG = "--psm 3"


@dataclass
class OcrResult:
    text: str
    words: list[tuple[str, float, tuple[int, int, int, int]]] = field(default_factory=list)
    mean_conf: float = 0.0  # 0..100, over recognised words
    dpi: int = DPI
    image_sha: str = ""
    seconds: float = 0.0  # the reading's time when it ran (Tesseract's alone for a Tesseract reading); 0 for a hit
    cached: bool = False
    engine: str = ""  # what read it: a Tesseract config, or another engine's version (kept in the cache)
    cpu: float = 0.0  # CPU seconds of this process the reading took when it ran (for a cold run's profile)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str) -> OcrResult:
        d = json.loads(raw)
        d["words"] = [(w, c, tuple(b)) for w, c, b in d.get("words", [])]
        return cls(**d)


@lru_cache(maxsize=1)
def _api_usable() -> bool:
    """tesserocr (Tesseract's C++ API in-process) is used when it is linked against the same Tesseract as
    the `tesseract` command: a page then reads exactly as the command reads it (same TSV, checked in
    tests/test_ocr.py), the OCR cache stays valid, and each page saves the ~0.1 CPU-s of starting a process
    and loading the language model. Otherwise pytesseract runs the command."""
    if os.environ.get("MOA_OCR_ENGINE") == "cli":
        return False
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # read once, when the library loads
    try:
        import tesserocr
    except ImportError:
        return False
    linked = tesserocr.tesseract_version().split()[1]
    return linked == tesseract_version()


_APIS: dict[str, Any] = {}


def _api_tsv(image: Image.Image, config: str) -> str | None:
    """Tesseract's TSV for `image` from the in-process API; None when the config is not a plain --psm N."""
    m = re.fullmatch(r"--psm (\d+)", config.strip())
    if m is None or not _api_usable():
        return None
    import tesserocr

    api = _APIS.get(LANG)
    if api is None:
        api = _APIS[LANG] = tesserocr.PyTessBaseAPI(lang=LANG)
    api.SetPageSegMode(int(m.group(1)))
    gray = image if image.mode == "L" else image.convert("L")
    api.SetImageBytes(gray.tobytes(), gray.width, gray.height, 1, gray.width)
    # A new process per page learns nothing from the page before; nor may this API (results must not
    # depend on the order pages are read in).
    api.ClearAdaptiveClassifier()
    with _quiet_stderr():
        return api.GetTSVText(0)


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Leptonica's notes ("Error in pixScanForForeground: invalid box") go to file descriptor 2; the command's
    stderr was captured by pytesseract, so in-process they are dropped too."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)


def _tsv_dict(tsv: str) -> dict[str, list[Any]]:
    """The API's TSV rows (no header) as pytesseract's Output.DICT (which truncates confidences)."""
    cols = ["level", "page_num", "block_num", "par_num", "line_num", "word_num", "left", "top", "width",
            "height", "conf", "text"]
    out: dict[str, list[Any]] = {c: [] for c in cols}
    for row in tsv.splitlines():
        cells = row.split("\t")
        if len(cells) < 11:
            continue
        cells += [""] * (12 - len(cells))
        for c, v in zip(cols, cells, strict=False):
            out[c].append(v if c == "text" else int(float(v)))  # whole numbers, as pytesseract gives them
    return out


@lru_cache(maxsize=1)
def tesseract_version() -> str:
    try:
        return str(pytesseract.get_tesseract_version())
    except (pytesseract.TesseractNotFoundError, OSError) as e:
        raise ExternalError(f"tesseract is not installed or not on PATH ({e})") from e


def render(page: pdfium.PdfPage, dpi: int = DPI) -> Image.Image:
    """The page as a grayscale image at `dpi`."""
    # Drawn straight into an 8-bit grey bitmap: the same pixels as a grey BGR render converted, ~20% less CPU.
    bitmap = page.render(scale=dpi / 72, grayscale=True, force_bitmap_format=pdfium_c.FPDFBitmap_Gray)
    image = bitmap.to_pil()
    return image if image.mode == "L" else image.convert("L")


def image_key(image: Image.Image, dpi: int = DPI, config: str = CONFIG) -> str:
    h = hashlib.sha256()
    h.update(f"{image.mode}:{image.size}:{dpi}:{tesseract_version()}:{LANG}:{config}\n".encode())
    h.update(image.tobytes())
    return h.hexdigest()


def _cache_file(cache_dir: Path, key: str) -> Path:
    return cache_dir / key[:2] / f"{key}.json"


def cache_get(cache_dir: Path | None, key: str) -> OcrResult | None:
    if cache_dir is None:
        return None
    path = _cache_file(cache_dir, key)
    try:
        result = OcrResult.from_json(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError, TypeError):
        return None
    result.cached, result.seconds = True, 0.0
    return result


def cache_put(cache_dir: Path | None, key: str, result: OcrResult) -> None:
    if cache_dir is not None:
        path = _cache_file(cache_dir, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(path, result.to_json().encode("utf-8"))


def ocr_image(image: Image.Image, dpi: int = DPI, config: str = CONFIG) -> OcrResult:
    """Run Tesseract once on an image; text (blocks, lines) and word confidences."""
    image.format = "PPM"  # pytesseract saves in image.format: uncompressed, no PNG deflate cost
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # one core per Tesseract, as the pool sizes assume
    start = time.perf_counter()
    tsv = _api_tsv(image, config)
    try:
        data = _tsv_dict(tsv) if tsv is not None else pytesseract.image_to_data(
            image, lang=LANG, config=config, output_type=pytesseract.Output.DICT)
    except pytesseract.TesseractError as e:
        raise ExternalError(f"tesseract failed: {e}") from e
    seconds = time.perf_counter() - start
    words: list[tuple[str, float, tuple[int, int, int, int]]] = []
    lines: list[str] = []
    current: tuple[int, int, int] | None = None
    block = None
    for i, word in enumerate(data["text"]):
        word = (word or "").strip()
        conf = float(data["conf"][i])
        if not word or conf < 0:
            continue
        line_id = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        if line_id != current:
            if current is not None and data["block_num"][i] != block:
                lines.append("")
            lines.append(word)
            current, block = line_id, data["block_num"][i]
        else:
            lines[-1] += " " + word
        box = (data["left"][i], data["top"][i], data["width"][i], data["height"][i])
        words.append((word, round(conf, 1), box))
    mean = sum(c for _, c, _ in words) / len(words) if words else 0.0
    return OcrResult(text="\n".join(lines), words=words, mean_conf=round(mean, 1), dpi=dpi, seconds=seconds)


# ---- worker side -------------------------------------------------------------------------------------

_DOCS: dict[str, pdfium.PdfDocument] = {}


def _worker_init() -> None:
    os.environ["OMP_THREAD_LIMIT"] = "1"
    tesseract_version()  # `tesseract --version` once per worker, before any page is timed


def _open(doc_id: str, source: str | bytes) -> pdfium.PdfDocument:
    doc = _DOCS.get(doc_id)
    if doc is None:
        while len(_DOCS) >= 2:  # the pipeline interleaves two documents
            _DOCS.pop(next(iter(_DOCS))).close()
        doc = _DOCS[doc_id] = pdfium.PdfDocument(source)
    return doc


def ocr_page_task(doc_id: str, source: str | bytes, index: int, dpi: int, cache_dir: str | None) -> OcrResult:
    """Render page `index` (0-based) and OCR it, through the cache. Runs in a worker or inline."""
    doc = _open(doc_id, source)
    page = doc[index]
    try:
        image = render(page, dpi)
    finally:
        page.close()
    return cached(image, dpi, CONFIG, Path(cache_dir) if cache_dir else None, lambda: ocr_image(image, dpi))


def cached(image: Image.Image, dpi: int, engine: str, cache_dir: Path | None,
           read: Callable[[], OcrResult | None]) -> OcrResult | None:
    """The reading of `image` by `engine` (a Tesseract config, or another engine's version string) from the
    cache, else `read()` stored there under the image's key."""
    key = image_key(image, dpi, engine)
    hit = cache_get(cache_dir, key)
    if hit is not None:
        return hit
    start, cpu = time.perf_counter(), time.process_time()
    result = read()
    if result is not None:
        result.image_sha, result.engine = key, engine
        # Where the time of a cold run goes (bench/cold.py sums it by engine from the cache).
        result.seconds = result.seconds or round(time.perf_counter() - start, 3)
        result.cpu = round(time.process_time() - cpu, 3)
        cache_put(cache_dir, key, result)
    return result


# ---- pool --------------------------------------------------------------------------------------------

_POOL: tuple[int, ProcessPoolExecutor] | None = None
_LANE: _Lane | None = None
_POOL_LOCK = threading.Lock()  # callers on several threads (comparisons of several clauses) share one pool


def pool(jobs: int) -> ProcessPoolExecutor:
    """A process pool of `jobs` OCR workers, kept for the life of the process. What is submitted to it straight
    (a signature page's second reading, a comparison's reading) runs before the first-pass pages that wait in
    `submit`'s lane."""
    global _POOL, _LANE
    with _POOL_LOCK:
        if _POOL is not None and _POOL[0] == jobs:
            return _POOL[1]
        _close()
        executor = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                                       initializer=_worker_init)
        _POOL, _LANE = (jobs, executor), _Lane(executor, jobs)
        return executor


def _close() -> None:
    global _POOL, _LANE
    if _LANE is not None:
        _LANE.close()
        _LANE = None
    if _POOL is not None:
        _POOL[1].shutdown(wait=True, cancel_futures=True)
        _POOL = None


def shutdown() -> None:
    with _POOL_LOCK:
        _close()


atexit.register(shutdown)


class _Lane:
    """First-pass pages wait here, not in the pool's own queue, and go to the pool only as a worker frees
    (`slots` at a time): a document's second readings, which run one after another and each only while a value
    is missing (extract.sigocr), then start as soon as a worker frees instead of behind every page queued for
    the documents ahead, so those pages can be queued far ahead and the workers never run out of work."""

    def __init__(self, executor: ProcessPoolExecutor, slots: int) -> None:
        self.executor, self.slots = executor, slots
        self.waiting: deque[tuple[Future, Callable[..., Any], tuple[Any, ...]]] = deque()
        self.running = 0
        self.closed = False
        self.cond = threading.Condition()
        # A thread of its own submits, not the pool's done callbacks (which run on the pool's manager thread).
        threading.Thread(target=self._feed, name="moa-ocr-lane", daemon=True).start()

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        outer: Future = Future()
        with self.cond:
            if self.closed:
                raise RuntimeError("the OCR pool is shut down")
            self.waiting.append((outer, fn, args))
            self.cond.notify()
        return outer

    def close(self) -> None:
        with self.cond:
            self.closed = True
            for outer, _, _ in self.waiting:
                outer.cancel()
            self.waiting.clear()
            self.cond.notify()

    def _feed(self) -> None:
        while True:
            with self.cond:
                while not self.closed and (not self.waiting or self.running >= self.slots):
                    self.cond.wait()
                if self.closed:
                    return
                outer, fn, args = self.waiting.popleft()
                if not outer.set_running_or_notify_cancel():
                    continue  # cancelled while it waited
                self.running += 1
            try:
                inner = self.executor.submit(fn, *args)
            except RuntimeError as e:  # the pool shut down meanwhile
                self._done(outer, None, e)
                continue
            inner.add_done_callback(lambda f, outer=outer: self._done(outer, f))

    def _done(self, outer: Future, inner: Future | None, error: BaseException | None = None) -> None:
        with self.cond:
            self.running -= 1
            self.cond.notify()
        if inner is not None and inner.cancelled():
            error = CancelledError()
        elif inner is not None:
            error = inner.exception()
        if error is not None:
            outer.set_exception(error)
        else:
            outer.set_result(inner.result() if inner is not None else None)


def submit(jobs: int, doc_id: str, source: str | bytes, index: int, dpi: int,
           cache_dir: Path | None) -> Future[OcrResult]:
    """A first-pass page's OCR on the pool of `jobs` workers, through the lane behind second readings."""
    pool(jobs)
    with _POOL_LOCK:
        lane = _LANE
    assert lane is not None
    return lane.submit(ocr_page_task, doc_id, source, index, dpi, str(cache_dir) if cache_dir else None)
