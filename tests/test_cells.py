"""Normalization of the values ICE types into its sheets (all inputs below occur in the real sheets)."""

from __future__ import annotations

from datetime import datetime

import pytest

from harvest import cells as n


@pytest.mark.parametrize(("raw", "code"), [
    ("UTAh", "UT"), ("UTAHJ", "UT"), ("TEXAS ", "TX"), ("PENNSLYVANIA", "PA"), ("WEST VIRIGINIA", "WV"),
    ("WEST VIRIGINA", "WV"), ("WESt VIRGINIA", "WV"), ("MCHIGAN", "MI"), ("AlABAMA", "AL"), ("Georgia", "GA"),
    ("NORTHERN MARIANA ISLANDS", "MP"), ("GUAM", "GU"), ("tx", "TX"), ("VIRGINIA", "VA"), (None, None), ("", None),
    ("Nowhere", None),
])
def test_state_code(raw, code):
    assert n.state_code(raw) == code


@pytest.mark.parametrize(("raw", "code"), [
    ("Jail Enforcement Model", "JEM"), ("Jail Enforcment Model ", "JEM"), ("Warrant Services Officer", "WSO"),
    ("Warrant Service Office", "WSO"), ("Task Force Model ", "TFM"), ("Task Force Officer ", "TFM"),
    ("287(g) TFM", "TFM"), (None, None),
])
def test_model_code(raw, code):
    assert n.model_code(raw) == code


@pytest.mark.parametrize(("raw", "kind"), [
    ("County ", "County"), ("Muncipality ", "Municipality"), ("Municipal", "Municipality"),
    ("State", "State Agency"), ("State Agency", "State Agency"), ("#NA", None), (None, None),
])
def test_agency_type(raw, kind):
    assert n.agency_type(raw) == kind


@pytest.mark.parametrize(("raw", "iso"), [
    (datetime(2025, 9, 22), "2025-09-22"), ("2020-06-09", "2020-06-09"), ("05/082025", "2025-05-08"),
    ("7/72025", "2025-07-07"), ("8/282025", "2025-08-28"), (datetime(5025, 7, 7), None), ("5025-07-07", None),
    (None, None), ("  ", None), ("link", None),
])
def test_signed_date(raw, iso):
    assert n.signed_date(raw) == iso


def test_agency_key_joins_spelling_variants():
    assert n.agency_key("Autauga County Sheriff's Office ") == n.agency_key("Autauga  County Sheriffs Office")
    assert n.agency_key("St. Cloud Police Dept") == n.agency_key("Saint Cloud Police Department")
    assert n.agency_name("  Lanett Police Department \u00a0") == "Lanett Police Department"
    assert n.county("#N/A") is None and n.county(" York County ") == "York County"
