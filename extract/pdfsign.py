"""Signature evidence a PDF holds outside its page text: digital-signature dictionaries and form fields.

A digitally signed MOA carries a `/FT /Sig` field whose value holds the signing time (`/M`,
"D:20200609143827-04'00'") and the certificate's name (`/Name`); a filled-in form carries its typed Date
and Name as field values that the page's text layer often lacks. Both are exact. Each is mapped to the
LEA or ICE block of the signature page: a signer by name (the list of ICE officials, or the LEA's printed
surname), a typed field by its column on a side-by-side page. Values only fill gaps: what the page text
gave is kept.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from extract.dates import find_dates

log = logging.getLogger("moa.extract")

_SIG_TIME = re.compile(r"D:(\d{4})(\d{2})(\d{2})")


@dataclass
class FormValue:
    page: int  # 1-based
    kind: str  # 'sig' (a signature dictionary) | 'text' (a filled-in text field)
    field: str  # the field's name (/T)
    value: str  # the signing date (ISO) of a 'sig', the text of a 'text'
    signer: str  # /Name of a signature's dictionary
    x_frac: float  # the widget's horizontal centre, as a share of the page width


def _inherited(annot: Any, key: str) -> Any:
    node, depth = annot, 0
    while node is not None and depth < 8:
        if key in node:
            return node[key]
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
        depth += 1
    return None


def read_form(source: Path | str | bytes) -> list[FormValue]:
    """Every signed signature field and filled-in text field of the PDF, with its page and column."""
    import pypdf

    try:
        reader = pypdf.PdfReader(io.BytesIO(source) if isinstance(source, bytes) else str(source))
        pages = list(reader.pages)
    except Exception as e:  # noqa: BLE001 - a PDF pypdf cannot parse just has no form evidence
        log.debug("form fields unreadable: %s", e)
        return []
    out: list[FormValue] = []
    for number, page in enumerate(pages, 1):
        try:
            annots = page.get("/Annots") or []
            width = float(page.mediabox.width) or 612.0
            left = float(page.mediabox.left)
            for ref in annots:
                a = ref.get_object()
                if a.get("/Subtype") != "/Widget":
                    continue
                rect = [float(x) for x in a.get("/Rect", [0, 0, 0, 0])]
                x_frac = ((rect[0] + rect[2]) / 2 - left) / width
                ft, name, v = _inherited(a, "/FT"), str(_inherited(a, "/T") or ""), _inherited(a, "/V")
                v = v.get_object() if v is not None else None
                if ft == "/Sig" and hasattr(v, "get"):
                    m = _SIG_TIME.match(str(v.get("/M") or ""))
                    if m:
                        out.append(FormValue(number, "sig", name, f"{m[1]}-{m[2]}-{m[3]}",
                                             str(v.get("/Name") or ""), x_frac))
                elif ft == "/Tx" and isinstance(v, str) and v.strip():
                    out.append(FormValue(number, "text", name, v.strip(), "", x_frac))
        except Exception as e:  # noqa: BLE001 - an odd annotation drops that page's evidence, not the document
            log.debug("page %d form fields unreadable: %s", number, e)
    return out


def _surname(name: str | None) -> str:
    toks = re.findall(r"[A-Za-z][A-Za-z'\-]+", name or "")
    toks = [t for t in toks if t.lower() not in ("jr", "sr", "ii", "iii", "iv")]
    return toks[-1].lower() if toks else ""


def _signer_party(signer: str, by_party: dict[str, dict[str, Any]], ice_signers: list[str]) -> str | None:
    """'ice' for an ICE official's certificate, 'lea' for the LEA's printed signer; None when unsure."""
    s = _surname(signer)
    if not s:
        return None
    ice_hit = any(_surname(k) == s for k in ice_signers) or max(
        fuzz.ratio(signer.lower(), k.lower()) for k in ice_signers) >= 85
    lea_hit = s == _surname((by_party.get("lea") or {}).get("name"))
    if ice_hit != lea_hit:
        return "ice" if ice_hit else "lea"
    return None


def _date_field(name: str) -> bool:
    return bool(re.fullmatch(r"\s*Date(?:[\s_]*\d+)?\s*", name, re.IGNORECASE))


def _name_field(name: str) -> bool:
    return bool(re.fullmatch(r"\s*(?:Printed\s+)?Name(?:[\s_]*\d+)?\s*", name, re.IGNORECASE))


def apply_form(signatories: list[dict[str, Any]], form: list[FormValue], order: tuple[str, str] | None,
               ice_signers: list[str], clean_name: Any, known_ice: Any, latest: str | None = None) -> int:
    """Fill missing dates (and names) of `signatories` from `form`; returns how many values were filled.
    A typed date after `latest` (the file's last save) is a typing slip ("02/28/2028") and is not used.

    `order` is the (left, right) party order of a side-by-side signature page, None when the blocks are
    stacked (then a typed field's column says nothing and only signature dictionaries are used)."""
    by_party = {s["party"]: s for s in signatories}
    if not by_party:
        return 0
    page = next((s["page"] for s in signatories if s.get("page")), None)
    filled = 0
    dates: dict[str, set[str]] = {}
    names: dict[str, set[str]] = {}
    sources: dict[str, str] = {}
    for fv in form:
        if fv.kind == "sig":
            party = _signer_party(fv.signer, by_party, ice_signers)
            if party is None and order and page == fv.page:
                party = order[0] if fv.x_frac < 0.5 else order[1]
            if party:
                dates.setdefault(party, set()).add(fv.value)
                sources[party] = "digital-signature"
        elif order and fv.page == page:
            party = order[0] if fv.x_frac < 0.5 else order[1]
            if _date_field(fv.field):
                hits = find_dates(fv.value)
                if len({h.iso for h in hits}) == 1 and not (latest and hits[0].iso > latest):
                    dates.setdefault(party, set()).add(hits[0].iso)
                    sources.setdefault(party, "typed")
            elif _name_field(fv.field):
                names.setdefault(party, set()).add(fv.value)
    for party, isos in dates.items():
        s = by_party.get(party)
        if s is None or s.get("date") or len(isos) != 1:
            continue
        iso = next(iter(isos))
        other = by_party.get("ice" if party == "lea" else "lea") or {}
        od = other.get("date")
        if od and ((party == "lea" and iso > od) or (party == "ice" and iso < od)):
            s["reasons"].append(f"form field date {iso} conflicts with the other party's {od}: not used")
            continue
        s["date"], s["date_source"] = iso, sources[party]
        s["reasons"] = [r for r in s["reasons"] if not r.startswith(("no readable date", "date unreadable"))]
        s["reasons"].append(f"date from the PDF's {'signature dictionary' if sources[party] == 'digital-signature' else 'form field'}")
        filled += 1
    for party, vals in names.items():
        s = by_party.get(party)
        if s is None or s.get("name") or len(vals) != 1:
            continue
        nm = clean_name(next(iter(vals)))
        if not nm or (party == "ice" and not known_ice(nm)):
            continue
        s["name"] = nm
        s["reasons"] = [r for r in s["reasons"] if not r.startswith(("no printed name", "name unreadable"))]
        s["reasons"].append("name from the PDF's form field")
        filled += 1
    return filled
