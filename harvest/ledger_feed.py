"""The ledger's events with the evidence an alert cites, under keys that survive a ledger rebuild.

`rebuild` renumbers events and agreements every time, so a watcher cannot remember an event by its id. An
event's key is made of what does not change: the snapshot's content and file name, the list, the event and the
agreement's state, model and agency as that snapshot read them.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3

from .ledger_query import check_date
from .page import PAGE_URL


def event_key(snapshot_sha: str, snapshot_name: str, kind: str, event: str, state: str | None,
              model: str | None, agency: str | None) -> str:
    raw = "|".join((snapshot_sha, snapshot_name, kind, event, state or "", model or "", agency or ""))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


def _snapshot(s: sqlite3.Row | None) -> dict | None:
    if s is None:
        return None
    return {"name": s["name"], "published": s["published_local"], "sha256": s["sha256"], "url": s["source"],
            "status": s["status"]}


def _agreement(a: sqlite3.Row | None) -> dict:
    if a is None:
        return {}
    return {"agreement_id": a["id"], "list": a["kind"], "agency": a["agency"], "state": a["state"],
            "model": a["model"], "agency_type": a["agency_type"], "county": a["county"], "signed": a["signed"],
            "moa_url": a["moa_url"], "moa_file": a["moa_file"], "addendum_urls": json.loads(a["addendum_urls"] or "[]"),
            "listed": bool(a["listed"])}


def cited_events(conn: sqlite3.Connection, since: str | None = None) -> list[dict]:
    """Every event of snapshots published from `since` (a date; default all), in publication order, each
    {key, event, list, published, published_date, snapshot, previous, agreement, changes, state, model, agency,
    page}. Malformed snapshots have no events (the rebuild keeps them out of the chain)."""
    since = check_date(since, "--since")
    snaps = {r["id"]: r for r in conn.execute("SELECT * FROM ledger_snapshots")}
    sql = ("SELECT e.* FROM ledger_events e JOIN ledger_snapshots s ON s.id=e.snapshot_id"
           + (" WHERE s.published_date>=?" if since else "") + " ORDER BY s.published, s.name, e.event, e.state,"
           " e.agency")
    out = []
    for e in conn.execute(sql, (since,) if since else ()):
        s = snaps[e["snapshot_id"]]
        a = conn.execute("SELECT * FROM ledger_agreements WHERE id=?", (e["agreement_id"],)).fetchone()
        out.append({
            "key": event_key(s["sha256"], s["name"], e["kind"], e["event"], e["state"], e["model"], e["agency"]),
            "event": e["event"], "list": e["kind"], "state": e["state"], "model": e["model"], "agency": e["agency"],
            "changes": json.loads(e["changes"] or "{}"),
            "published": s["published_local"], "published_date": s["published_date"],
            "snapshot": _snapshot(s), "previous": _snapshot(snaps.get(e["prev_snapshot_id"])),
            "agreement": _agreement(a), "page": PAGE_URL,
        })
    return out


def flagged_snapshots(conn: sqlite3.Connection, since: str | None = None) -> list[dict]:
    """Snapshots the rebuild flagged (malformed ones produce no events), published from `since`."""
    since = check_date(since, "--since")
    rows = conn.execute("SELECT * FROM ledger_snapshots WHERE (status='malformed' OR flags!='[]')"
                        + (" AND published_date>=?" if since else "") + " ORDER BY published",
                        (since,) if since else ()).fetchall()
    return [{**(_snapshot(r) or {}), "flags": json.loads(r["flags"] or "[]"), "agreements": r["agreements"]}
            for r in rows]
