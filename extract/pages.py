"""Each page's text, with an explicit decision between the text layer and OCR, and the reason for it.

Modes (compare OCRmyPDF's skip/redo/force): `skip` never OCRs (a page without a usable layer gets method
'none'); `auto` OCRs only pages whose layer is missing, unmappable, garbage or a typed footer over a
page-sized image, and reads again a scanner's OCR layer that misreads more words than Tesseract does on a
clean scan (OCRmyPDF's redo), keeping whichever of the two reads better; `force` OCRs every page. The
shifted font encoding is decoded, never OCR'd.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium

from moa.errors import ExternalError

from . import ocr
from .pdf import open_pdf
from .textlayer import LayerScore, read_layer, score_text

MODES = ("skip", "auto", "force")
MIN_CHARS = 20  # fewer non-space characters than this is an empty layer
MIN_DICT_SHARE = 0.8  # fewer dictionary words than this is a garbage layer (good layers score 0.9+)
MAX_BAD_GLYPHS = 0.05  # more unmappable glyphs than this and the layer cannot be read
IMAGE_PAGE = 0.6  # an image covering this much of the page …
SPARSE_CHARS = 200  # … under fewer characters than this is an image-only page with a typed line or two
# A scanner's OCR layer (over a page-sized image) with fewer dictionary words than this is read again: old
# layers read "perfonned", "~" for a word they could not read, "ente1·ing 01·" for "entering or"; Tesseract
# reads the same pages at 95-99% (Calhoun Co. FL's 83-91% pages at 93-98%).
REDO_SHARE = 0.97


@dataclass
class Page:
    number: int  # 1-based
    text: str
    method: str  # 'text' | 'ocr' | 'none'
    quality: float  # 0..1
    reason: str
    chars: int
    words: list[tuple[str, float, tuple[int, int, int, int]]] = field(default_factory=list)  # OCR only
    mean_conf: float | None = None  # OCR only, 0..100
    layer: dict = field(default_factory=dict)  # the text layer's score, kept as evidence
    layer_text: str = ""  # on an OCR page, what the text layer said (typed fields over a scan are exact there)

    def info(self) -> dict:
        """The page as the record lists it (no text)."""
        d = {"number": self.number, "method": self.method, "chars": self.chars, "quality": self.quality,
             "reason": self.reason}
        if self.mean_conf is not None:
            d["mean_conf"] = self.mean_conf
        if self.method == "text" and self.layer.get("image_cover", 0.0) >= IMAGE_PAGE:
            d["scanned"] = True  # a layer over a page-sized image is a scanner's OCR, not typeset text
        return d


def decide(score: LayerScore, mode: str) -> tuple[bool, str]:
    """(needs OCR, reason) for one page's text layer under a mode."""
    if mode == "force":
        return True, "--ocr force"
    if score.chars < MIN_CHARS:
        why = "empty text layer" if score.chars == 0 else f"almost empty text layer ({score.chars} chars)"
        if score.image_cover < 0.05:
            return False, f"{why}, no image: blank page"
        return True, f"{why} over an image ({score.image_cover:.0%} of the page)"
    if score.bad_glyphs > MAX_BAD_GLYPHS:
        return True, f"unmappable glyphs in the text layer ({score.bad_glyphs:.0%} of characters)"
    if score.words >= 20 and score.dict_share < MIN_DICT_SHARE and score.image_cover >= 0.05:
        return True, f"garbage text layer ({score.dict_share:.0%} dictionary words)"
    if score.image_cover >= IMAGE_PAGE and score.chars < SPARSE_CHARS:
        return True, f"image-only page ({score.image_cover:.0%} image) with only {score.chars} chars of text"
    if score.image_cover >= IMAGE_PAGE and score.words >= 20 and score.dict_share < REDO_SHARE:
        return True, f"scanner's OCR layer ({score.dict_share:.0%} dictionary words) read again"
    why = f"text layer: {score.chars} chars, {score.dict_share:.0%} dictionary words"
    if score.shifted_tokens:
        why += f", {score.shifted_tokens} shifted-font tokens decoded"
    return False, why


def _doc_id(source: Path | bytes) -> str:
    if isinstance(source, bytes):
        return hashlib.sha256(source).hexdigest()
    st = Path(source).stat()
    return f"{Path(source).resolve()}:{st.st_size}:{st.st_mtime_ns}"


