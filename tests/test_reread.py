"""Second readings: a poor scan's change against the standard counts only when every reading of its page shows it.

Okaloosa Co. FL's scanner layer reads "wider" for "under" (a real word for a real word, which the noise rules
must count); Tesseract reads the page image as "under", so the change is OCR's. Bradford Co. FL's scan prints
"truce" for "take" (the scan itself, see the crop in the issue notes): every reading shows it, so it stays.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compare.clauses import Clause
from compare.ocrnoise import confirmed_changes, ocr_changes
from compare.readings import reading_of
from compare.wording import canon

STANDARD_2025 = ["FreebornCountyMN_WSO_MOA031325.pdf", "JimWellsCoSO_WSO_MOA_031725.pdf",
                 "clayCoSheriffsOffice_WSO_MOA_02242025.pdf", "hardeeCoSheriffsOffice_WSO_MOA_02.26.2025.pdf"]
OKALOOSA = "okaloosaCoCommishBoard_WSO_MOA_02262025.pdf"
STANDARD_2019 = ["287gWSO_FlaglerCoFl2019-09-09.pdf", "287gWSO_PutnamCoFl2019-10-15.pdf",
                 "287gWSO_MarionCoFl2019-10-15.pdf"]
BRADFORD = "287gWSO_BradfordCoFl2019-10-15.pdf"


def keys(text: str) -> list[str]:
    return [k for k in (canon(w) for w in text.split()) if k]


STD = keys("personnel being trained or performing duties under this MOA and of those personnel")


def test_a_change_no_other_reading_shows_is_ocr() -> None:
    read = keys("personnel being trained or performing duties wider this MOA and of those personnel")
    assert ocr_changes(STD, read) == 1
    assert confirmed_changes(STD, read, []) == 1  # no other reading: the change stands
    assert confirmed_changes(STD, read, [STD]) == 0  # another reading reads the standard's word there


def test_a_change_every_reading_shows_is_kept() -> None:
    read = keys("personnel being trained or performing duties beyond this MOA and of those personnel")
    also = keys("personnel being trained or perfonning duties beyond this MOA and of those personnel")
    assert confirmed_changes(STD, read, [also]) == 1
    # Only where the readings agree it changed: another reading's own change elsewhere confirms nothing here.
    elsewhere = keys("personnel being trained or performing duties under this MOA and of these workers")
    assert confirmed_changes(STD, read, [elsewhere]) == 0
    assert confirmed_changes(STD, read, [STD, also]) == 0  # every reading must show it


def test_a_garbled_reading_does_not_vouch_for_the_standard() -> None:
    # A reading that garbles the place where the first one read another word shows nothing either way: only a
    # reading of the standard's words there (up to plain noise) clears the change.
    read = keys("personnel being trained or performing duties beyond this MOA and of those personnel")
    garbled = keys("personnel being trained or performing duties bcyorrd this MOA and of those personnel")
    assert confirmed_changes(STD, read, [garbled]) == 1
    misread = keys("personnel being trained or performing duties undcr this MOA and of those personnel")
    assert confirmed_changes(STD, read, [misread]) == 0


def test_the_clause_is_found_in_a_reading_of_its_whole_pages() -> None:
    clause = Clause(sha256="a" * 64, file=None, agency="Okaloosa County", state="FL", model="WSO", revision=None,
                    date_signed=None, key="costs", number=None, title=None, page=3,
                    text="Okaloosa County is responsible for personnel expenses of its personnel being trained or "
                         "performing duties wider this MOA and of those personnel performing the regular functions.")
    page = ("XI. COSTS AND EXPENDITURES\nParticipating agencies are responsible for personnel expenses, including "
            "salaries. Okaloosa County is responsible for personnel expenses of its personnel being trained or "
            "performing duties under this MOA and of those personnel performing the regular functions.\n"
            "XII. ICE SUPERVISION\nImmigration enforcement activities conducted by participating personnel will be "
            "supervised and directed by ICE.")
    alt = reading_of(clause, {3: page})
    assert alt is not None and "under" in alt and "wider" not in alt
    assert alt[0] == clause.toks[0] and alt[-1] == clause.toks[-1]
    assert reading_of(clause, {3: "An unrelated page about something else entirely, read from another form."}) is None


def test_the_clause_starts_where_its_first_words_are_read_not_where_their_count_says() -> None:
    # Etowah Co. AL's layer runs the agency into the next word ("LEApersonnel"): one key where another reading
    # has two. The other reading's span must still begin at "Before", or that word shows as a change there.
    clause = Clause(sha256="b" * 64, file=None, agency=None, state="AL", model="JEM", revision=None,
                    date_signed=None, key="training", number=None, title=None, page=2,
                    text="Before p\ufffdcipating LEApersonnel receive authorization to perform immigration officer "
                         "functions under this MOA, they must successfully complete training provided by ICE.")
    page = ("VII. TRAINING OF PERSONNEL\nBefore participating LEA personnel receive authorization to perform "
            "immigration officer functions under this MOA, they must successfully complete training provided by ICE."
            "\nVIII. CERTIFICATION")
    alt = reading_of(clause, {2: page})
    assert alt is not None and alt[0] == "before" and alt[-1] == clause.toks[-1]
    assert "training" not in alt[:3]  # the heading before it is not taken in


@pytest.fixture(scope="module")
def catalog(corpus: Path, tmp_path_factory) -> Path:
    """The agreements extracted from their text layers only (--ocr skip), as the scanner's OCR left them."""
    from moa.cli import main

    data = tmp_path_factory.mktemp("reread")
    names = [*STANDARD_2025, OKALOOSA, *STANDARD_2019, BRADFORD]
    assert main(["extract", "--data", str(data), "--ocr", "skip", "-q", *(str(corpus / "moa" / n) for n in names)]) == 0
    return data


