"""All fields of one MOA from its pages: model, agency and state, template revision, signatories, clauses.

`extract_fields(pages)` takes the pages `extract.pages.read_pages` gives (objects with `.number`, `.text`
and `.method`) and returns plain data for the record in DESIGN.md. Each value carries its evidence, and a
value the document does not settle is None with a reason in `reasons`.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from extract.agency import extract_agency
from extract.dates import date_in_name, find_revision
from extract.pdfsign import apply_form, read_form
from extract.program_model import extract_model
from extract.sections import extract_sections
from extract.signatures import ICE_SIGNERS, clean_name, extract_signatories, known_ice, side_by_side_order
from extract.sigocr import fresh_readings, merge_fresh

# Bumped when the rules change, so `moa extract` re-extracts fields (extract.pipeline reads it).
VERSION = "24"


def template_revision(pages: list[Any]) -> tuple[str | None, dict[str, Any]]:
    """The "Revised MM/DD/YYYY" footer of the 2025 templates, by majority over pages (OCR misreads one)."""
    votes: Counter = Counter()
    for p in pages:
        iso = find_revision(p.text or "")
        if iso:
            votes[iso] += 1
    if not votes:
        return None, {"reason": "no 'Revised' footer (2019-2020 templates print none)"}
    iso, n = votes.most_common(1)[0]
    return iso, {"pages_agreeing": n, "votes": dict(votes)}


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
    agency = extract_agency(pages, source_name=source_name)
    if agency["name"] is None:
        reasons.append("agency: " + agency["evidence"].get("reason", "not found"))
    if agency["state"] is None:
        reasons.append("state: " + agency["evidence"].get("state", {}).get("reason", "not found"))
    revision, rev_ev = template_revision(pages)
    signatories, sig_reasons = extract_signatories(pages, revision)
    reasons += ["signatories: " + r for r in sig_reasons]
    if pdf is not None and signatories:
        apply_form(signatories, read_form(pdf), side_by_side_order(pages, revision), ICE_SIGNERS, clean_name,
                   known_ice)
        if ocr_signatures and any(s.get("name") is None or s.get("date") is None for s in signatories):
            for alt in fresh_readings(pages, pdf, ocr_cache, jobs=ocr_jobs):
                merge_fresh(signatories, pages, alt, revision, date_in_name(source_name))
                if all(s.get("name") and s.get("date") for s in signatories):
                    break
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
