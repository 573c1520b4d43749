"""A small real catalog for the search tests: born-digital MOAs from the shared corpus, extracted through the
real pipeline without OCR (their text layers), plus one real ICE roster snapshot in the ledger when the
ledger can import it. Built once per test session."""

from __future__ import annotations

import logging
import re
import sqlite3
from pathlib import Path

from moa.catalog import connect
from search.documents import units_for_record
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


def newest_roster(corpus: Path) -> Path | None:
    """The newest ICE participating-agencies sheet in the corpus (file names carry MMDDYYYY)."""
    best = None
    for p in (corpus / "sheets" / "ice").glob("*articipating*.xlsx"):
        m = re.search(r"(\d{2})(\d{2})(\d{4})", p.name)
        if m:
            key = (m.group(3), m.group(1), m.group(2), p.name)
            best = max(best, (key, p)) if best else (key, p)
    return best[1] if best else None


def import_ledger(conn: sqlite3.Connection, corpus: Path) -> bool:
    """Import the newest roster into the ledger through the ledger's own code; False if it cannot."""
    sheet = newest_roster(corpus)
    if sheet is None:
        return False
    try:
        from harvest import ledger
    except ImportError:
        return False
    for name in ("import_paths", "import_files", "import_snapshots", "import_path"):
        fn = getattr(ledger, name, None)
        if fn is None:
            continue
        try:
            fn(conn, [sheet] if name != "import_path" else sheet)
            return True
        except Exception as e:  # the ledger is another stage's; the search tests only need its status
            log.warning("ledger import via %s failed: %s", name, e)
            return False
    return False


def build_catalog(data_dir: Path, corpus: Path) -> tuple[sqlite3.Connection, bool]:
    """Extract DOCUMENTS into a fresh catalog (OCR off); return (connection, ledger imported?)."""
    from extract.pipeline import run as extract_run

    conn = connect(data_dir)
    ledger = import_ledger(conn, corpus)
    summary = extract_run(conn, [corpus / "moa" / f for f in DOCUMENTS], mode="skip", jobs=1)
    assert not summary.errors, summary.errors
    return conn, ledger


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
