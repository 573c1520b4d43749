"""A date that shares a text line with the other party's digital-signature stamp (extract.sigocr.merge_fresh):
the text parser skips the line, the reading's word boxes say whose column the date sits in."""

from __future__ import annotations

from pathlib import Path

import pytest

# Power Co. ID 2020 (born digital): ICE signed digitally on the left, the Sheriff dated by hand on the right;
# the date lines read "Date: Enrique Digitally signed by Date: 10/14/2020" as one text line.
FILE, PAGE = "287gWSO_PowerCountyID11-20-2020.pdf", 7


@pytest.mark.slow
def test_a_date_beside_the_other_partys_stamp_is_given_by_its_column(corpus: Path, tmp_path: Path) -> None:
    from extract import ppocr, sigcolumns, sigocr
    from extract.fields import template_revision
    from extract.pages import read_pages
    from extract.signatures import column_order, extract_signatories

    if not ppocr.available():
        pytest.skip("rapidocr-onnxruntime not installed")
    pdf = corpus / "moa" / FILE
    pages = read_pages(pdf, mode="auto", jobs=1)
    revision, _ = template_revision(pages)
    sigs, _ = extract_signatories(pages, revision)
    lea = next(s for s in sigs if s["party"] == "lea")
    assert lea["date"] is None  # the text layer lacks the handwriting
    for alt in sigocr.fresh_readings(pages, pdf, tmp_path, signatories=sigs):
        reading = alt[PAGE - 1]
        if sigcolumns.reader(reading) == "date-lines":
            break
    else:
        pytest.fail("no date-lines reading")
    line = next(ln for ln in reading.text.splitlines() if "Digitally signed" in ln)
    assert "10/14/2020" in line
    # The parser alone gives the line's date to no one: it skips the stamp's line.
    parsed = {s["party"]: s["date"] for s in extract_signatories(alt, revision)[0]}
    assert parsed["lea"] is None
    where = sigcolumns.placed(reading, column_order(alt, revision))
    assert where is not None and "2020-10-14" in where["lea"] and not where["ice"]
    assert sigocr.merge_fresh(sigs, pages, alt, revision) >= 1
    assert lea["date"] == "2020-10-14" and lea["date_source"] == "handwritten"
    assert "digital-signature stamp" in lea["reasons"][-1]


def test_a_date_beside_a_stamp_needs_its_own_column() -> None:
    from extract.sigocr import _beside_stamp

    text = "Date: Enrique Digitally signed by Date: 10/14/2020\nM. Lucero Date: 2020.11.20 17:43:10 -05'00'"
    assert _beside_stamp(text, {"lea": {"2020-10-14": "numeric"}, "ice": {}}, "lea", "ice") == "2020-10-14"
    # Placed in the other column, in both, or nowhere: not the party's.
    assert _beside_stamp(text, {"lea": {}, "ice": {"2020-10-14": "numeric"}}, "lea", "ice") is None
    both = {"lea": {"2020-10-14": "numeric"}, "ice": {"2020-10-14": "numeric"}}
    assert _beside_stamp(text, both, "lea", "ice") is None
    assert _beside_stamp(text, {}, "lea", "ice") is None
    # Two dates beside the stamp: which is the party's is not settled.
    two = text.replace("10/14/2020", "10/14/2020 10/15/2020")
    assert _beside_stamp(two, {"lea": {"2020-10-14": "numeric"}, "ice": {}}, "lea", "ice") is None
