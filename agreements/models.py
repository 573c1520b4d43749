"""The read model's types: an agreement (ICE's listing + its documents + what they say) and an agency.

These are what `agreements.join` builds and every command, page and export above reads; `to_dict` gives the
JSON that `moa agreements --json` and `moa agency --json` print.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Source = Literal["ice", "document"]
# active: on ICE's newest participating list; removed: listed once, no longer; pending: on the pending list;
# withdrawn: left the pending list without joining the participating one; unlisted: a document ICE never listed
Status = Literal["active", "removed", "pending", "withdrawn", "unlisted"]
FACETS = ("agency", "state", "model", "agency_type", "county", "signed")


@dataclass
class Listing:
    """What ICE's lists said about one agreement, across every snapshot."""

    ledger_id: int
    list: str  # participating | pending
    agency: str  # as ICE spells it on the newest snapshot that lists it
    state: str | None
    model: str | None
    agency_type: str | None
    county: str | None
    signed: str | None
    moa_url: str | None
    first_seen: dict | None  # {"snapshot", "published"}
    last_seen: dict | None
    listed: bool
    removed: dict | None  # the first snapshot without it, when no longer listed
    spellings: list[dict] = field(default_factory=list)  # {"agency", "state", "snapshots"}
    files: list[dict] = field(default_factory=list)  # {"file", "linked_as"}
    pending: dict | None = None  # its time on the pending list, when it was signed from there


@dataclass
class Document:
    """One PDF of an agreement: where it came from and what extraction read in it."""

    sha256: str | None  # None: ICE links it, we do not hold it (a dead link, not yet harvested)
    file: str
    linked_as: str | None  # moa | addendum | None (never listed)
    extracted: bool = False
    provenance: dict | None = None
    model: str | None = None
    agency: str | None = None  # as extraction read it
    state: str | None = None
    signed: str | None = None  # ICE's signature date, else the latest signature found
    template_revision: str | None = None
    signatories: list[dict] = field(default_factory=list)
    page_count: int | None = None


@dataclass
class Agreement:
    id: str
    agency_id: str
    status: Status
    status_since: str | None  # removed: the snapshot's publication time; active: first seen
    agency: str | None  # the agency's canonical name (None: a document no list names, its name unreadable)
    state: str | None
    model: str | None
    agency_type: str | None
    county: str | None
    signed: str | None
    sources: dict[str, Source]  # which side each facet comes from
    listing: Listing | None
    documents: list[Document] = field(default_factory=list)
    disagreements: list[dict] = field(default_factory=list)  # {"field", "ice", "document", "sha256"}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def moa(self) -> Document | None:
        """The MOA document we hold (the newest linked one), if any."""
        held = [d for d in self.documents if d.sha256 and d.linked_as in ("moa", None)]
        return held[-1] if held else None


@dataclass
class Agency:
    id: str
    name: str | None  # ICE's latest spelling, cleaned (or extraction's, for an agency ICE never listed; None when
    # that is unreadable)
    state: str | None
    county: str | None
    agency_type: str | None
    spellings: list[str]  # every spelling ICE's lists gave it (a spelling, never a rename: agreements.names)
    agreement_ids: list[str] = field(default_factory=list)
    read_as: list[str] = field(default_factory=list)  # how its documents' text names it (OCR and typos included)
    source: Source = "ice"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
