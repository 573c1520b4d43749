"""Agency, state and model rules on real MOA wording (state from the name, the county table, field offices)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from extract.agency import extract_agency
from extract.fields import extract_fields
from extract.pages import Page, read_pages
from extract.pipeline import extract_fields as pipeline_fields
from extract.program_model import extract_model
from extract.states import county_states, field_office_states, file_name_codes, state_in_name, strip_state


def test_state_in_agency_name() -> None:
    assert state_in_name("Heritage Creek PD, KY") == "KY"
    assert state_in_name("Daytona Beach Police Department, Florida") == "FL"
    assert state_in_name("Town of Jupiter Island, Department of Public Safety; Florida") == "FL"
    assert state_in_name("West Virginia National Guard/Military Authority") == "WV"
    assert state_in_name("Washington County Sheriff's Office") is None  # a county, not the state
    from extract.agency import state_tail
    from extract.states import address_states

    assert state_tail("Punta Gorda Police Department Florida") == ("Punta Gorda Police Department", "FL")
    assert state_tail("Rockingham County Sheriffs Office of New Hampshire")[1] == "NH"
    assert state_tail("Kansas City Police Department") == ("Kansas City Police Department", None)
    assert address_states("18070 Collins Ave\nSunny Isles Beach Florida 33160") == {"FL": 1}
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


# ---- the state from ICE's file name, only among the candidates the document leaves open ----------------

GRAYSON = "GraysonCountyDCKY_JEM_MOA_030425"  # "Grayson County Detention Center": a county in KY, TX and VA
EXPECTED_AGENCY = Path(__file__).parent / "expected" / "fields" / f"agency_{GRAYSON}.json"


def test_file_name_codes() -> None:
    assert file_name_codes("GraysonCountyDCKY_JEM_MOA_030425.pdf") == ["KY"]  # "DC" is not at the end
    assert file_name_codes("287gJEM_%20etowahCoAL_06-09-2020.pdf") == ["AL"]
    assert file_name_codes("287gWSO_LaPazCoAz2020-02-27.pdf") == ["AZ"]
    assert file_name_codes("287gJEM_ArizDOC_AZ_06-16-2020.pdf") == ["AZ"]
    assert file_name_codes("https://www.ice.gov/doclib/287gMOA/HeritageCreekPDKY_TFM_MOA_042925.pdf") == ["KY"]
    assert file_name_codes("OrangeCountySO_TFM_MOA.pdf") == []  # SO, FM, OA: no state
    assert file_name_codes("graysonCoSheriffsOffice_TFM_MOA_03.04.25.pdf") == []  # "ce" is lower case
    assert file_name_codes("SmithCo_WSO.pdf") == []  # "Co" is County, not Colorado
    assert file_name_codes(None) == [] and file_name_codes("") == []


def test_state_from_file_name_among_county_candidates(corpus: Path) -> None:
    pages = read_pages(corpus / "moa" / f"{GRAYSON}.pdf", mode="skip")
    ag = extract_agency(pages, source_name=f"{GRAYSON}.pdf")
    assert (ag["name"], ag["state"]) == ("Grayson County Detention Center", "KY")
    ev = ag["evidence"]["state"]
    assert (ev["how"], ev["source"], ev["confidence"], ev["code"]) == ("file-name", "file name", "low", "KY")
    assert ev["county_states"] == ["KY", "TX", "VA"]
    got = {"name": ag["name"], "state": ag["state"], "evidence": ag["evidence"]}
    if os.environ.get("MOA_REGEN_EXPECTED") or not EXPECTED_AGENCY.exists():
        EXPECTED_AGENCY.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n")
    assert got == json.loads(EXPECTED_AGENCY.read_text())
    # The catalog may hold the URL's last part, percent-encoded: the same code.
    url = f"https://www.ice.gov/doclib/287gMOA/{GRAYSON}.pdf"
    assert extract_agency(pages, source_name=url)["state"] == "KY"
    # The field extractor and the pipeline pass the name through.
    assert extract_fields(pages, source_name=f"{GRAYSON}.pdf", ocr_signatures=False)["agency"]["state"] == "KY"
    assert pipeline_fields(pages, f"{GRAYSON}.pdf", ocr_signatures=False)["agency"]["state"] == "KY"


def test_file_name_code_outside_the_candidates_is_ignored(corpus: Path) -> None:
    pages = read_pages(corpus / "moa" / f"{GRAYSON}.pdf", mode="skip")
    # No file name: the county alone leaves three states, so None with a reason.
    ag = extract_agency(pages)
    assert ag["state"] is None
    assert "no file name" in ag["evidence"]["state"]["reason"]
    fields = extract_fields(pages, ocr_signatures=False)
    assert fields["agency"]["state"] is None and any(r.startswith("state: ") for r in fields["reasons"])
    # "DC" (detention center) is a postal code, but not one where a Grayson County is.
    ag = extract_agency(pages, source_name="GraysonCountyDC_JEM_MOA_030425.pdf")
    assert ag["state"] is None
    assert "(DC) is none of the candidate states" in ag["evidence"]["state"]["reason"]
    assert extract_agency(pages, source_name="GraysonCountyFL_JEM_MOA.pdf")["state"] is None
    assert extract_agency(pages, source_name="GraysonCountySO_JEM_MOA.pdf")["state"] is None
    # Two candidate codes in one name: no guess.
    assert extract_agency(pages, source_name="GraysonCountyTX_KY_JEM_MOA.pdf")["state"] is None


def test_file_name_never_overrides_the_document(corpus: Path) -> None:
    # Walker County (AL, GA, TX) is settled by the Houston field office: a file name saying GA changes nothing.
    pages = read_pages(corpus / "moa" / "287gJEM_WalkerCoTX_06-09-2020.pdf", mode="skip")
    ag = extract_agency(pages, source_name="287gJEM_WalkerCoGA_06-09-2020.pdf")
    assert ag["state"] == "TX" and ag["evidence"]["state"]["how"] == "county"
    # A state spelled in the agency name wins over the file name.
    assert extract_agency([_page("Security (DHS), and the Heritage Creek PD, KY, pursuant to which ICE")],
                          source_name="HeritageCreekPDTX.pdf")["state"] == "KY"


def test_file_name_alone_gives_no_state() -> None:
    # No county, no address or field office, no city of that name: nothing to check the file name's code against.
    ag = extract_agency([_page("Security (DHS), and the Qqzx Creek Police Department, pursuant to which ICE")],
                        source_name="QqzxCreekPDIL_TFM_MOA.pdf")
    assert ag["state"] is None
    assert "no candidate states" in ag["evidence"]["state"]["reason"]
    # The USPS cities named Springfield are the candidates: the file name's IL is one of them, ZZ none.
    ag = extract_agency([_page("Security (DHS), and the Springfield Police Department, pursuant to which ICE")],
                        source_name="SpringfieldPDIL_TFM_MOA.pdf")
    assert ag["state"] == "IL" and "IL" in ag["evidence"]["state"]["place_states"]
    # A city in one state alone places its police; a sheriff's office named by its county alone is the county's.
    assert extract_agency([_page("Security (DHS), and the Chattahoochee Police Department, pursuant to which ICE")]
                          )["state"] == "FL"
    ag = extract_agency([_page("Security (DHS), and the Pasco Sheriff's Office, pursuant to which ICE")])
    assert ag["state"] == "FL" and ag["evidence"]["state"]["place"] == "Pasco County"
    # Without an agency name there is nothing to place.
    assert extract_agency([_page("nothing here")], source_name="GraysonCountyDCKY.pdf")["state"] is None


def test_file_name_code_among_the_field_office_states() -> None:
    # No county; the Chicago field office covers six states: the file name's IL is one of them.
    text = ("Security (DHS), and the Springfield Police Department, pursuant to which ICE delegates\n"
            "For DHS: Chicago Field Office Director\n")
    ag = extract_agency([_page(text)], source_name="SpringfieldPDIL_TFM_MOA.pdf")
    assert ag["state"] == "IL" and ag["evidence"]["state"]["how"] == "file-name"
    assert extract_agency([_page(text)], source_name="SpringfieldPDMA_TFM_MOA.pdf")["state"] is None


# ---- a PARTIES name OCR garbled, repaired from the jurisdiction the LEA represents ------------------------

# Page 1 of OrangeCountySO_TFM_MOA.pdf (scanned) as Tesseract reads it.
ORANGE = ("MEMORANDUM OF AGREEMENT\n287(g) Task Force Model\n\nThis Memorandum of Agreement (MOA) constitutes an agreement between United States\n"
          "Immigration and Customs Enforcement (ICE), a component of the Department of Homeland\n"
          "Security (DHS), and the {name} , pursuant to which ICE delegates to nominated,\n"
          "trained, and certified officers or employees of the OCSO (hereinafter interchangeably referred\n"
          "to as “Law Enforcement Agency” (LEA)), the authority to perform certain immigration enforcement\n"
          "functions as specified herein. The LEA represents {where}__in the implementation and\n"
          "administration of this MOA.\n")


def _orange(name: str = "rnge County sherif's office (0CS0)", where: str = "Orange County,FL") -> dict:
    return extract_agency([_page(ORANGE.format(name=name, where=where))])


def test_parties_name_repaired_from_represented_jurisdiction() -> None:
    ag = _orange()
    assert (ag["name"], ag["state"]) == ("Orange County Sheriff's Office", "FL")
    ev = ag["evidence"]
    assert ev["how"] == "parties-repaired"
    assert ev["read"] == "rnge County sherif's office" and ev["acronym"] == "0CS0"
    assert (ev["place_slips"], ev["kind_slips"]) == (2, 1)
    assert "Orange County,FL" in ev["jurisdiction"]
    assert _orange("Orange County Police Dept (OCPD)")["name"] == "Orange County Police Dept"  # read as is
    assert _orange("0range County Sherif's Office")["name"] == "Orange County Sheriff's Office"  # no acronym
    # A name that passes the checks but names no county, two slips from the county the LEA represents.
    ag = _orange("rnge County Sheriff's Office (OCSO)")
    assert ag["name"] == "Orange County Sheriff's Office"
    assert ag["evidence"]["corrected_from"] == "rnge County Sheriff's Office"
    # A real county is left as read; a county no state has, and not two slips from the one the LEA represents,
    # is no name: None with the reason.
    assert _orange("Orange County Sheriff's Office")["evidence"]["how"] == "preamble"
    ag = _orange("Grange County Sheriff's Office", "Osceola County,FL")
    assert ag["name"] is None and "names no county" in ag["evidence"]["reason"]


def test_parties_repair_never_guesses_further() -> None:
    for name, where in [
        ("rnge County sherif's office (0CS0)", "Osceola County,FL"),  # the place is not the jurisdiction
        ("rge Couty sherif's office (0CS0)", "Orange County,FL"),  # three slips from it
        ("rnge County sherif's office (PCSO)", "Orange County,FL"),  # the acronym names someone else
        ("rnge County Sheriff's Office (PCSO)", "Orange County,FL"),  # passes the checks, but no such county
        ("rnge County shrf's ofc (0CS0)", "Orange County,FL"),  # the kind is not read well enough
        ("rnge county police dept (0CPD)", "Orange County,FL"),  # "dept" is no kind in the vocabulary
        ("0range County Sherif's Ofice", "Orange County,FL"),  # "Ofice" reads as "Office" and as "Police"
        ("rnge County sherif's office (0CS0)", "______"),  # a blank jurisdiction
    ]:
        ag = _orange(name, where)
        assert ag["name"] is None, (name, where, ag["name"])
        assert ag["evidence"]["reason"]
    ag = _orange("rnge County Sheriff's Office (PCSO)", "Orange County,FL")
    assert ag["evidence"]["rejected"] == "rnge County Sheriff's Office" and ag["state"] == "FL"


def test_parties_name_run_together_repaired_only_with_its_acronym() -> None:
    # The class of Orange's garbled name with its spaces lost too, as a scanned PARTIES line prints it
    # ("theManinCountySheri"s0ffice(MCS0)"): compared without spaces, two slips each at most.
    def run_together(name: str, where: str = "Orange County,FL") -> dict:
        return extract_agency([_page(ORANGE.replace("the {name} ", "the{name}").format(name=name, where=where))])

    ag = run_together('OrngeCountySheri"s0ffice(0CS0)')
    assert (ag["name"], ag["state"]) == ("Orange County Sheriff's Office", "FL")
    assert ag["evidence"]["how"] == "parties-repaired"
    for name in ('OrngeCountySheri"s0ffice',  # no acronym to confirm it
                 'OrngeCountySheri"s0ffice(PCS0)',  # the acronym names someone else
                 'OsgCountySheri"s0ffice(0CS0)'):  # three slips from the place
        assert run_together(name)["name"] is None, name


@pytest.mark.slow
def test_orange_county_parties_read_by_ocr(corpus: Path, tmp_path: Path) -> None:
    """The scanned OrangeCountySO_TFM_MOA: page 1 OCR'd, the agency right whichever way Tesseract reads it."""
    from extract import ocr

    pdf = corpus / "moa" / "OrangeCountySO_TFM_MOA.pdf"
    pages = read_pages(pdf, mode="skip")
    res = ocr.ocr_page_task(str(pdf), str(pdf), 0, ocr.DPI, str(tmp_path))
    pages[0].text, pages[0].method, pages[0].words = res.text, "ocr", res.words
    ag = extract_agency(pages, source_name=pdf.name)
    assert ag["name"] == "Orange County Sheriff's Office" and ag["state"] == "FL"
    assert ag["evidence"]["how"] in ("parties-repaired", "preamble")


