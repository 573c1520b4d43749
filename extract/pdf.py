"""Open a PDF with pdfium, turning a corrupt or truncated file into one clear ExternalError."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium

from moa.errors import ExternalError


def open_pdf(source: Path | str | bytes, name: str | None = None) -> pdfium.PdfDocument:
    """The document, or ExternalError naming the file and what is wrong with it."""
    label = name or (str(source) if not isinstance(source, bytes) else "PDF")
    if isinstance(source, bytes):
        head = source[:1024]
    else:
        try:
            with open(source, "rb") as fh:
                head = fh.read(1024)
        except OSError as e:
            raise ExternalError(f"{label}: cannot read ({e.strerror})") from e
    if b"%PDF-" not in head:
        raise ExternalError(f"{label}: not a PDF (no %PDF- header)")
    try:
        doc = pdfium.PdfDocument(source if isinstance(source, bytes) else str(source))
    except pdfium.PdfiumError as e:
        raise ExternalError(f"{label}: corrupt or truncated PDF ({e})") from e
    if len(doc) == 0:
        doc.close()
        raise ExternalError(f"{label}: PDF has no pages")
    return doc
