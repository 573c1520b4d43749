"""Exports for legal research: search or comparison results → CSV, JSON Lines, XLSX, Markdown/HTML brief,
CSL-JSON, or a ZIP bundle with the cited PDFs.

Every exported row is an *item*: an optional `quote`, its `citation` (agency, state, model, date signed,
template revision, section, page, sha256, file) and the document's `provenance` (ICE URL, retrieval time,
sha256), plus format-neutral `fields` (score, variant, redline …). `checked` refuses a quote whose pinpoint
citation is incomplete, and every writer reads items only through it: no quote is ever written without its
citation. Items are streamed (generators, one row at a time); the same items give the same bytes.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from moa.atomic import atomic_writer
from moa.errors import MoaError, UserError
from moa.records import MODEL_NAMES

FORMATS = ("csv", "jsonl", "xlsx", "md", "html", "csl", "zip")
# A fixed moment for every timestamp a format insists on (zip entries, xlsx properties): the same input must
# give the same bytes. SOURCE_DATE_EPOCH (the reproducible-builds convention) overrides it.
FIXED_TIME = datetime(2000, 1, 1, tzinfo=UTC)


class CitationError(MoaError):
    """A quote reached an exporter without its full pinpoint citation (a bug upstream, never written out)."""

    exit_code = 1


def fixed_time() -> datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return FIXED_TIME


# --- items ---------------------------------------------------------------------------------------------------

def citation_problems(item: dict) -> list[str]:
    """What the item's citation lacks for its quote to be exported (empty: fine)."""
    cit = item.get("citation") or {}
    problems = []
    if not cit.get("sha256"):
        problems.append("sha256")
    if not (cit.get("agency") or cit.get("file")):
        problems.append("agency")
    if item.get("quote"):
        if not isinstance(cit.get("page"), int) or cit["page"] < 1:
            problems.append("page")
        for k in ("model", "date_signed", "section"):
            if k not in cit:
                problems.append(k)  # present, even if null ("n.d."), so the reader sees it is unknown
        if not (item.get("provenance") or {}).get("sha256"):
            problems.append("provenance")
    return problems


def checked(items: Iterable[dict]) -> Iterator[dict]:
    """Pass items through, raising CitationError at the first quote without its full citation."""
    for n, item in enumerate(items, 1):
        problems = citation_problems(item)
        if problems:
            cit = item.get("citation") or {}
            raise CitationError(f"export refused: item {n} ({cit.get('file') or cit.get('sha256') or '?'}) has a "
                                f"quote without {', '.join(problems)} in its citation")
        yield item


def pinpoint(cit: dict) -> str:
    """A pinpoint citation: Agency (ST), 287(g) MOA (Model), signed DATE, § IV.E (Costs and Expenditures), p. 5."""
    parts = [cit.get("agency") or cit.get("file") or "unknown agency"]
    if cit.get("state"):
        parts[0] += f" ({cit['state']})"
    model = cit.get("model")
    parts.append(f"287(g) Memorandum of Agreement ({MODEL_NAMES.get(model, model)})" if model
                 else "287(g) Memorandum of Agreement")
    parts.append(f"signed {cit['date_signed']}" if cit.get("date_signed") else "n.d.")
    sec = cit.get("section") or {}
    if sec.get("number") or sec.get("title"):
        title = (sec.get("title") or "").title()
        parts.append(f"§ {sec.get('number') or ''} ({title})".replace("§  (", "§ (").replace(" ()", ""))
    if cit.get("page"):
        parts.append(f"p. {cit['page']}")
    return ", ".join(parts)


_MARK = re.compile(r"</?mark>|\[\[|\]\]")


def clean_quote(text: str | None) -> str | None:
    if not text:
        return None
    t = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", _MARK.sub("", text))  # control bytes of broken fonts
    t = re.sub(r"\s+", " ", t).strip()
    return t or None


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


