"""Signature evidence outside the page text: a PDF's digital-signature dictionary and filled-in form fields
(extract.pdfsign), and a fresh OCR of a scanned signature page whose old OCR layer lacks the stamp
(extract.sigocr). Real corpus MOAs; expected values in tests/expected/fields/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extract import ocr
from extract.fields import extract_fields
from extract.pages import Page, read_pages
from extract.pdfsign import read_form

EXPECTED = Path(__file__).parent / "expected" / "fields"


def _signers(fields: dict) -> dict:
    return {s["party"]: {k: s[k] for k in ("name", "date", "date_source")} for s in fields["signatories"]}


def _expected(name: str) -> dict:
    return json.loads((EXPECTED / name).read_text())


def test_signature_dictionary_is_read(corpus: Path) -> None:
    pdf = corpus / "moa" / "287gJEM_%20etowahCoAL_06-09-2020.pdf"
    sigs = [[f.page, f.value, f.signer] for f in read_form(pdf) if f.kind == "sig"]
    assert sigs == _expected("pdfsign_etowah.json")["signature_fields"]


@pytest.mark.slow
def test_signature_dictionary_gives_the_ice_signing_date(corpus: Path, tmp_path: Path) -> None:
    # Etowah Co. AL 2020: a scan whose ICE digital-signature stamp OCR cannot read; the PDF's /Sig
    # dictionary holds the signing time exactly. Only the signature page (7, image-only) is OCR'd.
    pdf = corpus / "moa" / "287gJEM_%20etowahCoAL_06-09-2020.pdf"
    pages = read_pages(pdf, mode="skip")
    r = ocr.ocr_page_task("etowah", str(pdf), 6, ocr.DPI, str(tmp_path))
    pages[6] = Page(7, r.text, "ocr", 0.9, "OCR", len(r.text), words=r.words, mean_conf=r.mean_conf)
    assert _signers(extract_fields(pages))["ice"]["date"] is None
    fields = extract_fields(pages, pdf=pdf, ocr_signatures=False)
    assert _signers(fields)["ice"] == _expected("pdfsign_etowah.json")["ice"]


def test_form_fields_give_typed_dates_by_column(corpus: Path) -> None:
    # Putnam Co. TN 2025: the ICE date is a filled-in form field ("Date", right column), not page text.
    pdf = corpus / "moa" / "PutnamCoTN_JEM_MOA_02.24.2025.pdf"
    fields = extract_fields(read_pages(pdf, mode="skip"), pdf=pdf, ocr_signatures=False)
    assert _signers(fields) == _expected("pdfsign_putnam.json")


def test_without_the_pdf_the_text_alone_decides(corpus: Path) -> None:
    pdf = corpus / "moa" / "PutnamCoTN_JEM_MOA_02.24.2025.pdf"
    fields = extract_fields(read_pages(pdf, mode="skip"))
    assert _signers(fields)["ice"]["date"] is None


@pytest.mark.slow
def test_fresh_ocr_reads_a_stamped_date_the_old_layer_lacks(corpus: Path, tmp_path: Path) -> None:
    # Gooding Co. ID 2020: scanned with an old OCR layer that lost ICE's "AUG 17 2020" stamp; one page
    # (the signature page) is OCR'd again.
    pdf = corpus / "moa" / "287gWSO_GoodingCoID_08-17-2020.pdf"
    pages = read_pages(pdf, mode="skip")
    assert _signers(extract_fields(pages))["ice"]["date"] is None
    fields = extract_fields(pages, pdf=pdf, ocr_cache=tmp_path)
    got = _signers(fields)
    assert got == _expected("sigocr_gooding.json")
    ice = next(s for s in fields["signatories"] if s["party"] == "ice")
    assert any("fresh OCR" in r for r in ice["reasons"])


def test_second_reading_guards_keep_guesses_out() -> None:
    # Values fresh OCR gave on real signature pages, and why each is not taken.
    from extract.sigocr import _date_holds, _name_holds

    conf = {"eric": 49.0, "j": 91.0, "sevets": 32.0, "gregory": 90.0, "to": 90.0, "gordén": 88.0, "smith": 95.0}
    assert "confidence" in _name_holds("Eric J. Sevets", "lea", conf)  # Waukesha: Eric J. Severson
    assert "too short" in _name_holds("GREGORY TO", "lea", conf)  # Broward: GREGORY TONY
    assert "accented" in _name_holds("Gordén Smith", "lea", conf)  # Bradford: Gordon Smith
    assert "title or a place" in _name_holds("Broward Count", "lea", {"broward": 90.0, "count": 90.0})
    assert _name_holds("Carol Mici", "lea", {"carol": 93.0, "mici": 91.0}) is None
    assert _name_holds("Todd M. Lyons", "ice", {}) is None  # a known ICE official
    assert "more than 183 days" in _date_holds("2028-04-24", "ice", "2025-04-25", None)  # Heritage Creek
    assert "column uncertain" in _date_holds("2020-06-10", "lea", "2020-06-10", None)  # Waukesha: ICE's stamp
    assert "out of order" in _date_holds("2025-03-01", "lea", "2025-02-24", None)
    assert _date_holds("2020-08-17", "ice", None, None) is None
    # Seneca Co. OH: "2-28-2025" in the LEA block and "February 28, 2025" in ICE's: two writings, one day.
    assert _date_holds("2025-02-28", "lea", "2025-02-28", None, written=2) is None
    # PP-OCR's line score is its whole line's: Pinal's "Mark Lamb" at 86.7 holds as census names, a non-name
    # word under 95 does not.
    assert "confidence" in _name_holds("Mark Lqmb", "lea", {"mark": 86.7, "lqmb": 86.7}, 95)
    # Waukesha's "Erl J.Severson" (91): "Erl" one slip from "Earl", a first name check_read_names would drop
    # anyway; it is none, so a later reading may still give the name.
    assert "no first name" in _name_holds("Erl J. Severson", "lea", {"erl": 99.0, "j": 99.0, "severson": 99.0}, 95)


def test_a_pp_ocr_name_under_its_bar_stands_when_every_word_is_a_census_name() -> None:
    # PP-OCR's line scores of names it read on real signature pages. Under 95, down to Tesseract's floor of
    # 70, a name of census first names and surnames stands; one misread into a non-name does not.
    from extract.signatures import census_name
    from extract.sigocr import _name_holds

    def pp(name: str, score: float) -> str | None:
        return _name_holds(name, "lea", {t.strip('."').lower(): score for t in name.split()}, 95)

    assert pp("Gordon Smith", 93.7) is None  # Bradford Co. FL
    assert pp('Robert "Bob" Johnson', 94.6) is None  # Santa Rosa Co. FL
    assert pp("Steve Hall", 93.1) is None  # St. Mary's Co. MD
    assert pp("Noef E. Stephen", 91.1) is not None  # Okeechobee Co. FL: Noel (and "Noef" a near miss of "Noe")
    assert "confidence" in pp("Jalhes K. Jeffies", 90.1)  # Power Co. ID
    assert "confidence" in pp("Gordon Smith", 60.0)  # under Tesseract's floor too
    assert census_name("John W. Mina") and census_name("Bobby McCallum Jr.")
    assert not census_name("Benja Min J. Stewart") and not census_name("Smith")
