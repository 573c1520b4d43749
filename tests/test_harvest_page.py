"""The page parser, offline, on saved pages in ICE's two structures (expected JSON beside them)."""

from __future__ import annotations

from pathlib import Path

from harvest.page import canonical, parse_page, sheet_kind
from harvest.run import rebase, url_name

FIX = Path(__file__).parent / "fixtures" / "harvest"
EXP = Path(__file__).parent / "expected" / "harvest"


def test_current_page_finds_both_lists_by_href_and_text() -> None:
    page = parse_page((FIX / "ice_287g_current.html").read_bytes())
    current = {s.kind: s.name for s in page.sheets if s.current}
    assert current == {"participating": "participatingAgencies05182026am.xlsx",
                       "pending": "pendingAgencies05182026am.xlsx"}
    # statistics workbook, fact-sheet PDF, FAQ page, mailto: none of them is a roster
    assert all("Statistics" not in s.url and not s.url.endswith(".pdf") for s in page.sheets)
    assert page.roster == []


def test_table_page_reads_roster_and_hidden_links() -> None:
    page = parse_page((FIX / "ice_287g_table_2021.html").read_bytes())
    assert page.sheets == []
    assert page.roster_header == ["STATE", "LAW ENFORCEMENT AGENCY", "SUPPORT TYPE", "SIGNED", "MOA"]
    assert len(page.roster) == 5  # the blank row is skipped
    assert page.roster[2].links["MOA"] == ["https://www.ice.gov/doclib/287gMOA/287gWSO_BrowardCoFl2019-09-09.pdf"]
    assert "MOA" not in page.roster[4].links  # "link" as plain text, no href


def test_mirror_links_map_back_to_ice() -> None:
    base = "http://127.0.0.1:8287"
    assert canonical(base + "/doclib/287gMOA/a.pdf", aliases=(base,)) == "https://www.ice.gov/doclib/287gMOA/a.pdf"
    assert canonical("http://ice.gov/doclib/x.xlsx") == "https://www.ice.gov/doclib/x.xlsx"
    wayback = "/web/20250219163339/https://www.ice.gov/doclib/287gMOA/a.pdf"
    assert canonical(wayback) == "https://www.ice.gov/doclib/287gMOA/a.pdf"
    assert sheet_kind("/doclib/about/offices/ero/287g/ParticipatingEntities-2021.xlsx", "") == "participating"
    assert sheet_kind("/doclib/about/offices/ero/287g/participatingAgencies.pdf", "Participating") is None


def test_rebase_onto_mirror_or_archive() -> None:
    url = "https://www.ice.gov/doclib/287gMOA/287gJEM_%20etowahCoAL_06-09-2020.pdf"
    assert rebase(url) == url
    assert rebase(url, "http://127.0.0.1:9/") == "http://127.0.0.1:9/doclib/287gMOA/287gJEM_%20etowahCoAL_06-09-2020.pdf"
    archive = "https://web.archive.org/web/2025id_/https://www.ice.gov"
    assert rebase(url, archive) == archive + "/doclib/287gMOA/287gJEM_%20etowahCoAL_06-09-2020.pdf"
    assert url_name(url) == "287gJEM_%20etowahCoAL_06-09-2020.pdf"  # as the corpus and ICE spell it
