"""OCR noise on real scanned agreements (the scanner's own text layers of the 2019-2020 WSO scans, Cleveland Co.
NC, Calhoun, Rockingham, a garbled 2025 Longboat Key layer) folds into the variant it misreads, flagged
"ocr-uncertain"; what a page really prints differently stays a variant of its own. Each case here was checked
against the rendered page (see the audit in the commit that added this file)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from compare_support import pipeline_records

from compare.comparison import compare_section

NAMES = [
    # 2019-2020 WSO scans whose text layer is a scanner's OCR
    "287gWSO_PolkCoFl2019-05-06.pdf", "287gWSO_SarasotaCoFl2019-05-06.pdf", "287gWSO_LevyCoFl2019-05-06.pdf",
    "287gWSO_MartinCoFl2020-01-22.pdf", "287gWSO_LaPazCoAz2020-02-27.pdf", "287gWSO_BradfordCoFl2019-10-15.pdf",
    "287gWSO_ClevelandCoNc2020-01-16.pdf", "287gWSO_RockinghamCoNc2019-12-31.pdf", "287gWSO_CalhounCoFl2019-09-09.pdf",
    "287gWSO_OkeechobeeCoFl2019-10-15.pdf", "287gWSO_BayCoFl2019-10-15.pdf",
    # 2025 TFM: born-digital, a garbled layer (Longboat Key), a footer misread (Natrona), a rewritten one (Texas OAG)
    "JupiterPDFL_TFM_MOA_032425.pdf", "FranklinCoAL_TFM_MOA_031825.pdf", "NatronaCoSheriffsOfficeWY_TFM_MOA_05082025.pdf",
    "LongboatKeyPoliceDeptFL_TFM_MOA_04232025.pdf", "TexasOfficeAttorneyGeneral_TFM_MOA_01.30.25.pdf",
]
KEYS = ["reporting", "communication", "designation-of-functions", "certification", "parties", "effective-date-termination"]
EXPECTED = Path(__file__).parent / "expected" / "compare" / "noise_variants.json"


@pytest.fixture(scope="module")
def records(corpus: Path, tmp_path_factory) -> list[dict]:
    return pipeline_records(corpus, tmp_path_factory.mktemp("noise"), NAMES)


def _variants(records: list[dict], key: str) -> list[list[str]]:
    res = compare_section(records, key, redlines=False)
    return [[m["file"] + (" (ocr-uncertain)" if m.get("membership") else "") for m in v["members"]]
            for v in res["variants"]]


def _variant_of(variants: list[list[str]], name: str) -> list[str]:
    return next(v for v in variants if any(m.startswith(name) for m in v))


def test_variants_match_the_audited_expectation(records: list[dict]) -> None:
    got = {k: _variants(records, k) for k in KEYS}
    assert got == json.loads(EXPECTED.read_text())


def test_field_office_names_and_misread_fod_are_fill_ins(records: list[dict]) -> None:
    # "The FO D in The Miami Field Office" (Polk), "meet in the Phoenix Field Office" (La Paz): the same wording.
    v = _variant_of(_variants(records, "reporting"), "287gWSO_BradfordCoFl")
    assert any(m.startswith("287gWSO_PolkCoFl") for m in v) and any(m.startswith("287gWSO_LaPazCoAz") for m in v)


def test_garbled_footer_and_agency_misreads_fold(records: list[dict]) -> None:
    # "Natrona County Sheriffs Office 2 R8VIS8d 03/07fl025" inside the list of functions is a footer.
    v = _variant_of(_variants(records, "designation-of-functions"), "JupiterPDFL")
    assert any(m.startswith("NatronaCo") for m in v)
    # Longboat Key's layer reads the LEA as "the lba": OCR, flagged as such.
    v = _variant_of(_variants(records, "certification"), "JupiterPDFL")
    assert "LongboatKeyPoliceDeptFL_TFM_MOA_04232025.pdf (ocr-uncertain)" in v


def test_what_the_page_really_prints_stays_a_variant(records: list[dict]) -> None:
    parties = _variants(records, "parties")
    # Bay's page prints "authorized  personnel" and "The  and ICE": the agency's acronym is blank on the page.
    assert _variant_of(parties, "287gWSO_BayCoFl") == ["287gWSO_BayCoFl2019-10-15.pdf"]
    # Texas OAG's termination clause is another text (termination "at any time", suspension on notice).
    eff = _variants(records, "effective-date-termination")
    assert _variant_of(eff, "TexasOfficeAttorneyGeneral") == ["TexasOfficeAttorneyGeneral_TFM_MOA_01.30.25.pdf"]


@pytest.mark.parametrize("name,key,old,new", [
    ("LongboatKey", "effective-date-termination", "90", "60"),
    ("287gWSO_ClevelandCoNc", "communication", "at least", "at most"),
    # Calhoun's layer: its effective-date clause is unreadable (a third of its words no words), its certification
    # heavily garbled; a number still counts.
    ("287gWSO_CalhounCoFl", "effective-date-termination", "90-day", "60-day"),
    ("287gWSO_CalhounCoFl", "certification", "90 day", "30 day"),
])
def test_a_real_edit_in_a_garbled_reading_is_still_a_deviation(records: list[dict], name: str, key: str, old: str,
                                                                new: str) -> None:
    edited = copy.deepcopy(next(r for r in records if r["file"].startswith(name)))
    edited["sha256"] = "f" * 64
    edited["file"] = "edited.pdf"
    part = next(p for s in edited["sections"] for p in [s, *(s.get("subsections") or [])] if p.get("key") == key)
    assert old in part["text"], part["text"][:300]
    part["text"] = part["text"].replace(old, new, 1)
    variants = _variants([*records, edited], key)
    original = _variant_of(variants, name)
    assert not any(m.startswith("edited.pdf") for m in original), original
