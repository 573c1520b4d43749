"""Text layers read in reading order and with letters printed for spaces decoded, on real corpus pages."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium

from extract.textlayer import page_text, read_layer


def _page(corpus: Path, name: str, number: int) -> tuple[str, str]:
    """(page_text, pdfium's own text in stored order) of one page."""
    pdf = pdfium.PdfDocument(str(corpus / "moa" / name))
    try:
        page = pdf[number - 1]
        textpage = page.get_textpage()
        stored = textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n")
        textpage.close()
        return page_text(page), stored
    finally:
        pdf.close()


def test_a_line_stored_after_the_next_comes_back_in_place(corpus: Path) -> None:
    # Marion Co. FL p. 10: the layer stores 'to ensure notification is made …' after the line below it.
    text, stored = _page(corpus, "287gWSO_MarionCoFl2019-10-15.pdf", 10)
    assert stored.index("to ensure notification") > stored.index("(OPR) via the Joint Intake Center")
    assert "the ICE officer to ensure notification is made to the ICE Office of Professional" in text
    assert text.index("to ensure notification") < text.index("(OPR) via the Joint Intake Center")


def test_a_typed_in_name_joins_its_paragraph(corpus: Path) -> None:
    # Seneca Co. OH p. 1: the parties' lines naming the agency are stored at the page's end, after Section IV.
    text, stored = _page(corpus, "SenecaCoSheriffsOfficeOH_WSO_MOA_02.28.2025.pdf", 1)
    assert stored.index("Customs Enforcement (ICE), a component") > stored.index("inmate accountability")
    assert text.index("Customs Enforcement (ICE), a component") < text.index("certified, and authorized LEA")
    # the name is typed over the blank of 'and the ____, hereinafter': it goes there, not after the line
    assert "the Seneca County Sheriff's Office, OH , hereinafter the" in " ".join(text.split())


def test_letters_printed_for_spaces_read_as_spaces(corpus: Path) -> None:
    # Refugio Co. TX p. 6 was printed with 'e' for many spaces ('toeorganizations'): the scan shows them too.
    text, stored = _page(corpus, "RefugioCoTX_WSO_MOA_030725.pdf", 6)
    assert "toeorganizations" in stored and "toeorganizations" not in text
    for phrase in ("agreement to organizations and", "under this MOA", "with the ICE Office of Public Affairs",
                   "are identified in Appendix C. For releases of information to all other parties, the LEA must"):
        assert phrase in text
    pdf = pdfium.PdfDocument(str(corpus / "moa" / "RefugioCoTX_WSO_MOA_030725.pdf"))
    try:
        _, score = read_layer(pdf[5])
    finally:
        pdf.close()
    assert score.dict_share > 0.9  # 76% dictionary words as stored


def test_another_letter_for_spaces(corpus: Path) -> None:
    # Albemarle District Jail NC p. 4: the same fault with 'o' ('Qualifiedoforeign', 'willomaintainoa').
    text, stored = _page(corpus, "287gWSO_AlbermarleDistrictJailNC_03-19-2020.pdf", 4)
    assert "Qualifiedoforeign" in stored
    assert "Qualified foreign language interpreters will be provided by" in text
    assert "The ADJ will maintain a list of qualified interpreters or companies it contracts with to provide" in text


def test_pages_in_order_keep_their_text(corpus: Path) -> None:
    # A born-digital page, a scanner's OCR layer, a signature page of the shifted font and a side-by-side
    # signature form (stored cell by cell, bottom row first): each stays exactly as pdfium gives it.
    for name, number in (("GraysonCountyDCKY_JEM_MOA_030425.pdf", 1), ("2878gJEM_PotterCoTX_03-02-2020.pdf", 1),
                         ("GraysonCountyDCKY_JEM_MOA_030425.pdf", 7), ("TavaresPoliceDeptFL_TFM_MOA_03.06.2025.pdf", 9),
                         ("RefugioCoTX_WSO_MOA_030725.pdf", 5)):
        text, stored = _page(corpus, name, number)
        assert text == stored, (name, number)
