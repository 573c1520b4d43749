"""The ledger: every roster snapshot ICE published, the agreements traced through them, and what changed.

ICE keeps no history of its 287(g) lists; this is it. `import_snapshot` stores a sheet (idempotent by
sha256 and name), then `rebuild` recomputes, from all snapshots, their order (publication rule:
`harvest/snapshots.py`), the malformed ones, the agreement identities and the events (`harvest/events.py`).
Rebuilding from scratch keeps the result independent of the order files were imported in (names lie, so
files arrive out of order).

Counting rules (documented in `counts_as_of`): an agreement is a row of the list, exact duplicate rows
counted once; an agency is a distinct (state, agency) pair; "as of D" is the newest good snapshot
published on or before the end of D (US Eastern), for each list.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from moa.blobs import sha256_bytes
from moa.catalog import now_iso, transaction
from moa.files import register_blob

from . import events as ev
from .cells import agency_key
from .links import file_name
from .sheets import Sheet, kind_from_name, read_sheet
from .snapshots import parse_time, publication

KINDS = ("participating", "pending")


@contextmanager
def _atomic(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A transaction, or a savepoint when the caller already holds one."""
    if not conn.in_transaction:
        with transaction(conn):
            yield conn
        return
    conn.execute("SAVEPOINT ledger")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK TO ledger")
        conn.execute("RELEASE ledger")
        raise
    conn.execute("RELEASE ledger")


_LINE_FIELDS = ("state", "agency", "agency_key", "agency_type", "county", "model", "signed", "signed_raw",
                "moa_url", "moa_file", "moa_urls", "addendum_urls", "raw")


def _line(r) -> dict:
    return {
        "state": r.state, "agency": r.agency, "agency_key": agency_key(r.agency), "agency_type": r.agency_type,
        "county": r.county, "model": r.model, "signed": r.signed, "signed_raw": r.signed_raw,
        "moa_url": r.moa_urls[0] if r.moa_urls else None,
        "moa_file": file_name(r.moa_urls[0]) if r.moa_urls else None,
        "moa_urls": json.dumps(r.moa_urls), "addendum_urls": json.dumps(r.addendum_urls),
        "raw": json.dumps(r.raw, default=str, ensure_ascii=False, sort_keys=True),
    }


def _store_content(conn: sqlite3.Connection, sha: str, sheet: Sheet) -> int:
    cur = conn.execute(
        "INSERT INTO ledger_contents(sha256, kind, sheet_name, header, row_count, modified, created, warnings,"
        " parsed_at) VALUES (?,?,?,?,?,?,?,?,?)",
        (sha, sheet.kind, sheet.sheet_name, json.dumps(sheet.header), len(sheet.rows), sheet.modified,
         sheet.created, json.dumps(sheet.warnings), now_iso()))
    content_id = cur.lastrowid
    pairs = []
    for r in sheet.rows:
        line = _line(r)
        digest = sha256_bytes(json.dumps(line, sort_keys=True).encode("utf-8"))
        conn.execute(f"INSERT OR IGNORE INTO ledger_lines(digest, {', '.join(_LINE_FIELDS)})"
                     f" VALUES (?{',?' * len(_LINE_FIELDS)})", (digest, *(line[k] for k in _LINE_FIELDS)))
        pairs.append((content_id, r.row, digest))
    conn.executemany("INSERT INTO ledger_rows(content_id, row, line_id)"
                     " SELECT ?, ?, id FROM ledger_lines WHERE digest=?", pairs)
    return content_id


