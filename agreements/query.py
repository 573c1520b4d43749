"""Questions asked of the read model: which agreements (by state, model, status, dates), which agency."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable

from harvest.ledger_query import check_date, events_for_agreements
from moa.errors import UserError
from moa.program import MODELS

from . import names
from .join import Corpus
from .models import Agency, Agreement

STATUSES = ("active", "removed", "pending", "withdrawn", "unlisted")


def select(corpus: Corpus, *, state: str | None = None, model: str | None = None, status: str | None = None,
           since: str | None = None, until: str | None = None, agency: str | None = None,
           agency_type: str | None = None, held: bool | None = None) -> list[Agreement]:
    """Agreements matching every filter given. `since`/`until` bound the date the status began (removed: the
    first list without it; active and pending: the first list with it)."""
    since, until = check_date(since, "--since"), check_date(until, "--until")
    if model and model.upper() not in MODELS:
        raise UserError(f"unknown model {model!r}: use {', '.join(MODELS)}")
    if status and status not in STATUSES:
        raise UserError(f"unknown status {status!r}: use {', '.join(STATUSES)}")
    want_key = names.key(agency) if agency else None
    out = []
    for a in corpus.agreements:
        if state and (a.state or "").upper() != state.upper():
            continue
        if model and (a.model or "") != model.upper():
            continue
        if status and a.status != status:
            continue
        if agency_type and (a.agency_type or "").lower() != agency_type.lower():
            continue
        day = (a.status_since or "")[:10]
        if since and not (day and day >= since):
            continue
        if until and not (day and day <= until):
            continue
        if held is not None and (a.moa is not None) != held:
            continue
        if want_key and want_key not in names.key(a.agency) and agency.lower() not in (a.agency or "").lower():
            continue
        out.append(a)
    return out


def row(a: Agreement) -> dict:
    """One agreement as a flat row (`moa agreements --csv`)."""
    listing = a.listing
    moa = a.moa
    return {
        "id": a.id, "agency": a.agency, "state": a.state, "model": a.model, "status": a.status,
        "status_since": a.status_since, "signed": a.signed, "agency_type": a.agency_type, "county": a.county,
        "listed_as": listing.agency if listing else None,
        "first_on_list": (listing.first_seen or {}).get("published") if listing else None,
        "last_on_list": (listing.last_seen or {}).get("published") if listing else None,
        "off_list": (listing.removed or {}).get("published") if listing else None,
        "moa_file": moa.file if moa else (listing.files[0]["file"] if listing and listing.files else None),
        "moa_sha256": moa.sha256 if moa else None,
        "documents": sum(1 for d in a.documents if d.sha256),
        "disagreements": "; ".join(f"{d['field']}: ICE {d['ice']} / MOA {d['document']}" for d in a.disagreements)
        or None,
        "sources": ",".join(f"{k}={v}" for k, v in a.sources.items() if v != "ice") or "ice",
    }


def find_agency(corpus: Corpus, ref: str) -> Agency:
    """An agency by id, by any spelling (any case), or by a unique part of its name ("Pinellas", "pinellas fl")."""
    ref = ref.strip()
    if not ref:
        raise UserError("give an agency name or id")
    if ref in corpus.agencies:
        return corpus.agencies[ref]
    low = ref.lower()
    exact = [g for g in corpus.agencies.values()
             if low in (s.lower() for s in [g.name, *g.spellings, *g.read_as] if s)]
    if len(exact) == 1:
        return exact[0]
    state = None
    m = re.fullmatch(r"(.*?)[\s,]+([A-Za-z]{2})", ref)
    if m and m.group(2).upper() in {g.state for g in corpus.agencies.values()}:
        ref, state = m.group(1), m.group(2).upper()
    key = names.key(ref)
    found = [g for g in (exact or corpus.agencies.values())
             if (state is None or g.state == state)
             and any(key and key in names.key(s) for s in [g.name, *g.spellings, *g.read_as] if s)]
    if not found:
        raise UserError(f"no agency matches {ref!r}")
    if len(found) > 1:
        shown = ", ".join(f"{g.name} ({g.state}) [{g.id}]" for g in sorted(found, key=lambda g: g.id)[:8])
        more = f" and {len(found) - 8} more" if len(found) > 8 else ""
        raise UserError(f"{ref!r} matches {len(found)} agencies: {shown}{more}; give the id or add the state")
    return found[0]


def list_history(conn: sqlite3.Connection, agreement: Agreement) -> list[dict]:
    """The agreement's events on ICE's lists, oldest first (none for a document no list names)."""
    if agreement.listing is None:
        return []
    return events_for_agreements(conn, [agreement.listing.ledger_id])[agreement.listing.ledger_id]


def agency_detail(conn: sqlite3.Connection, corpus: Corpus, agency: Agency) -> dict:
    """One agency: its names, its agreements in full, and each agreement's history on ICE's lists."""
    held = [corpus.agreement(i) for i in agency.agreement_ids]
    agreements = [a for a in held if a is not None]
    history = events_for_agreements(conn, [a.listing.ledger_id for a in agreements if a.listing])
    out = agency.to_dict()
    out["agreements"] = []
    for a in agreements:
        d = a.to_dict()
        d["history"] = history.get(a.listing.ledger_id, []) if a.listing else []
        out["agreements"].append(d)
    return out


def rows(agreements: Iterable[Agreement]) -> list[dict]:
    return [row(a) for a in agreements]
