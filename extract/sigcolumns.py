"""Whose column a signature date sits in, from where a reading with word boxes puts it on the page.

A side-by-side signature page holds two blocks, one left and one right; its text, read line by line, often
does not say whose a date is: a "Date:" line whose other half is an unreadable handwritten date gives one
date, and which column it came from is lost ("Date: Dace: 04/10/2025 cJ.c:L-7" in a scanner's layer, the
LEA's "3.27.2025" being the garble). An OCR reading keeps each word's box, so the date's place decides it:
left of the page's middle is the left block's, right of it the right block's, and a date near the middle
is no one's. The page counts as side by side only when it prints a "Date" label in each half; which party
is left is read from the "For the LEA:" / "For ICE:" headers' places (headers in both halves also make a
page side by side), else given by the caller (the text
parser's order: the 2025 forms put the LEA left, the 2019-2020 blocks ICE).

Readings are grouped by reader, as independent evidence: Tesseract at 300 dpi (the pipeline's OCR and its
page-layout reading), Tesseract at 400 dpi (one block and sparse text of one image), PP-OCR, and the date
lines read under a date grammar (only the dates it wrote itself: its other words are Tesseract's at 400 dpi).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from extract.dates import find_dates

MIDDLE_BAND = 0.04  # a date whose centre lies within this share of the text's width of the middle: no one's
_CLOSE = re.compile(r"fullest\s*extent\s*allowed\s*by\s*law\.?|By\s*signing\s*this\s*MOA[^\n]*", re.I)
_LABEL = re.compile(r"^[\W_]*(?:[DdPp]a[tc][ec]|Date|ate)(?![a-z])", re.I)
_LEA = re.compile(r"(?:^|For)(?:the)?LEA\W*$", re.I)
_ICE = re.compile(r"^(?:For)?ICE\W*$", re.I)


def reader(page: Any) -> str:
    """The reader group of a page's reading (see the module doc)."""
    how = getattr(page, "reason", "") or ""
    if "'Date:' lines" in how:
        return "date-lines"
    if how.startswith("PP-OCR"):
        return "pp-ocr"
    if "400 dpi" in how:
        return "tesseract-400"
    return "tesseract-300"