# ---- the LEA named in the template's body, in a form field, in the points of contact ------------------------

WSO_2019 = ("MEMORANDUM OF AGREEMENT\nI. PARTIES\nThis Memorandum of Agreement (MOA) constitutes an agreement between "
            "U.S. Immigration and Customs Enforcement (ICE), a component of the Department of Homeland Security (DHS), "
            "and the {name} ({acr}), pursuant to which ICE delegates to nominated, trained, certified, and "
            "authorized {acr} personnel the authority to perform certain immigration enforcement functions.\n"
            "Nothing contained herein shall otherwise limit the jurisdiction and powers normally possessed by "
            "participating {acr} personnel as members of the {body}. However, the exercise of the authority\n")


def test_a_county_no_state_has_gives_way_to_the_body_when_the_acronym_confirms_it() -> None:
    text = WSO_2019.format(name="HCSO County Sheriffs Office", acr="HCSO", body="Highlands County Sheriffs Office")
    ag = extract_agency([_page(text)])
    assert (ag["name"], ag["state"]) == ("Highlands County Sheriffs Office", "FL")
    assert ag["evidence"]["how"] == "body-members-sentence"
    assert ag["evidence"]["corrected_from"] == "HCSO County Sheriffs Office"
    assert ag["confidence"] == {"name": 0.9, "state": 0.9}  # the body sentence; the county's one state
    # The acronym names someone else: no name rather than a guess.
    text = WSO_2019.format(name="HCSO County Sheriffs Office", acr="PCSO", body="Highlands County Sheriffs Office")
    ag = extract_agency([_page(text)])
    assert ag["name"] is None and "names no county" in ag["evidence"]["reason"]
    assert ag["confidence"]["name"] == 0.0


