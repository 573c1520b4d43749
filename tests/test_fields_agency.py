"""Agency, state and model rules on real MOA wording (state from the name, the county table, field offices)."""

from __future__ import annotations

from pathlib import Path

from extract.agency import extract_agency
from extract.model import extract_model
from extract.pages import Page, read_pages
from extract.states import county_states, field_office_states, state_in_name, strip_state


def test_state_in_agency_name() -> None:
    assert state_in_name("Heritage Creek PD, KY") == "KY"
    assert state_in_name("Daytona Beach Police Department, Florida") == "FL"
    assert state_in_name("Town of Jupiter Island, Department of Public Safety; Florida") == "FL"
    assert state_in_name("West Virginia National Guard/Military Authority") == "WV"
    assert state_in_name("Washington County Sheriff's Office") is None  # a county, not the state
    assert strip_state("Lady Lake Police, FL") == "Lady Lake Police"


def test_county_table_and_field_offices() -> None:
    assert county_states("Etowah County Sheriff's Office") == ("Etowah County", {"AL"})
    name, states = county_states("BLAINE COUNTY SHERIFF'S OFFICE")
    assert name == "Blaine County" and {"OK", "ID", "MT", "NE"} <= states
    assert field_office_states("For DHS: ERO Atlanta Field Office Director")[1] == {"GA", "NC", "SC"}
    assert field_office_states("For OHS: Houston, Field Office Director")[1] == {"TX"}


def _page(text: str) -> Page:
    return Page(1, text, "text", 1.0, "", len(text))


def test_parties_clause_variants() -> None:
    text = ("MEMORANDUM OF AGREEMENT\nI. PARTIES\nThis Memorandum of Agreement (MOA) constitutes an agreement "
            "between U.S. Immigration and Customs Enforcement (ICE), a component of the Department of Homeland "
            "Security (OHS), and Tarrant County, by and through the Tarrant County Sheriffs Office that is "
            "hereinafter known as the law enforcement agency (LEA), pursuant to which ICE delegates\n"
            "For DHS: Dallas Field Office Director\n")
    ag = extract_agency([_page(text)])
    assert ag["name"] == "Tarrant County Sheriffs Office"
    assert ag["evidence"]["how"] == "parties"
    assert ag["state"] == "TX"  # Tarrant County exists only in Texas


def test_unsettled_state_is_none_with_reason() -> None:
    text = ("Security (DHS), and the Springfield Police Department, pursuant to which ICE delegates\n")
    ag = extract_agency([_page(text)])
    assert ag["name"] == "Springfield Police Department"
    assert ag["state"] is None
    assert ag["evidence"]["state"]["reason"]


def test_model_from_title_and_body(corpus: Path) -> None:
    # 2019-2020 WSO MOAs print no model title: the body ("custodial transfer", no "booked into") decides.
    pages = read_pages(corpus / "moa" / "287gWSO_SarasotaCoFl2019-05-06.pdf", mode="skip")
    got = extract_model(pages)
    assert (got["model"], got["evidence"]["how"]) == ("WSO", "body")
    pages = read_pages(corpus / "moa" / "FloridaDFS_TFM_MOA_032025.pdf", mode="skip")
    assert extract_model(pages)["model"] == "TFM"
    assert extract_model([_page("nothing here")])["model"] is None
