"""Signature-block layouts, on text as the corpus's text layers and Tesseract print it (copied from real
MOA signature pages), plus the rules that keep a guess out: unknown ICE signer, crossed dates, low OCR
confidence."""

from __future__ import annotations

import pytest

from extract.pages import Page
from extract.signatures import clean_name, extract_signatories, repair_ice_name

CLAUSE = ("By signing this MOA, each party represents it is fully authorized to enter into this MOA, accepts\n"
          "the terms, and agrees to be bound thereto to the fullest extent allowed by law.\n")


def _sign(body: str, method: str = "text", words: list | None = None, revision: str | None = "2025-02-15"):
    page = Page(7, CLAUSE + body, method, 1.0, "", len(body), words=words or [])
    sigs, _ = extract_signatories([page], revision)
    return {s["party"]: s for s in sigs}


def test_stacked_form_with_long_headers() -> None:
    got = _sign("FOR THE LAW ENFORCEMENT AGENCY:\nDate: March 3, 2025\nName: John Q. Smith\nTitle: Sheriff\n"
                "FOR U.S. IMMIGRATION AND CUSTOMS ENFORCEMENT:\nDate: March 10, 2025\nName: Todd M. Lyons\n"
                "Title: Acting Director\n")
    assert (got["lea"]["name"], got["lea"]["date"], got["lea"]["title"]) == ("John Q. Smith", "2025-03-03", "Sheriff")
    assert (got["ice"]["name"], got["ice"]["date"]) == ("Todd M. Lyons", "2025-03-10")


def test_side_by_side_ocr_with_two_labels_per_line() -> None:
    # Tesseract on a scanned 2025 JEM (Hamilton Co. TN): the LEA's typed name lands above its label.
    got = _sign("For the LEA: For ICE:\nDate: Date: March 17, 2025\nSignature:\nAustin Garrett\n"
                "Name: Name: |odd M. Lyons\nTitle, Sheriff Title. Acting Director\n", method="ocr")
    assert got["lea"]["name"] == "Austin Garrett"
    assert (got["ice"]["name"], got["ice"]["date"]) == ("Todd M. Lyons", "2025-03-17")  # 'T' lost by OCR
    assert got["lea"]["date"] is None and got["lea"]["reasons"]


def test_2020_block_without_labels_and_a_noisy_digital_stamp() -> None:
    # Walker Co. TX 2020: scanner OCR layer of a digitally signed ICE block, LEA name cut short.
    got = _sign("Date: CHRISTOPHE Digltallysignedby\n- - ----- CHRISTOPHER M CRONEN\n"
                "R M CRONEN-:,~~~20 06 09 3 · · 08:5 :56\nC.M. Cronen\nAssistant Director, Enforcement\n"
                "Enforcement and Removal Operations\nU.S. Immigration and Customs Enforcement\nMcRae\nSheriff\n"
                "Walker County Sheriffs Office\n", revision=None)
    assert (got["ice"]["name"], got["ice"]["date"], got["ice"]["date_source"]) == (
        "C.M. Cronen", "2020-06-09", "digital-signature")
    assert got["lea"]["name"] is None  # "McRae" alone is not a full name: not guessed


def test_name_after_title_and_stamped_date() -> None:
    got = _sign("SEP - 9 2019\nDate:\nTimothy S. Robbins\nActing Executive Associate Director\n"
                "Enforcement and Removal Operations\n✓~ Sheriff Sam Page\nRockingham County Sheriff's Office\n",
                revision=None)
    assert (got["ice"]["name"], got["ice"]["date"], got["ice"]["date_source"]) == (
        "Timothy S. Robbins", "2019-09-09", "stamped")
    assert got["lea"]["name"] == "Sam Page"