def placed(page: Any, order: tuple[str, str] | None) -> dict[str, dict[str, str]] | None:
    """{party: {iso: kind}} of the dates a reading with word boxes puts in each party's column below the
    closing clause; None when the reading has no boxes, the page is not side by side, or whose column is left
    is unknown. Digital-signature stamps (extract.signatures reads them by their signer) and "Revised" footers
    are left out; the date-lines reading counts only the dates it wrote."""
    words = getattr(page, "words", None) or []
    text = getattr(page, "text", "") or ""
    own = reader(page) == "date-lines"
    if own:  # the dates it wrote carry their ink box as (left, top, right, bottom)
        words = [(w, c, (b[0], b[1], b[2] - b[0], b[3] - b[1]) if float(c) == 100.0 else b) for w, c, b in words]
    tokens = list(re.finditer(r"\S+", text))
    if not words or len(tokens) != len(words):
        return None
    m = _CLOSE.search(text)
    start = m.end() if m else 0
    lefts = sorted(float(w[2][0]) for w in words)
    rights = sorted(float(w[2][0]) + float(w[2][2]) for w in words)
    lo, hi = lefts[len(lefts) // 20], rights[-1 - len(rights) // 20]
    if hi <= lo:
        return None
    mid, band = (lo + hi) / 2, MIDDLE_BAND * (hi - lo)

    def side(i: int, j: int) -> str | None:
        boxes = [words[k][2] for k in range(i, j)]
        left = min(b[0] for b in boxes)
        right = max(b[0] + b[2] for b in boxes)
        centre = (left + right) / 2
        return "left" if centre < mid - band else "right" if centre > mid + band else None

    in_region = [k for k, t in enumerate(tokens) if t.start() >= start]
    labels = {side(k, k + 1) for k in in_region if _LABEL.match(tokens[k].group(0))}
    lea = next((side(k, k + 1) for k in in_region if _LEA.search(tokens[k].group(0))), None)
    ice = next((side(k, k + 1) for k in in_region if _ICE.search(tokens[k].group(0))), None)
    headed = bool(lea and ice and lea != ice)
    if not ({"left", "right"} <= labels or headed):
        return None
    if headed:
        order = ("lea", "ice") if lea == "left" else ("ice", "lea")
    if order is None:
        return None
    out: dict[str, dict[str, str]] = {"lea": {}, "ice": {}}
    for h in find_dates(text):
        if h.start < start or h.kind == "digital-signature" or re.search(r"ev[il1]sed\W*$", text[max(0, h.start - 12):h.start]):
            continue
        ks = [k for k, t in enumerate(tokens) if t.start() < h.end and h.start < t.end()]
        if not ks or (own and any(float(words[k][1]) != 100.0 for k in ks)):
            continue
        s = side(ks[0], ks[-1] + 1)
        if s:
            out[order[0] if s == "left" else order[1]][h.iso] = h.kind
    return out


def agreed(readings: Iterable[tuple[str, dict[str, dict[str, str]]]], party: str) -> tuple[str | None, str]:
    """(iso, evidence) of the one date that two readers or more put in `party`'s column while no reading puts
    another date there; (None, why) otherwise. `readings`: (reader group, `placed` result) pairs."""
    by_reader: dict[str, set[str]] = {}
    for group, where in readings:
        by_reader.setdefault(group, set()).update(where.get(party, {}))
    seen = set().union(*by_reader.values()) if by_reader else set()
    if not seen:
        return None, "no reading places a date in its column"
    if len(seen) > 1:
        return None, f"readings place different dates in its column: {sorted(seen)}"
    iso = next(iter(seen))
    groups = sorted(g for g, isos in by_reader.items() if iso in isos)
    if len(groups) < 2:
        return None, f"only one reader ({groups[0]}) places {iso} in its column"
    return iso, f"read alike by {len(groups)} readers ({', '.join(groups)}) in its column"


def placed_in(pages: list[Any], alt: list[Any], order: tuple[str, str] | None) -> tuple[str, Any] | None:
    """(reader, `placed`) of the signature page(s) `alt` reads anew (those that are not `pages`' own);
    None when none of them places a date's column."""
    found: tuple[str, dict[str, dict[str, str]]] | None = None
    for i, p in enumerate(alt):
        if p is pages[i]:
            continue
        where = placed(p, order)
        if where is None:
            continue
        if found is None:
            found = (reader(p), where)
        else:
            for party, isos in where.items():
                found[1][party].update(isos)
    return found


def check_columns(signatories: list[dict[str, Any]], where: dict[str, dict[str, str]],
                  located: Iterable[tuple[str, dict[str, dict[str, str]]]] = ()) -> int:
    """Drop a date read from the text (not a digital signature's, not a form field's) that a reading's word
    boxes put only in the other party's column, and that no reading (of `located`) puts in the party's own:
    the text gave it to the wrong block. Returns how many."""
    located = list(located)
    dropped = 0
    for s in signatories:
        d, party = s.get("date"), s.get("party")
        if not d or party not in ("lea", "ice") or s.get("date_source") == "digital-signature" or any(
                "form field" in r or "signature dictionary" in r or "in its column" in r for r in s["reasons"]):
            continue
        other = "ice" if party == "lea" else "lea"
        if d in where.get(other, {}) and d not in where.get(party, {}) and not any(
                d in w.get(party, {}) for _, w in located):
            s["reasons"] = [r for r in s["reasons"] if not r.startswith(("date read from", "date from"))]
            s["reasons"].append(f"date {d} dropped: a reading's word positions put it in the other party's column")
            s["date"], s["date_source"] = None, None
            dropped += 1
    return dropped
