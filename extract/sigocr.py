"""Second readings of a signature page: fresh OCR of its image, even when its text layer scored well.

A scanner's OCR layer is typed text read years ago, often without the handwritten names and dates or the
stamps, and a born-digital page's layer lacks what was drawn or pasted over it, so the signature page (one
or two pages a document) is OCR'd again through the OCR cache and read again: Tesseract's page layout at
300 dpi (for a text-layer page), then one block at 400 dpi, then the line beside each "Date:" label under a
date grammar (extract.datecrop; only while a date is missing), then sparse text at 400 dpi, then PP-OCR of the signature blocks' part of
the page (extract.sigregion), then one block at 400 dpi with the coloured ink whitened (only while a name is
missing: a signature in blue or green ink drawn across the typed name), one after another and stopping
once nothing is missing.
A second reading only fills values the first left empty, and only when it holds up: every word of a name
read with confidence and none like a title or a place; a date that is not the other party's date, keeps
the LEA at or before ICE and lies within half a year of it (with no ICE date read, of the date in ICE's
file name, and not after it). Otherwise the value stays None with its reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from extract import sigcolumns
from extract.dates import find_dates
from extract.pdf import latest_date
from extract.signatures import _NOT_NAME as NOT_NAME
from extract.signatures import (
    census_name,
    column_order,
    date_source_of,
    extract_signatories,
    known_ice,
    misread_first_name,
    signature_pages,
)

NAME_WORD_CONF = 70  # Tesseract confidence (0-100) every word of a second-reading name must reach
PP_NAME_CONF = 95  # the same for PP-OCR, whose score is its line's (0-1, as 0-100): one slip barely lowers it.
# Under it, down to NAME_WORD_CONF, a PP-OCR name stands when every word is a census name (first name, surname):
# "Gordon Smith" at 93.7, "Mark Lamb" at 86.7 stand; "Noef E. Stephen" (91.1), "Erl J. Severson" (90.5) do not.
# The two parties sign within half a year of each other: 132 days at most in the labeled set (Marion Co. FL).
MAX_GAP_DAYS = 183
_TITLE_WORDS = ("sheriff", "chief", "director", "commissioner", "warden", "colonel", "captain", "undersheriff")


BLOCK_DPI, BLOCK_CONFIG = 400, "--psm 6"  # finer, one uniform block (columns kept on a line)
SPARSE_CONFIG = "--psm 11"  # sparse text, for handwriting scattered over the lines
PP_OCR = "pp-ocr"  # PP-OCR (extract.ppocr), which reads handwriting Tesseract cannot
DATE_LINES = "date-lines"  # each "Date:" line read under a date grammar (extract.datecrop), after one block
INK_DROPPED = "ink-dropped"  # one block with the coloured ink whitened: a signature drawn across a typed name
# A pixel is coloured ink when its RGB channels spread more than this (0-255): blue and green pens spread
# 80-150, black print and its scanner fringes under 40. A page with fewer such pixels has no coloured ink.
INK_CHROMA, INK_MIN = 60, 2000


def _reread_pages(pages: list[Any], indexes: list[int]) -> list[tuple[int, bool]]:
    """(index, from_layer) for those of `indexes` worth reading again: OCR'd pages, and text-layer pages,
    whose layer may lack what is drawn over it (a scanner's old OCR layer; a handwritten or stamped date,
    or a pasted-in typed block, on a born-digital page)."""
    return [(i, pages[i].method == "text") for i in indexes if getattr(pages[i], "method", "") in ("ocr", "text")]


def _ocr(doc: Any, index: int, dpi: int, config: str, cache_dir: Path | None, top: int | None = None,
         base: Any = None, earliest: str | None = None) -> Any:
    """One page OCR'd at `dpi` with `config` (PP_OCR: the second engine; DATE_LINES: the date lines over the
    block reading), through the OCR cache (keyed by image, dpi and config); None when PP-OCR is not
    installed. `top` (PP_OCR only, px at `dpi`): only the lines from there down (extract.ppocr.ocr_image).
    `base` (DATE_LINES only): the page's block reading at `dpi`, when the caller holds it already (else it is
    looked up, which renders the page once more). `earliest` (DATE_LINES only, ISO): no date before it (the
    form's revision)."""
    import numpy as np

    from extract import datecrop, ocr, ppocr

    if config in (PP_OCR, DATE_LINES) and not ppocr.available():
        return None
    colour = config in (PP_OCR, DATE_LINES, INK_DROPPED)
    page = doc[index]
    try:
        image = ppocr.render(page, dpi) if colour else ocr.render(page, dpi)
    finally:
        page.close()
    latest = latest_date(doc) if config == DATE_LINES else None
    first = date.fromisoformat(earliest) if earliest and config == DATE_LINES else None
    engine = {PP_OCR: ppocr.version(),
              DATE_LINES: f"{datecrop.version()}; dates up to {latest}" + (f", from {first}" if first else ""),
              INK_DROPPED: f"{BLOCK_CONFIG}, coloured ink dropped (chroma over {INK_CHROMA}, {INK_MIN} px)"
              }.get(config, config)

    if config == PP_OCR and top is not None:
        engine += f"; lines from y {top}"

    def read() -> Any:
        if config == DATE_LINES:
            block = base if base is not None else _ocr(doc, index, dpi, BLOCK_CONFIG, cache_dir)
            return datecrop.reading(np.asarray(image), block, latest, first)
        if config == PP_OCR:
            return ppocr.ocr_image(image, dpi, top)
        if config == INK_DROPPED:
            dropped = ink_dropped(image)
            return ocr.ocr_image(dropped, dpi, BLOCK_CONFIG) if dropped else ocr.OcrResult(text="", dpi=dpi)
        return ocr.ocr_image(image, dpi, config)

    return ocr.cached(image, dpi, engine, cache_dir, read)


def ink_dropped(image: Any) -> Any:
    """`image` (RGB) in grey with its coloured ink whitened, so that the print under a signature in blue or
    green ink reads as print (Kleberg Co. TX's typed name under its sheriff's signature); None when the page
    has no coloured ink (INK_MIN pixels)."""
    import numpy as np
    from PIL import Image

    rgb = np.asarray(image)
    spread = rgb.max(axis=2).astype(np.int16) - rgb.min(axis=2)
    ink = spread > INK_CHROMA
    if int(ink.sum()) < INK_MIN:
        return None
    grey = np.asarray(image.convert("L")).copy()
    grey[ink] = 255
    return Image.fromarray(grey)


def reading_task(source: str, index: int, dpi: int, config: str, cache_dir: str | None,
                 top: int | None = None, base: Any = None, earliest: str | None = None) -> Any:
    """One reading of one page, in an OCR worker process (see `fresh_readings`)."""
    from extract import ocr

    return _ocr(ocr._open("sig:" + source, source), index, dpi, config, Path(cache_dir) if cache_dir else None,
                top, base, earliest)


def fresh_readings(pages: list[Any], pdf: Path | str | bytes, cache_dir: Path | None,
                   jobs: int = 0, signatories: list[dict[str, Any]] | None = None,
                   earliest: str | None = None) -> Iterator[list[Any]]:
    """`pages` with the signature page(s) read again: first Tesseract's page layout at the pipeline's
    resolution (for text-layer pages; an OCR'd page has that reading already), then one block at 400 dpi,
    then the date lines over that block reading, then sparse text at 400 dpi, then PP-OCR of the part of
    the page below the first signature anchor (extract.sigregion, from the page layout reading's words),
    then one block with the coloured ink whitened (`ink_dropped`). Lazily, one reading after another: a
    caller stops once nothing is missing, and no reading after that runs (PP-OCR, the costliest, comes
    after every Tesseract reading of the page as it is).

    With `jobs` (and a file path), each reading's pages are read on the OCR pool of that many processes,
    beside the other documents' pages waiting there. With `signatories` (which the caller fills from each
    reading before asking for the next), the date lines are read only while a date is missing: they give
    dates alone (their reading is the block reading's text, dates put in); and the page with its coloured
    ink whitened only while a name the form prints is missing: it reads print, and the handwriting is gone.
    `earliest` (ISO, the form's revision): the date lines read no date before it."""
    from extract import ocr
    from extract.pages import Page
    from extract.pdf import open_pdf
    from extract.sigregion import region_top

    indexes = signature_pages(pages)
    if not indexes:
        return
    todo = _reread_pages(pages, indexes)
    passes = [(dpi, config, which) for dpi, config, which in (
        (ocr.DPI, ocr.CONFIG, [i for i, layer in todo if layer]),
        (BLOCK_DPI, BLOCK_CONFIG, [i for i, _ in todo]),
        (BLOCK_DPI, DATE_LINES, [i for i, _ in todo]),
        (BLOCK_DPI, SPARSE_CONFIG, [i for i, _ in todo]),
        (ocr.DPI, PP_OCR, [i for i, _ in todo]),
        (BLOCK_DPI, INK_DROPPED, [i for i, _ in todo])) if which]
    # The page layout reading at ocr.DPI of each page (its own OCR, else the first pass here): its words
    # place the signature region PP-OCR reads.
    layout_words = {i: pages[i].words for i, layer in todo if not layer and pages[i].words}
    block: dict[int, Any] = {}  # each page's block reading, which the date lines read over
    pool = ocr.pool(jobs) if jobs > 0 and isinstance(pdf, (str, Path)) else None
    cache = str(cache_dir) if cache_dir else None
    doc = None if pool is not None else open_pdf(pdf)
    queued: list[Any] = []
    try:
        for dpi, config, which in passes:
            if config == DATE_LINES and signatories is not None and all(s.get("date") for s in signatories):
                continue
            if config == INK_DROPPED and signatories is not None and \
                    all(s.get("name") or s.get("name_line") is False for s in signatories):
                continue  # it reads print: only for a name the form prints that no reading gave
            tops = {i: region_top(layout_words[i], ocr.DPI) if layout_words.get(i) else None
                    for i in which} if config == PP_OCR else {i: None for i in which}
            bases = {i: block.get(i) if config == DATE_LINES else None for i in which}
            if pool is not None:
                queued = [pool.submit(reading_task, str(pdf), i, dpi, config, cache, tops[i], bases[i], earliest)
                          for i in which]
            alt = list(pages)
            for k, i in enumerate(which):
                r = queued[k].result() if pool is not None \
                    else _ocr(doc, i, dpi, config, cache_dir, tops[i], bases[i], earliest)
                if (dpi, config) == (BLOCK_DPI, BLOCK_CONFIG) and r is not None:
                    block[i] = r
                if r is None or not r.text:
                    continue
                if (dpi, config) == (ocr.DPI, ocr.CONFIG):
                    layout_words[i] = r.words
                alt[i] = Page(number=pages[i].number, text=r.text, method="ocr", quality=0.0,
                              reason=_how(dpi, config), chars=len(r.text), words=r.words,
                              mean_conf=r.mean_conf)
            queued = []
            if any(alt[i] is not pages[i] for i in which):
                yield alt
    finally:
        for future in queued:
            future.cancel()
        if doc is not None:
            doc.close()


def _how(dpi: int, config: str) -> str:
    if config == PP_OCR:
        return f"PP-OCR reading at {dpi} dpi"
    if config == DATE_LINES:
        return "PP-OCR reading of its 'Date:' lines under a date grammar"
    if config == INK_DROPPED:
        return f"fresh OCR at {dpi} dpi {BLOCK_CONFIG}, coloured ink dropped"
    return f"fresh OCR at {dpi} dpi {config}"


def _word_confs(words: list[Any]) -> dict[str, float]:
    conf: dict[str, float] = {}
    for w in words:
        key = re.sub(r"[^\w]", "", str(w[0])).lower()
        if key:
            conf[key] = max(conf.get(key, -1.0), float(w[1]))
    return conf


def _name_holds(name: str, party: str, conf: dict[str, float], least: float = NAME_WORD_CONF) -> str | None:
    """None when the second-reading name holds up, else why not."""
    if party == "ice" and known_ice(name):
        return None
    toks = name.split()
    if not name.isascii():  # "Gordén Smith" for Gordon: an accent OCR puts on a speck
        return "accented letters, often OCR's reading of a speck"
    if len(toks[-1].strip(".")) < 3:
        return f"surname {toks[-1]!r} too short to be whole"
    titles = [t for t in toks if any(fuzz.ratio(t.lower().strip(".,"), w) >= 75 for w in _TITLE_WORDS)
              or any(fuzz.ratio(t.lower().strip(".,'s"), w) >= 80 for w in NOT_NAME if len(w) >= 5)]
    if titles:
        return f"{titles} reads as a title or a place, not a name"
    if why := misread_first_name(name):  # check_read_names would drop it: let a later reading try
        return why
    word_conf = [(t, conf.get(re.sub(r"[^\w]", "", t).lower(), 0.0)) for t in name.split()]
    low = [t for t, c in word_conf if c < least]
    if low and least == PP_NAME_CONF and census_name(name) and min(c for _, c in word_conf) >= NAME_WORD_CONF:
        return None  # PP-OCR's line read less surely, but every word a census name: as Tesseract's floor holds
    return f"OCR confidence under {least:g} for {low}" if low else None


def _date_holds(iso: str, party: str, other: str | None, other_new: str | None, written: int = 1,
                named: str | None = None) -> str | None:
    """None when a second-reading date holds up, else why not. `written`: how many times the reading found
    that date on the signature page; twice means each block carries its own, so both parties may share it.
    `named`: the date ICE's file name carries; with no ICE date read, an LEA's date may not come after it
    (in the labeled set one LEA of 47 signed after the file name's date, and ICE's date was known there)."""
    if party == "lea" and named and not (other or other_new):
        if iso > named:
            return f"after the date in ICE's file name {named}, with no ICE date to check it against"
        if (date.fromisoformat(named) - date.fromisoformat(iso)).days > MAX_GAP_DAYS:
            return f"more than {MAX_GAP_DAYS} days before the date in ICE's file name {named}"
    for od in dict.fromkeys(d for d in (other, other_new) if d):  # in this order: a set's varies by run
        if iso == od and written < 2:
            return f"same as the other party's date {od}: column uncertain"
        if (party == "lea" and iso > od) or (party == "ice" and iso < od):
            return f"out of order with the other party's date {od}"
        if abs((date.fromisoformat(iso) - date.fromisoformat(od)).days) > MAX_GAP_DAYS:
            return f"more than {MAX_GAP_DAYS} days from the other party's date {od}"
    return None


def merge_fresh(signatories: list[dict[str, Any]], pages: list[Any], alt: list[Any],
                revision: str | None, named: str | None = None, located: list[Any] | None = None) -> int:
    """Fill missing names and dates of `signatories` from the second reading `alt`; returns how many.
    `named`: the date in ICE's file name (`extract.dates.date_in_name`), a bound on an LEA's date.
    Where the reading's word boxes place a date (extract.sigcolumns), its column decides whose it is: a date
    given before that it puts only in the other party's column is dropped, a new one it puts there is not
    used, and one it puts in the party's own column is that party's even when the other party's date is the
    same. `located` collects (reader, placement) of every reading, for `sigcolumns.agreed`."""
    new, _ = extract_signatories(alt, revision)
    where = sigcolumns.placed_in(pages, alt, column_order(alt, revision))
    if where is not None and located is not None:
        located.append(where)
    cols = where[1] if where else {}
    sigcolumns.check_columns(signatories, cols, located or ())
    by_new = {s["party"]: s for s in new}
    by_old = {s["party"]: s for s in signatories}
    words = [w for i, p in enumerate(alt) if p is not pages[i] for w in (p.words or [])]
    conf = _word_confs(words)
    pages_read = [p.number for i, p in enumerate(alt) if p is not pages[i]]
    how = next((p.reason for i, p in enumerate(alt) if p is not pages[i]), "fresh OCR")
    new_text = "\n".join(p.text or "" for i, p in enumerate(alt) if p is not pages[i])
    filled = 0
    for party, s in by_old.items():
        before = filled
        n = by_new.get(party)
        if n is None:
            continue
        other = "ice" if party == "lea" else "lea"
        note = f"read from a {how} of the signature page {pages_read}"
        printed_title = [r for r in n.get("reasons") or [] if r.endswith("where a name goes")]
        if s.get("name") is None and not n.get("name") and printed_title and s.get("name_line") is not False:
            # The reading sees the form's title where a name goes: no name is printed, none is missing.
            s["name_line"] = False
            s["title"] = s.get("title") or n.get("title")
            s["reasons"] = [r for r in s["reasons"] if not r.startswith("no printed name")]
            s["reasons"].append(f"{printed_title[0]} ({note})")
        if s.get("name") is None and n.get("name"):
            why = _name_holds(n["name"], party, conf, PP_NAME_CONF if "PP-OCR" in how else NAME_WORD_CONF)
            if why:
                s["reasons"].append(f"fresh OCR name {n['name']!r} not used: {why}")
            else:
                s["name"] = n["name"]
                s["title"] = s.get("title") or n.get("title")
                s["reasons"] = [r for r in s["reasons"] if not r.startswith(("no printed name", "name unreadable"))]
                s["reasons"].append("name " + note)
                filled += 1
        if s.get("date") is None and n.get("date"):
            # A digital-signature stamp is ICE's on these pages, however the reading placed it.
            written = sum(h.iso == n["date"] and h.kind != "digital-signature" for h in find_dates(new_text))
            mine, theirs = n["date"] in cols.get(party, {}), n["date"] in cols.get(other, {})
            why = "the reading's word positions put it in the other party's column" if theirs and not mine \
                else _date_holds(n["date"], party, (by_old.get(other) or {}).get("date"),
                                 (by_new.get(other) or {}).get("date"), 2 if mine else written, named)
            if why:
                s["reasons"].append(f"fresh OCR date {n['date']} not used: {why}")
            else:
                _give_date(s, n["date"], n.get("date_source"), "date " + note)
                filled += 1
        if s.get("date") is None and not n.get("date") and (d := _beside_stamp(new_text, cols, party, other)):
            why = _date_holds(d, party, (by_old.get(other) or {}).get("date"),
                              (by_new.get(other) or {}).get("date"), 2, named)
            if why:
                s["reasons"].append(f"fresh OCR date {d} beside a digital-signature stamp not used: {why}")
            else:
                _give_date(s, d, date_source_of(cols[party][d], "ocr"),
                           "date " + note + ", in its column beside the other party's digital-signature stamp")
                filled += 1
        if filled > before and not s.get("confidence"):
            s["confidence"] = n.get("confidence", 0.0)
    return filled


def _give_date(s: dict[str, Any], iso: str, source: str | None, reason: str) -> None:
    s["date"], s["date_source"] = iso, source
    s["reasons"] = [r for r in s["reasons"] if not r.startswith(("no readable date", "date unreadable"))]
    s["reasons"].append(reason)


_STAMP = re.compile(r"Digitally\s+signed", re.I)  # the words the text parser skips a line for


def _beside_stamp(text: str, cols: dict[str, dict[str, str]], party: str, other: str) -> str | None:
    """The one date that shares a text line with a digital-signature stamp and that the reading's word boxes
    put in `party`'s column, none in the other's. The text parser skips such a line whole (the stamp's words
    scatter over it), so a date handwritten in the other column beside ICE's stamp (2020 JEM pages: ICE
    signed digitally on the left, the LEA by hand on the right) is read but lost; only its place decides."""
    found = {h.iso for ln in text.splitlines() if _STAMP.search(ln)
             for h in find_dates(ln) if h.kind != "digital-signature"}
    mine = {d for d in found if d in cols.get(party, {}) and d not in cols.get(other, {})}
    return next(iter(mine)) if len(mine) == 1 and len(found) == 1 else None