def import_snapshot(conn: sqlite3.Connection, data: bytes, name: str, source: str | None = None,
                    fetched_at: str | None = None, published_hint: str | None = None, *,
                    rebuild_after: bool = True) -> dict:
    """Add one roster file to the ledger. Idempotent: the same bytes under the same name import nothing.

    The bytes are stored as a blob; the same content under another name is a further snapshot (ICE
    republishes unchanged lists under new names) that shares the parsed rows. Raises `SheetError` for a
    file that is not a roster. With `rebuild_after=False` the caller must call `rebuild(conn)` itself
    (bulk imports rebuild once at the end).
    """
    sha = sha256_bytes(data)
    known = conn.execute("SELECT id, kind, published_local FROM ledger_snapshots WHERE sha256=? AND name=?",
                         (sha, name)).fetchone()
    if known:
        if rebuild_after and needs_rebuild(conn):
            rebuild(conn)
        return {"name": name, "sha256": sha, "status": "known", "snapshot": known["id"], "kind": known["kind"],
                "published": known["published_local"]}
    content = conn.execute("SELECT id, kind, modified, row_count FROM ledger_contents WHERE sha256=?",
                           (sha,)).fetchone()
    sheet = None
    if content is None:
        sheet = read_sheet(data, name)  # raises SheetError before anything is written
        kind, modified, rows = sheet.kind, sheet.modified, len(sheet.rows)
        kind_by_name = sheet.kind_by_name
    else:
        kind, modified, rows = content["kind"], content["modified"], content["row_count"]
        kind_by_name = kind_from_name(name)
    pub = publication(name, modified=modified, fetched_at=fetched_at, hint=published_hint)
    with _atomic(conn):
        register_blob(conn, data)
        conn.execute("INSERT OR IGNORE INTO files(sha256, name, origin, source, added_at) VALUES (?,?,?,?,?)",
                     (sha, name, "import" if fetched_at is None else "harvest", source, now_iso()))
        content_id = _store_content(conn, sha, sheet) if sheet is not None else content["id"]
        cur = conn.execute(
            "INSERT INTO ledger_snapshots(sha256, content_id, name, source, kind, kind_by_name, published,"
            " published_local, published_date, basis, name_date, note, fetched_at, imported_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (sha, content_id, name, source, kind, kind_by_name, pub.published_utc, pub.published_local, pub.published_date,
             pub.basis, pub.name_date, pub.note, fetched_at, now_iso()))
        snapshot_id = cur.lastrowid
    if rebuild_after:
        rebuild(conn)
    return {"name": name, "sha256": sha, "status": "imported", "snapshot": snapshot_id, "kind": kind,
            "kind_by_name": kind_by_name, "rows": rows, "published": pub.published_local, "basis": pub.basis}


# ---------------------------------------------------------------------------------------------- rebuild

def _lines(conn: sqlite3.Connection) -> dict[int, dict]:
    """Every distinct roster line by id, with its addendum file names."""
    out = {}
    for r in conn.execute("SELECT * FROM ledger_lines"):
        d = dict(r)
        d["addendum_files"] = tuple(sorted(filter(None, (file_name(u) for u in json.loads(d["addendum_urls"])))))
        out[d["id"]] = d
    return out


def content_rows(conn: sqlite3.Connection, content_id: int, lines: dict[int, dict] | None = None) -> list[dict]:
    """The rows of one parsed roster, in sheet order, as dicts (row number + line fields, `id` = line id)."""
    if lines is None:
        lines = {r["line_id"]: None for r in conn.execute(
            "SELECT line_id FROM ledger_rows WHERE content_id=?", (content_id,))}
        lines = {k: v for k, v in _lines(conn).items() if k in lines}
    return [{**lines[line_id], "row": row} for row, line_id in conn.execute(
        "SELECT row, line_id FROM ledger_rows WHERE content_id=? ORDER BY row", (content_id,))]


def _ordered(conn: sqlite3.Connection, kind: str | None = None) -> list[sqlite3.Row]:
    sql = ("SELECT s.*, c.modified FROM ledger_snapshots s JOIN ledger_contents c ON c.id=s.content_id"
           + (" WHERE s.kind=?" if kind else "") + " ORDER BY s.published, c.modified, s.name")
    return conn.execute(sql, (kind,) if kind else ()).fetchall()


