"""A signer's title as printed, or None when OCR garbled it (extract.titles): titles read from real pages."""

from __future__ import annotations

import pytest

from extract.titles import read_title


@pytest.mark.parametrize(("raw", "party", "want"), [
    # As printed, and kept.
    ("Acting Director", "ice", "Acting Director"),
    ("Assistant Director, Enforcement", "ice", "Assistant Director, Enforcement"),
    ("Acting Executive Associate Director", "ice", "Acting Executive Associate Director"),
    ("Director or designee", "ice", "Director or designee"),
    ("Sheriff, Levy County", "lea", "Sheriff, Levy County"),
    ("Sheriff, Santa Rosa County Sheriffs Office", "lea", "Sheriff, Santa Rosa County Sheriffs Office"),
    ("The Adjutant General", "lea", "The Adjutant General"),
    ("Oklahoma Commissioner of Public Safety", "lea", "Oklahoma Commissioner of Public Safety"),
    ("Texas Attorney General", "lea", "Texas Attorney General"),
    ("Executive Vice President & COO", "lea", "Executive Vice President & COO"),
    ("Jail Administrator", "lea", "Jail Administrator"),
    ("SHERIFF", "lea", "SHERIFF"),
    # Two columns run together: each party keeps its own office (Ellis Co. TX, Putnam Co. TN).
    ("Sheriff Acting Director", "ice", "Acting Director"),
    ("Sheriff Acting Director", "lea", "Sheriff"),
    # Garbled: None (Heritage Creek KY, West Virginia NG, Clay Co. FL, Laramie Co. WY, Sutton Co. TX ...).
    ("Aching Divecter", "ice", None),
    ("Deputy Directore", "ice", None),
    ("ine Adjutant General", "lea", None),
    ("and Customs Enf or cement", "lea", None),
    ("Sheri", "lea", None),
    ("oneriff", "lea", None),
    ("S h e ri ff", "lea", None),
    ("Sheriff, Suwann", "lea", None),
    ("Supers bendan t", "lea", None),
])
def test_a_title_stands_when_it_names_an_office_in_words_titles_are_made_of(raw: str, party: str,
                                                                            want: str | None) -> None:
    got, why = read_title(raw, party)
    assert got == want
    assert (why is None) == (want is not None)
    if want is None:
        assert why.startswith("title unreadable") and raw[:20] in why


def test_a_space_ocr_lost_between_title_words_is_put_back() -> None:
    # Green Cove Springs PD's "Chiefof Police", Washington Co. UT's ICE "ActingDirector".
    assert read_title("Chiefof Police", "lea") == ("Chief of Police", None)
    assert read_title("ActingDirector", "ice") == ("Acting Director", None)
    # A place that ends in "and" is a word as it is.
    assert read_title("Sheriff, Cleveland County", "lea") == ("Sheriff, Cleveland County", None)
    assert read_title("Sheriff of Highland County", "lea") == ("Sheriff of Highland County", None)
