"""Noise-tolerant word diff: which changed runs between two readings of a clause are OCR noise.

Two clauses have the same wording when every changed run of comparison keys between them is noise (`is_noise`):
a word split or joined, OCR look-alike letters, specks, a template blank filled in, page furniture, what is left
of a signature block. A real word for another real word, a changed number or placeholder, a word added or
removed are changes of wording. `same_wording` is the strict test every pair of clauses takes; readings from
poor scans get a more lenient one (`compare.ocrnoise`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from .lexicon import REAL_WORD_DF, dictionary, garbled, is_junk
from .wording import FILL_INS, canon

# Thresholds measured by `python3 bench/compare_threshold.py` (see its output): a replaced run of words is
# OCR noise when its letters differ by at most NOISE_EDIT of its length (one edit at least), and two texts are
# candidates for one variant only when their normalized forms are at least PREFILTER_RATIO similar.
NOISE_EDIT = 0.3
PREFILTER_RATIO = 85.0
# A run of non-words standing for a run of words is a misreading when their letters are this alike (fuzz.ratio
# of the folded keys): "Fedend" / "Federal", "completeosuchocompliance" / "complete such compliance".
GARBLED_RATIO = 60.0
_FILL_KEYS = frozenset("§" + f for f in FILL_INS)

_DIGIT_LOOKS = str.maketrans("10", "lo")
# Letters OCR confuses on these scans, folded together only to judge a changed run (DHS/OHS, FOD/FOO, B./8.).
_CONFUSABLE = str.maketrans("do8b5sh1l0ceu", "oobbsssllooen")


def fold(key: str) -> str:
    """A key with the letter groups OCR confuses merged: H read as I-I (DHS → DI-IS), 'in' read as m."""
    return key.replace("ll", "h").replace("ln", "m").translate(_CONFUSABLE)


# Words of an agency's name around its placeholder in a running footer ("⟦AGENCY⟧, Department of Public Safety").
NAME_WORDS = frozenset(canon(w) for w in "department dept public safety office sheriff sheriffs county police city town of the "
                        "rev revised page".split())


def _furniture(toks: Sequence[str]) -> bool:
    """A run of placeholders, numbers, specks and agency-name words only: a footer or a bare name, no wording."""
    return any(t.startswith("§") for t in toks) and \
        all(t.startswith("§") or t.isdigit() or is_junk(t) or t in NAME_WORDS for t in toks)


_SIGNATURE_WORDS = frozenset(canon(w) for w in "for the ice date signature signed title name acting director deputy assistant "
                             "executive associate sheriff chief by digitally us u s immigration customs enforcement "
                             "and removal operations department of homeland security office police jan feb mar apr may jun jul aug sep "
                             "sept oct nov dec title mayor agency lea drector".split())
_SIGNATURE_STRONG = frozenset({"slgnature", "slgned", "date", "§name", "§date", "dlrector", "tltle", "mayor", "drector",
                               "agency", "lce"})  # as `canon` keys


def _signature_residue(toks: Sequence[str], df: dict[str, int] | None) -> bool:
    """Whether an added or dropped run is what is left of a signature block ("For ICE: the ⟦AGENCY⟧:",
    "⟦DATE⟧ Todd M. Lyons Acting Director", "Title: ... Title:"): a signature cue, and hardly any prose words
    (at most 40% of the run: names, titles, placeholders, dates and specks make up the rest)."""
    if len(toks) < 2 or not (set(toks) & _SIGNATURE_STRONG or {"for", "lce"} <= set(toks)):
        return False
    real = dictionary()
    prose = [t for t in toks if len(t) > 2 and t not in _SIGNATURE_WORDS and not t.startswith("§")
             and ((real and t in real) or (df is not None and df.get(t, 0) >= REAL_WORD_DF))]
    return len(prose) <= 0.4 * len(toks)


def is_noise(old: Sequence[str], new: Sequence[str], df: dict[str, int] | None = None) -> bool:
    """Whether a changed run of keys (old → new) is OCR noise rather than a change of wording (a template
    blank filled in or left empty counts as noise too: the text is shown, the wording is the template's)."""
    if any(t in _FILL_KEYS for t in (*old, *new)):
        old = [t for t in old if t not in _FILL_KEYS]
        new = [t for t in new if t not in _FILL_KEYS]
        if not old and not new:
            return True
    if old and new and "".join(old) == "".join(new):
        return True  # a word split or joined ("immi gration", "287 (b)")
    a, b = "".join(old), "".join(new)
    if number_changed(a, b):
        return False
    if fold(a) == fold(b):
        return True
    old = [t for t in old if not is_junk(t)]
    new = [t for t in new if not is_junk(t)]
    if not old and not new:
        return True
    if (not old and len(new) <= 6 and _furniture(new)) or (not new and len(old) <= 6 and _furniture(old)):
        return True  # page furniture: "⟦AGENCY⟧ 4" left of a footer
    if (not old and _signature_residue(new, df)) or (not new and _signature_residue(old, df)):
        return True
    if old and new and (all(garbled(t, df) or is_junk(t) for t in new) or all(garbled(t, df) or is_junk(t) for t in old)) \
            and not any(t.startswith("§") for t in (*old, *new)) \
            and fuzz.ratio(fold("".join(old)), fold("".join(new))) >= GARBLED_RATIO \
            and covered(old, new, df) and covered(new, old, df):
        return True  # no word read for a word ("Fedend" for "Federal"): a misreading, never a change of wording
    if not old or not new:
        return False  # a whole word added or removed
    a, b = "".join(old), "".join(new)
    if a.translate(_DIGIT_LOOKS) == b.translate(_DIGIT_LOOKS):
        return True  # a split word whose halves were read apart ("(L EA" → "1", "ea")
    if any(t.startswith("§") for t in old + new) or any(t.isdigit() for t in old + new):
        return False  # placeholders and numbers must match exactly
    real = dictionary()
    if len(old) == len(new):
        for x, y in zip(old, new, strict=True):
            if x == y:
                continue
            rare, common = sorted((df.get(x, 0), df.get(y, 0))) if df else (0, 0)
            if confusable(x, y) and rare < REAL_WORD_DF and common >= 3 * REAL_WORD_DF:
                continue  # a common word and a rare one an OCR confusion away ("from"/"ftom"): a misreading
            if real and x in real and y in real and (min(len(x), len(y)) >= 4 or Levenshtein.distance(x, y) >= 2):
                return False  # one real word for another (short words one letter apart are OCR's: all/alj)
            if not real and df is not None and df.get(x, 0) >= REAL_WORD_DF and df.get(y, 0) >= REAL_WORD_DF:
                return False
    return Levenshtein.distance(a, b) <= max(1, int(NOISE_EDIT * max(len(a), len(b))))


def covered(run: Sequence[str], other: Sequence[str], df: dict[str, int] | None) -> bool:
    """Whether every real word of `run` (four letters or more) shows in `other`'s letters, misread or not: a
    garbled run may stand for words, but a word it lacks altogether ("wrlt lng" for "writing names") is gone."""
    text = fold("".join(other))
    return all(fuzz.partial_ratio(fold(w), text) >= 70 for w in run
               if len(w) >= 4 and w.isalpha() and not garbled(w, df))


# Letters a scanner's OCR reads for one another (beyond `fold`'s): a real word can turn into another real word.
_OCR_PAIRS = {frozenset(p) for p in ("ec", "eo", "co", "rt", "uo", "un", "nh", "ao", "au", "il", "ft", "bh", "ij", "vy",
                                     "rn", "tl", "ce", "ae")}


def confusable(x: str, y: str) -> bool:
    """Two words one or two OCR confusions apart, same length or a letter split ("truce" for "take" is not)."""
    if len(x) != len(y) or len(x) < 3:
        return False
    diff = [(a, b) for a, b in zip(x, y, strict=True) if a != b]
    return 1 <= len(diff) <= 2 and all(frozenset(d) in _OCR_PAIRS for d in diff)


def number_changed(a: str, b: str) -> bool:
    """Whether two keys differ by their digits alone ("90day" / "60day"): a number changed inside a word, which
    must match like any number (a digit read for a letter, "287(9)" for "287(g)", changes the letters too)."""
    da, db = re.sub(r"\D", "", a), re.sub(r"\D", "", b)
    return bool(da and db and da != db and re.sub(r"\d", "", a) == re.sub(r"\d", "", b) and not lost_one(da, db))


def lost_one(x: str, y: str) -> bool:
    """A number of four digits or more with a 1 lost or gained ("1967" / "967", "1213" / "213"): a stroke OCR
    dropped; shorter numbers (counts of months, sections) must match exactly."""
    if not (x.isdigit() and y.isdigit()) or max(len(x), len(y)) < 4:
        return False
    long, short = (x, y) if len(x) > len(y) else (y, x)
    return len(long) == len(short) + 1 and any(long[:i] + long[i + 1:] == short for i, c in enumerate(long) if c == "1")


def token_ops(a: Sequence[str], b: Sequence[str]) -> list[tuple[str, int, int, int, int]]:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()


def moved_ops(a: Sequence[str], b: Sequence[str], ops: list[tuple[str, int, int, int, int]]) -> set[int]:
    """Indexes of ops that only move text: a run deleted in one place and inserted unchanged in another (OCR
    and text layers order a line in a margin or a signature block differently)."""
    dels = {tuple(a[i1:i2]): k for k, (t, i1, i2, _j1, _j2) in enumerate(ops) if t == "delete"}
    moved = set()
    for k, (t, _i1, _i2, j1, j2) in enumerate(ops):
        if t == "insert" and tuple(b[j1:j2]) in dels:
            moved.update((k, dels.pop(tuple(b[j1:j2]))))
    return moved


def substantive_changes(a: Sequence[str], b: Sequence[str], df: dict[str, int] | None = None) -> int:
    """Words changed between two key sequences once OCR noise and moved text are discounted (0: same wording)."""
    ops = token_ops(a, b)
    moved = moved_ops(a, b, ops)
    n = 0
    for k, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag != "equal" and k not in moved and not is_noise(a[i1:i2], b[j1:j2], df):
            n += max(i2 - i1, j2 - j1)
    return n


def same_wording(a: Sequence[str], b: Sequence[str], df: dict[str, int] | None = None) -> bool:
    if list(a) == list(b):
        return True
    if fuzz.ratio(" ".join(a), " ".join(b)) < PREFILTER_RATIO:
        return False
    return substantive_changes(a, b, df) == 0