def test_unknown_name_in_the_ice_column_is_not_taken() -> None:
    # Highland Beach: the scanner's OCR layer swapped the columns on the Name line only.
    got = _sign("For the LEA: For ICE:\nName: To-6 --L~'---,;;,,s Name· Craig Hartmann\n"
                "Title: Chief of Police Title: Acting Director\n")
    assert got["ice"]["name"] is None
    assert any("not an ICE official" in r for r in got["ice"]["reasons"])


def test_lea_date_after_ice_date_drops_both() -> None:
    got = _sign("For the LEA: For ICE:\nDate: 3/26/2025 Date: March 17, 2025\n")
    assert got["lea"]["date"] is None and got["ice"]["date"] is None
    assert any("columns uncertain" in r for r in got["lea"]["reasons"])


def test_low_ocr_confidence_name_dropped() -> None:
    words = [("Name:", 96.0, (0, 0, 1, 1)), ("Efe", 0.0, (0, 0, 1, 1)), ("Blankenship", 96.0, (0, 0, 1, 1))]
    got = _sign("For the LEA: For ICE:\nName: Efe Blankenship Name: Todd M. Lyons\n", method="ocr", words=words)
    assert got["lea"]["name"] is None
    assert got["ice"]["name"] == "Todd M. Lyons"


def test_date_before_revision_is_a_misread() -> None:
    got = _sign("For the LEA:\nDate: 01/05/2025\nFor ICE:\nDate: March 10, 2025\n", revision="2025-02-15")
    assert got["lea"]["date"] is None
    assert got["ice"]["date"] == "2025-03-10"


def test_name_rules() -> None:
    assert clean_name("Bryan \"Jay\" Koon") == 'Bryan "Jay" Koon'
    assert clean_name("TRAVIS DAUGHERTY") == "TRAVIS DAUGHERTY"
    assert clean_name("JakarlE.Yung") is None
    assert clean_name("Walker County Sheriffs Office") is None
    assert clean_name("I Michael L. Chapman") == "Michael L. Chapman"  # Loudoun: the pen stroke read as "I"
    assert clean_name("J. Robert Smith") == "J. Robert Smith"  # an initial with its full stop stays
    # A capitalised particle inside a name word (Sutton Co. TX's appendix: "Sheriff DuWayne Castro").
    assert clean_name("DuWayne Castro") == "DuWayne Castro"
    assert clean_name("James T. DeWees") == "James T. DeWees" and clean_name("Kevin MacDonald") == "Kevin MacDonald"
    assert clean_name("RoBert Smith") is None and clean_name("DeWitt County") is None
    assert repair_ice_name("Madison Sheahane")[0] == "Madison Sheahan"
    assert repair_ice_name("odd ~, L'l'Ot'\\S")[0] is None


def test_one_readable_date_beside_a_garbled_one_in_a_scanned_layer() -> None:
    # Lady Lake PD: the scanner's OCR layer prints ICE's typed date in the left column's slot.
    got = _sign("For the LEA: For ICE:\nDate: 04/10/ 2025 Date J -J~ 25\nName· Steven W. Hunt Name: Todd Lyons\n")
    assert got["lea"]["date"] is None and got["ice"]["date"] is None
    assert got["lea"]["name"] == "Steven W. Hunt" and got["ice"]["name"] == "Todd Lyons"


def test_a_name_read_otherwise_elsewhere_is_dropped_unless_the_readings_agree() -> None:
    # Loudoun Co. VA: the points-of-contact appendix prints the sheriff as "ichael L. Chapman" (OCR lost the M).
    from extract.signatures import Party, _check_other_readings

    appendix = Page(11, "Sheriff ichael L. Chapman\n703-777-0407\n", "ocr", 1.0, "", 30)
    kept = Party("lea", name="Michael L. Chapman")
    _check_other_readings(kept, [appendix])
    assert kept.name == "Michael L. Chapman"  # "ichael" lies inside "Michael": the two agree
    dropped = Party("lea", name="Mihael L. Chapman")
    _check_other_readings(dropped, [appendix])
    assert dropped.name is None and "also reads it as ['ichael']" in dropped.reasons[0]