class PendingPages:
    """Pages whose text layer is read and whose OCR is queued on the pool; `result()` waits for it.

    The pipeline starts the next document before finishing this one, so OCR workers never idle at the
    tail of a document.
    """

    def __init__(self, pages: list[Page], pending: dict[int, object], label: str):
        self.pages, self.pending, self.label = pages, pending, label

    def result(self) -> list[Page]:
        try:
            for i, job in self.pending.items():
                try:
                    result: ocr.OcrResult = job.result() if hasattr(job, "result") else job  # type: ignore[union-attr]
                except pdfium.PdfiumError as e:
                    raise ExternalError(f"{self.label}: cannot render page {i + 1} ({e})") from e
                page = self.pages[i]
                if page.reason.startswith(("garbage text layer", "scanner's OCR layer")):
                    # An old OCR layer may still read better than Tesseract does: keep the better of the two.
                    ocr_share = score_text(result.text).dict_share
                    if ocr_share < page.layer.get("dict_share", 0.0):
                        page.reason += (f"; OCR read worse ({ocr_share:.0%} dictionary words): "
                                        "text layer kept")
                        continue
                _apply_ocr(page, result)
        finally:
            self.cancel()
        return self.pages

    def cancel(self) -> None:
        for job in self.pending.values():
            if hasattr(job, "cancel"):
                job.cancel()  # type: ignore[union-attr]


def scan(source: Path | str | bytes, name: str | None = None) -> list[tuple[str, LayerScore]]:
    """Every page's text layer and its score, in page order: what `decide` judges. Runs in this process or in
    an OCR worker (`scan_task`), so the pipeline knows every document's OCR pages before it reads them."""
    label = name or (str(source) if not isinstance(source, bytes) else "PDF")
    doc = open_pdf(source, label)
    try:
        layers = []
        for i in range(len(doc)):
            page = doc[i]
            try:
                layers.append(read_layer(page))
            finally:
                page.close()
    except pdfium.PdfiumError as e:
        raise ExternalError(f"{label}: cannot read page {len(layers) + 1} ({e})") from e
    finally:
        doc.close()
    return layers


def ocr_needed(layers: list[tuple[str, LayerScore]], mode: str) -> list[int]:
    """Indexes (0-based) of the pages `mode` sends to OCR."""
    return [] if mode == "skip" else [i for i, (_, score) in enumerate(layers) if decide(score, mode)[0]]


def start_pages(source: Path | bytes, mode: str = "auto", cache_dir: Path | None = None,
                jobs: int = 2, dpi: int = ocr.DPI, name: str | None = None,
                layers: list[tuple[str, LayerScore]] | None = None) -> PendingPages:
    """Read every page's text layer (or take `layers`, from `scan`), decide each page, queue the OCR (see
    `read_pages`)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    label = name or (str(source) if not isinstance(source, bytes) else "PDF")
    if layers is None:
        layers = scan(source, label)

    pages: list[Page] = []
    pending: dict[int, object] = {}
    src: str | bytes = source if isinstance(source, bytes) else str(source)
    doc_id = _doc_id(source)
    for i, (text, score) in enumerate(layers):
        needs, reason = decide(score, mode)
        page = Page(number=i + 1, text=text, method="text", quality=score.quality, reason=reason,
                    chars=score.chars, layer=score.__dict__.copy())
        if needs and mode != "skip":
            if jobs > 1:
                pending[i] = ocr.submit(jobs, doc_id, src, i, dpi, cache_dir)
            else:
                pending[i] = ocr.ocr_page_task(doc_id, src, i, dpi, str(cache_dir) if cache_dir else None)
        elif needs or score.chars < MIN_CHARS:
            page.method = "none" if score.chars < MIN_CHARS else "text"
            if needs:
                page.reason += "; not OCR'd (--ocr skip)"
        pages.append(page)
    return PendingPages(pages, pending, label)


def read_pages(source: Path | bytes, mode: str = "auto", cache_dir: Path | None = None,
               jobs: int = 2, dpi: int = ocr.DPI, name: str | None = None) -> list[Page]:
    """Every page of a PDF with its text, method, quality and the reason for the method.

    `source` is a path or the PDF's bytes; OCR results are cached under `cache_dir` (by page-image hash)
    when it is given; `jobs` OCR worker processes (1 = OCR in this process). A corrupt or truncated PDF
    raises ExternalError naming `name` (or the path).
    """
    return start_pages(source, mode, cache_dir, jobs, dpi, name).result()


def _apply_ocr(page: Page, result: ocr.OcrResult) -> None:
    score = score_text(result.text)
    if page.text.strip():
        page.layer_text = page.text
    page.method = "ocr"
    page.text = result.text
    page.words = result.words
    page.mean_conf = result.mean_conf
    page.chars = score.chars
    # Confidence and dictionary share together: Tesseract is confident about noise on a stamp or a seal.
    page.quality = round((result.mean_conf / 100.0) * (0.5 + 0.5 * score.dict_share), 3) if score.chars else 0.0
    page.reason += f"; OCR at {result.dpi} dpi" + (" (cached)" if result.cached else "")


def ocr_pages_run(pages: list[Page]) -> int:
    """How many of these pages ran Tesseract (not cache hits) — for tests and the benchmark."""
    return sum(1 for p in pages if p.method == "ocr" and "(cached)" not in p.reason)


