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


@pytest.mark.slow
def test_the_page_is_read_with_its_coloured_ink_whitened_last_and_only_while_a_printed_name_is_missing(
        corpus: Path, tmp_path: Path) -> None:
    from extract import ppocr, sigocr
    from extract.pages import read_pages

    if not ppocr.available():
        pytest.skip("rapidocr-onnxruntime not installed")
    pdf = corpus / "moa" / FILE  # its signature page carries a signature in coloured ink
    pages = read_pages(pdf, mode="auto", jobs=1)
    dropped = sigocr._how(sigocr.BLOCK_DPI, sigocr.INK_DROPPED)

    def readings(signatories: list[dict]) -> list[str]:
        return [next(p.reason for i, p in enumerate(alt) if p is not pages[i])
                for alt in sigocr.fresh_readings(pages, pdf, tmp_path, signatories=signatories)]

    named = readings([{"party": "lea", "name": "A B", "date": None}, {"party": "ice", "name": "C D", "date": None}])
    assert dropped not in named and any(sigocr.SPARSE_CONFIG in r for r in named)
    unnamed = readings([{"party": "lea", "name": None, "date": None}, {"party": "ice", "name": "C D", "date": None}])
    assert unnamed[-1] == dropped and unnamed[:-1] == named
    # A form that prints no name where a name goes (name_line False): nothing for the print to give.
    no_line = readings([{"party": "lea", "name": None, "name_line": False, "date": None},
                        {"party": "ice", "name": "C D", "date": None}])
    assert dropped not in no_line


@pytest.mark.slow
def test_print_under_a_signature_in_coloured_ink_reads_once_the_ink_is_whitened(corpus: Path) -> None:
    import numpy as np

    from extract import ocr, ppocr, sigocr
    from extract.pdf import open_pdf

    # Waukesha Co. WI 2020: the sheriff's blue signature crosses his typed name, "Eric J. Severson".
    def render(name: str, index: int) -> object:
        doc = open_pdf(corpus / "moa" / name)
        try:
            return ppocr.render(doc[index], sigocr.BLOCK_DPI)
        finally:
            doc.close()

    image = render("287gJEM_WaukeshaCoWI_06-10-2020.pdf", 6)
    text_page = render(FILE, 0)  # born-digital print, no coloured ink
    dropped = sigocr.ink_dropped(image)
    rgb = np.asarray(image).astype(int)
    ink = rgb.max(axis=2) - rgb.min(axis=2) > sigocr.INK_CHROMA
    grey = np.asarray(dropped)
    assert ink.sum() >= sigocr.INK_MIN and (grey[ink] == 255).all()
    assert (grey[~ink] == np.asarray(image.convert("L"))[~ink]).all()  # the print as it was
    plain = ocr.ocr_image(image.convert("L"), sigocr.BLOCK_DPI, sigocr.BLOCK_CONFIG).text
    assert "Severson" not in plain and "Severson" in ocr.ocr_image(dropped, sigocr.BLOCK_DPI, sigocr.BLOCK_CONFIG).text
    assert sigocr.ink_dropped(text_page) is None  # a page with no coloured ink: no reading
