"""Atom feeds (built with feedgen): every ledger event moa has taken in since it began watching, and one feed
per subscription with what fired for it. Entry ids are URNs made of the event's (or match's) stable key, and an
entry's `updated` is when moa learned of it, so a feed reader shows each alert once however often it polls."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from feedgen.feed import FeedGenerator

from moa import __version__

from . import message

MAX_ENTRIES = 200
EPOCH = "1970-01-01T00:00:00Z"


def _when(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def _feed(feed_id: str, title: str, self_url: str, base: str, entries: list[tuple[str, str, dict[str, Any]]]) -> bytes:
    """entries: (entry id, recorded at, item), newest first."""
    fg = FeedGenerator()
    fg.id(feed_id)
    fg.title(title)
    fg.author({"name": "moa"})
    fg.link(href=self_url, rel="self", type="application/atom+xml")
    fg.link(href=base.rstrip("/") + "/", rel="alternate", type="text/html")
    fg.generator("moa", version=__version__)
    fg.updated(_when(entries[0][1] if entries else EPOCH))
    for entry_id, recorded, item in reversed(entries):  # feedgen prepends: add oldest first, newest ends on top
        fe = fg.add_entry()
        fe.id(entry_id)
        fe.title(message.title(item))
        fe.updated(_when(recorded))
        if item.get("published"):
            fe.published(datetime.fromisoformat(item["published"]))
        fe.link(href=message.link(item, base), rel="alternate")
        fe.content(message.body(item, base), type="text")
    return fg.atom_str(pretty=True)


def events_feed(conn: sqlite3.Connection, base: str = message.DEFAULT_LINK_BASE) -> bytes:
    """/feeds/events.atom: the newest ledger events (added, removed, changed) moa has taken in."""
    rows = conn.execute("SELECT key, recorded_at, item FROM alert_events WHERE baseline=0 ORDER BY seq DESC LIMIT ?",
                        (MAX_ENTRIES,)).fetchall()
    entries = [(f"urn:moa:event:{r['key']}", r["recorded_at"], json.loads(r["item"])) for r in rows]
    return _feed("urn:moa:feed:events", "moa: changes to ICE's 287(g) lists",
                 base.rstrip("/") + "/feeds/events.atom", base, entries)


def subscription_feed(conn: sqlite3.Connection, name: str, base: str = message.DEFAULT_LINK_BASE) -> bytes | None:
    """/feeds/<name>.atom: what fired for one subscription (a saved search's new matches); None if unknown."""
    sub = conn.execute("SELECT * FROM alert_subscriptions WHERE name=?", (name,)).fetchone()
    if sub is None:
        return None
    rows = conn.execute("SELECT key, matched_at, item FROM alert_matches WHERE subscription_id=? AND baseline=0"
                        " ORDER BY matched_at DESC, rowid DESC LIMIT ?", (sub["id"], MAX_ENTRIES)).fetchall()
    entries = [(f"urn:moa:alert:{name}:{r['key']}", r["matched_at"], json.loads(r["item"])) for r in rows]
    what = f"search {sub['query']!r}" if sub["kind"] == "search" else "ledger events"
    return _feed(f"urn:moa:feed:{name}", f"moa: {name} ({what})", base.rstrip("/") + f"/feeds/{name}.atom", base,
                 entries)
