"""Bring an index up to date with the catalog: only records whose units changed are rewritten.

What each index holds is recorded in `search_indexed` (target, sha256, fingerprint); a record whose
fingerprint (its units, ledger status included) is unchanged is skipped, and a record that left the
catalog is deleted from the index. Running `moa index` twice does no work the second time.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterable, Iterator

from agreements.documents import iter_documents, list_status
from moa.catalog import now_iso, transaction
from moa.progress import Progress

from .backend import Backend
from .index_docs import IndexDoc, index_doc

log = logging.getLogger("moa.search")
BATCH = 25


def iter_records(conn: sqlite3.Connection) -> Iterator[dict]:
    """Every extracted document with page text and its listing (agreements.documents)."""
    return iter_documents(conn, with_text=True)


def ledger_status(conn: sqlite3.Connection) -> Callable[[dict], str]:
    """A function giving a record's status on ICE's published list: active, removed or unknown."""

    def status(record: dict) -> str:
        try:
            return list_status(conn, record.get("file") or "") or "unknown"
        except sqlite3.Error as e:  # an unmigrated or damaged ledger must not stop indexing
            log.debug("ledger lookup failed for %s: %s", record.get("file"), e)
            return "unknown"

    return status


def update_index(conn: sqlite3.Connection, backend: Backend, records: Iterable[dict] | None = None,
                 rebuild: bool = False, status_of: Callable[[dict], str] | None = None) -> dict:
    """Index every record not yet indexed (or changed) in `backend`; drop those no longer in the catalog.

    `records` defaults to every extracted record in the catalog; `rebuild` empties the index first.
    Returns {"backend", "target", "indexed", "unchanged", "removed", "units", "stats"}.
    """
    target = backend.target()
    if rebuild:
        backend.reset()
        with transaction(conn):
            conn.execute("DELETE FROM search_indexed WHERE target = ?", (target,))
    known = dict(conn.execute("SELECT sha256, fingerprint FROM search_indexed WHERE target = ?", (target,)))
    status_of = status_of or ledger_status(conn)
    seen: set[str] = set()
    counts = {"indexed": 0, "unchanged": 0, "removed": 0, "units": 0}
    batch: list[IndexDoc] = []

    def flush() -> None:
        if not batch:
            return
        counts["units"] += backend.index(batch)
        with transaction(conn):
            conn.executemany(
                "INSERT INTO search_indexed(target, sha256, fingerprint, indexed_at) VALUES (?,?,?,?) "
                "ON CONFLICT(target, sha256) DO UPDATE SET fingerprint = excluded.fingerprint, "
                "indexed_at = excluded.indexed_at",
                [(target, d.sha256, d.fingerprint, now_iso()) for d in batch])
        counts["indexed"] += len(batch)
        batch.clear()

    source = iter_records(conn) if records is None else records
    with Progress(None, "indexing") as progress:
        for record in source:
            doc = index_doc(record, status_of(record))
            seen.add(doc.sha256)
            progress.advance(1)
            if known.get(doc.sha256) == doc.fingerprint:
                counts["unchanged"] += 1
                continue
            batch.append(doc)
            if len(batch) >= BATCH:
                flush()
        flush()
    backend.finish()  # a rebuild goes live only now (Elasticsearch: one atomic alias swap)
    gone = [sha for sha in known if sha not in seen]
    if gone and records is None:  # a partial list of records given by a caller removes nothing
        counts["removed"] = backend.delete(gone)
        with transaction(conn):
            conn.executemany("DELETE FROM search_indexed WHERE target = ? AND sha256 = ?",
                             [(target, s) for s in gone])
    return {"backend": backend.name, "target": target, **counts, "stats": backend.stats()}
