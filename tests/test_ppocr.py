"""PP-OCR, the second engine for signature pages (extract.ppocr): its boxes laid out as text lines, the
spaces its recognizer drops put back, and real readings of handwritten dates Tesseract cannot read."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract import ppocr
from extract.pages import read_pages


def test_boxes_become_rows_with_columns_kept() -> None:
    # Boxes as RapidOCR gives them: (polygon, text, score); a handwritten date sits a little above its label.
    def box(left, top, right, bottom, text, score=0.99):
        return ([[left, top], [right, top], [right, bottom], [left, bottom]], text, score)

    text, words = ppocr.layout([
        box(900, 500, 1100, 540, "Date:"), box(100, 500, 200, 540, "Date:"), box(210, 494, 400, 538, "10-7-19", 0.9),
        box(100, 600, 500, 640, "EnriqueM.Lucero"), box(900, 602, 1200, 642, "Sheriff Bob Johnson"),
    ])
    assert text.splitlines() == ["Date: 10-7-19    Date:", "Enrique M. Lucero    Sheriff Bob Johnson"]
    assert ("10-7-19", 90.0, (210, 494, 190, 44)) in words


def test_respace_splits_glued_words_but_not_names() -> None:
    assert ppocr.respace("ExecutiveAssociateDirector") == "Executive Associate Director"
    assert ppocr.respace("Max C.Weber") == "Max C. Weber"
    assert ppocr.respace('Robert"Bob"Johnson') == 'Robert "Bob" Johnson'  # Santa Rosa Co. FL
    for name in ("McRae", "DeLand", "MacDonald", "LaPaz", "C.M. Cronen"):
        assert ppocr.respace(name) == name


@pytest.mark.slow
def test_reads_a_handwritten_date_tesseract_cannot(corpus: Path) -> None:
    # Santa Rosa Co. FL 2019, p. 7: the sheriff's date is handwritten "10-7-19"; Tesseract reads "/0- 7- )9".
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(corpus / "moa" / "287gWSO_SantaRosaCoFl2019-10-15.pdf")
    result = ppocr.ocr_image(ppocr.render(pdf[6], 300), 300)
    assert "10-7-19" in result.text
    assert "OCT 1 5 2019" in result.text  # ICE's stamp, in the other column of the same row


@pytest.mark.slow
def test_signature_date_taken_from_the_pp_ocr_reading(corpus: Path, tmp_path: Path) -> None:
    from extract.fields import extract_fields

    pdf = corpus / "moa" / "287gWSO_SantaRosaCoFl2019-10-15.pdf"
    pages = read_pages(pdf, mode="auto", cache_dir=tmp_path, jobs=2)
    fields = extract_fields(pages, pdf=pdf, ocr_cache=tmp_path)
    lea = next(s for s in fields["signatories"] if s["party"] == "lea")
    assert lea["date"] == "2019-10-07"  # the hand label's date
    assert lea["date_source"] == "handwritten"
    assert any("PP-OCR" in r for r in lea["reasons"])


@pytest.mark.slow
def test_readings_on_the_pool_give_what_readings_in_process_give(corpus: Path, tmp_path: Path) -> None:
    # The pipeline reads a signature page's second readings on the OCR pool (each one only while a value is
    # missing); the values and reasons must be those the readings in this process give.
    from extract import ocr
    from extract.fields import extract_fields

    pdf = corpus / "moa" / "287gWSO_SantaRosaCoFl2019-10-15.pdf"
    pages = read_pages(pdf, mode="auto", cache_dir=tmp_path / "pages", jobs=2)
    inline = extract_fields(pages, pdf=pdf, ocr_cache=tmp_path / "inline")
    try:
        pooled = extract_fields(pages, pdf=pdf, ocr_cache=tmp_path / "pooled", ocr_jobs=2)
    finally:
        ocr.shutdown()
    assert pooled["signatories"] == inline["signatories"]
    assert any("PP-OCR" in r for s in pooled["signatories"] for r in s["reasons"])
