"""The delivery log: what each receiver is to get, and what it has acknowledged.

New matches of a subscription become deliveries in the same transaction that records the matches: one per
alert, or one digest when a run brings more than the subscription's `digest_over`. A delivery is sent until a
receiver acknowledges it (a 2xx, an SMTP server's acceptance); the acknowledgement is committed at once, before
the next delivery is tried, so a run killed at any point loses nothing and repeats nothing acknowledged. A
delivery's id is stable and travels with it, so the one message that may be in flight when a run is killed
can be recognised by its receiver if it arrives twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from moa.catalog import now_iso, transaction

from . import mail, message, webhook
from .webhook import DeliveryError

log = logging.getLogger("moa.alerts")
GIVE_UP_AFTER = 30   # attempts over all runs, after which a delivery is marked failed and reported
DIGEST_MAX = 500     # alerts in one digest message (a catch-up of thousands goes as several)


@dataclass
class Settings:
    link_base: str = message.DEFAULT_LINK_BASE
    smtp_url: str | None = None
    mail_from: str = mail.DEFAULT_FROM
    retries: int = 3          # retries within one run, after the first try
    retry_wait: float = 1.0   # seconds before the first retry, doubled each time
    timeout: float = 10.0


def plan(conn: sqlite3.Connection, sub: dict[str, Any], keys: list[str]) -> int:
    """Queue deliveries of these new match keys on each channel the subscription has; returns how many.
    Call inside the transaction that recorded the matches."""
    channels = [c for c, on in (("webhook", sub.get("webhook_url")), ("email", sub.get("email"))) if on]
    if not keys or not channels:
        return 0
    digest = len(keys) > sub["digest_over"]
    groups = [keys[i:i + DIGEST_MAX] for i in range(0, len(keys), DIGEST_MAX)] if digest else [[k] for k in keys]
    rows = []
    for channel in channels:
        for group in groups:
            raw = "|".join((str(sub["id"]), sub["created_at"], channel, *sorted(group)))
            rows.append((hashlib.sha256(raw.encode()).hexdigest()[:32], sub["id"], channel, json.dumps(group),
                         int(digest), now_iso()))
    conn.executemany("INSERT OR IGNORE INTO alert_deliveries(id, subscription_id, channel, keys, digest, created_at)"
                     " VALUES (?,?,?,?,?,?)", rows)
    return len(rows)


def _items(conn: sqlite3.Connection, sub_id: int, keys: list[str]) -> list[dict[str, Any]]:
    found = {r["key"]: json.loads(r["item"]) for r in conn.execute(
        f"SELECT key, item FROM alert_matches WHERE subscription_id=? AND key IN ({','.join('?' * len(keys))})",
        (sub_id, *keys))}
    return [found[k] for k in keys if k in found]


def payload(delivery: dict[str, Any], sub: dict[str, Any], items: list[dict[str, Any]], base: str) -> bytes:
    """The webhook body: the alerts with their evidence, each with its title, text and link."""
    body = {"delivery": delivery["id"], "subscription": sub["name"], "kind": sub["kind"],
            "digest": bool(delivery["digest"]), "count": len(items),
            "alerts": [{**i, "title": message.title(i), "text": message.body(i, base), "link": message.link(i, base)}
                       for i in items]}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")


def _subject(sub: dict[str, Any], items: list[dict[str, Any]], digest: bool) -> str:
    if digest or len(items) != 1:
        return f"moa: {len(items)} alerts for {sub['name']} (digest)"
    return f"moa: {message.title(items[0])}"


def _send_once(delivery: dict[str, Any], sub: dict[str, Any], items: list[dict[str, Any]], s: Settings) -> None:
    if delivery["channel"] == "webhook":
        event = "digest" if delivery["digest"] else (items[0].get("event") or items[0]["type"])
        webhook.post(sub["webhook_url"], sub["webhook_secret"], payload(delivery, sub, items, s.link_base),
                     delivery["id"], event, timeout=s.timeout)
    else:
        text = "\n".join(message.body(i, s.link_base) for i in items)
        if delivery["digest"]:
            text = f"{len(items)} alerts for the subscription {sub['name']}:\n\n{text}"
        mail.send(mail.smtp_url(s.smtp_url), s.mail_from, sub["email"], _subject(sub, items, delivery["digest"]),
                  text, delivery["id"], [i["key"] for i in items], timeout=s.timeout)


def deliver(conn: sqlite3.Connection, s: Settings, sleep: Callable[[float], None] = time.sleep) -> dict[str, Any]:
    """Send every pending delivery, retrying each with backoff; returns counts and the errors met."""
    subs = {r["id"]: dict(r) for r in conn.execute("SELECT * FROM alert_subscriptions")}
    pending = [dict(r) for r in conn.execute("SELECT * FROM alert_deliveries WHERE state='pending'"
                                             " ORDER BY created_at, rowid")]
    counts = {"sent": 0, "pending": 0, "failed": 0}
    errors: list[str] = []
    down: set[tuple] = set()   # receivers that failed every try this run: the rest of theirs wait for the next
    for d in pending:
        sub = subs[d["subscription_id"]]
        receiver = (d["channel"], sub["webhook_url"] if d["channel"] == "webhook" else s.smtp_url)
        if receiver in down:
            counts["pending"] += 1
            continue
        items = _items(conn, sub["id"], json.loads(d["keys"]))
        error = None
        for attempt in range(s.retries + 1):
            if attempt:
                sleep(s.retry_wait * 2 ** (attempt - 1))
            try:
                _send_once(d, sub, items, s)
            except DeliveryError as e:
                error = str(e)
                with transaction(conn):
                    conn.execute("UPDATE alert_deliveries SET attempts=attempts+1, last_error=? WHERE id=?",
                                 (error, d["id"]))
                continue
            with transaction(conn):  # the acknowledgement, committed before anything else happens
                conn.execute("UPDATE alert_deliveries SET state='sent', attempts=attempts+1, sent_at=?,"
                             " last_error=NULL WHERE id=?", (now_iso(), d["id"]))
            error = None
            break
        if error is None:
            counts["sent"] += 1
            continue
        attempts = conn.execute("SELECT attempts FROM alert_deliveries WHERE id=?", (d["id"],)).fetchone()[0]
        if attempts >= GIVE_UP_AFTER:
            with transaction(conn):
                conn.execute("UPDATE alert_deliveries SET state='failed' WHERE id=?", (d["id"],))
            counts["failed"] += 1
        else:
            counts["pending"] += 1
        down.add(receiver)
        errors.append(error)
        log.warning("%s (tried again next run)", error)
    return {**counts, "errors": errors[:20]}
