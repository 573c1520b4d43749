"""The program at a glance for the pages above: ICE's list over time, by place and per capita, its changes and
cancellations, one agreement's history: the ledger's series (harvest/ledger_series.py) with the documents moa
holds. The same calls the `moa ledger` commands make, so a page and a command give the same JSON."""

from __future__ import annotations

import sqlite3
from functools import lru_cache

from harvest import ledger_series as series
from harvest.ledger_query import counts_as_of
from moa.files import shas_by_name
from places import census

from .documents import extracted_shas


def has_ledger(conn: sqlite3.Connection) -> bool:
    try:
        return conn.execute("SELECT 1 FROM ledger_snapshots WHERE kind='participating' LIMIT 1").fetchone() is not None
    except sqlite3.OperationalError:
        return False


def timeline(conn: sqlite3.Connection, by: str = "model") -> dict:
    """`moa ledger timeline --json` (it reads every snapshot: a server keeps it until the catalog changes)."""
    return series.timeline(conn, by=by)


def snapshot_dates(conn: sqlite3.Connection) -> list[str]:
    return series.snapshot_dates(conn)


@lru_cache(maxsize=4)
def estimates(path: str | None = None) -> census.Estimates:
    """The Census estimates ($MOA_CENSUS, else ../shared/census), read once per process."""
    return census.load(path)


def counts(conn: sqlite3.Connection, as_of: str, by: str | None = None) -> dict:
    """`moa ledger counts --as-of D [--by county|state|agreement] --json`."""
    if not by:
        return counts_as_of(conn, as_of)
    return series.counts_by_place(conn, as_of, estimates(), by)


def changes(conn: sqlite3.Connection, **filters) -> dict:
    return series.changes(conn, **filters)


def cancelled_since(conn: sqlite3.Connection, since: str, until: str | None = None) -> dict:
    return series.cancelled_since(conn, since, until)


def agreement(conn: sqlite3.Connection, agreement_id: int) -> dict | None:
    """One agreement's ledger history, each linked file with the sha256 of the extracted document, if held."""
    h = series.agreement_history(conn, agreement_id)
    if h is None:
        return None
    by_name = shas_by_name(conn)
    try:
        held = set(extracted_shas(conn))
    except sqlite3.OperationalError:  # a ledger-only catalog: nothing extracted
        held = set()
    for f in h["files"]:
        f["sha256"] = next((s for s in by_name.get(f["file"].lower(), []) if s in held), None)
    return h


def snapshot_file(conn: sqlite3.Connection, snapshot_id: int) -> dict | None:
    return series.snapshot_file(conn, snapshot_id)
