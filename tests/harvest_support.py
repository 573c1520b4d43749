"""Helpers for the harvest tests: small mirror folders built from the shared corpus (symlinks, never copies)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from moa.blobs import sha256_file

# An early-2025 participating list (132 MOA links, 34 of them to PDFs the corpus holds) and the pending list
# published with it (no links): a whole harvest in ~135 requests.
SMALL_SHEETS = ("participatingAgencies-20250221214937.xlsx", "pendingAgencies-20250221214937.xlsx")
# One list that links every one of the 135 corpus PDFs (713 distinct links) and 54 of the 55 validation PDFs.
FULL_SHEET = "participatingAgencies08012025pm.xlsx"
# One that links all 55 validation PDFs (641 distinct links; 134 corpus PDFs).
VALIDATION_SHEET = "participatingAgencies07092025pm.xlsx"


def validation_dir(corpus: Path) -> Path:
    """The validation MOAs beside the corpus (../shared/validation/moa), read in place."""
    return corpus.parent / "validation" / "moa"


def validation_manifest(corpus: Path) -> dict[str, str]:
    """File name → sha256 as the validation set's MANIFEST.tsv gives them."""
    lines = (corpus.parent / "validation" / "MANIFEST.tsv").read_text().splitlines()
    head = lines[0].split("\t")
    rows = [dict(zip(head, line.split("\t"), strict=True)) for line in lines[1:] if line.strip()]
    return {r["file"]: r["sha256"] for r in rows}


def linked_pdfs(corpus: Path, sheet: str) -> list[str]:
    """Corpus PDF names a sheet links (through the real sheet reader and link repair)."""
    from urllib.parse import unquote, urlsplit

    from harvest.sheets import read_sheet

    names = {p.name for p in (corpus / "moa").iterdir()}
    by_unquoted = {unquote(n): n for n in names}
    sheet_obj = read_sheet((corpus / "sheets" / "ice" / sheet).read_bytes(), sheet)
    out = set()
    for row in sheet_obj.rows:
        for u in row.moa_urls + row.addendum_urls:
            last = urlsplit(u).path.rsplit("/", 1)[-1]
            hit = by_unquoted.get(unquote(last))
            if hit:
                out.add(hit)
    return sorted(out)


def build_site(corpus: Path, dest: Path, sheets: tuple[str, ...], pdfs: list[str]) -> Path:
    """A mirror folder laid out like the corpus (sheets/ice, moa) holding only the given files."""
    (dest / "sheets" / "ice").mkdir(parents=True, exist_ok=True)
    (dest / "moa").mkdir(parents=True, exist_ok=True)
    for s in sheets:
        os.symlink(corpus / "sheets" / "ice" / s, dest / "sheets" / "ice" / s)
    for p in pdfs:
        os.symlink(corpus / "moa" / p, dest / "moa" / p)
    return dest


def check_store(conn: sqlite3.Connection, data: Path) -> dict:
    """Every blob on disk is whole (its name is its sha256) and has a row; no duplicate harvest rows."""
    blobs = [p for p in (data / "blobs").rglob("*") if p.is_file()]
    for p in blobs:
        assert sha256_file(p) == p.name, f"partial or corrupt blob {p}"
    rows = {r[0] for r in conn.execute("SELECT sha256 FROM blobs")}
    assert rows <= {p.name for p in blobs}, "a blob row without its file"
    dup = conn.execute("SELECT source, COUNT(*) FROM files WHERE origin='harvest' GROUP BY source, sha256"
                       " HAVING COUNT(*) > 1").fetchall()
    assert not dup, f"duplicate file rows {dup}"
    tmp = [p for p in (data / "tmp").glob("*")] if (data / "tmp").exists() else []
    return {"blobs": len(blobs), "tmp": len(tmp)}


def pdf_shas(conn: sqlite3.Connection) -> dict[str, str]:
    return {r["url"]: r["sha256"] for r in conn.execute("SELECT url, sha256 FROM downloads WHERE kind='pdf' AND state='done'")}
