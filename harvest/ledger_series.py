"""The program over time and by place, from the ledger: agreements on ICE's list at each snapshot date, added and
removed per week, counts by county and state with the Census's populations, and the agreements cancelled since a
date. Every "as of" here is `counts_as_of`'s, so a point of the timeline and `moa ledger counts --as-of` for the
same date give the same figures."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections import Counter, defaultdict

from places.agencies import Placement, place_agency, state_fips
from places.census import Estimates

from . import events as ev
from .ledger_query import MODEL_ORDER, _pick, _rows, _snapshot_info, check_date, date_window, tally

_EMPTY_COUNTY = {"", "#n/a", "#na", "#n?a", "n/a", "na", "none"}


def snapshot_dates(conn: sqlite3.Connection, kind: str = "participating") -> list[str]:
    """Every US Eastern date on which a good snapshot of the list was published, in order."""
    return [r[0] for r in conn.execute("SELECT DISTINCT published_date FROM ledger_snapshots WHERE kind=?"
                                       " AND status!='malformed' ORDER BY published_date", (kind,))]


def _week(day: str) -> str:
    d = dt.date.fromisoformat(day)
    return (d - dt.timedelta(days=d.weekday())).isoformat()


def weekly_events(conn: sqlite3.Connection, kind: str = "participating") -> list[dict]:
    """Agreements added, removed and changed on the list per week (weeks start on Monday, US Eastern dates)."""
    weeks: dict[str, Counter] = defaultdict(Counter)
    for day, event, n in conn.execute(
            "SELECT s.published_date, e.event, count(*) FROM ledger_events e JOIN ledger_snapshots s"
            " ON s.id=e.snapshot_id WHERE e.kind=? GROUP BY 1, 2", (kind,)):
        weeks[_week(day)][event] += n
    return [{"week": w, "added": c["added"], "removed": c["removed"], "changed": c["changed"]}
            for w, c in sorted(weeks.items())]


def _standing(conn: sqlite3.Connection, kind: str, days: list[str]) -> dict[str, sqlite3.Row]:
    """For each day, the snapshot `_pick` chooses (the newest good one published on or before it), in one pass."""
    snaps = conn.execute("SELECT s.id, s.published_date, s.status FROM ledger_snapshots s JOIN ledger_contents c"
                         " ON c.id=s.content_id WHERE s.kind=? ORDER BY s.published, c.modified, s.name",
                         (kind,)).fetchall()
    out: dict[str, int] = {}
    good = last = None
    i = 0
    for day in sorted(days):
        while i < len(snaps) and snaps[i]["published_date"] <= day:
            last = snaps[i]["id"]
            if snaps[i]["status"] != "malformed":
                good = snaps[i]["id"]
            i += 1
        if good or last:
            out[day] = good or last
    rows = {r["id"]: r for r in conn.execute(
        f"SELECT * FROM ledger_snapshots WHERE id IN ({','.join('?' * len(set(out.values())))})",
        list(set(out.values())))} if out else {}
    return {day: rows[sid] for day, sid in out.items()}


def _members_tally(conn: sqlite3.Connection, snap: sqlite3.Row, rows_of: dict[int, list]) -> dict:
    """`tally`'s agreements, models and states of a snapshot from the agreements the rebuild traced in it (its
    `members`, one per row in row order) and each row's state and model: the same figures without collapsing the
    rows again (an agreement's rows share its state and model). Agencies are not counted here."""
    if not snap["members"]:  # a malformed snapshot standing alone has no members: read it whole
        return tally(_rows(conn, snap["content_id"]))
    members = json.loads(snap["members"])
    facets: dict[int, tuple[str, str]] = {}
    if snap["content_id"] not in rows_of:
        rows_of[snap["content_id"]] = conn.execute(
            "SELECT l.model, l.state FROM ledger_rows r JOIN ledger_lines l ON l.id=r.line_id"
            " WHERE r.content_id=? ORDER BY r.row", (snap["content_id"],)).fetchall()
    rows = rows_of[snap["content_id"]]
    for aid, r in zip(members, rows, strict=False):
        facets.setdefault(aid, (r["model"] or "unknown", r["state"] or "unknown"))
    by_model = Counter(m for m, _ in facets.values())
    return {"agreements": len(facets),
            "by_model": {m: by_model[m] for m in MODEL_ORDER if m in by_model}
            | {m: n for m, n in sorted(by_model.items()) if m not in MODEL_ORDER},
            "states": len({s for _, s in facets.values() if s != "unknown"}),
            "by_state": dict(sorted(Counter(s for _, s in facets.values()).items()))}


def timeline(conn: sqlite3.Connection, by: str = "model", kind: str = "participating") -> dict:
    """Agreements on the list as of every snapshot date, split by model or by state (`rows`, one per date and
    group, zeros included, for charts and CSV), and the weekly events. A point stands from its `date` to its
    `until` (the day before the next snapshot date; None for the last): the list as of any day in between."""
    if by not in ("model", "state"):
        raise ValueError(by)
    cache: dict[tuple, dict] = {}
    rows_of: dict[int, list] = {}
    points = []
    days = snapshot_dates(conn, kind)
    standing = _standing(conn, kind, days)
    for day in days:
        snap = standing[day]
        key = (snap["content_id"], snap["members"])
        if key not in cache:
            cache[key] = _members_tally(conn, snap, rows_of)
        t = cache[key]
        if points:
            points[-1]["until"] = (dt.date.fromisoformat(day) - dt.timedelta(days=1)).isoformat()
        points.append({"date": day, "until": None, "snapshot": snap["name"], "published": snap["published_local"],
                       "agreements": t["agreements"], "states": t["states"],
                       "by_model": t["by_model"], "by_state": t["by_state"]})
    groups: list[str] = []
    key = "by_model" if by == "model" else "by_state"
    for p in points:
        groups += [g for g in p[key] if g not in groups]
    if by == "model":
        groups = [m for m in MODEL_ORDER if m in groups] + sorted(g for g in groups if g not in MODEL_ORDER)
    else:
        groups.sort()
    rows = [{"date": p["date"], "snapshot": p["snapshot"], by: g, "agreements": p[key].get(g, 0),
             "total": p["agreements"]} for p in points for g in groups]
    return {"list": kind, "by": by, "groups": groups, "first": points[0]["date"] if points else None,
            "last": points[-1]["date"] if points else None, "points": points, "weeks": weekly_events(conn, kind),
            "rows": rows}


# ---------------------------------------------------------------------------------------------- places


def _earlier_counties(conn: sqlite3.Connection) -> dict[tuple, str]:
    """(state, agency key) -> the COUNTY cell its rows carried most often on any list (for a row left empty)."""
    seen: dict[tuple, Counter] = defaultdict(Counter)
    for state, key, county in conn.execute("SELECT state, agency_key, county FROM ledger_lines"
                                           " WHERE county IS NOT NULL"):
        if county.strip().lower() not in _EMPTY_COUNTY:
            seen[(state, key)][county.strip()] += 1
    return {k: c.most_common(1)[0][0] for k, c in seen.items()}


def _placement(a: dict, earlier: dict[tuple, str]) -> Placement:
    p = place_agency(a["state"], a["agency"], a["agency_type"], a["county"])
    if p.fips is None and (a["county"] or "").strip().lower() in _EMPTY_COUNTY:
        cell = earlier.get((a["state"], a["agency_key"]))
        if cell:
            q = place_agency(a["state"], a["agency"], a["agency_type"], cell)
            if q.fips:
                return Placement(q.fips, q.level, f"an earlier list's COUNTY ({q.how})", q.place)
    return p


def placed_agreements(conn: sqlite3.Connection, as_of: str, census: Estimates,
                      level: str = "county") -> tuple[sqlite3.Row | None, list]:
    """The snapshot standing at the end of `as_of` and each agreement on it with its place and population
    (`level` "state": every agreement placed in its state only, which needs no county)."""
    snap, _ = _pick(conn, "participating", check_date(as_of, "--as-of"))
    if snap is None:
        return None, []
    rows = _rows(conn, snap["content_id"])
    agreements, index = ev.collapse(rows)
    members = json.loads(snap["members"] or "[]")
    ids: dict[int, int] = {}
    for pos, (_, i) in enumerate(sorted(index.items())):
        if pos < len(members):
            ids.setdefault(i, members[pos])
    earlier = _earlier_counties(conn) if level == "county" else {}
    out = []
    for i, a in enumerate(agreements):
        if level == "state":
            st = state_fips(a["state"])
            p = Placement(st, "state" if st else None, "the state's code" if st else f"no state: {a['state']!r}")
        else:
            p = _placement(a, earlier)
        pop = census.population(p.fips)
        out.append({"agreement_id": ids.get(i), "state": a["state"], "agency": a["agency"], "model": a["model"],
                    "agency_type": a["agency_type"], "county": a["county"], "fips": p.fips, "level": p.level,
                    "place": census.name(p.fips) or p.place, "population": pop, "how": p.how})
    return snap, out


def _per_100k(n: int, pop: int | None) -> float | None:
    return round(n * 100_000 / pop, 2) if pop else None


def _models(items: list[dict]) -> dict:
    c = Counter(a["model"] or "unknown" for a in items)
    return {m: c.get(m, 0) for m in MODEL_ORDER} | {k: v for k, v in c.items() if k not in MODEL_ORDER}


def counts_by_place(conn: sqlite3.Connection, as_of: str, census: Estimates, by: str = "county") -> dict:
    """The list as of a date by county, state or agreement: FIPS, population (the vintage named under `census`)
    and agreements per 100,000 residents; agreements that could not be placed are listed with the reason."""
    if by not in ("county", "state", "agreement"):
        raise ValueError(by)
    snap, placed = placed_agreements(conn, as_of, census, "state" if by == "state" else "county")
    out: dict = {"as_of": as_of, "by": by, "snapshot": _snapshot_info(snap) if snap else None,
                 "census": census.describe(), "agreements": len(placed)}
    with_fips = [a for a in placed if a["fips"]]
    with_pop = [a for a in with_fips if a["population"]]
    n = len(placed) or 1
    out["coverage"] = {"fips": len(with_fips), "population": len(with_pop),
                       "fips_share": round(len(with_fips) / n, 4), "population_share": round(len(with_pop) / n, 4)}
    if by != "state":
        out["coverage"] |= {"county": sum(a["level"] == "county" for a in placed),
                            "statewide": sum(a["level"] == "state" for a in placed)}
    out["unmatched"] = [{k: a[k] for k in ("agreement_id", "state", "agency", "model", "agency_type", "county")}
                        | {"reason": a["how"] if not a["fips"] else f"no Census estimate for FIPS {a['fips']}"}
                        for a in placed if not a["population"]]
    if by == "agreement":
        out["rows"] = placed
        return out
    groups: dict[str, list[dict]] = defaultdict(list)
    if by == "county":
        for a in with_fips:
            groups[a["fips"]].append(a)
    else:  # every agreement has its state, placed in a county or not
        for a in placed:
            groups[state_fips(a["state"]) or a["state"] or "unknown"].append(a)
    rows = []
    for fips, items in groups.items():
        if by == "county" and len(fips) != 5:
            continue  # statewide agreements are counted by state, not spread over counties
        pop = census.population(fips)
        row = {"fips": fips, "name": census.name(fips) or items[0]["place"], "state": items[0]["state"],
               "agreements": len(items), "agencies": len({(a["state"], a["agency"]) for a in items}),
               **_models(items), "population": pop, "per_100k": _per_100k(len(items), pop)}
        if by == "state":
            row["statewide"] = sum((a["agency_type"] or "").lower() == "state agency" for a in items)
        rows.append(row)
    rows.sort(key=lambda r: (-r["agreements"], r["fips"]))
    out["rows"] = rows
    return out


# ---------------------------------------------------------------------------------------------- cancellations


def cancelled_since(conn: sqlite3.Connection, since: str, until: str | None = None) -> dict:
    """Agreements on the participating list as of `since` that are not on it as of `until` (default: the newest
    list), each with the snapshot that first went without it and the one before it. A pending agreement that
    was signed is not here (it never stood on the participating list); one removed and listed again is not
    either."""
    since = check_date(since, "--since")
    until = check_date(until, "--until") or (snapshot_dates(conn) or [since])[-1]
    before, _ = _pick(conn, "participating", since)
    after, _ = _pick(conn, "participating", until)
    if before is None or after is None:
        return {"since": since, "until": until, "before": None, "after": None, "total": 0, "rows": []}
    gone = sorted(set(json.loads(before["members"] or "[]")) - set(json.loads(after["members"] or "[]")))
    names = {r["id"]: (r["name"], r["published_local"]) for r in conn.execute(
        "SELECT id, name, published_local FROM ledger_snapshots")}
    rows = []
    for aid in gone:
        a = conn.execute("SELECT * FROM ledger_agreements WHERE id=?", (aid,)).fetchone()
        e = conn.execute("SELECT e.snapshot_id, e.prev_snapshot_id FROM ledger_events e JOIN ledger_snapshots s"
                         " ON s.id=e.snapshot_id WHERE e.agreement_id=? AND e.event='removed'"
                         " AND s.published_date>? AND s.published_date<=? ORDER BY s.published DESC LIMIT 1",
                         (aid, since, until)).fetchone()
        snap, prev = (names.get(e[0]), names.get(e[1])) if e else (None, None)
        rows.append({"agreement_id": aid, "state": a["state"], "agency": a["agency"], "model": a["model"],
                     "agency_type": a["agency_type"], "signed": a["signed"], "moa_file": a["moa_file"],
                     "removed_in": snap[0] if snap else None, "removed_published": snap[1] if snap else None,
                     "previous": prev[0] if prev else None,
                     "last_seen": names.get(a["last_snapshot"], (None,))[0]})
    rows.sort(key=lambda r: (r["removed_published"] or "", r["state"] or "", r["agency"]))
    return {"since": since, "until": until, "before": _snapshot_info(before), "after": _snapshot_info(after),
            "total": len(rows), "by_model": _models(rows), "rows": rows}


# ---------------------------------------------------------------------------------------------- changes

EVENTS = ("added", "removed", "changed")


def changes(conn: sqlite3.Connection, since: str | None = None, until: str | None = None,
            event: str | None = None, model: str | None = None, state: str | None = None,
            kind: str = "participating", limit: int | None = None) -> dict:
    """The events of one list, newest first, filtered by event, model, state and publication date (inclusive),
    each with the ids and names of the snapshot it was seen in and the one it was compared with."""
    since = check_date(since, "since")
    until = check_date(until, "until")
    where, params = date_window(since, until)
    where.append("e.kind=?")
    params.append(kind)
    for column, value in (("e.event", event), ("e.model", model), ("e.state", state)):
        if value:
            where.append(f"{column}=?")
            params.append(value)
    sql = (f"SELECT e.*, s.name AS snapshot, s.published_local AS published, s.published_date AS date,"
           f" p.name AS previous, p.published_local AS previous_published FROM ledger_events e"
           f" JOIN ledger_snapshots s ON s.id=e.snapshot_id LEFT JOIN ledger_snapshots p ON p.id=e.prev_snapshot_id"
           f" WHERE {' AND '.join(where)} ORDER BY s.published DESC, e.event, e.state, e.agency")
    rows = conn.execute(sql, params).fetchall()
    totals = Counter(r["event"] for r in rows)
    out = [{"date": r["date"], "published": r["published"], "event": r["event"], "state": r["state"],
            "agency": r["agency"], "model": r["model"], "agreement_id": r["agreement_id"],
            "snapshot_id": r["snapshot_id"], "snapshot": r["snapshot"], "previous_id": r["prev_snapshot_id"],
            "previous": r["previous"], "changes": json.loads(r["changes"] or "{}")}
           for r in (rows[:limit] if limit else rows)]
    return {"list": kind, "since": since, "until": until, "event": event, "model": model, "state": state,
            "total": len(rows), "totals": {k: totals.get(k, 0) for k in EVENTS}, "shown": len(out), "rows": out}


def agreement_history(conn: sqlite3.Connection, agreement_id: int) -> dict | None:
    """One traced agreement as the ledger knows it: its latest listing, first and last snapshot, every event,
    and the documents its rows linked."""
    a = conn.execute("SELECT * FROM ledger_agreements WHERE id=?", (agreement_id,)).fetchone()
    if a is None:
        return None
    snap = {r["id"]: dict(r) for r in conn.execute(
        "SELECT id, name, published_local, published_date FROM ledger_snapshots WHERE id IN (?, ?)",
        (a["first_snapshot"], a["last_snapshot"]))}
    events = [e for e in changes(conn, kind=a["kind"])["rows"] if e["agreement_id"] == agreement_id]
    files = [{"file": r[0], "linked_as": r[1]} for r in conn.execute(
        "SELECT moa_file, field FROM ledger_agreement_files WHERE agreement_id=? ORDER BY field DESC, moa_file",
        (agreement_id,))]
    return {"agreement_id": a["id"], "list": a["kind"], "state": a["state"], "agency": a["agency"],
            "model": a["model"], "agency_type": a["agency_type"], "county": a["county"], "signed": a["signed"],
            "moa_url": a["moa_url"], "listed": bool(a["listed"]),
            "first_seen": snap.get(a["first_snapshot"]), "last_seen": snap.get(a["last_snapshot"]),
            "events": events, "files": files}


def snapshot_file(conn: sqlite3.Connection, snapshot_id: int) -> dict | None:
    """A snapshot's stored file: {"id", "name", "sha256", "published"} (the bytes are the blob of that sha256)."""
    r = conn.execute("SELECT id, name, sha256, published_local FROM ledger_snapshots WHERE id=?",
                     (snapshot_id,)).fetchone()
    return {"id": r["id"], "name": r["name"], "sha256": r["sha256"], "published": r["published_local"]} if r else None
