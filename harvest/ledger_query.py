"""Questions the ledger answers: the lists as of a date, the events since a date, the listing of a document.

Counting rules:
- "As of D" is the newest participating snapshot published on or before the end of D (US Eastern calendar
  date, ICE's), and the newest pending snapshot likewise. Malformed snapshots (flagged by the rebuild: a
  truncated participating list, an empty one) are passed over while a good one exists on or before D; the
  ones passed over are named under `skipped`. A file holding the other list counts for the list it holds.
- An agreement is one row of the list; exact duplicate rows (every normalized field equal) count once.
- An agency is a distinct (state, normalized agency name) pair: one agency can hold several agreements,
  and "Department of Corrections" in two states is two agencies.
- `states` counts distinct states (territories such as Guam included); `by_model` and `states_by_model`
  use JEM / WSO / TFM (a row whose model cannot be read counts under "unknown").
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter, defaultdict
from urllib.parse import unquote

from moa.errors import UserError

from . import events as ev
from .links import file_name

MODEL_ORDER = ("JEM", "WSO", "TFM")


def check_date(value: str | None, what: str) -> str | None:
    if value is None:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise UserError(f"{what} must be a date YYYY-MM-DD, got {value!r}")
    return value.strip()


def date_window(since: str | None, until: str | None) -> tuple[list[str], list]:
    """SQL conditions (and their parameters) on a snapshot `s` published from `since` to `until`, inclusive."""
    where, params = ["1=1"], []
    if since:
        where.append("s.published_date>=?")
        params.append(since)
    if until:
        where.append("s.published_date<=?")
        params.append(until)
    return where, params


def _rows(conn: sqlite3.Connection, content_id: int) -> list[dict]:
    return [dict(r) for r in conn.execute("SELECT r.row, l.* FROM ledger_rows r JOIN ledger_lines l"
                                          " ON l.id=r.line_id WHERE r.content_id=? ORDER BY r.row", (content_id,))]


def _snapshot_info(s: sqlite3.Row) -> dict:
    return {"id": s["id"], "published": s["published_local"], "source": s["name"], "kind": s["kind"],
            "status": s["status"], "flags": json.loads(s["flags"] or "[]"), "basis": s["basis"]}


def _pick(conn: sqlite3.Connection, kind: str, as_of: str) -> tuple[sqlite3.Row | None, list[sqlite3.Row]]:
    """The snapshot that stood at the end of as_of, and the malformed newer ones passed over."""
    rows = conn.execute("SELECT s.* FROM ledger_snapshots s JOIN ledger_contents c ON c.id=s.content_id"
                        " WHERE s.kind=? AND s.published_date<=? ORDER BY s.published DESC, c.modified DESC,"
                        " s.name DESC", (kind, as_of)).fetchall()
    skipped = []
    for s in rows:
        if s["status"] != "malformed":
            return s, skipped
        skipped.append(s)
    return (rows[0] if rows else None), []


def _ordered_counts(counter: Counter) -> dict:
    keys = [m for m in MODEL_ORDER if m in counter] + sorted(k for k in counter if k not in MODEL_ORDER)
    return {k: counter[k] for k in keys}


def tally(rows: list[dict]) -> dict:
    """Figures for one list: agreements (exact duplicates once), agencies, states, by model and state."""
    agreements, _ = ev.collapse(rows)
    by_model: Counter = Counter()
    by_state: Counter = Counter()
    states_by_model: dict[str, set] = defaultdict(set)
    for a in agreements:
        model = a["model"] or "unknown"
        by_model[model] += 1
        by_state[a["state"] or "unknown"] += 1
        states_by_model[model].add(a["state"])
    return {
        "agreements": len(agreements),
        "agencies": len({(a["state"], a["agency_key"]) for a in agreements}),
        "by_model": _ordered_counts(by_model),
        "states": len({a["state"] for a in agreements if a["state"]}),
        "states_by_model": _ordered_counts(Counter({m: len(s - {None}) for m, s in states_by_model.items()})),
        "by_state": dict(sorted(by_state.items())),
        "rows": len(rows),
        "duplicate_rows": len(rows) - len(agreements),
    }


def counts_as_of(conn: sqlite3.Connection, as_of: str) -> dict:
    """The published lists as they stood at the end of `as_of` (see the module docstring for the rules)."""
    as_of = check_date(as_of, "--as-of")
    part, skipped = _pick(conn, "participating", as_of)
    pend, skipped_pending = _pick(conn, "pending", as_of)
    out: dict = {"as_of": as_of}
    if part is None:
        out.update({"snapshot": None, "agreements": None, "agencies": None, "by_model": {}, "states": None,
                    "states_by_model": {}, "by_state": {}})
    else:
        t = tally(_rows(conn, part["content_id"]))
        out["snapshot"] = _snapshot_info(part)
        out.update({k: t[k] for k in ("agreements", "agencies", "by_model", "states", "states_by_model",
                                      "by_state", "rows", "duplicate_rows")})
    if pend is None:
        out["pending"] = {"agreements": None, "agencies": None, "by_model": {}, "snapshot": None}
    else:
        t = tally(_rows(conn, pend["content_id"]))
        out["pending"] = {"agreements": t["agreements"], "agencies": t["agencies"], "by_model": t["by_model"],
                          "states": t["states"], "snapshot": _snapshot_info(pend)}
    out["skipped"] = [_snapshot_info(s) for s in skipped + skipped_pending]
    return out


def events_since(conn: sqlite3.Connection, since: str | None = None, until: str | None = None,
                 kind: str | None = None) -> dict:
    """Agreements added, removed and changed in snapshots published from `since` to `until` (inclusive),
    each with its snapshot and the one before it; malformed snapshots in the window are listed, not read."""
    since = check_date(since, "--since")
    until = check_date(until, "--until")
    where, params = date_window(since, until)
    if kind:
        where.append("s.kind=?")
        params.append(kind)
    snaps = conn.execute(f"SELECT s.* FROM ledger_snapshots s JOIN ledger_contents c ON c.id=s.content_id"
                         f" WHERE {' AND '.join(where)} ORDER BY s.published, c.modified, s.name",
                         params).fetchall()
    names = {r["id"]: r["name"] for r in conn.execute("SELECT id, name FROM ledger_snapshots")}
    out_events, summaries, malformed = [], [], []
    totals: Counter = Counter()
    for s in snaps:
        info = _snapshot_info(s)
        if s["status"] == "malformed" or info["flags"]:
            malformed.append({**info, "agreements": s["agreements"],
                              "excluded": s["status"] == "malformed"})
        rows = conn.execute("SELECT * FROM ledger_events WHERE snapshot_id=? ORDER BY event, state, agency",
                            (s["id"],)).fetchall()
        if not rows:
            continue
        c = Counter(r["event"] for r in rows)
        totals.update(c)
        summaries.append({**info, "previous": names.get(rows[0]["prev_snapshot_id"]), "agreements": s["agreements"],
                          "added": c["added"], "removed": c["removed"], "changed": c["changed"]})
        for r in rows:
            out_events.append({
                "published": s["published_local"], "snapshot": s["name"], "previous": names.get(r["prev_snapshot_id"]),
                "list": r["kind"], "event": r["event"], "agreement_id": r["agreement_id"], "state": r["state"],
                "agency": r["agency"], "model": r["model"], "changes": json.loads(r["changes"]),
            })
    signed = sum(1 for e in out_events if e["event"] == "removed" and "to_participating" in e["changes"])
    return {"since": since, "until": until,
            "totals": {**{k: totals[k] for k in ("added", "removed", "changed")}, "pending_signed": signed},
            "snapshots": summaries, "malformed": malformed, "events": out_events}


def snapshots(conn: sqlite3.Connection, kind: str | None = None) -> list[dict]:
    """Every snapshot in publication order, with the rule's basis, status and flags."""
    sql = ("SELECT s.*, c.modified FROM ledger_snapshots s JOIN ledger_contents c ON c.id=s.content_id"
           + (" WHERE s.kind=?" if kind else "") + " ORDER BY s.kind, s.published, c.modified, s.name")
    return [{"id": s["id"], "kind": s["kind"], "name": s["name"], "published": s["published_local"],
             "basis": s["basis"], "name_date": s["name_date"], "modified": s["modified"], "status": s["status"],
             "agreements": s["agreements"], "agencies": s["agencies"], "flags": json.loads(s["flags"] or "[]"),
             "sha256": s["sha256"]}
            for s in conn.execute(sql, (kind,) if kind else ())]


