"""Which second readings of a signature page run (extract.sigocr.fresh_readings), on a real document."""

from __future__ import annotations

from pathlib import Path

import pytest

# Massachusetts DOC 2020: born-digital, its signature page (7) carries the LEA's handwritten date.
FILE, PAGE = "287g_JEM_MassDOC_06-08-2020.pdf", 7


@pytest.mark.slow
def test_the_date_lines_are_read_only_while_a_date_is_missing_and_over_the_block_reading_made_before(
        corpus: Path, tmp_path: Path) -> None:
    from extract import ppocr, sigocr
    from extract.pages import read_pages
    from extract.pdf import open_pdf

    if not ppocr.available():
        pytest.skip("rapidocr-onnxruntime not installed")
    pdf = corpus / "moa" / FILE
    pages = read_pages(pdf, mode="auto", jobs=1)

    def readings(signatories: list[dict]) -> list[str]:
        """How each reading up to the sparse one read the page (PP-OCR, after it, is not needed here)."""
        out = []
        for alt in sigocr.fresh_readings(pages, pdf, tmp_path, signatories=signatories):
            out.append(next(p.reason for i, p in enumerate(alt) if p is not pages[i]))
            if sigocr.SPARSE_CONFIG in out[-1]:
                break
        return out

    # Every date given, a name missing: the date lines, which give dates alone, are not read.
    dated = readings([{"party": "lea", "name": None, "date": "2020-03-24"},
                      {"party": "ice", "name": None, "date": "2020-06-08"}])
    assert any(sigocr.BLOCK_CONFIG in r for r in dated) and any(sigocr.SPARSE_CONFIG in r for r in dated)
    assert not any("'Date:' lines" in r for r in dated)
    # A date missing: they are, right after the block reading.
    undated = readings([{"party": "lea", "name": None, "date": None}, {"party": "ice", "name": None, "date": None}])
    assert [r for r in undated if "'Date:' lines" in r or sigocr.BLOCK_CONFIG in r] == \
        [sigocr._how(sigocr.BLOCK_DPI, sigocr.BLOCK_CONFIG), sigocr._how(sigocr.BLOCK_DPI, sigocr.DATE_LINES)]

    # The date lines read over the block reading fresh_readings handed on (kept in the cache) are those read
    # over the block reading looked up again.
    doc = open_pdf(pdf)
    try:
        handed_on = sigocr._ocr(doc, PAGE - 1, sigocr.BLOCK_DPI, sigocr.DATE_LINES, tmp_path)
        looked_up = sigocr._ocr(doc, PAGE - 1, sigocr.BLOCK_DPI, sigocr.DATE_LINES, None)
    finally:
        doc.close()
    assert handed_on.cached and not looked_up.cached
    assert "2020" in handed_on.text
    assert (handed_on.text, handed_on.words) == (looked_up.text, looked_up.words)