def test_parties_that_name_no_agency_leave_it_to_the_body_sentence() -> None:
    text = WSO_2019.format(name="a constitutional officer of the State of Florida, located at 1 Main St, Yulee, "
                                "Florida 32097,", acr='"NCSO"', body="Nassau County Sheriff's Office")
    assert extract_agency([_page(text)])["name"] == "Nassau County Sheriff's Office"


def test_agency_from_the_lea_form_field_and_the_state_suffix() -> None:
    from extract.agency import agency_from_form

    form = [("Name of LEA", "Chatt. PD", 1), ("name of LEA", "Chattahoochee Police Department", 1)]
    assert agency_from_form(form)[0] == "Chattahoochee Police Department"
    assert agency_from_form([("Date", "Chattahoochee Police Department", 1)]) is None
    text = ("MEMORANDUM OF AGREEMENT\nI. PARTIES\nThis Memorandum of Agreement (MOA) constitutes an agreement between "
            "U.S. Immigration and Customs Enforcement (ICE), a component of the Department of Homeland Security (DHS), "
            "and the Florida Department of Lottery, Division of Security, State of Florida, pursuant to which ICE\n")
    ag = extract_agency([_page(text)])
    assert (ag["name"], ag["state"]) == ("Florida Department of Lottery, Division of Security", "FL")


