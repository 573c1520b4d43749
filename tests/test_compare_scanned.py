"""Real scanned clauses: seven 2019 Florida WSO agreements whose text layers are a scanner's OCR ("docs" for
"does", "b" for "to", "ocso·s" for "OCSO's", signature stamps in the text), extracted by the real pipeline.
Their OCR noise must never make a separate variant; a genuine change of wording in one of them still must."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from compare_support import pipeline_records

from compare.comparison import compare_all, compare_section

NAMES = ["287gWSO_FlaglerCoFl2019-09-09.pdf", "287gWSO_PutnamCoFl2019-10-15.pdf", "287gWSO_BradfordCoFl2019-10-15.pdf",
         "287gWSO_MarionCoFl2019-10-15.pdf", "287gWSO_BayCoFl2019-10-15.pdf", "287gWSO_OkeechobeeCoFl2019-10-15.pdf",
         "287gWSO_BrowardCoFl2019-09-09.pdf"]
EXPECTED = Path(__file__).parent / "expected" / "compare" / "scanned_wso2019_variants.json"


@pytest.fixture(scope="module")
def records(corpus: Path, tmp_path_factory) -> list[dict]:
    return pipeline_records(corpus, tmp_path_factory.mktemp("scanned"), NAMES)


def test_scanned_text_layers_are_low_quality_pages(records: list[dict]) -> None:
    # The premise: extraction scores these pages below clean text, which is what lets compare be lenient.
    assert all(min(float(p["quality"]) for p in r["pages"]) < 0.99 for r in records)


def test_ocr_noise_makes_no_variant_in_scanned_agreements(records: list[dict]) -> None:
    rows = {r["section"]: r for r in compare_all(records)["rows"]}
    got = {k: [r["agreements"], r["variants"], r["ocr_uncertain"]] for k, r in sorted(rows.items())}
    assert got == json.loads(EXPECTED.read_text())
    # Same template, same Field Office: most clauses are one variant. What differs holds a real word for a real
    # word ("truce" for "take"), which OCR cannot be shown to explain, so it stays a deviation (flagged
    # low_quality) rather than vanish.
    assert sum(r["variants"] == 1 for r in rows.values()) >= 15
    assert sum(r["ocr_uncertain"] for r in rows.values()) >= 8


def test_points_of_contact_are_a_filled_in_blank(records: list[dict]) -> None:
    # Each agreement lists its own points of contact after the template's "… for purposes of this MOA are:":
    # one variant, the names given as what the agreement filled in.
    res = compare_section(records, "points-of-contact")
    assert len(res["variants"]) == 1 and not res["deviations"]
    assert res["variants"][0]["text"].endswith("are: ⟦CONTACTS⟧")
    fills = {m["file"]: m["fill_ins"] for m in res["variants"][0]["members"]}
    assert any("Dawn Mckinley" in f for f in fills["287gWSO_BradfordCoFl2019-10-15.pdf"])


def test_ocr_uncertain_members_are_flagged_not_deviations(records: list[dict]) -> None:
    res = compare_section(records, "reporting")
    assert len(res["variants"]) == 1 and not res["deviations"]
    members = res["variants"][0]["members"]
    flagged = [m for m in members if m.get("membership") == "ocr-uncertain"]
    assert flagged and any("Okeechobee" in m["agency"] for m in flagged)  # "tclcconfcrcncc" for teleconference


@pytest.mark.parametrize("key,old,new", [
    ("modifications", "must be proposed", "may be proposed"),
    ("reporting", "at least", "at most"),
])
def test_a_real_change_in_a_scanned_clause_is_still_a_deviation(records: list[dict], key: str, old: str,
                                                                  new: str) -> None:
    edited = copy.deepcopy(next(r for r in records if "Putnam" in r["file"]))
    edited["sha256"] = "e" * 64
    sec = next(s for s in edited["sections"] if s.get("key") == key)
    assert old in sec["text"], sec["text"][:300]
    sec["text"] = sec["text"].replace(old, new, 1)
    res = compare_section([*records, edited], key)
    dev = next(d for d in res["deviations"] if d["sha256"] == edited["sha256"])
    added = " ".join(op["new"] for op in dev["ops"]).split()
    assert set(new.split()) - set(old.split()) <= set(added), dev["ops"]
    assert not any(m.get("membership") for v in res["variants"] for m in v["members"] if m["sha256"] == edited["sha256"])