def test_pp_ocr_layout_with_words_run_together() -> None:
    # Henry Co. AL, p. 7 as PP-OCR reads it: the closing clause and "ForICE:" lose their spaces, and the
    # sheriff's signature stroke reads as an "E" before his printed name.
    text = ("tothefullestextentallowedbylaw.\n"
            "For the LEA:    ForICE:\n"
            "Date:    Date:    March 17, 2025\n"
            "Signature:    Signature:\n"
            "Name:E Eric Blankenship    Name: Todd M. Lyons\n"
            "Title: Sheriff    Title: Acting Director\n")
    page = Page(7, text, "ocr", 0.0, "PP-OCR reading at 300 dpi", len(text))
    sigs, _ = extract_signatories([page], "2025-02-15")
    got = {s["party"]: s for s in sigs}
    assert got["lea"]["name"] == "Eric Blankenship" and got["lea"]["title"] == "Sheriff"
    assert got["ice"]["name"] == "Todd M. Lyons" and got["ice"]["date"] == "2025-03-17"
    assert got["lea"]["date"] is None  # his date is handwritten and unread: none is guessed


def test_a_garbled_digital_stamp_is_not_given_to_ice_by_a_piece_of_a_word() -> None:
    # The date-line reading of Heritage Creek PD, KY (p9): the LEA signed digitally, ICE by hand; the stamp's
    # words are garbled ("pigitaly signed by 8 -8022- be"), and "be" is no ICE official's name.
    got = _sign("For the LEA: For ICE:\nDate: Date: 4/29/2025\nbce162e89-2d20-456 pigitaly signed by\n"
                "8 -8022- be 182689-2420-4568-8022- .\n"
                "Signature: eccb62ed355a Date: 2025.04.25 11:08:05 -04'00' Signature:\n"
                "Name; Marc J. Kaiser Name: odd (V, Cyoris\nTitle: Chief of Police Title: Al oh) ' S DA Veco\n",
                method="ocr", revision="2025-03-07")
    assert got["ice"]["date"] == "2025-04-29"
    assert got["lea"]["date"] == "2025-04-25" and got["lea"]["date_source"] == "digital-signature"


def test_an_ocr_read_first_name_near_a_common_one_is_dropped() -> None:
    from extract.signatures import check_read_names, misread_first_name

    # One OCR slip from a census first name, or two look-alike letters in a long one: a misreading.
    assert "Kevin" in (misread_first_name("Kevir Trye") or "")
    assert "Richard" in (misread_first_name("Rjehard Kirkpatrick") or "")
    # Common names, initials, a nickname in quotes, and rare names near no common one stay.
    for name in ("Bobbie Vickery", "C.M. Cronen", "Reginald “Reggie” Dixon", "Jakari E. Young", "Lamarcus Hill",
                 "RICHARD A. RAMSAY"):
        assert misread_first_name(name) is None, name
    sigs = [{"party": "lea", "name": "Kevir Trye", "page": 7, "reasons": []},
            {"party": "ice", "name": "Timothy S. Robbins", "page": 7, "reasons": []}]
    check_read_names(sigs, [Page(7, "", "ocr", 0.9, "", 0)])
    assert sigs[0]["name"] is None and "Kevin" in sigs[0]["reasons"][-1]
    assert sigs[1]["name"] == "Timothy S. Robbins"
    typed = [{"party": "lea", "name": "Kevir Trye", "page": 7, "reasons": []}]
    check_read_names(typed, [Page(7, "", "text", 1.0, "", 0)])  # a text layer is as typed
    assert typed[0]["name"] == "Kevir Trye"


