"""Documents as the stages above read them: extraction's record with what ICE's list says about it.

The record comes from `extract.records`; its `listing` is read from the ledger now (it may have been imported
after extraction), never as extraction saw it. Provenance comes from the harvest's fetches.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from typing import Any

from extract import records
from harvest.ledger import agreement_status, listings_for_document

from .listing import listing_for

__all__ = ["document", "iter_documents", "low_confidence_words", "listings", "list_status", "provenance",
           "extracted_shas", "extracted_file"]

low_confidence_words = records.low_confidence_words


def document(conn: sqlite3.Connection, sha: str, with_text: bool = False) -> dict[str, Any] | None:
    """One document's record with its listing on ICE's lists (None if it was never extracted)."""
    record = records.get_record(conn, sha, with_text=with_text)
    if record is None:
        return None
    listing = listing_for(conn, record["file"], record)
    if listing is not None:
        record["listing"] = listing
    return record


def iter_documents(conn: sqlite3.Connection, with_text: bool = False) -> Iterator[dict[str, Any]]:
    """Every extracted document, in file-name order, each with its listing."""
    for sha in records.extracted_shas(conn):
        record = document(conn, sha, with_text=with_text)
        if record is not None:
            yield record


def extracted_shas(conn: sqlite3.Connection, prefix: str = "", limit: int | None = None) -> list[str]:
    """The sha256 of extracted documents (those starting with `prefix`), in file-name order."""
    return records.extracted_shas(conn, prefix, limit)


def extracted_file(conn: sqlite3.Connection, sha: str) -> str | None:
    """The file name of an extracted document; None when it was never extracted."""
    return records.file_of(conn, sha)


def listings(conn: sqlite3.Connection, file_name: str) -> list[dict] | None:
    """The document's agreements on ICE's lists, or None when this catalog has no ledger."""
    try:
        if not conn.execute("SELECT 1 FROM ledger_snapshots LIMIT 1").fetchone():
            return None
        return listings_for_document(conn, file_name)
    except sqlite3.Error:  # an older catalog without the ledger tables
        return None


def list_status(conn: sqlite3.Connection, file_name: str) -> str | None:
    """active, removed or pending on ICE's list; None when the ledger never listed the file."""
    return agreement_status(conn, file_name)


def provenance(conn: sqlite3.Connection | None, sha: str) -> dict:
    """Where a document came from: the ICE URL and when it was retrieved (harvest's fetches, else the files
    table), and its sha256."""
    out: dict[str, Any] = {"sha256": sha, "url": None, "retrieved_at": None}
    if conn is None:
        return out
    try:
        row = conn.execute("SELECT url, fetched_at FROM fetches WHERE sha256=? AND outcome='stored' "
                           "ORDER BY fetched_at LIMIT 1", (sha,)).fetchone()
        if row:
            out.update(url=row[0], retrieved_at=row[1])
            return out
    except sqlite3.OperationalError:
        pass  # a catalog without harvest's tables
    try:
        row = conn.execute("SELECT source, added_at, origin FROM files WHERE sha256=? ORDER BY "
                           "(origin='harvest') DESC, added_at LIMIT 1", (sha,)).fetchone()
    except sqlite3.OperationalError:
        row = None
    if row:
        src = row[0] or ""
        out.update(url=src if re.match(r"https?://", src) else None, retrieved_at=row[1])
    return out
