"""Words OCR was unsure of: a low-quality reading that differs from the standard only in words Tesseract read with
low confidence is OCR-uncertain, not a variant of its own; a confident reading of another word still deviates."""

from __future__ import annotations

from pathlib import Path

import pytest

from compare.clauses import Clause, clause_of
from compare.comparison import compare_clauses
from compare.ocrnoise import ocr_changes
from compare.wording import canon


def keys(text: str) -> list[str]:
    return [k for k in (canon(w) for w in text.split()) if k]


def test_a_changed_run_of_doubtful_words_is_ocr_noise() -> None:
    # Okaloosa Co. FL's scan reads "wider" for "under": a real word for a real word counts, unless OCR was
    # unsure of it.
    std = keys("personnel being trained or performing duties under this MOA")
    read = keys("personnel being trained or performing duties wider this MOA")
    assert ocr_changes(std, read) > 0
    assert ocr_changes(std, read, doubtful=frozenset({canon("wider")})) == 0
    # Only the reading's own doubtful words count: a confident "beyond" for "under" is a change of wording.
    other = keys("personnel being trained or performing duties beyond this MOA")
    assert ocr_changes(std, other, doubtful=frozenset({canon("wider")})) > 0
    # Doubt covers what was read, not what is missing.
    dropped = keys("personnel being trained or performing duties this MOA")
    assert ocr_changes(std, dropped, doubtful=frozenset({canon("under"), canon("wider")})) > 0


@pytest.fixture(scope="module")
def calhoun(corpus: Path, tmp_path_factory) -> dict:
    # Calhoun Co. FL (2019 WSO): its scanner's layer reads 83-91% dictionary words, so every page is OCR'd again.
    from compare.comparison import load_records
    from moa.catalog import connect
    from moa.cli import main

    data = tmp_path_factory.mktemp("doubt")
    assert main(["extract", "--data", str(data), "-q", str(corpus / "moa" / "287gWSO_CalhounCoFl2019-09-09.pdf")]) == 0
    conn = connect(data, readonly=True)
    try:
        return load_records(conn)[0]
    finally:
        conn.close()


@pytest.mark.slow
def test_words_read_with_low_confidence_come_with_the_record(calhoun: dict) -> None:
    pages = calhoun["pages"]
    assert all(p["method"] == "ocr" for p in pages)
    doubtful = [w for p in pages for w in p.get("low_conf_words", [])]
    assert doubtful and len(doubtful) < 0.05 * sum(p["chars"] for p in pages) / 6  # a few of every page's words
    clause = clause_of(calhoun, "supervision")
    assert clause is not None and clause.doubtful
    assert all(k in {canon(w) for w in doubtful} for k in clause.doubtful)


@pytest.mark.slow
def test_a_reading_unsure_of_its_differences_joins_the_standard_as_ocr_uncertain(calhoun: dict) -> None:
    read = clause_of(calhoun, "supervision")
    unsure = [w for w in read.text.split() if canon(w) in read.doubtful and canon(w) in read.toks]
    assert unsure, read.text[:300]
    word = unsure[0]
    fields = {k: getattr(read, k) for k in ("file", "agency", "state", "model", "revision", "date_signed", "key",
                                            "number", "title", "page", "ctx")}
    # Two clean copies of the clause, with the unsure word as the standard prints it ("ICE." for "ICI."): a
    # standard of two, which the single OCR reading joins only because OCR was unsure of what differs.
    fixed = read.text.replace(word, "Immigration", 1)
    clean = [Clause(**fields, sha256=f"{c}" * 64, text=fixed, quality=1.0, method="text") for c in "ab"]
    res = compare_clauses([*clean, read], "supervision")
    assert len(res["variants"]) == 1 and res["ocr_uncertain"] == 1 and not res["deviations"]
    sure = Clause(**fields, sha256=read.sha256, text=read.text, quality=read.quality, method=read.method)
    res = compare_clauses([*clean, sure], "supervision")  # the same reading without its confidences
    assert len(res["variants"]) == 2 and res["deviations"][0]["low_quality"]