def test_dates_no_reading_can_make_true_are_voided() -> None:
    from extract.fields import bound_dates

    sigs = [{"party": "lea", "date": "2028-02-28", "date_source": "typed", "reasons": []},
            {"party": "ice", "date": "2018-10-15", "date_source": "handwritten", "reasons": []},
            {"party": "lea", "date": "2019-06-03", "date_source": "handwritten", "reasons": []},
            {"party": "ice", "date": "2018-01-02", "date_source": "digital-signature", "reasons": []}]
    bound_dates(sigs, latest="2025-03-01", named="2019-10-15")
    assert [s["date"] for s in sigs] == [None, None, "2019-06-03", "2018-01-02"]
    assert "last saved" in sigs[0]["reasons"][0] and "file name" in sigs[1]["reasons"][0]


def test_an_ocr_stamp_date_needs_its_shape_and_its_signer() -> None:
    # Wharton Co. TX 2020 (scanner's OCR layer): "2020.06.01114:45:32" leaves the day unsettled: no date.
    got = _sign("Date: CHRISTOPHER M Dlgltally signed by\nCHRISTOPHER M CRONEN\n"
                "CRONEN Date: 2020.06.01114:45:32 --04'00'\nC.M. Cronen\nAssistant Director, Enforcement\n"
                "Enforcement and Removal Operations\n", revision=None)
    assert got["ice"]["name"] == "C.M. Cronen" and got["ice"]["date"] is None
    # Lexington Co. SC 2020: the stamp's year digits lost in noise, its day and hour run together: read.
    got = _sign("CH RISTO PH ER Digitally signed by\nDate: -------\nM CRONEN\nCHRISTOPHER M CRON EN\n"
                "~:~~~~020.06.0808:s4:14\nC.M. Cronen\nAssistant Director, Enforcement\n", revision=None)
    assert (got["ice"]["date"], got["ice"]["date_source"]) == ("2020-06-08", "digital-signature")
    # The LEA's printed name beside the stamp (Kleberg Co. TX, Tesseract at 400 dpi) does not make it the LEA's.
    got = _sign("Date: CHRISTOPHER M___Diaitally signed by CHRISTOPHER\nM CRONEN\n"
                "CRONEN Date: 2020~07.31 09:41:56 -04'00'\nC.M. Cronen Richard Kirkpatrick\n"
                "Assistant Director, Enforcement Sheriff\n", revision=None)
    assert got["lea"]["name"] == "Richard Kirkpatrick" and got["lea"]["date"] is None


def test_ice_title_line_running_into_the_lea_name() -> None:
    # 2019-2020 blocks side by side, ICE's on the left (Tesseract on a scanned WSO page): the LEA's printed
    # name continues a line of ICE's printed organisation; an ICE official's name there is not the LEA's.
    got = _sign("Date:\nEnrique M. Lucero\nExecutive Associate Director    Sweetwater County Sheriff\n"
                "Enforcement and Removal Operations    John Grossnickle\n"
                "U.S. Immigration and Customs Enforcement\n", revision=None)
    assert got["lea"]["name"] == "John Grossnickle" and got["ice"]["name"] == "Enrique M. Lucero"
    got = _sign("Date:\nEnforcement and Removal Operations Enrique M. Lucero\n", revision=None)
    assert got["lea"]["name"] is None


def test_a_form_with_no_name_line_says_so(corpus) -> None:
    # The 2025 Task Force form prints Date, Signature and Title only: the ICE signer's name is nowhere in
    # print, the LEA's typed beside its header; a WSO form prints Name lines.
    from extract.fields import extract_fields
    from extract.pages import read_pages

    got = {s["party"]: s for s in extract_fields(read_pages(
        corpus / "moa" / "OklahomaBureauNarcotics_TFM_MOA_02.18.25.pdf", mode="skip"))["signatories"]}
    assert got["ice"]["name"] is None and got["ice"]["name_line"] is False
    assert any(r.startswith("no printed name: the form has no Name line") for r in got["ice"]["reasons"])
    assert got["lea"]["name"] == "Donnie Anderson" and got["lea"]["name_line"] is False
    got = extract_fields(read_pages(corpus / "moa" / "FreebornCountyMN_WSO_MOA031325.pdf", mode="skip"))
    assert {s["name_line"] for s in got["signatories"]} == {True}


