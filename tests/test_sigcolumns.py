"""Whose column a signature date sits in, from the word boxes of a reading (extract.sigcolumns), and dates two
independent readers agree on: a real scanned corpus signature page OCR'd at two resolutions, and the rules on
placements as such readings give them."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract.pages import Page
from extract.sigcolumns import agreed, check_columns, placed


def _read(pdf: Path, index: int, dpi: int, config: str) -> Page:
    from extract import ocr
    from extract.pdf import open_pdf

    doc = open_pdf(pdf)
    try:
        r = ocr.ocr_image(ocr.render(doc[index], dpi), dpi, config)
    finally:
        doc.close()
    return Page(index + 1, r.text, "ocr", 0.0, f"fresh OCR at {dpi} dpi {config}", len(r.text), words=r.words)


@pytest.mark.slow
def test_a_date_line_read_as_one_value_is_placed_by_its_words(corpus: Path) -> None:
    # Hamilton Co. TN 2025 (a scan): Tesseract reads the LEA's empty Date line and ICE's typed one as one line,
    # "Date: Date: March 17, 2025"; the text cannot say whose the date is, the words' places can.
    pdf = corpus / "moa" / "HamiltonCountySheriffTN_JEM_031325.pdf"
    page = _read(pdf, 6, 300, "--psm 3")
    assert "Date: Date: March 17, 2025" in page.text
    where = placed(page, None)  # the headers' places say which party is left
    assert where == {"lea": {}, "ice": {"2025-03-17": "typed"}}
    # Given to the LEA by the text's order, the date is dropped: the reading puts it in ICE's column only.
    sigs = [{"party": "lea", "date": "2025-03-17", "date_source": "typed", "reasons": ["date read from a guess"]},
            {"party": "ice", "date": None, "date_source": None, "reasons": []}]
    assert check_columns(sigs, where) == 1
    assert sigs[0]["date"] is None and "other party's column" in sigs[0]["reasons"][-1]
    assert not any(r.startswith("date read from") for r in sigs[0]["reasons"])
    # A second reader (Tesseract at 400 dpi, one block) agrees: two readers, one date, ICE's.
    block = placed(_read(pdf, 6, 400, "--psm 6"), None)
    assert block is not None and "2025-03-17" in block["ice"]
    assert agreed([("tesseract-300", where), ("tesseract-400", block)], "ice")[0] == "2025-03-17"
    assert agreed([("tesseract-300", where), ("tesseract-400", block)], "lea")[0] is None


def test_agreement_needs_two_readers_and_no_other_date() -> None:
    stamp_2019 = {"ice": {"2019-10-15": "stamped"}, "lea": {}}
    stamp_2018 = {"ice": {"2018-10-15": "stamped"}, "lea": {}}
    one = agreed([("tesseract-400", stamp_2019), ("tesseract-400", stamp_2019)], "ice")
    assert one[0] is None and "one reader" in one[1]  # two readings by one reader are one reader
    assert agreed([("pp-ocr", stamp_2019), ("tesseract-400", stamp_2019)], "ice")[0] == "2019-10-15"
    # A stamp one rendering reads "2018" and another "2019": the digit is in doubt, so no date at all.
    split = agreed([("pp-ocr", stamp_2019), ("tesseract-400", stamp_2019), ("tesseract-300", stamp_2018)], "ice")
    assert split[0] is None and "different dates" in split[1]


def test_no_placement_without_boxes_or_two_columns() -> None:
    text = "to the fullest extent allowed by law.\nDate: March 3, 2025\nName: John Q. Smith\n"
    assert placed(Page(7, text, "text", 1.0, "", len(text)), ("lea", "ice")) is None  # a text layer: no boxes
    words = [(w, 95.0, (100 + 60 * i, 50 * (1 + (i > 6)), 50, 20)) for i, w in enumerate(text.split())]
    # Every word in one column (a stacked form): which block a date is in is not a matter of left and right.
    assert placed(Page(7, text, "ocr", 0.0, "", len(text), words=words), ("lea", "ice")) is None


def test_a_date_two_readers_agree_on_is_given_one_in_doubt_is_not() -> None:
    from extract.fields import fill_agreed

    sigs = [{"party": "lea", "date": None, "date_source": None, "reasons": []},
            {"party": "ice", "date": "2025-03-10", "date_source": "typed", "reasons": []}]
    # A handwritten "3/7/25" one rendering reads "3/1/25": the column holds two dates, none is given.
    apart = [("pp-ocr", {"lea": {"2025-03-07": "numeric"}, "ice": {}}),
             ("tesseract-400", {"lea": {"2025-03-01": "numeric"}, "ice": {}}),
             ("date-lines", {"lea": {"2025-03-07": "numeric"}, "ice": {}})]
    assert fill_agreed(sigs, apart, None, None) == 0 and sigs[0]["date"] is None
    # Two readers alike and none apart: given, if it holds as a second reading's date must (ICE signs last).
    alike = [("pp-ocr", {"lea": {"2025-03-07": "numeric"}, "ice": {}}),
             ("date-lines", {"lea": {"2025-03-07": "numeric"}, "ice": {}})]
    late = [{"party": "lea", "date": None, "date_source": None, "reasons": []},
            {"party": "ice", "date": "2025-03-01", "date_source": "typed", "reasons": []}]
    assert fill_agreed(late, alike, None, None) == 0 and "out of order" in late[0]["reasons"][-1]
    assert fill_agreed(sigs, alike, "2025-03-15", None) == 0  # before the template's revision: a misreading
    assert fill_agreed(sigs, alike, None, None) == 1 and sigs[0]["date"] == "2025-03-07"
    assert sigs[0]["date_source"] == "handwritten" and "2 readers" in sigs[0]["reasons"][-1]
