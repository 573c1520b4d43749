"""compare.ocrnoise: what a low-quality reading may differ by and still be the same clause, on keys as compare
makes them."""

from __future__ import annotations

from compare.ocrnoise import _digits_misread, _roman_misread, ocr_changes
from compare.wording import canon


def test_letters_read_for_digits_in_a_citation_are_ocr_noise_but_a_changed_digit_is_not() -> None:
    std, read = canon("287.5(c)(1)."), canon("287.S(c)(l).")  # "2875c1" and "287sd" (canon merges "cl")
    assert _digits_misread(std, read)
    assert _digits_misread(canon("287(b)"), canon("287(6)"))
    assert not _digits_misread(canon("287.5(c)(1)."), canon("287.5(c)(2)."))  # a digit for a digit
    assert not _digits_misread("90", "60")
    assert _roman_misread(canon("XVIII"), canon("XVm")) and _roman_misread(canon("XVIII"), canon("XVrn"))
    assert not _roman_misread(canon("XVIII"), canon("XVI"))
    words = "8 C.F.R. § 287.5(c)(1). Subsequent to such arrest".split()
    assert ocr_changes([canon(w) for w in words], [canon(w) for w in "8 C.F.R. § 287.S(c)(l). Subsequent to such arrest".split()]) == 0
    assert ocr_changes([canon(w) for w in words], [canon(w) for w in "8 C.F.R. § 287.5(c)(2). Subsequent to such arrest".split()]) > 0


def test_two_words_run_together_are_split_on_a_poor_scan() -> None:
    # Glades Co. FL's layer: "participating LEApersonnel will enjoy", the space after the agency lost.
    std = [canon(w) for w in "of the parties to this MOA that participating ⟦AGENCY⟧ personnel will enjoy the same".split()]
    read = [canon(w) for w in "of the parties to this MOA that participating LEApersonnel will enjoy the same".split()]
    assert ocr_changes(std, read) == 0
    # A word lost beside them still counts.
    assert ocr_changes(std, [canon(w) for w in "of the parties to this MOA that participating LEA personnel enjoy"
                                                " the same".split()]) > 0


def keys(text: str) -> list[str]:
    return [k for k in (canon(w) for w in text.split()) if k]


def test_a_long_garbled_agency_footer_is_page_furniture() -> None:
    # Noble Co. IN's scan: the running footer "Noble County Sheriff's Office, Noble County, Indiana, PAGE …" read
    # into the clause as ten garbled keys.
    std = keys("or when deemed necessary by the FOD. Authorization of participating ⟦AGENCY⟧ personnel to act")
    read = keys("or when deemed necessary by the FOD. he County Sherills Olina, ⟦AGENCY⟧ Gourniy, ⟦STATE⟧ Niewbabes "
                "PAVGE SES Authorization of participating ⟦AGENCY⟧ personnel to act")
    assert ocr_changes(std, read) == 0
    # A sentence added there is wording, however it is read.
    added = keys("or when deemed necessary by the FOD. The County Sheriff shall report every arrest to the FOD. "
                 "Authorization of participating ⟦AGENCY⟧ personnel to act")
    assert ocr_changes(std, added) > 0


def test_initials_and_strokes_in_a_margin_are_specks() -> None:
    # Longboat Key PD FL's scan: initials and strokes beside a line read into the clause.
    std = keys("the Privacy Office. ⟦AGENCY⟧ questions regarding the applicability of this section to requests")
    read = keys("the Privacy Office. ⟦AGENCY⟧ questions regarding the r n B i i {; H q kt i applicability of this "
                "section to requests")
    assert ocr_changes(std, read) == 0
    # Short words are words: "as to the" added there is wording.
    assert ocr_changes(std, keys("the Privacy Office. ⟦AGENCY⟧ questions regarding the as to the applicability of "
                                 "this section to requests")) > 0
