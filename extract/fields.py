"""All fields of one MOA from its pages: model, agency and state, template revision, signatories, clauses.

`extract_fields(pages)` takes the pages `extract.pages.read_pages` gives (objects with `.number`, `.text`
and `.method`) and returns plain data for the record in DESIGN.md. Each value carries its evidence, and a
value the document does not settle is None with a reason in `reasons`.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from extract.agency import extract_agency
from extract.dates import date_in_name, find_revision
from extract.pdfsign import apply_form, read_form
from extract.program_model import extract_model
from extract.sections import extract_sections
from extract.sigcolumns import agreed, check_columns, placed_in
from extract.signatures import (
    ICE_SIGNERS,
    check_read_names,
    clean_name,
    column_order,
    extract_signatories,
    known_ice,
    side_by_side_order,
    signature_pages,
)
from extract.sigocr import MAX_GAP_DAYS, _date_holds, fresh_readings, merge_fresh

# Bumped when the rules change, so `moa extract` re-extracts fields (extract.pipeline reads it).
VERSION = "39"  # 39: the date lines read no date before the form's "Revised" date (extract.datecrop); 38: a title OCR garbled is None with its reason (extract.titles); 37: a name the form prints that no reading gave is read once more with the coloured ink whitened (extract.sigocr); 36: a "Date:" label no reading gave is placed where the form prints it, over "Signature:" (extract.datecrop); 35: a PP-OCR name scored under 95 (down to 70) stands when every word is a census name (extract.sigocr); 34: a "Date:" line both date models read alike in every crop gives its date though each reading costs more than MAX_GAP; a stamp read on a "Date:" line is given as stamped; a label word Tesseract ran on over its date is cut to a label's width (extract.datecrop); 33: a misread "Date:" label level with the other column's label is a label (extract.datecrop); 32: a form printing "Director or designee" where a name goes: that party's name_line False; 31: a date beside the other party's digital-signature stamp, placed in its column
# 30: date lines read stamps' spaced days, confirm a date in the stretched box, void one the
# checker reads apart at any cost; a date out of bounds is voided before the second readings
# 29: no name from two readers alike (it helped one validation file, none of the corpus)
# 28: signature dates placed in their column by word boxes; dates two readers agree on
# 27: garbled headings of known titles (specks after the numeral, no period, stray glyphs); 26: name_line; names with a capitalised particle; ICE title line running into the LEA name; revision footers after the file was saved; stamps by shape and signer; run-together PARTIES repair
# 25: agency and state from more sources (body sentence, form field, contacts, places); bounds on dates; misread first names


def template_revision(pages: list[Any], latest: str | None = None) -> tuple[str | None, dict[str, Any]]:
    """The "Revised MM/DD/YYYY" footer of the 2025 templates, by majority over pages (OCR misreads one).

    A footer read as later than `latest` (the last day the file's metadata allows a date on its pages) is a
    misreading ("2025" read as "2026") and has no vote. Two readings tied for the most pages are settled
    part by part (month, day and year each by majority over every page): each part needs a clear winner and
    the date so made must be one the pages print, else there is no revision."""
    votes: Counter = Counter()
    late: Counter = Counter()
    for p in pages:
        iso = find_revision(p.text or "")
        if iso and latest and iso > latest:
            late[iso] += 1
        elif iso:
            votes[iso] += 1
    ev: dict[str, Any] = {"after_file_saved": dict(late)} if late else {}
    if not votes:
        return None, dict(ev, reason="no 'Revised' footer (2019-2020 templates print none)")
    (iso, n), *rest = votes.most_common()
    if rest and rest[0][1] == n:
        parts = []
        for k in range(3):
            part: Counter = Counter()
            for v, c in votes.items():
                part[v.split("-")[k]] += c
            (best, m), *others = part.most_common()
            parts.append(best if not others or others[0][1] < m else None)
        joined = "-".join(parts) if None not in parts else None
        if joined not in votes:
            return None, dict(ev, votes=dict(votes), reason="the pages' footers disagree and no reading wins")
        iso, n = joined, votes[joined]
        ev["settled_by_parts"] = True
    return iso, dict(ev, pages_agreeing=n, votes=dict(votes))


def saved_by(pdf: Path | str | bytes) -> str | None:
    """The latest day the file's metadata allows a date on its pages (extract.pdf.latest_date), ISO."""
    from extract.pdf import latest_date, open_pdf

    try:
        doc = open_pdf(pdf)
    except Exception:  # noqa: BLE001 - an unreadable file gives no bound, the pages were read already
        return None
    try:
        day = latest_date(doc)
    finally:
        doc.close()
    return day.isoformat() if day else None


def bound_dates(signatories: list[dict[str, Any]], latest: str | None, named: str | None) -> None:
    """Void a signature date no reading can make true: one after the file was last saved (a year misread,
    "2028" typed for 2025), or one more than MAX_GAP_DAYS from the date ICE's file name carries, when the date
    is read from ink or type rather than a digital signature (a handwritten "2019" read as "2018")."""
    for s in signatories:
        d = s.get("date")
        if not d:
            continue
        why = None
        if latest and d > latest:
            why = f"after the file was last saved ({latest})"
        elif named and s.get("date_source") != "digital-signature" and \
                abs((date.fromisoformat(d) - date.fromisoformat(named)).days) > MAX_GAP_DAYS:
            why = f"more than {MAX_GAP_DAYS} days from the date in ICE's file name ({named})"
        if why:
            s["reasons"].append(f"date {d} dropped: {why}")
            s["date"], s["date_source"] = None, None


def _own_placement(pages: list[Any], revision: str | None) -> tuple[str, Any] | None:
    """(reader, placement) of the signature page(s) as the pipeline OCR'd them (extract.sigcolumns)."""
    sig = signature_pages(pages)
    ocrd = [p if i in sig and getattr(p, "method", "") == "ocr" else None for i, p in enumerate(pages)]
    return placed_in([None] * len(pages), ocrd, column_order(pages, revision)) if any(ocrd) else None


def fill_agreed(signatories: list[dict[str, Any]], located: list[Any], revision: str | None,
                named: str | None) -> int:
    """Give a party still without a date the one date two independent readers put in its column while no
    reading puts another there (extract.sigcolumns.agreed), when it holds as a second reading's date must
    (extract.sigocr: order, gap, file name) and does not precede the template revision. Returns how many."""
    by = {s.get("party"): s for s in signatories}
    filled = 0
    for party, s in by.items():
        if party not in ("lea", "ice") or s.get("date") or not located:
            continue
        iso, ev = agreed(located, party)
        other = (by.get("ice" if party == "lea" else "lea") or {}).get("date")
        why = None if iso else ev
        if iso and revision and iso < revision:
            why = f"{iso} precedes the template revision {revision}"
        why = why or _date_holds(iso, party, other, None, 2, named)
        if why:
            if iso:
                s["reasons"].append(f"date {iso} {ev} not used: {why}")
            continue
        kind = next((w[party][iso] for _, w in located if iso in w.get(party, {})), "numeric")
        s["date"], s["date_source"] = iso, "handwritten" if kind == "numeric" else kind
        s["reasons"] = [r for r in s["reasons"] if not r.startswith(("no readable date", "date unreadable"))]
        s["reasons"].append(f"date {ev}")
        filled += 1
    return filled


def extract_fields(pages: list[Any], pdf: Path | str | bytes | None = None, *, ocr_cache: Path | None = None,
                   ocr_signatures: bool = True, source_name: str | None = None,
                   ocr_jobs: int = 0) -> dict[str, Any]:
    """The fields of one agreement (see module doc); never raises on odd text, gives None instead.

    `pdf` (path or bytes), when given, adds what the file holds outside its page text: digital-signature
    dictionaries and filled-in form fields (extract.pdfsign), and, with `ocr_signatures`, a fresh OCR of a
    scanned signature page whose old OCR layer left a name or date empty (extract.sigocr; cached under
    `ocr_cache`).

    `source_name`, the document's original file name or URL (ICE's names carry the state: "GraysonCountyDCKY_JEM"),
    only narrows a state the text leaves open between candidate states (extract.agency)."""
    reasons: list[str] = []
    model = extract_model(pages)
    if model.get("reason"):
        reasons.append("model: " + model["reason"])
    form = read_form(pdf) if pdf is not None else []
    latest = saved_by(pdf) if pdf is not None else None
    agency = extract_agency(pages, source_name=source_name,
                            form=[(f.field, f.value, f.page) for f in form if f.kind == "text"])
    if agency["name"] is None:
        reasons.append("agency: " + agency["evidence"].get("reason", "not found"))
    if agency["state"] is None:
        reasons.append("state: " + agency["evidence"].get("state", {}).get("reason", "not found"))
    revision, rev_ev = template_revision(pages, latest)
    signatories, sig_reasons = extract_signatories(pages, revision)
    reasons += ["signatories: " + r for r in sig_reasons]
    if pdf is not None and signatories:
        apply_form(signatories, form, side_by_side_order(pages, revision), ICE_SIGNERS, clean_name, known_ice,
                   latest)
        # A date no reading can make true (a stamp's 2019 read as 2018) is voided before the second readings,
        # so that one of them may read it; bound_dates checks what they give at the end.
        bound_dates(signatories, latest, date_in_name(source_name))
        located: list[Any] = []
        first = _own_placement(pages, revision)  # the signature page's own OCR reading places its dates too
        if first is not None:
            located.append(first)
            check_columns(signatories, first[1])
        if ocr_signatures and any(s.get("name") is None or s.get("date") is None for s in signatories):
            for alt in fresh_readings(pages, pdf, ocr_cache, jobs=ocr_jobs, signatories=signatories,
                                      earliest=revision):
                merge_fresh(signatories, pages, alt, revision, date_in_name(source_name), located)
                if all(s.get("name") and s.get("date") for s in signatories):
                    break
        fill_agreed(signatories, located, revision, date_in_name(source_name))
    check_read_names(signatories, pages)
    if pdf is not None:
        bound_dates(signatories, latest, date_in_name(source_name))
    sections, appendices = extract_sections(pages)
    if not sections:
        reasons.append("sections: no numbered articles found")
    return {
        "model": model["model"],
        "agency": agency,
        "signatories": signatories,
        "template_revision": revision,
        "sections": sections,
        "appendices": appendices,
        "evidence": {"model": model["evidence"], "template_revision": rev_ev},
        "reasons": reasons,
    }
