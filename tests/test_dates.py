"""Date parsing in every form the signed MOAs use: typed, numeric, handwritten-then-OCR'd, stamped, digital."""

from __future__ import annotations

import pytest

from extract.dates import find_dates, find_revision, parse_date


@pytest.mark.parametrize(
    ("text", "iso", "kind"),
    [
        ("March 5, 2025", "2025-03-05", "typed"),
        ("February 26, 2025", "2025-02-26", "typed"),
        ("Mar. 5,2025", "2025-03-05", "typed"),
        ("5 March 2025", "2025-03-05", "typed"),
        ("3/5/2025", "2025-03-05", "numeric"),
        ("03-05-25", "2025-03-05", "numeric"),
        ("3/20/25", "2025-03-20", "numeric"),
        ("Date: 04/10/ 2025", "2025-04-10", "numeric"),  # OCR'd space after a slash
        ("Date: 04-30-2020", "2020-04-30", "numeric"),  # handwritten, OCR'd
        ("Date: 1.23-2020", "2020-01-23", "numeric"),  # handwritten with mixed separators (Albemarle, PP-OCR)
        ("3-25.25", "2025-03-25", "numeric"),  # Lady Lake, PP-OCR
        ("OCT 1 5 2019", "2019-10-15", "stamped"),  # date stamp, digits spaced apart
        ("Date: __ OC_T_1_5_20_19 __", "2019-10-15", "stamped"),  # stamp read through a fill-in line
        ("Digitally signed by X Date: 2025.03.18 09:52:57 -05'00'", "2025-03-18", "digital-signature"),
        ("Date: 2020.06.09 14:38:27 -04'00'", "2020-06-09", "digital-signature"),
    ],
)
def test_each_form(text: str, iso: str, kind: str) -> None:
    hits = find_dates(text)
    assert [(h.iso, h.kind) for h in hits] == [(iso, kind)]
    assert parse_date(text) == iso


@pytest.mark.parametrize(
    "text",
    [
        "Date: OF- 30-2020",  # month unreadable: no guess
        "Date: ~/S---\"J.a2._~",  # OCR of a handwritten date: nothing readable
        "13/45/2025",  # impossible month and day
        "February 30, 2025",  # no such day
        "March 5, 1899",  # outside the 287(g) era
        "Section 1.2.25",  # a section number, not a date
        "",
    ],
)
def test_unreadable_gives_none(text: str) -> None:
    assert parse_date(text) is None


def test_two_different_dates_are_not_one() -> None:
    text = "02/14/2025 Director February 18, 2025"
    assert [h.iso for h in find_dates(text)] == ["2025-02-14", "2025-02-18"]
    assert parse_date(text) is None  # ambiguous: the caller must decide which is whose


@pytest.mark.parametrize(
    ("footer", "iso"),
    [
        ("Heritage Creek PD, KY 9 Revised 03/07/2025", "2025-03-07"),
        ("Revised 02/1512025", "2025-02-15"),  # OCR read one slash as '1'
        ("Revised 0211212025", "2025-02-12"),  # both slashes
        ("Revised 02114/2025", "2025-02-14"),
        ("Revised 03/0712025", "2025-03-07"),
        ("no footer here", None),
    ],
)
def test_revision_footer(footer: str, iso: str | None) -> None:
    assert find_revision(footer) == iso


def test_dates_on_a_real_signature_page(corpus) -> None:
    """The typed and digitally signed dates of a born-digital 2025 MOA's signature page, in reading order."""
    from extract.pages import read_pages

    pages = read_pages(corpus / "moa" / "FloridaDFS_TFM_MOA_032025.pdf", mode="skip")
    hits = find_dates(pages[8].text)
    assert [(h.iso, h.kind) for h in hits] == [
        ("2025-03-20", "digital-signature"), ("2025-03-20", "numeric"), ("2025-03-26", "typed"),
        ("2025-03-07", "numeric"),  # the "Revised 03/07/2025" footer: signatures.py leaves it out
    ]
