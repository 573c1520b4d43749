"""A small real catalog for the search tests: born-digital MOAs from the shared corpus, extracted through the
real pipeline without OCR (their text layers), plus one real ICE roster snapshot in the ledger when the
ledger can import it. Built once per test session (fixture `small_catalog` in conftest.py); each module works
on a copy of it (`copy_catalog`), since indexing writes to the catalog."""

from __future__ import annotations

import logging
import re
import shutil
import sqlite3
from pathlib import Path

from moa.catalog import connect
from search.index_docs import units_for_record
from search.query import tokens_of

log = logging.getLogger("tests.search")

# Text-layer PDFs (no OCR needed): TFM, WSO and JEM; Florida and elsewhere; sheriffs, police, a jail.
DOCUMENTS = (
    "ArcadiaPDFL_TFM_MOA_030425.pdf",
    "TavaresPoliceDeptFL_TFM_MOA_03.06.2025.pdf",
    "SmithCoSheriffsOfficeTX_TFM_MOA_02.18.25.pdf",
    "GraysonCountyDetCenterKY_WSO_MOA_030425.pdf",
    "GraysonCountyDCKY_JEM_MOA_030425.pdf",
    "OwyheeCoSheriffsOfficeID_WSO_MOA_03.07.2025.pdf",
    "clayCoSheriffsOffice_WSO_MOA_02242025.pdf",
)


def roster_date(name: str) -> str | None:
    """The date in a roster's file name: -YYYYMMDDhhmmss or MMDDYYYY(am|pm)."""
    m = re.search(r"-(20\d{2})(\d{2})(\d{2})\d{6}", name) or None
    if m:
        return f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
    m = re.search(r"(\d{2})(\d{2})(20\d{2})(am|pm)?", name)
    return f"{m.group(3)}-{m.group(1)}-{m.group(2)}" if m else None


def rosters(corpus: Path) -> list[Path]:
    """Two real participating-agencies rosters: the first of April 2025 and the newest (so some listings end)."""
    dated = sorted((d, p.name, p) for p in (corpus / "sheets" / "ice").glob("participating*.xlsx")
                   if (d := roster_date(p.name)))
    if not dated:
        return []
    april = next((x for x in dated if x[0] >= "2025-04-01"), dated[0])
    return [april[2], dated[-1][2]]


def import_ledger(conn: sqlite3.Connection, corpus: Path) -> bool:
    """Import the rosters into the ledger through the ledger's own code; False if it cannot."""
    try:
        from harvest.ledger import import_snapshot, rebuild
    except ImportError:
        return False
    sheets = rosters(corpus)
    for sheet in sheets:
        import_snapshot(conn, sheet.read_bytes(), sheet.name, rebuild_after=False)
    rebuild(conn)
    return bool(sheets)


def build_catalog(data_dir: Path, corpus: Path) -> tuple[sqlite3.Connection, bool]:
    """Extract DOCUMENTS into a fresh catalog (OCR off); return (connection, ledger imported?)."""
    from extract.pipeline import run as extract_run

    conn = connect(data_dir)
    ledger = import_ledger(conn, corpus)
    summary = extract_run(conn, [corpus / "moa" / f for f in DOCUMENTS], mode="skip", jobs=1)
    assert not summary.errors, summary.errors
    return conn, ledger


def copy_catalog(built: dict, dest: Path) -> tuple[sqlite3.Connection, bool]:
    """A private copy of the session's small catalog; return (connection, ledger imported?)."""
    shutil.copytree(built["data"], dest)
    return connect(dest), built["ledger"]


def indexed_copy(built: dict, dest: Path) -> tuple[Path, list[dict]]:
    """A private copy of the small catalog with its sqlite index built; (data dir, every document with its text)."""
    from agreements.documents import iter_documents
    from search.backend import get_backend
    from search.index import update_index

    conn, _ledger = copy_catalog(built, dest)
    try:
        backend = get_backend("sqlite", conn)
        update_index(conn, backend, rebuild=True)
        backend.close()
        return dest, list(iter_documents(conn, with_text=True))
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------------- reference


def reference_units(records: list[dict], status_of) -> list:
    return [u for r in records for u in units_for_record(r, status_of(r))]


def phrase_positions(tokens: list[str], words: tuple[str, ...]) -> list[int]:
    n = len(words)
    return [i for i in range(len(tokens) - n + 1) if tuple(tokens[i:i + n]) == words]


def near(text: str, a: tuple[str, ...], b: tuple[str, ...], distance: int) -> bool:
    """FTS5 NEAR for two phrases: at most `distance` tokens between the end of one and the start of the other."""
    tokens = tokens_of(text)
    pa, pb = phrase_positions(tokens, a), phrase_positions(tokens, b)
    for i in pa:
        for j in pb:
            if j >= i + len(a) and j - (i + len(a)) <= distance:
                return True
            if i >= j + len(b) and i - (j + len(b)) <= distance:
                return True
    return False


def has_phrase(text: str, words: tuple[str, ...]) -> bool:
    return bool(phrase_positions(tokens_of(text), words))