def items_from_search(conn: sqlite3.Connection, query: str, level: str = "clause", backend: str = "sqlite",
                      es_url: str | None = None, page_size: int = 200, limit: int | None = None) -> Iterator[dict]:
    """Every hit of a search, page by page, as export items. A document-level hit quotes its best page; a hit
    without a page keeps no quote (it could not be pinpointed)."""
    from .api import run_search

    prov: dict[str, dict] = {}
    offset = 0
    done = 0
    while True:
        size = page_size if limit is None else min(page_size, limit - done)
        if size <= 0:
            return
        res = run_search(conn, query, level=level, backend=backend, limit=size, offset=offset, es_url=es_url)
        hits = res["hits"]
        for h in hits:
            page, quote = h.get("page"), clean_quote(h.get("snippet"))
            if page is None and h.get("pages"):
                page, quote = h["pages"][0]["page"], clean_quote(h["pages"][0].get("snippet"))
            if page is None:
                quote = None
            sha = h["sha256"]
            if sha not in prov:
                prov[sha] = provenance(conn, sha)
            yield {
                "quote": quote,
                "citation": {"sha256": sha, "file": h.get("file"), "agency": h.get("agency"), "state": h.get("state"),
                             "model": h.get("model"), "date_signed": h.get("signed"),
                             "template_revision": h.get("template_revision"), "section": h.get("section"),
                             "page": page},
                "provenance": prov[sha],
                "fields": {"query": query, "level": level, "score": h.get("score"), "status": h.get("status")},
            }
            done += 1
        offset += len(hits)
        if not hits or offset >= res["total"]:
            return


def items_from_compare(conn: sqlite3.Connection | None, result: dict) -> Iterator[dict]:
    """A `compare_section` result as export items: for every deviating agreement its clause (the quote) with the
    redline against the standard."""
    for d in result["deviations"]:
        yield {
            "quote": clean_quote(d.get("text")),
            "citation": {k: d.get(k) for k in ("sha256", "file", "agency", "state", "model", "date_signed",
                                                "template_revision", "section", "page")},
            "provenance": provenance(conn, d["sha256"]),
            "fields": {"compared_section": result["section"], "variant": d["variant"],
                       "standard_variant": d["standard_variant"], "changed_words": d["changed_words"],
                       "similarity": d["similarity"], "redline": d.get("redline"),
                       "redline_html": d.get("redline_html")},
        }


# --- writing -------------------------------------------------------------------------------------------------

def write_export(items: Iterable[dict], fmt: str, dest: str | Path, *, title: str = "moa export",
                 blobs_dir: Path | None = None) -> dict:
    """Write `items` in `fmt` to `dest` atomically; return a summary. `blobs_dir` (the data directory) lets the
    zip bundle include the cited PDFs."""
    from .export_formats import brief, bundle, csl, tabular

    if fmt not in FORMATS:
        raise UserError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    dest = Path(dest)
    stats = {"items": 0, "quotes": 0, "documents": set()}

    def counted(src: Iterable[dict]) -> Iterator[dict]:
        for it in checked(src):
            stats["items"] += 1
            stats["quotes"] += bool(it.get("quote"))
            stats["documents"].add(it["citation"]["sha256"])
            yield it

    writer = {"csv": tabular.write_csv, "jsonl": tabular.write_jsonl, "xlsx": tabular.write_xlsx,
              "md": brief.write_markdown, "html": brief.write_html, "csl": csl.write_csl}.get(fmt)
    with atomic_writer(dest) as fh:
        if fmt == "zip":
            bundle.write_zip(counted(items), fh, title=title, data_dir=blobs_dir)
        elif fmt in ("md", "html"):
            writer(counted(items), fh, title=title)
        else:
            writer(counted(items), fh)
    return {"format": fmt, "path": str(dest), "items": stats["items"], "quotes": stats["quotes"],
            "documents": len(stats["documents"]), "bytes": dest.stat().st_size}
