"""Subscriptions, kept in the catalog: ledger events (added / removed / changed, filtered by model, state,
agency) or a saved search (any `moa search` query), each delivered by webhook, e-mail and its own Atom feed.

A subscription fires only for what moa learns of after it was made: a new ledger event, or an agreement (or
clause) that newly matches its query. `since` catches up on ledger events published from that date.
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
from typing import Any
from urllib.parse import urlsplit

from moa.catalog import now_iso, transaction
from moa.errors import UserError
from moa.program import MODELS
from moa.states import STATE_NAMES
from search.index_docs import LEVELS
from search.query import parse

from . import saved_search

EVENTS = ("added", "removed", "changed")
DIGEST_OVER = 20
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _check(name: str, events: list[str], model: str | None, state: str | None, query: str | None, level: str,
           webhook_url: str | None, email: str | None, digest_over: int, since: str | None) -> None:
    if not _NAME.match(name or ""):
        raise UserError(f"a subscription name is letters, digits, '.', '_' or '-' (at most 64), got {name!r}")
    if name == "events":
        raise UserError("'events' names the feed of all ledger events; pick another name")
    bad = [e for e in events if e not in EVENTS]
    if bad or not events:
        raise UserError(f"--events takes {', '.join(EVENTS)}; got {', '.join(bad) or 'none'}")
    if model and model not in MODELS:
        raise UserError(f"--model must be one of {', '.join(MODELS)}, got {model!r}")
    if state and state not in STATE_NAMES:
        raise UserError(f"--state must be a two-letter postal code, got {state!r}")
    if query is not None:
        parse(query)  # a QuerySyntaxError (exit 2) names the position
        if level not in LEVELS:
            raise UserError(f"--level must be one of {', '.join(LEVELS)}")
    if webhook_url and (urlsplit(webhook_url).scheme not in ("http", "https") or not urlsplit(webhook_url).netloc):
        raise UserError(f"--webhook must be an http(s) URL, got {webhook_url!r}")
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+", email):
        raise UserError(f"--email must be an address, got {email!r}")
    if digest_over < 1:
        raise UserError("--digest-over must be at least 1")
    if since and not _DATE.match(since):
        raise UserError(f"--since must be a date YYYY-MM-DD, got {since!r}")


def add(conn: sqlite3.Connection, name: str, *, events: list[str] | None = None, model: str | None = None,
        state: str | None = None, agency: str | None = None, query: str | None = None, level: str = "document",
        webhook_url: str | None = None, webhook_secret: str | None = None, email: str | None = None,
        digest_over: int = DIGEST_OVER, since: str | None = None) -> dict[str, Any]:
    """Create a subscription; a saved search takes the current matches as already seen (they never fire)."""
    events = list(events or EVENTS)
    model = model.upper() if model else None
    state = state.upper() if state else None
    _check(name, events, model, state, query, level, webhook_url, email, digest_over, since)
    if query is not None and since:
        raise UserError("--since catches up on ledger events; a saved search fires for what newly matches")
    if query is not None and (model or state or agency):
        raise UserError("a saved search filters in its query (model:TFM state:FL agency:…), not with --model/--state")
    if conn.execute("SELECT 1 FROM alert_subscriptions WHERE name=?", (name,)).fetchone():
        raise UserError(f"a subscription named {name!r} exists; remove it first or pick another name")
    if webhook_url and not webhook_secret:
        webhook_secret = secrets.token_hex(16)
    kind = "search" if query is not None else "events"
    baseline = saved_search.matches(conn, query, level, evidence=False) if kind == "search" else []
    with transaction(conn):
        from_seq = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM alert_events").fetchone()[0]
        cur = conn.execute(
            "INSERT INTO alert_subscriptions(name, kind, events, model, state, agency, query, level, webhook_url,"
            " webhook_secret, email, digest_over, since, from_seq, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (name, kind, json.dumps(events), model, state, agency, query, level if query is not None else None,
             webhook_url, webhook_secret, email, digest_over, since, from_seq, now_iso()))
        conn.executemany("INSERT OR IGNORE INTO alert_matches(subscription_id, key, baseline, item, matched_at)"
                         " VALUES (?,?,1,?,?)",
                         [(cur.lastrowid, m["key"], json.dumps(m), now_iso()) for m in baseline])
    out = get(conn, name)
    out["baseline_matches"] = len(baseline)
    return out


def _row(r: sqlite3.Row) -> dict[str, Any]:
    d = dict(r)
    d["events"] = json.loads(d["events"])
    return d


def get(conn: sqlite3.Connection, name: str) -> dict[str, Any]:
    r = conn.execute("SELECT * FROM alert_subscriptions WHERE name=?", (name,)).fetchone()
    if r is None:
        raise UserError(f"no subscription named {name!r} (see `moa alerts list`)")
    return _row(r)


def all_subscriptions(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    return [_row(r) for r in conn.execute("SELECT * FROM alert_subscriptions ORDER BY id")]


def listing(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every subscription with how often it fired and how its deliveries stand (the secret left out)."""
    out = []
    for s in all_subscriptions(conn):
        fired = conn.execute("SELECT COUNT(*) FROM alert_matches WHERE subscription_id=? AND baseline=0",
                             (s["id"],)).fetchone()[0]
        states = dict(conn.execute("SELECT state, COUNT(*) FROM alert_deliveries WHERE subscription_id=?"
                                   " GROUP BY state", (s["id"],)).fetchall())
        s.pop("webhook_secret", None)
        out.append({**s, "fired": fired, "deliveries": {k: states.get(k, 0) for k in ("sent", "pending", "failed")}})
    return out


def remove(conn: sqlite3.Connection, name: str) -> dict[str, Any]:
    s = get(conn, name)
    with transaction(conn):
        conn.execute("DELETE FROM alert_subscriptions WHERE id=?", (s["id"],))
    return {"removed": name}


def describe(s: dict[str, Any]) -> str:
    """One line: what a subscription watches and where it goes."""
    if s["kind"] == "search":
        what = f"search {s['query']!r} ({s['level']} level)"
    else:
        filters = " ".join(f"{k}:{s[k]}" for k in ("model", "state", "agency") if s.get(k))
        what = f"ledger events {','.join(s['events'])}" + (f" where {filters}" if filters else "")
    to = [f"webhook {s['webhook_url']}" if s.get("webhook_url") else "", f"e-mail {s['email']}" if s.get("email") else ""]
    return f"{s['name']}: {what} → {', '.join(t for t in to if t) or 'feed only'}"
