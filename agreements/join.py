"""Build the read model: every agreement ICE's lists ever held, joined to the documents we hold and to what
extraction read in them, and the agencies that hold them.

Rules (each one a class of rows, never a named agency):
- An agreement is one agreement the ledger traced through the snapshots (`harvest.ledger_query`), so a typo
  fix or a re-signing is a change of one agreement, not a second one. A pending agreement that was signed (left
  the pending list as the same agency and model joined the participating list) is folded into the participating
  agreement, its pending time kept under `listing.pending`.
- Its documents are every PDF its rows linked (MOA and addenda), found in the catalog by file name; a linked file
  we do not hold is listed with sha256 null. A PDF no row ever linked (a user's own) is an agreement of its own,
  `unlisted`, from extraction alone.
- Identity facets (agency, state, model, type, county, signed) are ICE's when ICE lists the agreement, else the
  document's, and `sources` says which. Where ICE and the MOA disagree, both values are kept in `disagreements`.
- An agency is a union of agreements whose listed names are one name but for spelling (`agreements.names`), in
  one state; its name is ICE's newest spelling, tidied.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from extract import records as extracted
from harvest.ledger_query import agreement_histories
from moa.files import shas_by_name

from . import names
from .documents import provenance
from .listing import extracted_signed_date
from .models import Agency, Agreement, Document, Listing

# token_set_ratio of two agency keys at or above which ICE's name and the document's name agree
AGENCY_AGREES = 85


@dataclass
class Corpus:
    """Every agreement and agency of one catalog."""

    agreements: list[Agreement] = field(default_factory=list)
    agencies: dict[str, Agency] = field(default_factory=dict)

    def agreement(self, ref: str) -> Agreement | None:
        return next((a for a in self.agreements if a.id == ref), None)

    def by_document(self) -> dict[str, Agreement]:
        """sha256 -> the agreement a document belongs to: the one that links it as its MOA, else as an addendum,
        else (never listed) its own."""
        out: dict[str, Agreement] = {}
        for rank in ("moa", "addendum", None):
            for a in self.agreements:
                for d in a.documents:
                    if d.sha256 and d.linked_as == rank:
                        out.setdefault(d.sha256, a)
        return out


def identity(agreement: Agreement) -> dict:
    """What a document's views show of its agreement: the canonical agency, ICE's facets, where each came from."""
    return {"id": agreement.id, "agency_id": agreement.agency_id, "agency": agreement.agency,
            "state": agreement.state, "model": agreement.model, "status": agreement.status,
            "signed": agreement.signed, "sources": dict(agreement.sources),
            "disagreements": list(agreement.disagreements)}


class _Union:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _listing(h: dict) -> Listing:
    return Listing(ledger_id=h["agreement_id"], list=h["list"], agency=h["agency"], state=h["state"],
                   model=h["model"], agency_type=h["agency_type"], county=h["county"], signed=h["signed"],
                   moa_url=h["moa_url"], first_seen=h["first_seen"], last_seen=h["last_seen"], listed=h["listed"],
                   removed=h["removed"], spellings=h["spellings"], files=h["files"])


def _fold_signed_pending(histories: list[dict]) -> tuple[list[dict], dict[int, dict]]:
    """Participating and still-separate pending histories; {participating id: the pending history it came from}."""
    joined = {}
    by_key = {(h["state"], h["model"], h["agency_key"], h.get("from_pending")): h
              for h in histories if h["list"] == "participating" and h.get("from_pending")}
    kept = []
    for h in histories:
        if h["list"] == "pending" and h.get("to_participating") and h["removed"]:
            target = by_key.get((h["state"], h["model"], h["agency_key"], h["removed"]["snapshot"]))
            if target is not None:
                joined[target["agreement_id"]] = h
                continue
        kept.append(h)
    return kept, joined


def _status(listing: Listing) -> tuple[str, str | None]:
    if listing.list == "pending":
        if listing.listed:
            return "pending", (listing.first_seen or {}).get("published")
        return "withdrawn", (listing.removed or {}).get("published")
    if listing.listed:
        return "active", (listing.first_seen or {}).get("published")
    return "removed", (listing.removed or {}).get("published")


def _document(conn: sqlite3.Connection, sha: str | None, file: str, linked_as: str | None,
              records: dict[str, dict]) -> Document:
    doc = Document(sha256=sha, file=file, linked_as=linked_as)
    if sha is None:
        return doc
    doc.provenance = provenance(conn, sha)
    rec = records.get(sha)
    if rec is not None:
        agency = rec.get("agency") or {}
        doc.extracted = True
        doc.model = rec.get("model")
        doc.agency = agency.get("name")
        doc.state = agency.get("state")
        doc.signed = extracted_signed_date(rec)
        doc.template_revision = rec.get("template_revision")
        doc.page_count = rec.get("page_count")
        doc.signatories = [{k: s.get(k) for k in ("party", "name", "title", "date", "page")}
                           for s in rec.get("signatories") or []]
    return doc


def _disagreements(listing: Listing, docs: Iterable[Document]) -> list[dict]:
    out = []
    for d in docs:
        if not d.extracted or d.linked_as != "moa":
            continue
        pairs = [("state", listing.state, d.state), ("model", listing.model, d.model),
                 ("signed", listing.signed, _signed_against(listing.signed, d))]
        for fld, ice, ours in pairs:
            if ice and ours and ice != ours:
                out.append({"field": fld, "ice": ice, "document": ours, "sha256": d.sha256})
        if listing.agency and d.agency:
            a, b = names.key(listing.agency, listing.state), names.key(d.agency, listing.state)
            if not names.same_agency(a, b) and fuzz.token_set_ratio(a, b) < AGENCY_AGREES:
                out.append({"field": "agency", "ice": listing.agency, "document": d.agency, "sha256": d.sha256})
    return out


def _signed_against(listed: str | None, d: Document) -> str | None:
    """The document's date that ICE's SIGNED contradicts, or None when it does not: SIGNED is one party's date,
    so a date either party wrote agrees; ICE's own signature date contradicts any other; without it (unread,
    handwritten), only a SIGNED before the LEA signed does."""
    dates = {s.get("party"): s.get("date") for s in d.signatories if s.get("date")}
    if not listed or listed in dates.values():
        return None
    if dates.get("ice"):
        return dates["ice"]
    if dates.get("lea") and listed < dates["lea"]:
        return dates["lea"]
    return None


def _name_keys(h: dict) -> set[tuple[str | None, str]]:
    """(state, key) of every spelling of the agreement that is its current name but for spelling, in its current
    state: a row once typed under another state (Ellis Co. KS's WSO listed under TX for five snapshots) is a
    typo of the state, never a tie to that state's agency of the same name."""
    current = names.key(h["agency"], h["state"])
    keys = {(h["state"], current)}
    for sp in h["spellings"]:
        k = names.key(sp["agency"], sp["state"])
        if sp["state"] == h["state"] and names.same_agency(k, current):
            keys.add((sp["state"], k))
    return keys


def build(conn: sqlite3.Connection) -> Corpus:
    """The read model of one catalog (ledger and extraction read as they stand now)."""
    histories, from_pending = _fold_signed_pending(agreement_histories(conn))
    records = {r["sha256"]: r for r in extracted.iter_records(conn)}
    by_name = shas_by_name(conn)

    # agencies: agreements whose names are one name but for spelling, in one state
    union = _Union()
    owner: dict[tuple[str | None, str], int] = {}
    keys_of: dict[int, set] = {}
    for i, h in enumerate(histories):
        keys_of[i] = _name_keys(h)
        for k in keys_of[i]:
            if k in owner:
                union.join(i, owner[k])
            else:
                owner[k] = i
    clusters: dict[int, list[int]] = defaultdict(list)
    for i in range(len(histories)):
        clusters[union.find(i)].append(i)

    corpus = Corpus()
    agency_of: dict[int, Agency] = {}
    for members in clusters.values():
        newest = max(members, key=lambda i: ((histories[i]["last_seen"] or {}).get("published") or "",
                                             histories[i]["list"] == "participating", -i))
        h = histories[newest]
        stable = max(((sp["snapshots"], names.key(sp["agency"], sp["state"]), sp["state"]) for i in members
                      for sp in histories[i]["spellings"]
                      if (sp["state"], names.key(sp["agency"], sp["state"])) in keys_of[i]),
                     default=(0, names.key(h["agency"], h["state"]), h["state"]))
        spellings = sorted({sp["agency"] for i in members for sp in histories[i]["spellings"]
                            if (sp["state"], names.key(sp["agency"], sp["state"])) in keys_of[i]} | {h["agency"]})
        agency = Agency(id=names.agency_id(stable[2], stable[1]), name=names.display_name(h["agency"], h["state"]),
                        state=h["state"], county=h["county"] or next(
                            (histories[i]["county"] for i in members if histories[i]["county"]), None),
                        agency_type=h["agency_type"], spellings=spellings)
        while agency.id in corpus.agencies:  # two states' keys could slug alike; never share an id
            agency.id += "-2"
        corpus.agencies[agency.id] = agency
        for i in members:
            agency_of[i] = agency

    linked: set[str] = set()
    used_ids: set[str] = set()
    for i, h in enumerate(histories):
        listing = _listing(h)
        pend = from_pending.get(h["agreement_id"])
        if pend is not None:
            listing.pending = {"first_seen": pend["first_seen"], "last_seen": pend["last_seen"],
                               "signed_at": h.get("from_pending")}
        docs = []
        for f in listing.files:
            shas = by_name.get(f["file"].lower()) or [None]
            for sha in shas:
                docs.append(_document(conn, sha, f["file"], f["linked_as"], records))
                if sha:
                    linked.add(sha)
        agency = agency_of[i]
        status, since = _status(listing)
        facets, sources = _facets(h, docs)
        corpus.agreements.append(Agreement(
            id=_unique(f"{agency.id}-{(facets['model'] or 'unknown').lower()}", used_ids), agency_id=agency.id,
            status=status, status_since=since, agency=agency.name, **facets, sources=sources,
            listing=listing, documents=docs, disagreements=_disagreements(listing, docs)))
        agency.agreement_ids.append(corpus.agreements[-1].id)

    for sha, rec in records.items():
        if sha not in linked:
            _unlisted(conn, corpus, sha, rec, records, owner, agency_of, used_ids)
    read: dict[str, set[str]] = defaultdict(set)  # what the documents call each agency
    for a in corpus.agreements:
        read[a.agency_id].update(d.agency for d in a.documents if d.agency)
    for agency in corpus.agencies.values():
        agency.read_as = sorted(read[agency.id])
    corpus.agreements.sort(key=lambda a: (a.state or "~", (a.agency or "~").lower(), a.model or "", a.id))
    return corpus


def _facets(h: dict, docs: list[Document]) -> tuple[dict, dict]:
    """ICE's value of each facet, else (ICE left it blank or unreadable) the MOA's, with its source."""
    moa = next((d for d in reversed(docs) if d.extracted and d.linked_as == "moa"), None)
    facets, sources = {}, {"agency": "ice"}
    for fld in ("state", "model", "agency_type", "county", "signed"):
        ours = getattr(moa, fld, None) if moa and fld in ("state", "model", "signed") else None
        facets[fld], sources[fld] = (h[fld], "ice") if h[fld] or not ours else (ours, "document")
    return facets, sources


def _unique(candidate: str, used: set[str]) -> str:
    out, n = candidate, 2
    while out in used:
        out, n = f"{candidate}-{n}", n + 1
    used.add(out)
    return out


def _unlisted(conn: sqlite3.Connection, corpus: Corpus, sha: str, rec: dict, records: dict[str, dict],
              owner: dict, agency_of: dict[int, Agency], used_ids: set[str]) -> None:
    """A document no row of ICE's lists ever linked: an agreement from extraction alone, held by the listed
    agency of the same name in the same state when there is one."""
    doc = _document(conn, sha, rec.get("file") or sha, None, records)
    name_key = names.key(doc.agency, doc.state)
    found = owner.get((doc.state, name_key)) if doc.agency and doc.state else None
    if found is not None:
        agency = agency_of[found]
    else:
        # no readable name: the agency stays unnamed (null, with extraction's reason in the record), never the
        # file's name taken for one
        label = names.display_name(doc.agency, doc.state) if doc.agency else None
        agency = Agency(id=names.agency_id(doc.state, name_key or f"document {sha[:12]}"), name=label,
                        state=doc.state, county=None, agency_type=None, spellings=[], source="document")
        while agency.id in corpus.agencies:
            agency.id += "-2"
        corpus.agencies[agency.id] = agency
    corpus.agreements.append(Agreement(
        id=_unique(f"doc-{sha[:12]}", used_ids), agency_id=agency.id, status="unlisted", status_since=None,
        agency=agency.name, state=doc.state, model=doc.model, agency_type=agency.agency_type, county=None,
        signed=doc.signed, sources=dict.fromkeys(("agency", "state", "model", "agency_type", "county", "signed"),
                                                 "document"),
        listing=None, documents=[doc]))
    agency.agreement_ids.append(corpus.agreements[-1].id)