def _agreement_dict(conn: sqlite3.Connection, a: sqlite3.Row) -> dict:
    first = conn.execute("SELECT name, published_local FROM ledger_snapshots WHERE id=?",
                         (a["first_snapshot"],)).fetchone()
    last = conn.execute("SELECT name, published_local FROM ledger_snapshots WHERE id=?",
                        (a["last_snapshot"],)).fetchone()
    return {
        "agreement_id": a["id"], "list": a["kind"], "agency": a["agency"], "state": a["state"], "model": a["model"],
        "agency_type": a["agency_type"], "county": a["county"], "signed": a["signed"], "moa_url": a["moa_url"],
        "moa_file": a["moa_file"], "addendum_urls": json.loads(a["addendum_urls"] or "[]"),
        "first_seen": {"snapshot": first["name"], "published": first["published_local"]} if first else None,
        "last_seen": {"snapshot": last["name"], "published": last["published_local"]} if last else None,
        "listed": bool(a["listed"]), "status": "active" if a["listed"] else "removed",
    }


def listings_for_document(conn: sqlite3.Connection, file_name_: str, url: str | None = None) -> list[dict]:
    """The agreements whose MOA (or ADDENDUM) link ever pointed to this PDF, matched by the URL's unquoted file
    name in any case, with ICE's listed signed date, first and last snapshot seen, whether it is still
    listed, and `linked_as` ('moa' / 'addendum')."""
    names = {unquote(file_name_).strip().lower()}
    if url:
        n = file_name(url)
        if n:
            names.add(n.lower())
    links: dict[int, set[str]] = {}
    for n in names:
        for r in conn.execute("SELECT agreement_id, field FROM ledger_agreement_files WHERE moa_file=?", (n,)):
            links.setdefault(r[0], set()).add(r[1])
    out = []
    for aid in sorted(links):
        a = conn.execute("SELECT * FROM ledger_agreements WHERE id=?", (aid,)).fetchone()
        if a is not None:
            out.append(_agreement_dict(conn, a) | {"linked_as": sorted(links[aid])})
    return out


