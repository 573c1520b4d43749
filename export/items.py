"""Exports for legal research: search or comparison results → CSV, JSON Lines, XLSX, Markdown/HTML brief,
CSL-JSON, or a ZIP bundle with the cited PDFs.

Every exported row is an *item*: an optional `quote`, its `citation` (agency, state, model, date signed,
template revision, section, page, sha256, file) and the document's `provenance` (ICE URL, retrieval time,
sha256), plus format-neutral `fields` (score, variant, redline …). `checked` refuses a quote whose pinpoint
citation is incomplete, and every writer reads items only through it: no quote is ever written without its
citation. Items are streamed (generators, one row at a time); the same items give the same bytes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from agreements.documents import provenance
from moa.atomic import atomic_writer
from moa.errors import UserError

from .citation import checked, clean_quote

FORMATS = ("csv", "jsonl", "xlsx", "md", "html", "csl", "zip")


def items_from_search(conn: sqlite3.Connection, query: str, level: str = "clause", backend: str = "sqlite",
                      es_url: str | None = None, page_size: int = 200, limit: int | None = None) -> Iterator[dict]:
    """Every hit of a search, page by page, as export items. A document-level hit quotes its best page; a hit
    without a page keeps no quote (it could not be pinpointed)."""
    from search.api import run_search

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
            sha = h["sha256"]  # an agreement-level hit whose MOA we do not hold has none
            if sha not in prov:
                prov[sha] = provenance(conn, sha) if sha else {"sha256": None, "url": None, "retrieved_at": None}
            yield {
                "quote": quote,
                "citation": {"sha256": sha, "agreement_id": h.get("agreement_id"), "file": h.get("file"), "agency": h.get("agency"), "state": h.get("state"),
                             "model": h.get("model"), "date_signed": h.get("signed"),
                             "template_revision": h.get("template_revision"), "section": h.get("section"),
                             "page": page},
                "provenance": prov[sha],
                "fields": {"query": query, "level": level, "score": h.get("score"), "status": h.get("status"),
                           "agreement_id": h.get("agreement_id"), "agency_as_read": h.get("agency_read")},
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
            "fields": {"compared_section": result["section"], "agency_as_read": d.get("agency_read"),
                       "variant": d["variant"],
                       "standard_variant": d["standard_variant"], "changed_words": d["changed_words"],
                       "similarity": d["similarity"], "redline": d.get("redline"),
                       "redline_html": d.get("redline_html")},
        }


# --- writing -------------------------------------------------------------------------------------------------

def write_export(items: Iterable[dict], fmt: str, dest: str | Path, *, title: str = "moa export",
                 blobs_dir: Path | None = None) -> dict:
    """Write `items` in `fmt` to `dest` atomically; return a summary. `blobs_dir` (the data directory) lets the
    zip bundle include the cited PDFs."""
    from . import brief, bundle, csl, tabular

    if fmt not in FORMATS:
        raise UserError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    dest = Path(dest)
    stats = {"items": 0, "quotes": 0, "documents": set()}

    def counted(src: Iterable[dict]) -> Iterator[dict]:
        for it in checked(src):
            stats["items"] += 1
            stats["quotes"] += bool(it.get("quote"))
            if it["citation"].get("sha256"):
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
