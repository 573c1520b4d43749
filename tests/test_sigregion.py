"""The signature blocks' part of a signature page (extract.sigregion), and PP-OCR reading only that part
(extract.ppocr.ocr_image with `top`): the same lines as the whole page's reading, less those above."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract.sigregion import region_top


def _words(*lines: tuple[int, str]) -> list[tuple[str, float, tuple[int, int, int, int]]]:
    out = []
    for top, text in lines:
        for k, w in enumerate(text.split()):
            out.append((w, 95.0, (100 + 120 * k, top, 100, 40)))
    return out


def test_region_starts_an_inch_above_the_first_anchor() -> None:
    words = _words((300, "XX. MODIFICATIONS This MOA may be modified for the purposes of both parties."),
                   (1500, "By signing this MOA, each party represents it is fully authorized"),
                   (1800, "FOR THE LEA:    FOR ICE:"), (2200, "Name: John Smith"), (2300, "Date: 10-7-19"))
    assert region_top(words, 300) == 1500 - 300  # "for the purposes" is no party's header
    assert region_top(_words((900, "Date: ____"), (1400, "For U.S. Immigration and Customs")), 300) == 600
    assert region_top(_words((2000, "FOR THE LEA"), (2500, "Title: Sheriff")), 400) == 1600  # px at 400 dpi


def test_no_anchor_reads_the_whole_page() -> None:
    assert region_top(_words((300, "the parties agree to the terms below")), 300) is None
    assert region_top([], 300) is None


@pytest.mark.slow
def test_pp_ocr_of_the_region_reads_the_whole_pages_lines_below_it(corpus: Path) -> None:
    # Walker Co. TX 2020, p. 7: the last clauses, then two blocks with ICE's digital stamp and McRae's name.
    import pypdfium2 as pdfium

    from extract import ocr, ppocr

    pdf = pdfium.PdfDocument(corpus / "moa" / "287gJEM_WalkerCoTX_06-09-2020.pdf")
    colour = ppocr.render(pdf[6], 300)
    top = region_top(ocr.ocr_image(ocr.render(pdf[6], 300)).words, 300)
    assert top is not None and 1000 < top < 2500
    whole = ppocr.ocr_image(colour, 300).text.splitlines()
    region = ppocr.ocr_image(colour, 300, top).text.splitlines()
    assert 5 < len(region) < len(whole)
    assert region == whole[len(whole) - len(region):]
    assert any("McRae" in line for line in region)