def agreement_status(conn: sqlite3.Connection, file_name_: str) -> str | None:
    """'active' when an agreement linking this document is on the newest participating list, 'removed' when
    it was listed once and is no longer, None when the ledger never saw it."""
    found = [x for x in listings_for_document(conn, file_name_)
             if x["list"] == "participating" and "moa" in x["linked_as"]]
    if not found:
        return None
    return "active" if any(x["listed"] for x in found) else "removed"


def current_agreements(conn: sqlite3.Connection, as_of: str | None = None) -> list[dict]:
    """The participating agreements listed as of a date (default: the newest snapshot), each with its
    document's file name (`moa_file`) and the `status` facet ('active')."""
    if as_of is None:
        latest = conn.execute("SELECT published_date FROM ledger_snapshots WHERE kind='participating'"
                              " AND status!='malformed' ORDER BY published DESC LIMIT 1").fetchone()
        if latest is None:
            return []
        as_of = latest["published_date"]
    snap, _ = _pick(conn, "participating", check_date(as_of, "as_of"))
    if snap is None:
        return []
    ids = sorted(set(json.loads(snap["members"] or "[]")))
    out = []
    for i in ids:
        a = conn.execute("SELECT * FROM ledger_agreements WHERE id=?", (i,)).fetchone()
        d = _agreement_dict(conn, a)
        d["status"] = "active"
        out.append(d)
    return out


