"""`moa alerts run`: take in the ledger's new events, match them and the saved searches against every
subscription, and deliver.

Catch-up and noise:
- The first run on a catalog takes the events already in the ledger as known (no alert, not in the feed); it
  starts from now, unless `since` names a date: events published from then on are alerted.
- A malformed snapshot the ledger flags has no events (harvest.events), so it never fires removals; the
  flagged snapshots are reported in the summary instead.
- A subscription with more new alerts in one run than its `digest_over` gets one digest per channel.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from typing import Any

from harvest.ledger_feed import cited_events, flagged_snapshots
from moa.catalog import now_iso, transaction

from . import outbox, saved_search
from .evidence import ledger_item
from .subscriptions import all_subscriptions

log = logging.getLogger("moa.alerts")


def _state(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM alert_state WHERE key=?", (key,)).fetchone()
    return row[0] if row else None


def take_in_events(conn: sqlite3.Connection, since: str | None = None) -> dict[str, Any]:
    """Record the ledger events not yet taken in; on the first run those published before `since` (all, when
    no `since`) are the baseline. Returns {first_run, new, baseline}."""
    first = _state(conn, "watch_started") is None
    known = {r[0] for r in conn.execute("SELECT key FROM alert_events")}
    fresh = [e for e in cited_events(conn) if e["key"] not in known]
    rows, new = [], 0
    for e in fresh:
        baseline = first and (since is None or e["published_date"] < since)
        item = e if baseline else ledger_item(conn, e)  # evidence is looked up only for what will be alerted
        new += not baseline
        rows.append((e["key"], e["event"], e["published"], e["published_date"], int(baseline),
                     json.dumps({"type": "ledger", **item} if baseline else item, default=str), now_iso()))
    with transaction(conn):
        conn.executemany("INSERT OR IGNORE INTO alert_events(key, event, published, published_date, baseline, item,"
                         " recorded_at) VALUES (?,?,?,?,?,?,?)", rows)
        if first:
            conn.execute("INSERT INTO alert_state(key, value) VALUES ('watch_started', ?)", (now_iso(),))
    if since and not first:
        log.warning("--since %s is for the first run only: alerts have watched since %s", since,
                    _state(conn, "watch_started"))
    return {"first_run": first, "new": new, "baseline": len(rows) - new}


def _event_matches(sub: dict[str, Any], item: dict[str, Any]) -> bool:
    if item["event"] not in sub["events"]:
        return False
    if sub["model"] and item.get("model") != sub["model"]:
        return False
    if sub["state"] and item.get("state") != sub["state"]:
        return False
    return not sub["agency"] or sub["agency"].lower() in (item.get("agency") or "").lower()


def _candidates(conn: sqlite3.Connection, sub: dict[str, Any], known: set[str]) -> list[tuple[str, dict[str, Any]]]:
    if sub["kind"] == "search":
        return [(m["key"], m) for m in saved_search.matches(conn, sub["query"], sub["level"], known)]
    rows = conn.execute("SELECT key, item FROM alert_events WHERE (baseline=0 AND seq>?) OR published_date>=?"
                        " ORDER BY seq", (sub["from_seq"], sub["since"] or "9999")).fetchall()
    out = []
    for r in rows:
        item = json.loads(r["item"])
        if _event_matches(sub, item):
            out.append((r["key"], item))
    return out


def match(conn: sqlite3.Connection, sub: dict[str, Any]) -> int:
    """Record the subscription's new matches and queue their deliveries, in one transaction; returns how many."""
    known = {r[0] for r in conn.execute("SELECT key FROM alert_matches WHERE subscription_id=?", (sub["id"],))}
    new = [(k, item) for k, item in _candidates(conn, sub, known) if k not in known]
    if not new:
        return 0
    with transaction(conn):
        conn.executemany("INSERT INTO alert_matches(subscription_id, key, baseline, item, matched_at)"
                         " VALUES (?,?,0,?,?)", [(sub["id"], k, json.dumps(i, default=str), now_iso()) for k, i in new])
        outbox.plan(conn, sub, [k for k, _ in new])
    return len(new)


def run_alerts(conn: sqlite3.Connection, settings: outbox.Settings | None = None,
               since: str | None = None) -> dict[str, Any]:
    """One alerts run: events in, matches, deliveries. Returns a summary."""
    settings = settings or outbox.Settings()
    taken = take_in_events(conn, since)
    fired = {s["name"]: match(conn, s) for s in all_subscriptions(conn)}
    sent = outbox.deliver(conn, settings)
    return {"watching_since": _state(conn, "watch_started"), **taken, "fired": fired, "deliveries": sent,
            "malformed_snapshots": _newly_flagged(conn)}


def _newly_flagged(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Malformed snapshots not reported by an earlier run (they fired nothing: say so once)."""
    seen = set(json.loads(_state(conn, "malformed_reported") or "[]"))
    flagged = [s for s in flagged_snapshots(conn) if s["status"] == "malformed"]
    new = [s for s in flagged if f"{s['sha256']}|{s['name']}" not in seen]
    if new:
        with transaction(conn):
            conn.execute("INSERT INTO alert_state(key, value) VALUES ('malformed_reported', ?) ON CONFLICT(key)"
                         " DO UPDATE SET value=excluded.value",
                         (json.dumps(sorted(seen | {f"{s['sha256']}|{s['name']}" for s in new})),))
    return [{k: s[k] for k in ("name", "published", "flags", "agreements")} for s in new]
