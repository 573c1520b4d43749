"""Bring an index up to date with the catalog: only records whose units changed are rewritten.

What is indexed comes from the read model (agreements.join): every extracted document with its agreement's
identity, and one unit per agreement (level `agreement`), so an agreement whose PDF we do not hold is found too.

What each index holds is recorded in `search_indexed` (target, sha256, fingerprint); a record whose
fingerprint (its units, ledger status included) is unchanged is skipped, and a record that left the
catalog is deleted from the index. Running `moa index` twice does no work the second time.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterable, Iterator

from agreements.documents import iter_documents, list_status
from agreements.join import build
from moa.catalog import now_iso, transaction
from moa.progress import Progress

from .backend import Backend
from .index_docs import AGREEMENT_KEY, IndexDoc, agreement_doc, index_doc

log = logging.getLogger("moa.search")
BATCH = 25


def iter_records(conn: sqlite3.Connection) -> Iterator[dict]:
    """Every extracted document with page text and its listing (agreements.documents)."""
    return iter_documents(conn, with_text=True)


def iter_index_docs(conn: sqlite3.Connection, records: Iterable[dict] | None,
                    status_of: Callable[[dict], str] | None) -> Iterator[IndexDoc]:
    """The index documents of the catalog: every document (`records`, default all, with their agreement's
    identity), then every agreement's unit (only when indexing the whole catalog)."""
    corpus = build(conn)
    owner = corpus.by_document()
    listed = ledger_status(conn)
    for record in (iter_records(conn) if records is None else records):
        agreement = owner.get(record["sha256"])
        # a caller's status_of decides; else the agreement's status, else the ledger's of the file
        status = status_of(record) if status_of else agreement.status if agreement else listed(record)
        yield index_doc(record, status, agreement)
    if records is None:
        for a in corpus.agreements:
            yield agreement_doc(a)


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
    Returns {"backend", "target", "indexed", "unchanged", "removed" (documents), "agreements" (the same three for
    agreement units), "units", "stats"}.
    """
    target = backend.target()
    if rebuild:
        backend.reset()
        with transaction(conn):
            conn.execute("DELETE FROM search_indexed WHERE target = ?", (target,))
    known = dict(conn.execute("SELECT sha256, fingerprint FROM search_indexed WHERE target = ?", (target,)))
    seen: set[str] = set()
    counts: dict = {"documents": {"indexed": 0, "unchanged": 0, "removed": 0},
                    "agreements": {"indexed": 0, "unchanged": 0, "removed": 0}, "units": 0}
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
        for d in batch:
            counts[_kind(d.sha256)]["indexed"] += 1
        batch.clear()

    with Progress(None, "indexing") as progress:
        for doc in iter_index_docs(conn, records, status_of):
            seen.add(doc.sha256)
            progress.advance(1)
            if known.get(doc.sha256) == doc.fingerprint:
                counts[_kind(doc.sha256)]["unchanged"] += 1
                continue
            batch.append(doc)
            if len(batch) >= BATCH:
                flush()
        flush()
    backend.finish()  # a rebuild goes live only now (Elasticsearch: one atomic alias swap)
    gone = [sha for sha in known if sha not in seen]
    if gone and records is None:  # a partial list of records given by a caller removes nothing
        backend.delete(gone)
        for sha in gone:
            counts[_kind(sha)]["removed"] += 1
        with transaction(conn):
            conn.executemany("DELETE FROM search_indexed WHERE target = ? AND sha256 = ?",
                             [(target, s) for s in gone])
    docs = counts.pop("documents")
    return {"backend": backend.name, "target": target, **docs, **counts, "stats": backend.stats()}


def _kind(key: str) -> str:
    return "agreements" if key.startswith(AGREEMENT_KEY) else "documents"