def agreement_histories(conn: sqlite3.Connection) -> list[dict]:
    """Every agreement the ledger traced, on either list, in the shape of `listings_for_document`, plus its history:
    `spellings` (every agency name its rows carried, with the state they carried and how many good snapshots
    showed each), `files` (every MOA or addendum file name its rows linked), `removed` (the snapshot that first
    went without it, for one no longer listed), `to_participating` / `from_pending` (the other list's
    snapshot where a pending agreement was signed)."""
    snaps = {r["id"]: r for r in conn.execute("SELECT id, name, published_local, content_id, members, status"
                                               " FROM ledger_snapshots")}
    rows_of: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
    for r in conn.execute("SELECT r.content_id, l.agency, l.state FROM ledger_rows r JOIN ledger_lines l"
                          " ON l.id=r.line_id ORDER BY r.content_id, r.row"):
        rows_of[r[0]].append((r[1], r[2]))
    spellings: dict[int, Counter] = defaultdict(Counter)
    # snapshots of one content mostly carry the same members: count each (content, members) once, weighted
    alike = Counter((s["content_id"], s["members"]) for s in snaps.values()
                    if s["status"] != "malformed" and s["members"])
    for (content_id, members), times in alike.items():
        for aid, (agency, state) in zip(json.loads(members), rows_of[content_id], strict=False):
            spellings[aid][(agency, state)] += times
    files: dict[int, list[dict]] = defaultdict(list)
    for r in conn.execute("SELECT agreement_id, moa_file, field FROM ledger_agreement_files"
                          " ORDER BY agreement_id, field DESC, moa_file"):
        files[r[0]].append({"file": r[1], "linked_as": r[2]})
    removed: dict[int, dict] = {}
    signed_link: dict[int, dict] = {}
    for e in conn.execute("SELECT agreement_id, event, snapshot_id, changes FROM ledger_events"
                          " WHERE event IN ('removed', 'added') ORDER BY id"):
        snap = snaps[e["snapshot_id"]]
        where = {"snapshot": snap["name"], "published": snap["published_local"]}
        changes = json.loads(e["changes"] or "{}")
        if e["event"] == "removed":
            removed[e["agreement_id"]] = where
            if "to_participating" in changes:
                signed_link[e["agreement_id"]] = {"to_participating": changes["to_participating"]}
        elif "from_pending" in changes:
            signed_link[e["agreement_id"]] = {"from_pending": changes["from_pending"]}
    def seen(snap_id: int | None) -> dict | None:
        snap = snaps.get(snap_id) if snap_id is not None else None
        return {"snapshot": snap["name"], "published": snap["published_local"]} if snap else None

    out = []
    for a in conn.execute("SELECT * FROM ledger_agreements ORDER BY id"):
        aid = a["id"]
        d = {"agreement_id": aid, "list": a["kind"], "agency": a["agency"], "state": a["state"], "model": a["model"],
             "agency_type": a["agency_type"], "county": a["county"], "signed": a["signed"], "moa_url": a["moa_url"],
             "moa_file": a["moa_file"], "addendum_urls": json.loads(a["addendum_urls"] or "[]"),
             "first_seen": seen(a["first_snapshot"]), "last_seen": seen(a["last_snapshot"]),
             "listed": bool(a["listed"]), "status": "active" if a["listed"] else "removed"}
        d["agency_key"] = a["agency_key"]
        d["spellings"] = [{"agency": n, "state": st, "snapshots": k}
                          for (n, st), k in sorted(spellings[aid].items(), key=lambda x: (-x[1], x[0]))]
        d["files"] = files.get(aid, [])
        d["removed"] = None if a["listed"] else removed.get(aid)
        d.update(signed_link.get(aid, {}))
        out.append(d)
    return out


def list_rows_as_of(conn: sqlite3.Connection, kind: str, as_of: str) -> tuple[dict | None, list[dict]]:
    """The snapshot of `kind` that stood at the end of `as_of` and its rows, each with the ledger's
    `agreement_id`; (None, []) when there is none."""
    snap, _ = _pick(conn, kind, check_date(as_of, "as_of"))
    if snap is None:
        return None, []
    rows = _rows(conn, snap["content_id"])
    for r, aid in zip(rows, json.loads(snap["members"] or "[]"), strict=False):
        r["agreement_id"] = aid
    return dict(snap), rows


def events_for_agreements(conn: sqlite3.Connection, ids: list[int]) -> dict[int, list[dict]]:
    """Each agreement's events on its list, oldest first: added, changed (fields old → new), removed, with the
    snapshot that shows it and the one before."""
    out: dict[int, list[dict]] = {i: [] for i in ids}
    if not ids:
        return out
    names = {r["id"]: (r["name"], r["published_local"]) for r in conn.execute(
        "SELECT id, name, published_local FROM ledger_snapshots")}
    marks = ",".join("?" * len(ids))
    for r in conn.execute(f"SELECT * FROM ledger_events WHERE agreement_id IN ({marks}) ORDER BY id", ids):
        snap, prev = names.get(r["snapshot_id"]), names.get(r["prev_snapshot_id"])
        out[r["agreement_id"]].append({
            "event": r["event"], "list": r["kind"], "published": snap[1] if snap else None,
            "snapshot": snap[0] if snap else None, "snapshot_id": r["snapshot_id"],
            "previous": prev[0] if prev else None, "previous_id": r["prev_snapshot_id"],
            "changes": json.loads(r["changes"] or "{}")})
    return out