def test_state_from_the_leas_phone_and_contact_address() -> None:
    from extract.states import phone_states

    assert phone_states("For the LEA: Lt. Col. A. B.\nMonroe County Sheriff's Office\n305-292-7086") == {"FL"}
    assert phone_states("no numbers here, 1357(g)") == set()
    text = ("Security (DHS), and the Monroe County Sheriffs Office , pursuant to which ICE delegates\n"
            "POINTS OF CONTACT\nFor the LEA: Lt. Col. A. B.\nMonroe County Sheriff's Office\n305-292-7086\n")
    ag = extract_agency([_page(text)])
    assert ag["state"] == "FL" and ag["evidence"]["state"]["how"] == "county+phone-area-code"
    # No readable agency: the LEA's contact address counts only with ICE's file name saying the same state.
    text = ("Security (DHS), and the Flonda A&M Univ ofTruSlees , pursuant to which ICE\nPOINTS OF CONTACT\n"
            "For the LEA: A. Chief\n2400 Althea Gibson Way\nTallahassee, Florida32307\n")
    assert extract_agency([_page(text)], source_name="FLORIDA_AM_UNIVERSITY_FL_TFM.pdf")["state"] == "FL"
    assert extract_agency([_page(text)], source_name="FLORIDA_AM_UNIVERSITY_TFM.pdf")["state"] is None