def needs_rebuild(conn: sqlite3.Connection) -> bool:
    """True when a snapshot was imported without a rebuild after it (e.g. an import cut short by Ctrl-C)."""
    return conn.execute("SELECT 1 FROM ledger_snapshots WHERE seq IS NULL LIMIT 1").fetchone() is not None


def rebuild(conn: sqlite3.Connection) -> dict:
    """Recompute order, flags, agreements, members and events from every snapshot. Returns a summary."""
    summary: Counter = Counter()
    with _atomic(conn):
        conn.execute("PRAGMA defer_foreign_keys = ON")  # events and files name agreements written last
        # Keys follow the current normalization rules, so an upgraded moa re-keys lines imported earlier.
        stale = [(key, line_id) for line_id, agency, old in conn.execute("SELECT id, agency, agency_key FROM ledger_lines")
                 if (key := agency_key(agency)) != old]
        conn.executemany("UPDATE ledger_lines SET agency_key=? WHERE id=?", stale)
        for table in ("ledger_events", "ledger_agreement_files", "ledger_agreements"):
            conn.execute(f"DELETE FROM {table}")
        next_id = 1
        lines = _lines(conn)
        for kind in KINDS:
            tracker = ev.Tracker(next_id)
            first_seen: dict[int, int] = {}
            last_seen: dict[int, int] = {}
            prev_good: sqlite3.Row | None = None
            prev_count: int | None = None
            prev_ids: dict[int, int] = {}
            prev_by_line: dict[int, int] = {}
            files: set[tuple[int, str | None, str]] = set()
            prev_lines: object = None
            cache: dict[int, tuple[list[dict], dict[int, int]]] = {}
            for seq, s in enumerate(_ordered(conn, kind), start=1):
                flags: list[str] = []
                if s["kind_by_name"] not in (s["kind"], "unknown"):
                    flags.append(f"swapped: published as the {s['kind_by_name']} list, holds the {s['kind']} list")
                if s["content_id"] not in cache:
                    cache[s["content_id"]] = ev.collapse(content_rows(conn, s["content_id"], lines))
                agreements, index = cache[s["content_id"]]
                count = len(agreements)
                agencies = len({(a["state"], a["agency_key"]) for a in agreements})
                reason = ev.malformed_reason(kind, count, prev_count)
                status = "ok"
                if reason:
                    status = "malformed"
                    flags.append(reason)
                    summary["malformed"] += 1
                elif prev_good is not None and prev_lines == {a["id"]: None for a in agreements}.keys():
                    status = "same"  # the same lines as the previous good snapshot (perhaps re-saved or re-ordered)
                conn.execute("UPDATE ledger_snapshots SET seq=?, status=?, flags=?, agreements=?, agencies=?,"
                             " members=NULL WHERE id=?", (seq, status, json.dumps(flags), count, agencies, s["id"]))
                if status == "malformed":
                    continue
                if status == "same":
                    ids = {i: prev_by_line[a["id"]] for i, a in enumerate(agreements)}
                else:
                    step = tracker.step(agreements)
                    ids = dict(enumerate(step.ids))
                    if prev_good is not None:  # the first snapshot of a list is the baseline, not events
                        _record(conn, s["id"], prev_good["id"], kind, step, tracker)
                        summary["events"] += len(step.added) + len(step.removed) + len(step.changed)
                conn.execute("UPDATE ledger_snapshots SET members=? WHERE id=?",
                             (json.dumps([ids[i] for _, i in sorted(index.items())]), s["id"]))
                for i, a in enumerate(agreements):
                    files.add((ids[i], a["moa_file"], "moa"))
                    files.update((ids[i], f, "addendum") for f in a["addendum_files"])
                for aid in ids.values():
                    first_seen.setdefault(aid, s["id"])
                    last_seen[aid] = s["id"]
                prev_good, prev_count, prev_ids = s, count, ids
                prev_by_line = {a["id"]: ids[i] for i, a in enumerate(agreements)}
                prev_lines = prev_by_line.keys()
            listed = set(prev_ids.values())
            conn.executemany(
                "INSERT INTO ledger_agreements(id, kind, state, model, agency, agency_key, agency_type, county,"
                " signed, moa_url, moa_file, addendum_urls, first_snapshot, last_snapshot, listed)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [(aid, kind, r["state"], r["model"], r["agency"], r["agency_key"], r["agency_type"], r["county"],
                  r["signed"], r["moa_url"], r["moa_file"], r["addendum_urls"], first_seen.get(aid),
                  last_seen.get(aid), int(aid in listed)) for aid, r in tracker.latest.items()])
            conn.executemany("INSERT OR IGNORE INTO ledger_agreement_files(agreement_id, moa_file, field)"
                             " VALUES (?,?,?)", [f for f in files if f[1]])
            summary[f"{kind}_agreements"] = len(tracker.latest)
            next_id = tracker.next_id
        summary["pending_signed"] = _mark_signings(conn)
    return dict(summary)


