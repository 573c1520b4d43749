"""Clause comparison on real clauses cut from born-digital MOAs: OCR noise never makes a variant, a genuine
change of wording always does, the agency's own particulars never do."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from compare_support import ocr_corrupt, text_layer_records

from compare.clauses import Clause, clause_of, template_generation
from compare.comparison import compare_all, compare_clauses, compare_pair, compare_section
from compare.deviation import deviation_report
from compare.tokendiff import substantive_changes
from compare.variants import group_variants
from compare.wording import Context, fill_in_values, normalize, prepare

EXPECTED = Path(__file__).parent / "expected" / "compare"
TFM_2025 = [
    "FranklinCoAL_TFM_MOA_031825.pdf", "FranklinCoPA_TFM_MOA_03.10.2025.pdf", "IowaDeptPublicSafety_TFM_MOA_03.24.2025.pdf",
    "JupiterPDFL_TFM_MOA_032425.pdf", "OkechobeePoliceDeptFL_TFM_MOA_03.10.2025.pdf",
    "OklahomaBureauNarcotics_TFM_MOA_02.18.25.pdf", "OklahomaDeptPublicSafety_TFM_MOA_02.18.25.pdf",
    "SmithCoSheriffsOfficeTX_TFM_MOA_02.18.25.pdf", "TavaresPoliceDeptFL_TFM_MOA_03.06.2025.pdf",
    "TexasOfficeAttorneyGeneral_TFM_MOA_01.30.25.pdf", "daviePoliceDeptFL_TFM_MOA_03.05.25.pdf",
    "treasureIslandPoliceDeptFL_TFM_MOA_03.07.25.pdf",
]
KEYS = ["costs-and-expenditures", "nomination-of-personnel", "certification-and-authorization",
        "liability-and-responsibility", "ice-supervision", "designation-of-authorized-functions"]


@pytest.fixture(scope="module")
def tfm(corpus: Path) -> list[dict]:
    return text_layer_records(corpus, TFM_2025)


def _clause(record: dict, key: str, text: str | None = None, agency: str | None = None) -> Clause:
    c = clause_of(record, key)
    assert c is not None, (record["file"], key)
    if text is not None or agency is not None:
        ctx = Context(agency or c.ctx.agency, c.ctx.state, c.ctx.names, c.ctx.furniture)
        c = Clause(**{**{k: getattr(c, k) for k in ("sha256", "file", "agency", "state", "model", "revision",
                                                     "date_signed", "key", "number", "title", "page")},
                      "sha256": c.sha256 + ("-x" if text is not None else "-a"), "text": text or c.text, "ctx": ctx})
    return c


@pytest.mark.parametrize("key", KEYS)
def test_ocr_noise_alone_never_makes_a_variant(tfm: list[dict], key: str) -> None:
    base = _clause(tfm[0], key)
    noisy = [_clause(tfm[0], key, text=ocr_corrupt(base.text, random.Random(seed), rate=0.06)) for seed in range(12)]
    for n in noisy:
        assert n.text != base.text
        assert substantive_changes(base.toks, n.toks) == 0, (key, n.text)
    variants = group_variants([base, *noisy])
    assert len(variants) == 1


def test_the_classic_misreadings_normalize_away() -> None:
    clean = "Either party terminates this MOA; civil rights laws and the government's l0cal rules apply."
    ocr = "Either party tenninates this MOA; CML rights 1aws and the govemment's local ru1es apply."
    assert normalize(clean) == normalize(ocr)


def test_the_agencys_acronym_is_replaced_and_the_templates_are_not() -> None:
    # Limestone Co. AL's record names it "…, AL": its initials are LCSO and LSO, never "LSA", which reads as the
    # template's "ISA" (Interconnection Security Agreement) once I and L are taken as look-alikes.
    text = "security policies are defined in the Interconnection Security Agreement (ISA). The ISA binds the LCSO."
    got = prepare(text, Context(agency="Limestone County Sheriff’s Office, AL", state="AL"))
    assert got.count("ISA") == 2 and got.rstrip(" .").endswith("⟦AGENCY⟧")
    # The Division of the Florida State Guard calls itself the FSG.
    got = prepare("duties of participating FSG personnel.", Context(agency="Division of the Florida State Guard",
                                                                     state="FL"))
    assert "FSG" not in got and "⟦AGENCY⟧" in got


def test_the_chief_counsels_address_is_a_filled_in_blank_however_the_layer_prints_it() -> None:
    # Owyhee Co. ID's layer runs the Seattle address together and reads "at" as "aW".
    def slot(filled: str) -> str:
        return prepare(f"shall notify the local ICE Office of the Chief Counsel {filled} The Office of the Chief Counsel "
                       "in turn will forward", Context(agency="Owyhee County Sheriff's Office", state="ID"))

    blank = slot("at (address).")
    assert "⟦ADDRESS⟧" in blank
    assert slot("aW 915Second Ave,#708,SeattleWA98174 .") == blank
    assert slot("at 126 Northpoint Drive, Houston, TX 77060.") == blank
    assert "915Second Ave" in " ".join(fill_in_values("the Chief Counsel aW 915Second Ave,#708,SeattleWA98174 . The "
                                                      "Office of the Chief Counsel in turn"))


def test_a_signature_block_read_inside_a_sentence_is_cut_out_not_the_rest_of_the_clause() -> None:
    # Grayson Co. KY's layer gives page 7's signature fields before the page's text.
    text = ("This MOA becomes effective upon signature of both parties and will remain in effect until either party "
            "terminates it.\n"
            + "In instances where serious misconduct comes to the attention of ICE, the ICE Director may suspend the "
            "MOA pending investigation.\n" * 5 +
            "Notice of the suspension will include (1) the reasons, (2) the length of the\n"
            "Grayson County Detention Center\nName:_____________________________\nSignature:____________\n"
            "March 5, 2025\nCaleb Vitello\nActing Director\nU.S. Immigration & Customs\nEnforcement\n"
            "temporary suspension, and (3) how the LEA can provide ICE with information regarding the misconduct.\n"
            # The rest of the page: more than a short tail beside the signatures.
            + "ICE shall provide the LEA with a reasonable opportunity to respond to the alleged misconduct and/or "
            "violations and to take actions to implement corrective measures.\n" * 8 +
            "This MOA does not, is not intended to, and may not be relied upon to create any rights, civil or "
            "criminal.\nJason Woosley\nName:______________\nJailer Title:______________\nGrayson County Detention Center Agency:____\n")
    got = prepare(text, Context(agency="Grayson County Detention Center", state="KY"))
    assert "the length of the temporary suspension, and (3)" in got and got.endswith("civil or criminal.")
    assert not any(w in got for w in ("Vitello", "Signature", "Woosley", "Name:"))
    # A block after the clause's last sentence still ends it.
    assert prepare(text.split("(2) the length")[0] + "(2) the length.\nName:____\nSignature:____\nJohn Doe\n"
                   "Sheriff\n").endswith("(2) the length.")


@pytest.mark.parametrize("key", KEYS[:3])
def test_agency_name_and_particulars_never_make_a_variant(tfm: list[dict], key: str) -> None:
    base = _clause(tfm[0], key)
    agency = base.ctx.agency
    assert agency
    other = "Lake Wobegon Police Department"
    moved = base.text.replace(agency, other)
    c = _clause(tfm[0], key, text=moved, agency=other)
    assert len(group_variants([base, c])) == 1


@pytest.mark.parametrize("old,new", [
    ("at the LEA's expense", "at ICE's expense"),
    ("two years", "three years"),
    ("ICE will provide instructors", "ICE will not provide instructors"),
    ("necessary security equipment", "necessary security equipment and vehicles"),
])
def test_a_genuine_change_of_wording_is_a_deviation(tfm: list[dict], old: str, new: str) -> None:
    key = "costs-and-expenditures" if "two" not in old else "certification-and-authorization"
    base = _clause(tfm[0], key)
    assert old in base.text.replace("’", "'"), old
    changed = _clause(tfm[0], key, text=base.text.replace("’", "'").replace(old, new))
    # ... even once OCR noise is added on top of the change
    noisy = _clause(tfm[0], key, text=ocr_corrupt(changed.text, random.Random(7), rate=0.03))
    res = compare_clauses([base, _clause(tfm[1], key), _clause(tfm[2], key), noisy], key)
    assert any(d["sha256"] == noisy.sha256 for d in res["deviations"]), res["variants"]
    dev = next(d for d in res["deviations"] if d["sha256"] == noisy.sha256)
    added = " ".join(op["new"] for op in dev["ops"]).split()
    assert any(w in added for w in set(new.split()) - set(old.split())), dev["ops"]
    assert dev["changed_words"] >= 1


def test_variant_counts_on_real_tfm_2025_agreements(tfm: list[dict]) -> None:
    got = {r["section"]: [r["agreements"], r["variants"], r["deviating"]] for r in compare_all(tfm)["rows"]}
    expected = json.loads((EXPECTED / "tfm2025_variants.json").read_text())
    assert got == expected


def test_real_deviation_found_with_redline_and_citation(tfm: list[dict]) -> None:
    res = compare_section(tfm, "liability-and-responsibility")
    # ICE's template leaves the OPLA field location blank: a fill-in, never a deviation. Most 2025-02-12
    # agreements name Miami, Franklin County PA names York, the Oklahoma agreements left "ADDRESS" in place:
    # all are the standard's ⟦ADDRESS⟧, and each member still shows what it filled in.
    std = next(s for s in res["standards"] if s["template_revision"] == "2025-02-12")
    assert "field location at ⟦ADDRESS⟧" in std["text"]
    assert not any(d["file"] == "FranklinCoPA_TFM_MOA_03.10.2025.pdf" for d in res["deviations"])
    pa = next(m for v in res["variants"] for m in v["members"] if m["file"] == "FranklinCoPA_TFM_MOA_03.10.2025.pdf")
    assert any("York" in f for f in pa["fill_ins"]), pa
    for d in res["deviations"]:
        assert d["agency"] and d["page"] and d["section"]["number"] and d["changed_words"] >= 1
        assert "<del>" in d["redline_html"] or "<ins>" in d["redline_html"]


def test_compare_pair_aligns_by_key_not_position(tfm: list[dict]) -> None:
    texas = next(r for r in tfm if r["file"].startswith("TexasOffice"))
    smith = next(r for r in tfm if r["file"].startswith("SmithCo"))
    res = compare_pair(smith, texas)
    rows = {r["section"]: r for r in res["rows"]}
    # Texas's MOA numbers its sections differently (it adds DETENTION ISSUES and COMMUNITY OUTREACH).
    assert rows["community-outreach"]["status"] == "only_b"
    assert rows["purpose"]["status"] == "same"
    assert all(r["status"] in ("same", "differs", "only_a", "only_b") for r in res["rows"])
    assert "|" in next(r["side_by_side"] for r in res["rows"] if r["status"] == "differs")


def test_deviation_report_ranks_by_changed_words(tfm: list[dict]) -> None:
    rep = deviation_report(tfm)
    words = [r["changed_words"] for r in rep["rows"]]
    assert words == sorted(words, reverse=True)
    assert rep["rows"][0]["clauses_deviating"] >= 1
    texas = next(r for r in rep["rows"] if r["file"].startswith("TexasOffice"))
    assert "community-outreach" in texas["added"]


def test_template_generation_when_no_revision_is_printed() -> None:
    assert template_generation("2025-02-15", "2025-03-01") == "2025-02-15"  # the footer decides
    assert template_generation(None, "2019-10-15") == "2019-2020 (no revision)"  # Santa Rosa Co. FL WSO
    assert template_generation(None, "2025-04-29") == "2025 (revision unread)"  # a 2025 scan, footer lost
    assert template_generation(None, None) == "unknown"


def test_old_and_new_agreements_without_a_revision_have_separate_standards(tfm: list[dict]) -> None:
    # Two 2025 TFMs stripped of their footers, one dated 2019: the 2019 one is measured against its own
    # generation, never against the 2025 text.
    recs = [dict(r) for r in tfm[:3]]
    for r, year in zip(recs, ("2025", "2025", "2019"), strict=True):
        r["template_revision"] = None
        r["signatories"] = [{"party": "lea", "name": None, "date": f"{year}-03-01"}]
    res = compare_section(recs, "costs-and-expenditures")
    groups = {(s["model"], s["template_revision"]) for s in res["standards"]}
    assert ("TFM", "2019-2020 (no revision)") in groups and ("TFM", "2025 (revision unread)") in groups


def test_a_sentence_ending_after_a_footers_date_line_keeps_its_short_last_line() -> None:
    # Hardee Co. FL: each page's footer carries a "Date: ____" line for initials, which looks like the signature
    # block's start; the clause's last sentence after it ends on a short line ("or criminal.") that must stay.
    text = ("This MOA becomes effective upon signature of both parties and will remain in effect until either\n"
            "party, upon 90-day written notice to the other party, provides notice of termination.\n"
            "Hardee County Sheriff's Office\n_______________________\nDate: ___________________________\n"
            "This MOA does not, is not intended to, shall not be construed to, and may not be relied upon to\n"
            "create any rights, substantive or procedural, enforceable at law by any person in any matter, civil\n"
            "or criminal.\n"
            "By signing this MOA, each party represents it is fully authorized to enter into this MOA, accepts\n"
            "For the LEA:\nDate: 02/19/25\nName: Vent Crawford")
    got = prepare(text)
    assert "any matter, civil or criminal. By signing this MOA" in got
    assert "Vent Crawford" not in got and "Name:" not in got


@pytest.mark.parametrize("heading", [
    ". xm. RELEASE OF INFORMATION TO THIRD PARTIES",  # Oakland PD FL: a speck before, "xm" for XIII
    "VI =MODIFICATIONS TO THIS MOA",  # Portage Co. OH
    "Vi. «MODIFICATIONS TO THIS MOA",  # Calhoun Co. FL
    "' IT. AUTHORITY",  # Refugio Co. TX
    "H. LIABILITY AND RESPONSIBILIT\\",  # Gooding Co. ID's layer: a stray glyph in the title
    "XVI. ‘CIVIL RIGHTS STANDARDS",  # West Virginia National Guard's scan
    # A find-and-replace of the template's "LEA" by the agency's initials that hit RELEASE: 90 to the title,
    # far ahead of any other
    "D. REBCSOSE OF INFORMATION TO THIRD PARTIES",
])
def test_a_missed_heading_with_ocr_specks_still_ends_the_clause_before_it(heading: str) -> None:
    from compare.clauses import cut_at_heading

    titles = {"RELEASEOFINFORMATIONTOTHIRDPARTIES": "release-of-information", "MODIFICATIONSTOTHISMOA": "modifications",
              "AUTHORITY": "authority", "REPORTINGREQUIREMENTS": "reporting", "CIVILRIGHTSSTANDARDS": "civil-rights",
              "LIABILITYANDRESPONSIBILITY": "liability"}
    # The heading after a short clause, before a long text it swallowed (Oakland's at 19% of it: past the first
    # 400 characters, it is searched for), and after a long clause.
    clause = "The LEA will provide ICE with statistics for its reporting requirements.\n" * 6
    for body, rest in ((clause, 40), (clause * 10, 1)):
        text = body + heading + "\nThe next section's text, which is not this clause's.\n" * rest
        assert cut_at_heading(text, "reporting", titles) == body.rstrip()
    assert cut_at_heading(clause + "  REPORTING REQUIREMENTS\nmore", "reporting", titles).endswith("more")


def test_a_garbled_title_ends_a_clause_only_when_it_stands_out() -> None:
    from compare.clauses import cut_at_heading

    titles = {"TRAININGOFPERSONNEL": "training", "TRAININGANDASSIGNMENTS": "training-assignments"}
    text = "The LEA will provide ICE with statistics for its reporting requirements.\n" * 8
    assert cut_at_heading(text + "C. TRAINING OF ASSIGNMENTS\nmore", "reporting", titles) == text.rstrip()
    # Under 85 to every title, or as near one title as another (two run together): no heading.
    for line in ("C. TRAINING OF ASSIGNMEN", "C. TRAINING OF PERSONNEL ASSIGNMENTS"):
        assert cut_at_heading(text + line + "\nmore", "reporting", titles).endswith("more")


def test_ice_name_masks_the_agency_where_extraction_read_another() -> None:
    # extraction read a garbled name; ICE's list names the agency as the text spells it: both are the agency
    record = {"sha256": "x", "file": "287gWSO_HighlandsCoFl2019-10-15.pdf",
              "agency": {"name": "HCSO County Sheriffs Office", "state": "FL"},
              "agreement": {"agency": "Highlands County Sheriff's Office", "state": "FL",
                            "sources": {"agency": "ice"}}, "signatories": [], "sections": [], "pages": []}
    ctx = Context.of_record(record)
    text = "The Highlands County Sheriff's Office retains supervision of all other aspects of the employment."
    assert prepare(text, ctx).startswith("⟦AGENCY⟧ retains supervision")
    # a name from the document alone (an agreement no list names) is not ICE's, and masks nothing more
    record["agreement"]["sources"] = {"agency": "document"}
    assert "Highlands" in prepare(text, Context.of_record(record))
