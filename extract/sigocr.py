"""A second reading of a scanned signature page: fresh OCR of its image, even when an old OCR layer scored well.

A scanner's OCR layer is typed text read years ago, often without the handwritten names and dates or the
stamps, so the signature page (one or two pages a document) is OCR'd again through the OCR cache and read
again. The second reading only fills values the first left empty, and only when it holds up: every word of
a name read with confidence, a date that is not the other party's date, that keeps the LEA at or before ICE,
and lies within a year of the other party's. Otherwise the value stays None with its reason.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from extract.signatures import extract_signatories, known_ice, signature_pages

IMAGE_COVER = 0.6  # a page this much covered by an image is a scan, whatever its text layer says
NAME_WORD_CONF = 70  # Tesseract confidence (0-100) every word of a second-reading name must reach
MAX_GAP_DAYS = 366  # the two parties sign within a year of each other


def _scanned_layer_pages(pdf: Path | str | bytes, pages: list[Any], indexes: list[int]) -> list[int]:
    """Those of `indexes` whose text came from a text layer over a full-page image (an old OCR layer)."""
    from extract.pdf import open_pdf
    from extract.textlayer import image_cover

    todo = [i for i in indexes if getattr(pages[i], "method", "") == "text"]
    if not todo:
        return []
    doc = open_pdf(pdf)
    try:
        out = []
        for i in todo:
            page = doc[i]
            try:
                if image_cover(page) >= IMAGE_COVER:
                    out.append(i)
            finally:
                page.close()
        return out
    finally:
        doc.close()


def fresh_reading(pages: list[Any], pdf: Path | str | bytes, cache_dir: Path | None) -> list[Any] | None:
    """`pages` with the scanned signature page(s) replaced by a fresh OCR; None when there is none to redo."""
    from extract import ocr
    from extract.pages import Page

    idx = _scanned_layer_pages(pdf, pages, signature_pages(pages))
    if not idx:
        return None
    source = pdf if isinstance(pdf, bytes) else str(pdf)
    doc_id = "sigocr:" + (str(pdf) if not isinstance(pdf, bytes) else str(len(pdf)))
    alt = list(pages)
    for i in idx:
        r = ocr.ocr_page_task(doc_id, source, i, ocr.DPI, str(cache_dir) if cache_dir else None)
        alt[i] = Page(number=pages[i].number, text=r.text, method="ocr", quality=0.0, reason="fresh OCR",
                      chars=len(r.text), words=r.words, mean_conf=r.mean_conf)
    return alt


def _word_confs(words: list[Any]) -> dict[str, float]:
    conf: dict[str, float] = {}
    for w in words:
        key = re.sub(r"[^\w]", "", str(w[0])).lower()
        if key:
            conf[key] = max(conf.get(key, -1.0), float(w[1]))
    return conf


def _name_holds(name: str, party: str, conf: dict[str, float]) -> str | None:
    """None when the second-reading name holds up, else why not."""
    if party == "ice" and known_ice(name):
        return None
    low = [t for t in name.split() if conf.get(re.sub(r"[^\w]", "", t).lower(), 0.0) < NAME_WORD_CONF]
    return f"OCR confidence under {NAME_WORD_CONF} for {low}" if low else None


def _date_holds(iso: str, party: str, other: str | None, other_new: str | None) -> str | None:
    for od in {d for d in (other, other_new) if d}:
        if iso == od:
            return f"same as the other party's date {od}: column uncertain"
        if (party == "lea" and iso > od) or (party == "ice" and iso < od):
            return f"out of order with the other party's date {od}"
        if abs((date.fromisoformat(iso) - date.fromisoformat(od)).days) > MAX_GAP_DAYS:
            return f"more than a year from the other party's date {od}"
    return None


def merge_fresh(signatories: list[dict[str, Any]], pages: list[Any], alt: list[Any],
                revision: str | None) -> int:
    """Fill missing names and dates of `signatories` from the second reading `alt`; returns how many."""
    new, _ = extract_signatories(alt, revision)
    by_new = {s["party"]: s for s in new}
    by_old = {s["party"]: s for s in signatories}
    words = [w for i, p in enumerate(alt) if p is not pages[i] for w in (p.words or [])]
    conf = _word_confs(words)
    pages_read = [p.number for i, p in enumerate(alt) if p is not pages[i]]
    filled = 0
    for party, s in by_old.items():
        before = filled
        n = by_new.get(party)
        if n is None:
            continue
        other = "ice" if party == "lea" else "lea"
        note = f"read from a fresh OCR of the scanned signature page {pages_read}"
        if s.get("name") is None and n.get("name"):
            why = _name_holds(n["name"], party, conf)
            if why:
                s["reasons"].append(f"fresh OCR name {n['name']!r} not used: {why}")
            else:
                s["name"] = n["name"]
                s["title"] = s.get("title") or n.get("title")
                s["reasons"] = [r for r in s["reasons"] if not r.startswith(("no printed name", "name unreadable"))]
                s["reasons"].append("name " + note)
                filled += 1
        if s.get("date") is None and n.get("date"):
            why = _date_holds(n["date"], party, (by_old.get(other) or {}).get("date"),
                              (by_new.get(other) or {}).get("date"))
            if why:
                s["reasons"].append(f"fresh OCR date {n['date']} not used: {why}")
            else:
                s["date"], s["date_source"] = n["date"], n.get("date_source")
                s["reasons"] = [r for r in s["reasons"] if not r.startswith(("no readable date", "date unreadable"))]
                s["reasons"].append("date " + note)
                filled += 1
        if filled > before and not s.get("confidence"):
            s["confidence"] = n.get("confidence", 0.0)
    return filled
