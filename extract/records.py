"""The extract stage's tables (migration 0004): records, per-page text and decisions, errors.

Other stages read records only through `get_record` and `iter_records` (and `agreements.documents`, which adds
what ICE's list says).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from typing import Any

from moa.catalog import now_iso, transaction

from .pages import Page


def save_record(conn: sqlite3.Connection, record: dict[str, Any], pages: list[Page], *, extractor: str,
                ocr_mode: str, ocr_run: int, seconds: float) -> None:
    """Replace the document's record and pages in one transaction (and clear an old error)."""
    sha = record["sha256"]
    stored = {k: v for k, v in record.items()}
    stored["pages"] = [p.info() for p in pages]
    with transaction(conn):
        conn.execute("DELETE FROM extract_pages WHERE sha256=?", (sha,))
        conn.execute("DELETE FROM extract_documents WHERE sha256=?", (sha,))
        conn.execute(
            "INSERT INTO extract_documents(sha256, file, extractor, ocr_mode, page_count, record, ocr_pages,"
            " ocr_run, seconds, extracted_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (sha, record["file"], extractor, ocr_mode, len(pages), json.dumps(stored, ensure_ascii=False),
             sum(1 for p in pages if p.method == "ocr"), ocr_run, round(seconds, 3), now_iso()),
        )
        conn.executemany(
            "INSERT INTO extract_pages(sha256, number, method, chars, quality, reason, mean_conf, text, words)"
            " VALUES (?,?,?,?,?,?,?,?,?)",
            [(sha, p.number, p.method, p.chars, p.quality, p.reason, p.mean_conf, p.text,
              json.dumps(p.words) if p.words else None) for p in pages],
        )
        conn.execute("DELETE FROM extract_errors WHERE sha256=?", (sha,))


def save_error(conn: sqlite3.Connection, sha: str, file: str, extractor: str, error: str) -> None:
    with transaction(conn):
        conn.execute("INSERT OR REPLACE INTO extract_errors(sha256, file, extractor, error, at) VALUES (?,?,?,?,?)",
                     (sha, file, extractor, error, now_iso()))


def extracted_state(conn: sqlite3.Connection, sha: str) -> tuple[str, str] | None:
    """(extractor version, --ocr mode) the document was last extracted with; None if never."""
    row = conn.execute("SELECT extractor, ocr_mode FROM extract_documents WHERE sha256=?", (sha,)).fetchone()
    return (row["extractor"], row["ocr_mode"]) if row else None


def error_for(conn: sqlite3.Connection, sha: str, extractor: str) -> str | None:
    row = conn.execute("SELECT error FROM extract_errors WHERE sha256=? AND extractor=?", (sha, extractor)).fetchone()
    return row["error"] if row else None


def last_error(conn: sqlite3.Connection, sha: str) -> str | None:
    """The latest extraction error of a document, whatever the extractor version."""
    row = conn.execute("SELECT error FROM extract_errors WHERE sha256=? ORDER BY at DESC LIMIT 1", (sha,)).fetchone()
    return row["error"] if row else None


def errors(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute("SELECT sha256, file, extractor, error, at FROM extract_errors ORDER BY at")]


def _attach_text(conn: sqlite3.Connection, record: dict[str, Any], with_words: bool = False) -> None:
    cols = "number, text, mean_conf" + (", words" if with_words else "")
    rows = {r["number"]: r for r in conn.execute(f"SELECT {cols} FROM extract_pages WHERE sha256=?",
                                                  (record["sha256"],))}
    for p in record.get("pages", []):
        row = rows.get(p["number"])
        p["text"] = row["text"] if row else ""
        if with_words and row is not None and row["words"]:
            p["words"] = json.loads(row["words"])


def get_record(conn: sqlite3.Connection, sha: str, with_text: bool = False) -> dict[str, Any] | None:
    """The stored record of one document (None if it was never extracted); page text when asked."""
    row = conn.execute("SELECT record, extractor, extracted_at FROM extract_documents WHERE sha256=?",
                       (sha,)).fetchone()
    if row is None:
        return None
    record = json.loads(row["record"])
    record.setdefault("extraction", {}).update({"extractor": row["extractor"], "extracted_at": row["extracted_at"]})
    if with_text:
        _attach_text(conn, record)
    return record


def low_confidence_words(conn: sqlite3.Connection, below: float) -> dict[tuple[str, int], list[str]]:
    """(sha256, page number) -> the words OCR read on that page only with confidence under `below` (0-100),
    every time it read them: what a reading is unsure of ("ICI:" for ICE, at 47), never a word also read
    clearly on the page. Only OCR'd pages keep word confidences."""
    rows = conn.execute(
        "SELECT sha256, number, json_extract(w.value, '$[0]') AS word FROM extract_pages, json_each(words) AS w"
        " WHERE words IS NOT NULL GROUP BY sha256, number, word HAVING max(json_extract(w.value, '$[1]')) < ?"
        " ORDER BY sha256, number, word", (below,))
    out: dict[tuple[str, int], list[str]] = {}
    for r in rows:
        out.setdefault((r["sha256"], r["number"]), []).append(r["word"])
    return out


def extracted_shas(conn: sqlite3.Connection, prefix: str = "", limit: int | None = None) -> list[str]:
    """The sha256 of every stored record (those starting with `prefix`), in file-name order."""
    sql = "SELECT sha256 FROM extract_documents WHERE sha256 LIKE ? ORDER BY file, sha256"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [r["sha256"] for r in conn.execute(sql, (prefix + "%",))]


def file_of(conn: sqlite3.Connection, sha: str) -> str | None:
    """The file name a stored record was extracted under (None: not extracted, or no name)."""
    row = conn.execute("SELECT file FROM extract_documents WHERE sha256=?", (sha,)).fetchone()
    return row["file"] if row else None


def iter_records(conn: sqlite3.Connection, with_text: bool = False) -> Iterator[dict[str, Any]]:
    """Every stored record, in file-name order; each page's text under pages[i]['text'] when asked."""
    for sha in extracted_shas(conn):
        record = get_record(conn, sha, with_text=with_text)
        if record is not None:
            yield record


def page_text(conn: sqlite3.Connection, sha: str, number: int) -> str | None:
    row = conn.execute("SELECT text FROM extract_pages WHERE sha256=? AND number=?", (sha, number)).fetchone()
    return row["text"] if row else None
