"""Agreements and their documents → the units an index holds: one per agreement (its names and listing, whether
or not we hold its PDF), and for each document one unit, one per page, one per clause (section or subsection).

A document's units carry its agreement's identity (agreements.join): the agency under its canonical name, ICE's
state, model and status where ICE lists it, the extracted values otherwise (`sources` says which), and the
agency as the document names it in `agency_read`. Every unit carries the document's metadata, so a filter (model:, state:, signed:, status: …) applies at any
level without a join, and facets can be counted from the units that matched. Both backends index exactly
these units; `fingerprint` lets the indexer skip documents whose units have not changed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from agreements.models import Agreement
from moa.program import MODEL_NAMES
from moa.states import STATE_NAMES

LEVELS = ("document", "page", "clause", "agreement")
AGREEMENT_KEY = "agreement:"  # an agreement unit's key in the index starts so (a document's is its sha256)

# Order matters: the first pattern found in the agency name decides its type.
_AGENCY_TYPES = (
    ("sheriff", re.compile(r"\bsheriff", re.I)),
    ("corrections", re.compile(r"\bcorrection|\bdoc\b|\bprison|\bpenitentiar", re.I)),
    ("jail", re.compile(r"\bjail|\bdetention|\bjailer|\bregional\s+jail", re.I)),
    ("police", re.compile(r"\bpolice|\bmarshal|\bconstable|\bpublic\s+safety\s+department", re.I)),
    ("state", re.compile(r"\bstate\b|\bhighway\s+patrol|\bdepartment\s+of|\bcommission|\bnational\s+guard", re.I)),
)


def agency_type(name: str | None) -> str:
    """sheriff | corrections | jail | police | state | other, from the agency's name."""
    if not name:
        return "other"
    for kind, pattern in _AGENCY_TYPES:
        if pattern.search(name):
            return kind
    return "other"