def test_template_revision_votes() -> None:
    from extract.fields import template_revision

    def pages(*footers: str) -> list[Page]:
        return [Page(i + 1, f"text\n{i + 1} Revised {f}\n", "ocr", 1.0, "", 20) for i, f in enumerate(footers)]

    # Longboat Key PD's scanned footers: 9 read 03/07/2025, 5 read 03/07/2026; the file was saved in 2025.
    many = pages(*["03/07/2025"] * 9 + ["03/07/2026"] * 5)
    rev, ev = template_revision(many, latest="2025-06-17")
    assert rev == "2025-03-07" and ev["after_file_saved"] == {"2026-03-07": 5}
    # A tie between two readings is settled part by part, when every part has a clear majority.
    rev, ev = template_revision(pages("02/16/2025", "02/16/2025", "02/16/2026", "02/16/2026", "02/15/2025"))
    assert rev == "2025-02-16" and ev["settled_by_parts"]
    rev, ev = template_revision(pages("02/16/2025", "02/16/2026"))
    assert rev is None and "disagree" in ev["reason"]


def test_a_shifted_header_token_of_punctuation_is_read(corpus) -> None:
    # Hardee Co. FL: the LEA's header left in the shifted font as "For the /($\x1d" ("LEA:", no letter in it).
    from extract.pages import read_pages
    from extract.signatures import _region, _signature_page

    pages = read_pages(corpus / "moa" / "hardeeCoSheriffsOffice_WSO_MOA_02.26.2025.pdf", mode="skip")
    lines, _ = _region(pages, _signature_page(pages))
    assert lines[0] == "For the LEA: For ICE:"


def test_a_title_printed_where_a_name_goes() -> None:
    # 2019 WSO forms print ICE's "Director or designee" on the name line, left of the sheriff's printed
    # name; readings garble the title where the signature crosses it ("wou or designee" on a scan).
    for line in ("Director or designee    Bill Prummell", "wou or designee Rick Wells"):
        got = _sign(f"Date: 5/6/2019 Date: 05/06/2019\n{line}\n"
                    "U.S. Immigration and Customs Enforcement    Sheriff, Manatee County\n", revision=None)
        assert got["ice"]["name"] is None and got["ice"]["name_line"] is False
        assert "where a name goes" in got["ice"]["reasons"][-1]
        assert got["lea"]["name"] == line.split()[-2] + " " + line.split()[-1]
        assert got["lea"]["name_line"] is None
    # Body text that names the designee is no title on a name line.
    got = _sign("Date: 5/6/2019 Date: 05/06/2019\nor designee shall assess on a case-by-case basis\n"
                "Timothy S. Robbins    Bill Prummell\n", revision=None)
    assert {s["name_line"] for s in got.values()} == {None}


@pytest.mark.slow
def test_a_title_where_a_name_goes_read_on_a_scan(corpus, tmp_path) -> None:
    # Sarasota Co. FL 2019: the scanner's layer lost ICE's block under the signature; a second reading
    # sees "Director or designee" there, so ICE's missing name is "not printed", not "unreadable".
    from extract import ppocr
    from extract.fields import extract_fields
    from extract.pages import read_pages

    if not ppocr.available():
        pytest.skip("rapidocr-onnxruntime not installed")
    pdf = corpus / "moa" / "287gWSO_SarasotaCoFl2019-05-06.pdf"
    got = {s["party"]: s for s in extract_fields(read_pages(pdf, mode="auto", jobs=1), pdf=pdf,
                                                 ocr_cache=tmp_path, source_name=pdf.name)["signatories"]}
    assert got["ice"]["name"] is None and got["ice"]["name_line"] is False
    assert any("'Director or designee' where a name goes" in r for r in got["ice"]["reasons"])
    assert got["lea"]["name"] == "Tom Knight"
