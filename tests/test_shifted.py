"""The shifted font encoding (`)RUWKH/($` = "For the LEA"): decoded from the layer, never OCR'd."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium

from extract.shifted import SHIFT, decode, decode_page, decode_token
from extract.textlayer import page_text


def test_decode_is_a_constant_shift_of_29() -> None:
    assert SHIFT == 29
    assert decode(")RUWKH/($") == "FortheLEA"
    assert decode("1DPH\x1d") == "Name:"
    assert decode("BBBB") == "____"


def test_tokens_are_decoded_and_respaced() -> None:
    assert decode_token(")RUWKH/($\x1d") == "For the LEA:"
    assert decode_token(")RU,&(\x1d") == "For ICE:"
    assert decode_token("6LJQDWXUH\x1dBBBBBB") == "Signature:______"
    # Plain text is left alone: words, acronyms, dates, section numbers.
    for plain in ("ICE", "LEA", "MOA,", "DHS", "Jason", "02/15/2025", "V.", "OF", "March"):
        assert decode_token(plain) is None


def _page(corpus: Path, name: str, number: int) -> str:
    pdf = pdfium.PdfDocument(str(corpus / "moa" / name))
    try:
        return page_text(pdf[number - 1])
    finally:
        pdf.close()


def test_real_signature_page(corpus: Path) -> None:
    raw = _page(corpus, "GraysonCountyDCKY_JEM_MOA_030425.pdf", 7)
    assert ")RUWKH/($" in raw
    text, count = decode_page(raw)
    assert count == 13
    assert "For the LEA: For ICE:" in text
    assert "Title:" in text and "Agency:" in text and "Date:" in text
    assert "Jason Woosley" in text and "Grayson County Detention Center" in text  # normal runs untouched
    assert "Revised 02/15/2025" in text and "provide ICE with" in text


def test_names_in_the_shifted_font(corpus: Path) -> None:
    text, _ = decode_page(_page(corpus, "OwyheeCoSheriffsOfficeID_WSO_MOA_03.07.2025.pdf", 7))
    assert "For ICE: Caleb Vitello" in text and "For the LEA: Larry Kendrick" in text


def test_no_false_positives_on_normal_pages(corpus: Path) -> None:
    # Pages full of acronyms and roman numerals that a naive decoder turns into noise.
    for name, number in [("2878gJEM_PotterCoTX_03-02-2020.pdf", 5), ("287gWSO_SantaRosaCoFl2019-10-15.pdf", 1),
                         ("ArcadiaPDFL_TFM_MOA_030425.pdf", 2), ("bocaRatonPoliceDeptFL_TFM_MOA_03.20.25.pdf", 1)]:
        raw = _page(corpus, name, number)
        assert decode_page(raw) == (raw, 0), (name, number)


def test_a_short_shifted_word_repeated_on_a_page_is_decoded(corpus: Path) -> None:
    # Franklin Co. AL TFM 2025, liability clause p. 7: only "See" before each citation is shifted ("6HH").
    raw = _page(corpus, "FranklinCoAL_TFM_MOA_031825.pdf", 7)
    assert raw.count("6HH") == 4
    text, count = decode_page(raw)
    assert count == 4 and "6HH" not in text
    assert "See 8 U.S.C. § 1357(g)(8)" in text and "See 28 C.F.R. § 50.15" in text