def _record(conn: sqlite3.Connection, snap: int, prev: int, kind: str, step: ev.Step, tracker: ev.Tracker) -> None:
    def info(aid: int) -> dict:
        return tracker.latest[aid]

    rows = []
    for aid, relisted in step.added:
        r = info(aid)
        rows.append((snap, prev, kind, "added", aid, r["state"], r["agency"], r["model"],
                     json.dumps({"relisted": True} if relisted else {})))
    for aid in step.removed:
        r = info(aid)
        rows.append((snap, prev, kind, "removed", aid, r["state"], r["agency"], r["model"], "{}"))
    for aid, diff in step.changed:
        r = info(aid)
        rows.append((snap, prev, kind, "changed", aid, r["state"], r["agency"], r["model"],
                     json.dumps(diff, default=list)))
    conn.executemany("INSERT INTO ledger_events(snapshot_id, prev_snapshot_id, kind, event, agreement_id, state,"
                     " agency, model, changes) VALUES (?,?,?,?,?,?,?,?,?)", rows)


def _mark_signings(conn: sqlite3.Connection, days: int = 4) -> int:
    """A pending agreement that leaves the pending list while the same agency and model joins the
    participating list (within `days`) was signed, not dropped: mark both events so. Returns how many."""
    def events(kind: str, event: str) -> list[tuple]:
        return conn.execute(
            "SELECT e.id, e.state, e.model, a.agency_key, s.published, s.name, e.changes FROM ledger_events e"
            " JOIN ledger_agreements a ON a.id=e.agreement_id JOIN ledger_snapshots s ON s.id=e.snapshot_id"
            " WHERE e.kind=? AND e.event=? ORDER BY s.published", (kind, event)).fetchall()

    added: dict[tuple, list[tuple]] = {}
    for r in events("participating", "added"):
        added.setdefault((r[1], r[2], r[3]), []).append(r)
    updates, used = [], set()
    for r in events("pending", "removed"):
        when = parse_time(r[4])
        for a in added.get((r[1], r[2], r[3]), []):
            if a[0] not in used and abs(parse_time(a[4]) - when) <= timedelta(days=days):
                used.add(a[0])
                updates.append((json.dumps({**json.loads(r[6]), "to_participating": a[5]}), r[0]))
                updates.append((json.dumps({**json.loads(a[6]), "from_pending": r[5]}), a[0]))
                break
    conn.executemany("UPDATE ledger_events SET changes=? WHERE id=?", updates)
    return len(updates) // 2


# The questions the ledger answers live in ledger_query; they are part of this module's interface.
from .ledger_query import (  # noqa: E402
    agreement_status,
    counts_as_of,
    current_agreements,
    events_since,
    listings_for_document,
    snapshots,
    tally,
)

__all__ = ["import_snapshot", "rebuild", "needs_rebuild", "counts_as_of", "events_since", "snapshots", "tally",
           "listings_for_document", "agreement_status", "current_agreements"]
