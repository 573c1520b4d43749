"""The sheet reader on real rosters across header versions, with the expected JSON beside them.

Regenerate an expected file after a deliberate change with MOA_REGEN_EXPECTED=1 (then review the diff).
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from harvest.sheets import SheetError, read_sheet

EXPECTED = Path(__file__).parent / "expected" / "sheets"

SHEETS = [
    "wayback-html-tables/ParticipatingEntities-20250219163339.xlsx",  # the old HTML roster table, URLs as text
    "ice/participatingAgencies-20250221214937.xlsx",  # TYPE, no COUNTY; hyperlinks behind "link"
    "ice/participatingAgencies05012025am.xlsx",      # COUNTY added, no ADDENDUM
    "ice/participatingAgencies07082025pm.xlsx",      # ADDENDUM, SafeLinks, a SIGNED year 5025, a repeated agency
    "ice/participatingAgencies01052025pm.xlsx",      # empty extra columns; named 2025, holds January 2026
    "ice/participatingAgencies03022026am.xlsx",      # two worksheets
    "ice/participatingAgencies09222025pm.xlsx",      # the swapped file: named participating, holds pending
    "ice/pendingAgencies02272026am.xlsx",            # pending list with a MOA column ("link pending")
    "ice/pendingAgencies11062025pm.xlsx",            # an empty pending list
]


def summary(sheet) -> dict:
    """What the expected JSON pins down: structure, totals, and a few whole rows."""
    rows = [r.to_dict() for r in sheet.rows]
    typos = [r for r in rows if r["raw"].get("STATE") and r["raw"]["STATE"].strip().upper() != r["raw"]["STATE"]]
    return {
        "name": sheet.name, "kind": sheet.kind, "kind_by_name": sheet.kind_by_name,
        "kind_mismatch": sheet.kind_mismatch, "sheet_name": sheet.sheet_name, "header": sheet.header,
        "modified": sheet.modified, "rows": len(rows), "warnings": sheet.warnings,
        "by_model": dict(sorted(Counter(r["model"] or "?" for r in rows).items())),
        "by_state": dict(sorted(Counter(r["state"] or "?" for r in rows).items())),
        "by_agency_type": dict(sorted(Counter(r["agency_type"] or "?" for r in rows).items())),
        "signed_missing": sum(r["signed"] is None for r in rows),
        "with_moa_url": sum(bool(r["moa_urls"]) for r in rows),
        "with_addendum_url": sum(bool(r["addendum_urls"]) for r in rows),
        "sample": rows[:2] + rows[-1:] + typos[:2],
    }


@pytest.mark.parametrize("rel", SHEETS, ids=[Path(s).stem for s in SHEETS])
def test_sheet_matches_expected(corpus, rel):
    sheet = read_sheet((corpus / "sheets" / rel).read_bytes(), Path(rel).name)
    got = json.loads(json.dumps(summary(sheet), default=str))
    path = EXPECTED / (Path(rel).stem + ".json")
    if os.environ.get("MOA_REGEN_EXPECTED"):
        path.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    assert got == json.loads(path.read_text(encoding="utf-8"))


def test_links_are_real_ice_pdfs(corpus):
    sheet = read_sheet((corpus / "sheets/ice/participatingAgencies07082025pm.xlsx").read_bytes(), "x.xlsx")
    urls = [u for r in sheet.rows for u in r.moa_urls + r.addendum_urls]
    assert len(urls) > 600
    assert all(u.startswith("https://www.ice.gov/doclib/287gMOA/") for u in urls)


def test_html_served_as_xlsx_is_an_error():
    with pytest.raises(SheetError, match="HTML"):
        read_sheet(b"<!DOCTYPE html><html><body>Access Denied</body></html>", "participatingAgencies.xlsx")


def test_truncated_workbook_is_an_error(corpus):
    data = (corpus / "sheets/ice/participatingAgencies05012025am.xlsx").read_bytes()
    with pytest.raises(SheetError, match="not a readable xlsx"):
        read_sheet(data[: len(data) // 2], "participatingAgencies05012025am.xlsx")


def test_zip_that_is_not_a_workbook_is_an_error():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    with pytest.raises(SheetError):
        read_sheet(buf.getvalue(), "pendingAgencies.xlsx")


def test_html_roster_page_reads_like_the_saved_table():
    page = (b"<html><body><table><tr><th>STATE</th><th>LAW ENFORCEMENT AGENCY</th><th>SUPPORT TYPE</th>"
            b"<th>SIGNED</th><th>MOA</th></tr><tr><td>ALABAMA</td><td>Etowah County Sheriff's Office</td>"
            b"<td>Jail Enforcement Model</td><td>2016-06-08</td><td><a href='/doclib/287gMOA/287gJEM_Etowah.pdf'>"
            b"link</a></td></tr></table></body></html>")
    sheet = read_sheet(page, "287g.html")
    assert sheet.kind == "participating"
    [row] = sheet.rows
    assert (row.state, row.model, row.signed) == ("AL", "JEM", "2016-06-08")
    assert row.moa_urls == ["https://www.ice.gov/doclib/287gMOA/287gJEM_Etowah.pdf"]
