"""Open a PDF with pdfium, turning a corrupt or truncated file into one clear ExternalError."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium

from moa.errors import ExternalError

TAIL = 2048  # bytes at the end where a complete PDF has its %%EOF marker


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
