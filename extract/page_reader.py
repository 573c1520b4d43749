"""Other readings of a page, for telling OCR's misreadings from what a page really says.

A clause read from a scan can differ from the template because the page says something else, or because OCR
misread it. Where it is the page, every reading of it shows the change; where it is OCR, another reading
mostly does not (`compare.readings`). The readings, in the order they are tried:

1. Tesseract, other than the page's own reading: its page layout (psm 3) over a scanner's or a born-digital
   text layer; over a page moa OCR'd already, one uniform block (psm 6), since layout analysis can drop a word
   at the end of a line ("pertains.", "this MOA."), and at another scale (200 dpi), since what Tesseract drops
   or misreads depends on the rendering: on Cleveland Co. NC's 1200-dpi scan it reads "agreements" at 200 and
   350 dpi, and nothing there at 300 or 400, in either layout.
2. PP-OCR (extract.ppocr), another engine altogether, when installed.

Each reading goes through the OCR cache (by page image), and its text is also kept under the document's
sha256 and page number (`<data>/cache/reread/`), so a later comparison finds it without rendering the page;
`cache_only` readers (the web page) read only from there and never run OCR.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from moa.atomic import write_bytes
from moa.blobs import BlobStore
from moa.errors import ExternalError

DPI = 300  # a text layer's page, and PP-OCR
OTHER_DPI = 200  # Tesseract's second reading of a page moa OCR'd at ocr.DPI (300)
LAYOUT, BLOCK = "--psm 3", "--psm 6"
TESSERACT, PP_OCR = "tesseract", "pp-ocr"


def _config(engine: str, method: str) -> tuple[str, int]:
    """The reading an engine gives a page, as (config, dpi): for Tesseract, the layout and scale it did not read
    the page with."""
    from extract import sigocr

    if engine == PP_OCR:
        return sigocr.PP_OCR, DPI
    return (BLOCK, OTHER_DPI) if method == "ocr" else (LAYOUT, DPI)


def read_task(pdf: str, index: int, config: str, cache_dir: str | None, dpi: int = DPI) -> str | None:
    """Page `index` (0-based) of `pdf` read with `config`, through the OCR cache; None when the engine is not
    installed or the file cannot be read. Runs in an OCR worker process."""
    from extract.sigocr import reading_task

    try:
        result = reading_task(pdf, index, dpi, config, cache_dir)
    except (ExternalError, OSError, IndexError, ValueError):
        return None
    return result.text if result is not None else None


@dataclass
class PageReader:
    """Other readings of stored documents' pages, `read` in batches on the OCR pool of `jobs` processes. Safe to
    share between threads: a page already being read is waited for, not read twice."""

    data: Path
    jobs: int = 2
    cache_only: bool = False
    _pending: dict[tuple[str, int, tuple[str, int]], Future[str | None]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def engines(self) -> tuple[str, ...]:
        from extract import ppocr

        return (TESSERACT, PP_OCR) if self.cache_only or ppocr.available() else (TESSERACT,)

    def read(self, engine: str, wanted: Sequence[tuple[str, Sequence[tuple[int, str]]]]) -> list[dict[int, str] | None]:
        """For each (sha256, [(page number, method)]), the pages' text in `engine`'s reading; None for a
        document whose file is not stored or a page that could not be read."""
        blobs = BlobStore(self.data)
        got: dict[tuple[str, int], str | None | Future[str | None]] = {}
        configs: dict[tuple[str, int], tuple[str, int]] = {}
        for sha, pages in wanted:
            if not blobs.has(sha):
                continue
            for number, method in pages:
                if (sha, number) not in got:
                    configs[(sha, number)] = _config(engine, method)
                    got[(sha, number)] = self._start(blobs, sha, number, configs[(sha, number)])
        texts = {k: f.result() if isinstance(f, Future) else f for k, f in got.items()}
        for (sha, number), f in got.items():
            if isinstance(f, Future) and texts[(sha, number)] is not None:
                self._keep(sha, number, configs[(sha, number)], texts[(sha, number)] or "")
        return [None if any(texts.get((sha, n)) is None for n, _ in pages) else {n: texts[(sha, n)] or "" for n, _ in pages}
                for sha, pages in wanted]

    def _start(self, blobs: BlobStore, sha: str, number: int,
               config: tuple[str, int]) -> str | None | Future[str | None]:
        """The page's reading kept from before, else the future of one (None: cache only, and none kept)."""
        from extract import ocr

        kept = self._kept(sha, number, config)
        if kept is not None or self.cache_only:
            return kept
        with self._lock:
            future = self._pending.get((sha, number, config))
            if future is None:
                future = ocr.pool(self.jobs).submit(read_task, str(blobs.path(sha)), number - 1, config[0],
                                                    str(self.data / "cache" / "ocr"), config[1])
                self._pending[(sha, number, config)] = future
        return future

    def _file(self, sha: str, number: int, config: tuple[str, int]) -> Path:
        return self.data / "cache" / "reread" / sha[:2] / f"{sha}-p{number}-{_tag(*config)}.json"

    def _kept(self, sha: str, number: int, config: tuple[str, int]) -> str | None:
        try:
            return json.loads(self._file(sha, number, config).read_text(encoding="utf-8"))["text"]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _keep(self, sha: str, number: int, config: tuple[str, int], text: str) -> None:
        path = self._file(sha, number, config)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(path, json.dumps({"sha256": sha, "page": number, "config": config[0], "dpi": config[1],
                                      "text": text}).encode())


@cache
def _tag(config: str, dpi: int) -> str:
    """A short name for a reading: the engine's version and settings (a new version reads again)."""
    from extract import ocr, ppocr, sigocr

    how = ppocr.version() if config == sigocr.PP_OCR else f"tesseract {ocr.tesseract_version()} {config}"
    return hashlib.sha256(f"{how} {dpi} dpi".encode()).hexdigest()[:12]
