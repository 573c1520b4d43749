"""Open a PDF with pdfium, turning a corrupt or truncated file into one clear ExternalError."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pypdfium2 as pdfium

from moa.errors import ExternalError

TAIL = 2048  # bytes at the end where a complete PDF has its %%EOF marker
EARLIEST = date(2019, 1, 1)  # a file saved before the program's first agreements on file has a clock unset
_PDF_DATE = re.compile(r"(?:D:)?(\d{4})(\d{2})(\d{2})")


def open_pdf(source: Path | str | bytes, name: str | None = None) -> pdfium.PdfDocument:
    """The document, or ExternalError naming the file and what is wrong with it."""
    label = name or (str(source) if not isinstance(source, bytes) else "PDF")
    if isinstance(source, bytes):
        head, tail = source[:1024], source[-TAIL:]
    else:
        try:
            with open(source, "rb") as fh:
                head = fh.read(1024)
                fh.seek(max(0, Path(source).stat().st_size - TAIL))
                tail = fh.read()
        except OSError as e:
            raise ExternalError(f"{label}: cannot read ({e.strerror})") from e
    if b"%PDF-" not in head:
        raise ExternalError(f"{label}: not a PDF (no %PDF- header)")
    if b"%%EOF" not in tail:
        # pdfium "repairs" a cut-off file and hands back pages with their text or images missing: refuse it.
        raise ExternalError(f"{label}: truncated PDF (no %%EOF marker at the end)")
    try:
        doc = pdfium.PdfDocument(source if isinstance(source, bytes) else str(source))
    except pdfium.PdfiumError as e:
        raise ExternalError(f"{label}: corrupt or truncated PDF ({e})") from e
    if len(doc) == 0:
        doc.close()
        raise ExternalError(f"{label}: PDF has no pages")
    return doc


def latest_date(doc: pdfium.PdfDocument) -> date | None:
    """The latest day anything on the file's pages can be dated: the later of its creation and modification
    days (its Info dictionary), a day more for time zones. A signature page scanned in June 2020 bears no
    date of 2026. None when the file has neither date or a scanner's clock was unset."""
    try:
        meta = doc.get_metadata_dict()
    except Exception:  # a damaged Info dictionary: no bound, not an error
        return None
    days = []
    for key in ("CreationDate", "ModDate"):
        m = _PDF_DATE.match((meta.get(key) or "").strip())
        if m:
            try:
                days.append(date(int(m[1]), int(m[2]), int(m[3])))
            except ValueError:
                pass
    last = max(days, default=None)
    return last + timedelta(days=1) if last and last >= EARLIEST else None
