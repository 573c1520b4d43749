"""Link repair on the hyperlinks ICE's sheets really carry."""

from __future__ import annotations

import openpyxl
import pytest

from harvest.links import file_name, repair_link

CASES = [
    # Outlook SafeLinks wrapper, as in participatingAgencies07012025pm.xlsx
    ("https://gcc02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.ice.gov%2Fdoclib%2F287gMOA%2F"
     "SatelliteBeachPoliceDeptFL_TFM_MOA_06052025.pdf&data=05%7C02%7CERO287g%40ice.dhs.gov%7Cbaf8249120fc4d",
     "https://www.ice.gov/doclib/287gMOA/SatelliteBeachPoliceDeptFL_TFM_MOA_06052025.pdf"),
    ("https:/www.ice.gov/doclib/287gMOA/x.pdf", "https://www.ice.gov/doclib/287gMOA/x.pdf"),
    ("http://www.ice.gov/doclib/287gMOA/x.pdf", "https://www.ice.gov/doclib/287gMOA/x.pdf"),
    ("doclib/287gMOA/x.pdf", "https://www.ice.gov/doclib/287gMOA/x.pdf"),
    ("/doclib/287gMOA/x.pdf", "https://www.ice.gov/doclib/287gMOA/x.pdf"),
    ("chrome-extension://efaidnbmnnnibpcajpcglclefindmkaj/https://www.ice.gov/doclib/287gMOA/y.pdf",
     "https://www.ice.gov/doclib/287gMOA/y.pdf"),
    ("https://web.archive.org/web/20210113002027/https://www.ice.gov/doclib/287gMOA/287gJEM_EtowahCoAl2016-06-18.pdf",
     "https://www.ice.gov/doclib/287gMOA/287gJEM_EtowahCoAl2016-06-18.pdf"),
    ("https://www.ice.gov/doclib/287gMOA/287gJEM_%20etowahCoAL_06-09-2020.pdf",
     "https://www.ice.gov/doclib/287gMOA/287gJEM_%20etowahCoAL_06-09-2020.pdf"),
    (" https://www.ice.gov/doclib/287gMOA/a b.pdf ", "https://www.ice.gov/doclib/287gMOA/a%20b.pdf"),
    ("www.ice.gov/doclib/287gMOA/z.pdf", "https://www.ice.gov/doclib/287gMOA/z.pdf"),
    ("link", None), ("", None), (None, None), ("mailto:ERO287g@ice.dhs.gov", None), ("#top", None),
]


@pytest.mark.parametrize(("raw", "expected"), CASES)
def test_repair_link(raw, expected):
    assert repair_link(raw) == expected


def test_relative_links_follow_the_base_url():
    assert repair_link("doclib/287gMOA/x.pdf", "http://127.0.0.1:8080") == "http://127.0.0.1:8080/doclib/287gMOA/x.pdf"


def test_file_name_is_unquoted():
    assert file_name("https://www.ice.gov/doclib/287gMOA/287gJEM_%20etowahCoAL_06-09-2020.pdf") == \
        "287gJEM_ etowahCoAL_06-09-2020.pdf"


def test_every_hyperlink_of_a_real_sheet_repairs_to_an_ice_pdf(corpus):
    """07-08-2025 pm wraps 200+ links in SafeLinks; every one must come out as an ICE 287gMOA PDF URL."""
    ws = openpyxl.load_workbook(corpus / "sheets/ice/participatingAgencies07082025pm.xlsx").worksheets[0]
    targets = [c.hyperlink.target for row in ws.iter_rows() for c in row if c.hyperlink and c.hyperlink.target]
    assert sum("safelinks" in t for t in targets) > 150
    repaired = [repair_link(t) for t in targets]
    assert all(u and u.startswith("https://www.ice.gov/doclib/287gMOA/") and u.lower().endswith(".pdf")
               for u in repaired), [u for u in repaired if not (u or "").startswith("https://www.ice.gov/")]
