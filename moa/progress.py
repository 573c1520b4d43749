"""Progress on a terminal, silence when output is not one."""

from __future__ import annotations

import sys
import threading
import time


class Progress:
    def __init__(self, total: int | None, label: str, stream=None):
        self.total = total
        self.label = label
        self.done = 0
        self.stream = stream or sys.stderr
        self.enabled = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._last = 0.0

    def advance(self, n: int = 1, note: str = "") -> None:
        self.done += n
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.1 and (self.total is None or self.done < self.total):
            return
        self._last = now
        total = f"/{self.total}" if self.total is not None else ""
        self.stream.write(f"\r{self.label}: {self.done}{total} {note[:60]:<60}")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"


class ExtractProgress:
    """`moa extract` on a terminal: documents done of all, pages done, OCR pages left and an ETA, on one line
    redrawn at most every `every` seconds (from the OCR pool's thread too, as pages finish); nothing when the
    stream is not a terminal.

    The ETA is the OCR pages left at the rate OCR pages have been finishing (the second readings of signature
    pages and the fields run in the same time, so the rate carries their share); once no first-pass OCR is
    left, the documents left at the rate documents have been finishing."""

    def __init__(self, documents: int, stream=None, every: float = 0.5, clock=time.monotonic):
        self.documents, self.stream, self.every, self.clock = documents, stream or sys.stderr, every, clock
        self.enabled = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.docs_done = self.pages_done = self.pages_total = self.ocr_done = 0
        self.ocr_total: int | None = None  # known once every document's text layer is read
        self.start = clock()
        self._last = float("-inf")
        self._lock = threading.Lock()

    def planned(self, pages: int, ocr_pages: int) -> None:
        """Every document to extract is scanned: `pages` in all, `ocr_pages` of them to OCR."""
        with self._lock:
            self.pages_total, self.ocr_total = pages, ocr_pages
        self.show()

    def ocr_page(self) -> None:
        with self._lock:
            self.ocr_done += 1
        self.show()

    def document(self, pages: int) -> None:
        with self._lock:
            self.docs_done += 1
            self.pages_done += pages
        self.show(force=self.docs_done >= self.documents)

    def eta(self) -> float | None:
        elapsed = self.clock() - self.start
        if self.ocr_total is not None and self.ocr_done and self.ocr_done < self.ocr_total:
            return (self.ocr_total - self.ocr_done) * elapsed / self.ocr_done
        if self.docs_done:
            return (self.documents - self.docs_done) * elapsed / self.docs_done
        return None

    def line(self) -> str:
        pages = f"{self.pages_done}/{self.pages_total}" if self.pages_total else f"{self.pages_done}"
        left = "?" if self.ocr_total is None else max(0, self.ocr_total - self.ocr_done)
        eta = self.eta()
        return (f"extract: {self.docs_done}/{self.documents} documents, {pages} pages, {left} OCR pages left, "
                f"ETA {'?' if eta is None else _clock(eta)}")

    def show(self, force: bool = False) -> None:
        if not self.enabled:
            return
        with self._lock:
            now = self.clock()
            if not force and now - self._last < self.every:
                return
            self._last = now
            self.stream.write("\r" + self.line().ljust(79))
            self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            with self._lock:
                self.stream.write("\r" + self.line().ljust(79) + "\n")
                self.stream.flush()

    def __enter__(self) -> ExtractProgress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
