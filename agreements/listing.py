"""What ICE's published list says about a document (from the ledger), beside what the document says."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from harvest.ledger import listings_for_document

log = logging.getLogger("moa.agreements")
_KEEP = ("agreement_id", "list", "agency", "state", "model", "signed", "listed", "status", "linked_as")


def extracted_signed_date(record: dict[str, Any]) -> str | None:
    """The date the agreement was complete: ICE's signature date, else the latest signature date found."""
    dates = [s.get("date") for s in record.get("signatories") or [] if s.get("date")]
    ice = [s.get("date") for s in record.get("signatories") or [] if s.get("party") == "ice" and s.get("date")]
    return max(ice) if ice else (max(dates) if dates else None)


def listing_for(conn: sqlite3.Connection, file_name: str, record: dict[str, Any]) -> dict[str, Any] | None:
    """The ledger's listing(s) of this document with ICE's SIGNED date, and a flag when ours disagrees.

    None when the ledger cannot be read (an older catalog); {"listed": False} when it never listed the file.
    """
    try:
        rows = listings_for_document(conn, file_name)
    except (sqlite3.Error, AttributeError, KeyError, TypeError, ValueError) as e:
        log.debug("ledger lookup failed for %s: %s", file_name, e)
        return None
    if not rows:
        return {"listed": False}
    main = [r for r in rows if "moa" in (r.get("linked_as") or ["moa"])] or rows
    listed = sorted({r["signed"] for r in main if r.get("signed")})
    ours = extracted_signed_date(record)
    return {
        "listed": True,
        "signed_dates": listed,
        "agency": main[0].get("agency"),
        "state": main[0].get("state"),
        "model": main[0].get("model"),
        "extracted_date": ours,
        # None when either side has no date: nothing to compare, not an agreement.
        "date_disagrees": (ours not in listed) if (listed and ours) else None,
        "rows": [{k: r.get(k) for k in _KEEP if k in r} for r in rows],
    }