@dataclass
class Unit:
    """One searchable unit. `uid` is stable across runs: sha256 + level + position."""

    uid: str
    level: str  # document | page | clause | agreement
    sha256: str
    file: str
    agency: str | None
    state: str | None
    model: str | None
    agency_type: str
    signed: str | None  # the agreement's execution date: the latest signature date (ISO)
    signed_lea: str | None
    signed_ice: str | None
    year: str | None  # year of `signed`
    template_revision: str | None
    status: str  # active | removed | pending | withdrawn | unlisted | unknown (agreements.models.Status)
    signers: list[str]  # "Name, Title" of every signatory, for signer:
    page: int | None  # page level: the page; clause level: first page; document level: None
    page_end: int | None
    section_number: str | None  # "IV" or, for a subsection, "IV.E"
    section_title: str | None
    section_key: str | None
    section_keys: list[str]  # keys and lower-case numbers this unit lies in, for section:
    text: str
    agency_read: str | None = None  # the agency as the document's text names it (evidence for `agency`)
    agreement_id: str | None = None
    agency_id: str | None = None
    sources: dict[str, str] = field(default_factory=dict)  # facet -> "ice" | "document"
    moa_sha256: str | None = None  # an agreement unit: the MOA we hold

    def meta(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("text")
        return d


@dataclass
class IndexDoc:
    """Everything an index holds for one document; replaced as a whole when its fingerprint changes."""

    sha256: str
    fingerprint: str
    units: list[Unit] = field(default_factory=list)


def _signed_dates(record: dict) -> tuple[str | None, str | None, str | None]:
    lea = [s.get("date") for s in record.get("signatories") or [] if s.get("party") == "lea" and s.get("date")]
    ice = [s.get("date") for s in record.get("signatories") or [] if s.get("party") == "ice" and s.get("date")]
    lea_d, ice_d = (max(lea) if lea else None), (max(ice) if ice else None)
    both = [d for d in (lea_d, ice_d) if d]
    if not both:  # no date read off the signature page: ICE's published SIGNED date, where the ledger has it
        both = [d for d in (record.get("listing") or {}).get("signed_dates") or [] if d]
    return (max(both) if both else None), lea_d, ice_d


def _signers(record: dict) -> list[str]:
    out = []
    for s in record.get("signatories") or []:
        parts = [p for p in (s.get("name"), s.get("title")) if p]
        if parts:
            out.append(", ".join(parts))
    return out


def _pages_text(record: dict) -> dict[int, str]:
    return {int(p["number"]): p.get("text") or "" for p in record.get("pages") or [] if p.get("number") is not None}


def _clauses(record: dict) -> list[tuple[str, str, str, int | None, int | None, list[str], str]]:
    """(number, title, key, page_start, page_end, keys, text) for every section and subsection."""
    out = []
    for sec in record.get("sections") or []:
        num = str(sec.get("number") or "").strip()
        key = sec.get("key") or ""
        sec_keys = [k for k in (key, num.lower()) if k]
        out.append((num, sec.get("title") or "", key, sec.get("page_start"), sec.get("page_end"), sec_keys,
                    sec.get("text") or ""))
        for sub in sec.get("subsections") or []:
            letter = str(sub.get("letter") or "").strip()
            snum = f"{num}.{letter}" if num and letter else (num or letter)
            skey = sub.get("key") or ""
            keys = sec_keys + [k for k in (skey, snum.lower()) if k and k not in sec_keys]
            out.append((snum, sub.get("title") or "", skey, sub.get("page_start"),
                        sub.get("page_end") or sub.get("page_start"), keys, sub.get("text") or ""))
    for app in record.get("appendices") or []:
        letter = str(app.get("letter") or "").strip()
        if app.get("text"):
            key = f"appendix-{letter.lower()}" if letter else "appendix"
            out.append((f"Appendix {letter}".strip(), app.get("title") or "", key, app.get("page_start"),
                        app.get("page_end"), [key, "appendix"], app.get("text") or ""))
    return out


def join_pages(texts: Iterable[str]) -> str:
    """A document's text: its pages' text in page order (the sqlite backend rebuilds it the same way)."""
    return "\n\n".join(texts)


def units_for_record(record: dict, status: str = "unknown", agreement: Agreement | None = None) -> list[Unit]:
    """The document, page and clause units of one extracted record (DESIGN.md's record, with page text); with
    its agreement, the units carry the agreement's identity (canonical agency, ICE's facets, status)."""
    sha = record["sha256"]
    agency = record.get("agency") or {}
    listing = record.get("listing") or {}  # what ICE's roster says (agreements.documents joins it)
    name = agency.get("name") or listing.get("agency")
    state = agency.get("state") or listing.get("state")
    state = state if isinstance(state, str) and len(state) == 2 and state.isalpha() else None
    model = record.get("model") or listing.get("model")
    signed, lea, ice = _signed_dates(record)
    ident: dict = {"agency_read": agency.get("name")}
    if agreement is not None:
        name, state, model = agreement.agency or name, agreement.state or state, agreement.model or model
        ident.update(agreement_id=agreement.id, agency_id=agreement.agency_id, sources=dict(agreement.sources))
    base = dict(
        sha256=sha, file=record.get("file") or sha, agency=name, state=state and state.upper(),
        model=model, agency_type=agency_type(name), signed=signed, signed_lea=lea,
        signed_ice=ice, year=signed[:4] if signed else None, template_revision=record.get("template_revision"),
        status=status, signers=_signers(record), **ident,
    )
    pages = _pages_text(record)
    clauses = _clauses(record)
    all_keys = sorted({k for c in clauses for k in c[5]})
    units = [Unit(uid=f"{sha}:document", level="document", page=None, page_end=None, section_number=None,
                  section_title=None, section_key=None, section_keys=all_keys,
                  text=join_pages(pages[n] for n in sorted(pages)), **base)]
    for n in sorted(pages):
        covering = [c for c in clauses if c[3] and c[3] <= n <= (c[4] or c[3])]
        keys = sorted({k for c in covering for k in c[5]})
        # A page is cited by the clause that begins latest on or before it (the first such in the document).
        sec = max(covering, key=lambda c: c[3], default=None)
        units.append(Unit(uid=f"{sha}:page:{n}", level="page", page=n, page_end=n,
                          section_number=sec[0] or None if sec else None, section_title=sec[1] or None if sec else None,
                          section_key=sec[2] or None if sec else None, section_keys=keys, text=pages[n], **base))
    for i, (num, title, key, start, end, keys, text) in enumerate(clauses):
        units.append(Unit(uid=f"{sha}:clause:{i}", level="clause", page=start, page_end=end or start,
                          section_number=num or None, section_title=title or None, section_key=key or None,
                          section_keys=keys, text=text, **base))
    return units


def agreement_text(agreement: Agreement) -> str:
    """What an agreement unit's words match: its agency's names, place, model and what ICE listed."""
    listing = agreement.listing
    names = [agreement.agency]
    if listing is not None:
        names += [s["agency"] for s in listing.spellings]
    names += [d.agency for d in agreement.documents if d.agency]
    parts = list(dict.fromkeys(n for n in names if n))
    parts += [x for x in (agreement.county, STATE_NAMES.get(agreement.state or ""), agreement.state,
                          MODEL_NAMES.get(agreement.model or ""), agreement.model, agreement.agency_type) if x]
    parts += [d.file for d in agreement.documents]
    return "\n".join(parts)


def agreement_doc(agreement: Agreement) -> IndexDoc:
    """The one-unit index document of an agreement (ICE's listing, its held MOA's metadata where we have it)."""
    moa = agreement.moa
    key = AGREEMENT_KEY + agreement.id
    signers = [", ".join(p for p in (s.get("name"), s.get("title")) if p) for s in (moa.signatories if moa else [])]
    unit = Unit(uid=key, level="agreement", sha256=key, file=moa.file if moa else (
                    agreement.documents[0].file if agreement.documents else ""),
                agency=agreement.agency, state=agreement.state, model=agreement.model,
                agency_type=agency_type(agreement.agency), signed=agreement.signed, signed_lea=None, signed_ice=None,
                year=agreement.signed[:4] if agreement.signed else None,
                template_revision=moa.template_revision if moa else None, status=agreement.status,
                signers=[s for s in signers if s], page=None, page_end=None, section_number=None,
                section_title=None, section_key=None, section_keys=[], text=agreement_text(agreement),
                agency_read=moa.agency if moa else None, agreement_id=agreement.id, agency_id=agreement.agency_id,
                sources=dict(agreement.sources), moa_sha256=moa.sha256 if moa else None)
    units = [unit]
    return IndexDoc(sha256=key, fingerprint=fingerprint(units), units=units)


def fingerprint(units: Iterable[Unit]) -> str:
    h = hashlib.sha256()
    for u in units:
        h.update(json.dumps(asdict(u), sort_keys=True, ensure_ascii=False).encode())
    return h.hexdigest()


def index_doc(record: dict, status: str = "unknown", agreement: Agreement | None = None) -> IndexDoc:
    units = units_for_record(record, status, agreement)
    return IndexDoc(sha256=record["sha256"], fingerprint=fingerprint(units), units=units)
