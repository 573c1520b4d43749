"""The publication-time rule on the real files whose names lie (expected JSON beside it)."""

from __future__ import annotations

import json
import os
import re
import zipfile
from pathlib import Path

from harvest.snapshots import publication

EXPECTED = Path(__file__).parent / "expected" / "ledger" / "publication.json"

NAMES = [
    "ice/participatingAgencies01052025pm.xlsx",      # a January 2026 list named 2025
    "ice/participatingAgencies01092025pm.xlsx",
    "ice/participatingAgencies08022025pm.xlsx",      # the 2 September 2025 list named 2 August
    "ice/participatingAgencies090022025am.xlsx",     # a digit too many
    "ice/pendingAgencies10223025am.xlsx",            # year 3025
    "ice/participatingAgencies11114025am.xlsx",      # year 4025
    "ice/participatingAgencies07032025pm.xlsx",      # __v2 holds the older list of the two
    "ice/participatingAgencies07032025pm__v2.xlsx",
    "ice/participatingAgencies08132025am.xlsx",
    "ice/participatingAgencies08132025am__v2.xlsx",
    "ice/participatingAgencies-20250221214937.xlsx",  # capture time
    "wayback-html-tables/ParticipatingEntities-20250219163339.xlsx",
    "ice/participatingAgencies04232026.xlsx",        # no slot
    "ice/participatingAgencies06112025pm copy.xlsx",
    "ice/participatingAgencies09292025am.xlsx",      # saved on a Saturday, published Monday
]


def modified(path: Path) -> str | None:
    core = zipfile.ZipFile(path).read("docProps/core.xml").decode()
    m = re.search(r"<dcterms:modified[^>]*>([^<]*)<", core)
    return m.group(1) if m else None


def test_publication_rule(corpus):
    got = {}
    for rel in NAMES:
        path = corpus / "sheets" / rel
        p = publication(path.name, modified(path))
        got[path.name] = {"published": p.published_local, "date": p.published_date, "basis": p.basis,
                          "name_date": p.name_date}
    if os.environ.get("MOA_REGEN_EXPECTED"):
        EXPECTED.write_text(json.dumps(got, indent=1) + "\n", encoding="utf-8")
    assert got == json.loads(EXPECTED.read_text(encoding="utf-8"))
    assert got["participatingAgencies01052025pm.xlsx"]["date"] == "2026-01-05"
    assert got["participatingAgencies08022025pm.xlsx"]["date"] == "2025-09-02"
    assert got["participatingAgencies07032025pm__v2.xlsx"]["published"] <= \
        got["participatingAgencies07032025pm.xlsx"]["published"]


def test_fetch_time_bounds_publication_and_hint_wins():
    p = publication("participatingAgencies05182026pm.xlsx", "2026-05-18T13:00:00Z", fetched_at="2026-05-18T17:00:00Z")
    assert p.published_utc == "2026-05-18T17:00:00Z" and p.basis.endswith("clamped-to-fetch")
    p = publication("participatingAgencies.xlsx", None, hint="2026-05-18T15:30:00Z")
    assert (p.published_utc, p.basis) == ("2026-05-18T15:30:00Z", "hint")
    p = publication("participatingAgencies.xlsx", None, fetched_at="2026-05-19T10:00:00Z")
    assert (p.published_utc, p.basis) == ("2026-05-19T10:00:00Z", "fetched")
