"""The sheet reader on real rosters: links, errors, malformed input. Each roster with an expected summary in
tests/expected/sheets/ is checked by tests/test_expected.py."""

from __future__ import annotations

import io
import zipfile

import pytest

from harvest.sheets import SheetError, read_sheet


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