def _compare(data: Path, key: str, reader: str) -> dict:
    from compare.comparison import compare_section, load_records, page_reader
    from moa.catalog import connect

    conn = connect(data, readonly=True)
    try:
        chosen = {"none": None, "cache": page_reader(conn, cache_only=True), "ocr": page_reader(conn)}[reader]
        return compare_section(load_records(conn), key, reader=chosen)
    finally:
        conn.close()


def _member(res: dict, name: str) -> tuple[dict, dict]:
    return next((v, m) for v in res["variants"] for m in v["members"] if m["file"] == name)


@pytest.mark.slow
def test_a_misreading_another_reading_corrects_joins_the_standard(catalog: Path) -> None:
    before = _compare(catalog, "costs", "none")
    dev = next(d for d in before["deviations"] if d["file"] == OKALOOSA)
    assert "{+Wlder+}" in dev["redline"] or "{+wider+}" in dev["redline"].lower()
    # Nothing read yet: a reader of kept readings only changes nothing.
    assert _compare(catalog, "costs", "cache")["deviations"] == before["deviations"]

    after = _compare(catalog, "costs", "ocr")
    assert not any(d["file"] == OKALOOSA for d in after["deviations"])
    variant, member = _member(after, OKALOOSA)
    assert variant["standard"] and member["membership"] == "ocr-uncertain"
    assert member["read_again_by"][0] == "tesseract"
    kept = list((catalog / "cache" / "reread").rglob("*.json"))
    assert kept and all(json.loads(p.read_text())["sha256"] for p in kept)
    # The reading is kept by document and page: the web page's cache-only reader now gives the same answer.
    assert _compare(catalog, "costs", "cache")["deviations"] == after["deviations"]


@pytest.mark.slow
def test_what_the_scan_prints_stays_a_deviation(catalog: Path) -> None:
    res = _compare(catalog, "effective-date-termination", "ocr")
    dev = next(d for d in res["deviations"] if d["file"] == BRADFORD)
    assert "[-take-] {+truce+}" in dev["redline"]
    variant, member = _member(res, BRADFORD)
    assert not variant["standard"] and "membership" not in member


@pytest.mark.slow
def test_compare_command_reads_again_unless_told_not_to(catalog: Path, capsys) -> None:
    from moa.cli import main

    assert main(["compare", "--section", "liability", "--data", str(catalog), "--json", "--no-reread"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert any(d["file"] == OKALOOSA for d in plain["deviations"])
    assert main(["compare", "--section", "liability", "--data", str(catalog), "--json"]) == 0
    read = json.loads(capsys.readouterr().out)
    assert not any(d["file"] == OKALOOSA for d in read["deviations"])
    assert _member(read, OKALOOSA)[1]["membership"] == "ocr-uncertain"


@pytest.mark.slow
def test_a_page_moa_ocrd_is_read_again_at_another_scale(corpus: Path, tmp_path: Path) -> None:
    # Cleveland Co. NC's page 1 (a 1200-dpi scan, no text layer): what Tesseract drops depends on the rendering,
    # and at moa's 300 dpi it drops "agreements" from "enter into written agreements with a State". The second
    # reading of a page moa OCR'd takes another layout and another scale, and reads it.
    from extract import page_reader as reread

    config, dpi = reread._config(reread.TESSERACT, "ocr")
    assert (config, dpi) == (reread.BLOCK, reread.OTHER_DPI) and dpi != reread.DPI
    text = reread.read_task(str(corpus / "moa" / "287gWSO_ClevelandCoNc2020-01-16.pdf"), 0, config,
                            str(tmp_path), dpi)
    assert text is not None and "written agreements with a State" in " ".join(text.split())
    # A text layer's page is read in Tesseract's own layout, at the scale extraction uses.
    assert reread._config(reread.TESSERACT, "layer") == (reread.LAYOUT, reread.DPI)
