"""OCR misreadings: whether a poor scan's reading of a clause differs from a clean one only as OCR explains.

A clause read from low-quality text (`is_low_quality`) is full of misreadings `is_noise` does not forgive: words
read as non-words or pieces, an article dropped or run into the next word, spaces read as letters, the agency's
name or a running footer garbled. `ocr_changes` counts the changed words OCR cannot explain; each misreading it
forgives needs a non-word as evidence, since a drafter's change of wording is made of words (a real word for a
real word always counts, unless the two are OCR look-alikes).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from .clauses import Clause
from .lexicon import REAL_WORD_DF, dictionary, english, garbled, is_junk, nonword
from .tokendiff import (
    GARBLED_RATIO,
    NAME_WORDS,
    confusable,
    covered,
    fold,
    is_noise,
    lost_one,
    moved_ops,
    number_changed,
    token_ops,
)

# A clause is read from low-quality text when any of its pages was OCR'd (by us, or by a scanner whose text layer
# it is), when they score below LOW_QUALITY (extraction's page quality) or when more than GARBLE of its words are
# neither dictionary words nor common across the clauses.
LOW_QUALITY = 0.99
GARBLE = 0.03
# A reading more than this share of whose words are no words (a scanner's layer that reads "c:" for e and "~" for
# y throughout: "l\"his ~10.'\\ becomes clfocti\\ e upon signature") shows no wording either way: only a number
# it reads in place of another still counts as a change.
UNREADABLE = 0.25
# A reading past this share (a scanner's layer reading "ccnil°}·" for certify, "am·" for any) is held to a looser
# test of single words: a non-word of about the word's length, or two letters rare across the clauses that begin
# as the word does, stands for it whatever its letters (`_heavy_misread`).
HEAVY = 0.10


def garble_rate(toks: Sequence[str], df: dict[str, int] | None) -> float:
    words = [t for t in toks if t.isalpha() and len(t) >= 3]
    return round(sum(garbled(t, df) for t in words) / len(words), 3) if words else 0.0


def is_low_quality(c: Clause, df: dict[str, int] | None = None) -> bool:
    """Whether a clause's text comes from OCR (ours or a scan's layer), from pages extraction scored low, or
    reads as garbled OCR itself."""
    if c.quality is not None and c.quality < LOW_QUALITY:
        return True
    if c.method in ("ocr", "ocr-layer"):  # OCR, ours or a scanner's, however well its words score
        return True
    return garble_rate(c.toks, df) > GARBLE


def ocr_changes(a: Sequence[str], b: Sequence[str], df: dict[str, int] | None = None,
                doubtful: frozenset[str] = frozenset()) -> int:
    """Words changed between a clean text `a` and an OCR-garbled reading `b` that OCR cannot explain: a
    changed run counts unless it is noise (`is_noise`), or one side holds garbled words and the two runs'
    letters (OCR look-alikes folded) are still alike, or every word `b` has in it is one OCR was unsure of
    (`doubtful`: read only with low confidence). Otherwise a real word swapped for a real word always counts."""
    a, b = _without_the(a), _without_the(b)
    rate = garble_rate(b, df)
    if rate > UNREADABLE:
        return _numbers_changed(a, b)
    heavy = rate > HEAVY
    n = _ocr_changes(a, b, df, doubtful, heavy)
    if n and (english() and any(len(t) >= 5 and nonword(t) for t in (*a, *b))):
        n = min(n, _ocr_changes(_without_the(split_run_together(a)), _without_the(split_run_together(b)), df,
                                doubtful, heavy))
    return n


def _numbers_changed(a: Sequence[str], b: Sequence[str]) -> int:
    """Words changed between `a` and an unreadable reading `b` (`UNREADABLE`) that replace a number by another
    number ("90" for "60"); a digit OCR read for a letter ("10" for "to", "287(6)" for "287(b)") is no number."""
    ops = token_ops(a, b)
    moved = moved_ops(a, b, ops)
    n = 0
    for k, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag == "equal" or k in moved:
            continue
        old = [t for t in a[i1:i2] if any(c.isdigit() for c in t)]
        new = [t for t in b[j1:j2] if any(c.isdigit() for c in t)]
        if old and new and not any(x == y or _digits_misread(x, y) or lost_one(re.sub(r"\D", "", x), re.sub(r"\D", "", y))
                                   for x in old for y in new):
            n += max(i2 - i1, j2 - j1)
    return n


def confirmed_changes(a: Sequence[str], b: Sequence[str], others: Sequence[Sequence[str]],
                      df: dict[str, int] | None = None, doubtful: frozenset[str] = frozenset()) -> int:
    """Words changed between a clean text `a` and a reading `b` that OCR cannot explain and that every other
    reading of the same pages (`others`) changes too: a run of `b`'s counts unless each other reading reads
    `a`'s words there, up to plain noise (`is_noise`; a reading as garbled as `b` shows nothing either way)."""
    best = None
    for keys in (_without_the, lambda t: _without_the(split_run_together(t))):
        x = keys(a)
        runs = changed_runs(x, keys(b), df, doubtful)
        for other in others:
            y = keys(other)
            ops = token_ops(x, y)
            moved = moved_ops(x, y, ops)
            theirs = [(i1, i2) for k, (tag, i1, i2, j1, j2) in enumerate(ops)
                      if tag != "equal" and k not in moved and not is_noise(x[i1:i2], y[j1:j2], df)]
            runs = [r for r in runs if any(s0 <= r[1] and r[0] <= s1 for s0, s1 in theirs)]
        n = sum(r[2] for r in runs)
        best = n if best is None else min(best, n)
    return best or 0


_THE_JOINED = re.compile(r"^(of|to|by|and|for|with|from|ln|on|at|that|lf|as|when|upon)the$")


_THE = fold("the")


def _without_the(toks: Sequence[str]) -> list[str]:
    """Keys without "the" (an article OCR drops, doubles or runs into the word before: "ofthe ⟦AGENCY⟧")."""
    out = []
    for i, t in enumerate(toks):
        m = _THE_JOINED.match(t)
        if m:
            out.append(m.group(1))
        elif not (fold(t) == _THE or (nonword(t) and Levenshtein.distance(t, "the") <= 1)) \
                or (i + 1 < len(toks) and toks[i + 1] in _HOLE_BEFORE):
            out.append(t)  # "The and ICE": a blank where the agency's name belongs stays visible
    return out


_HOLE_BEFORE = frozenset({"and", "or", "of", "to", "ln", "shall", "wlll", "may", "must", "ls", "has"})


def _ocr_changes(a: Sequence[str], b: Sequence[str], df: dict[str, int] | None,
                 doubtful: frozenset[str] = frozenset(), heavy: bool = False) -> int:
    return sum(n for _i1, _i2, n in changed_runs(a, b, df, doubtful, heavy))


def changed_runs(a: Sequence[str], b: Sequence[str], df: dict[str, int] | None,
                 doubtful: frozenset[str] = frozenset(), heavy: bool = False) -> list[tuple[int, int, int]]:
    """The changed runs between `a` and `b` that OCR cannot explain, as (start, end, words changed), start and
    end indexes into `a` (start == end: words only `b` has, inserted there)."""
    ops = token_ops(a, b)
    moved = moved_ops(a, b, ops)
    runs = []
    for k, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag != "equal" and k not in moved and _unexplained(a[i1:i2], b[j1:j2], df, doubtful) and \
                not (heavy and i2 - i1 == j2 - j1 == 1 and _heavy_misread(a[i1], b[j1], df)):
            runs.append((i1, i2, max(i2 - i1, j2 - j1)))
    return runs


def _unexplained(old: Sequence[str], new: Sequence[str], df: dict[str, int] | None,
                 doubtful: frozenset[str]) -> bool:
    """Whether OCR cannot explain one changed run (old → new)."""
    if is_noise(old, new, df) or (new and len(new) <= len(old) + 2 and all(t in doubtful for t in new)):
        return False
    if len(old) == len(new) == 1 and (_digits_misread(old[0], new[0]) or _roman_misread(old[0], new[0])
                                      or _roman_misread(new[0], old[0])):
        return False
    if number_changed("".join(old), "".join(new)):
        return True
    if _agency_misread(old, new, df) or _agency_misread(new, old, df) or _separator_misread(old, new) \
            or _separator_misread(new, old) or _footer_residue(old or new, df, bool(old) != bool(new)) \
            or (not old and _specks(new, df)) or (not new and _specks(old, df)):
        return False
    if any(t.startswith("§") for t in (*old, *new)):
        return True
    if _misread(old, new, df) or _misread(new, old, df):
        return False  # words read as non-words ("b" for "to", ".rrt" for "not"), or specks read as words
    if not old or not new:
        return True
    if len(old) == len(new) and all(x == y or confusable(x, y) or _misread([x], [y], df) or _misread([y], [x], df)
                                    or (min(len(x), len(y)) >= 2 and Levenshtein.distance(x, y) <= 1
                                        and not (any(ch.isdigit() for ch in x) and any(ch.isdigit() for ch in y)))
                                    or lost_one(x, y) or _agency_misread([x], [y], df) or _agency_misread([y], [x], df)
                                    or _nonword_for(x, y) or _nonword_for(y, x) or _fragment_of(x, y, df)
                                    or _fragment_of(y, x, df)
                                    for x, y in zip(old, new, strict=True)):
        return False  # a word misread as another word ("docs" for "does", "patty" for "party")
    if _nonword_run(old, new) or _nonword_run(new, old):
        return False
    return not (any(garbled(t, df) or is_junk(t) for t in (*old, *new)) and
                fuzz.ratio(fold("".join(old)), fold("".join(new))) >= GARBLED_RATIO and
                covered(old, new, df) and covered(new, old, df))


def _heavy_misread(word: str, read: str, df: dict[str, int] | None) -> bool:
    """In a heavily garbled reading (`HEAVY`), one word read as one key OCR made: a non-word of about its length
    ("ccnll" for "certlfy"), or two letters rare across the clauses that begin as it does ("am" for "any")."""
    if not (word.isalpha() and read.isalpha()) or nonword(word):
        return False
    if nonword(read):
        return abs(len(word) - len(read)) <= 2
    return len(read) == 2 and len(word) in (3, 4) and word[0] == read[0] and df is not None \
        and df.get(read, 0) < REAL_WORD_DF


# Letters a scan's OCR reads for digits (and back) inside a citation: "287.S(c)(l)" for "287.5(c)(1)",
# "287(6)" for "287(b)". A drafter changes a digit for a digit, never for a letter that looks like it.
_AS_DIGITS = (str.maketrans("slozgqb", "5102996"), str.maketrans("slozgqb", "5102998"))


def _digits_misread(a: str, b: str) -> bool:
    """Two citation keys alike once letters that look like digits are read as digits (a key's "d" may be
    OCR's "cl", which canon merged: "287sd" is "287.S(c)(l)")."""
    if not (any(c.isdigit() for c in a) and any(c.isdigit() for c in b)) or a == b:
        return False
    if not any(c.isalpha() for c in a + b):
        return False  # digits for digits: a number changed
    for table in _AS_DIGITS:
        x = {a.translate(table), a.replace("d", "cl").translate(table)}
        y = {b.translate(table), b.replace("d", "cl").translate(table)}
        if x & y:
            return True
    return False


def _roman_misread(numeral: str, read: str) -> bool:
    """A roman numeral whose strokes OCR merged: "XVm" or "XVrn" for XVIII (keys "xvlll" and "xvm")."""
    if not re.fullmatch(r"[xvl]*ll[xvl]*", numeral):
        return False
    return read in {numeral.replace("lll", "m", 1), numeral.replace("ll", "n", 1), numeral.replace("ll", "h", 1)} - {numeral}


def _misread(run: Sequence[str], other: Sequence[str], df: dict[str, int] | None) -> bool:
    """Whether `run` reads as what OCR makes of `other`: non-words, specks, or digits for letters ("11" for
    "in"), no longer than `other` by more than two."""
    digits = any(t.isdigit() for t in other)
    if not (run and len(run) <= len(other) + 2 and
            all(garbled(t, df) or is_junk(t) or (t.isdigit() and not digits) or _fragment(t, df) for t in run)):
        return False
    # A word the small dictionary lacks may still be a drafter's ("at most" for "at least"): beyond three
    # letters, a misreading keeps half its letters.
    if all(is_junk(t) or _fragment(t, df) or t.isdigit() for t in run):
        return True  # specks and pieces ("m" for "must", "b" for "to")
    a, b = "".join(run), "".join(other)
    # Of about the same length: "wrlt lng" is "writing", not "writing names".
    return not other or max(len(a), len(b)) <= 3 or \
        (fuzz.ratio(fold(a), fold(b)) >= 50 and abs(len(a) - len(b)) <= max(2, len(b) // 3))


def _fragment(tok: str, df: dict[str, int] | None) -> bool:
    """A piece of a word OCR split ("jxll ly" for "party"): two letters that are no word."""
    real = dictionary()
    return tok.isalpha() and len(tok) == 2 and bool(real) and tok not in real and (df is None or df.get(tok, 0) < REAL_WORD_DF)


# Below: misreadings only a low-quality reading is allowed (`ocr_changes`); each needs a non-word as evidence,
# a key absent from `english()`, since a drafter's change of wording is made of words.

def _nonword_for(word: str, read: str) -> bool:
    """A non-word of about the word's length read for it ("lmdel" for "under", "fmlh" for "forth")."""
    if not (word.isalpha() and read.isalpha() and abs(len(word) - len(read)) <= max(2, len(word) // 3)) \
            or nonword(word):
        return False
    ratio = fuzz.ratio(fold(word), fold(read))
    # A key Tesseract's dictionary holds only by the look-alike folding ("nllllng" is "nilling") still counts as a
    # misreading when the corpus's own vocabulary lacks it and the letters are close.
    return (nonword(read) and ratio >= 35) or (len(read) >= 4 and read not in dictionary() and ratio >= 60)


def _nonword_run(run: Sequence[str], read: Sequence[str]) -> bool:
    """A run of non-words standing for a run of words of about its length ("allmcf" for "allegations of")."""
    if not run or not read or len(read) > len(run) + 1 or not all(nonword(t) or is_junk(t) for t in read):
        return False
    if any(t.startswith("§") or t.isdigit() for t in run):
        return False
    a, b = "".join(run), "".join(read)
    return abs(len(a) - len(b)) <= max(3, len(a) // 3) and fuzz.ratio(fold(a), fold(b)) >= 40


def _fragment_of(word: str, piece: str, df: dict[str, int] | None) -> bool:
    """What OCR kept of a long word, its start or end ("repo" for "reporting", "~nnel" for "personnel"); never a
    word common in these clauses (so "law" for "non-law" still counts)."""
    return len(word) >= 6 and 2 <= len(piece) <= len(word) - 3 and (word.startswith(piece) or word.endswith(piece)) \
        and (df is None or df.get(piece, 0) < 3 * REAL_WORD_DF)


_LEA_READS = frozenset({"the", "lea"})


def _agency_misread(run: Sequence[str], read: Sequence[str], df: dict[str, int] | None) -> bool:
    """The agency's placeholder read as "the IEA", "EA", "the LBAS": short keys rare across these clauses
    (never "ICE", "DHS" or "it", which are common)."""
    if list(run) != ["§agency"] or not read or len(read) > 5 or list(read) == ["the"]:
        return False  # "The and ICE": a blank the page really left, not a misreading

    def rare(t: str) -> bool:
        return df.get(t, 0) < REAL_WORD_DF if df is not None else t not in dictionary()

    if len(read) <= 2 and all(t in _LEA_READS or t in _LEA_PIECES or
                              (t.isalnum() and not t.isdigit() and len(t) <= 5 and rare(t)) for t in read):
        return True  # "the IEA", "8S0" for BSO
    # The agency's whole name misread ("the slanler coun shorlns offes"): name words and non-words only.
    return len(read) >= 2 and all(t == "the" or _namelike(t) or (nonword(t) and rare(t)) for t in read) \
        and any(_namelike(t) for t in read)


_LEA_PIECES = frozenset({"le", "ea", "la"})  # "selected EA personnel": LEA with a letter lost


def _specks(run: Sequence[str], df: dict[str, int] | None) -> bool:
    """A run of lone letters and ones ("e c a", "r r 1 j 1"), a long one with a few two-letter non-words among them
    ("r n B i i H q kt i": initials and strokes in a margin), or one key of two letters rare in these clauses ("La)"
    after the last sentence): specks and strokes on a scan, no words."""
    if len(run) == 1 and len(run[0]) == 2 and run[0].isalpha() and df is not None:
        return df.get(run[0], 0) < REAL_WORD_DF
    lone = sum(len(t) == 1 and (t.isalpha() or t == "1") for t in run)
    pairs = sum(_fragment(t, df) for t in run)
    return len(run) >= 2 and lone + pairs == len(run) and (not pairs or 4 * pairs <= len(run))


_NAMELIKE = tuple(w for w in NAME_WORDS if len(w) >= 5)


def _namelike(tok: str) -> bool:
    """A word of an agency's name, as printed or misread ("sherlfls", "olllce", "depaltmcnt")."""
    return tok in NAME_WORDS or (len(tok) >= 4 and any(fuzz.ratio(tok, w) >= 70 for w in _NAMELIKE))


def split_run_together(toks: Sequence[str]) -> list[str]:
    """Keys of a reading whose spaces OCR read as a letter ("recelpteofesuchenotlce" → recelpt of such notlce):
    a non-word splits where that letter stands between real words (e or o), or between two real words whose
    space was lost. Other keys are kept as they are."""
    real = english()
    if not real:
        return list(toks)
    out: list[str] = []
    for t in toks:
        parts = _segment(t, real) if len(t) >= 5 and t.isalpha() and t not in real else None
        out.extend(parts or [t])
    return out


def _segment(tok: str, real: frozenset[str]) -> list[str] | None:
    """The fewest real words that spell `tok` with one separator letter between them, or None; else two real
    words run together, the space between them lost ("LEApersonnel")."""
    found = [p for p in (_segment_on(tok, real, sep) for sep in "eo") if p]
    if found:
        return min(found, key=len)
    glued = [[tok[:i], tok[i:]] for i in range(2, len(tok) - 1) if tok[:i] in real and tok[i:] in real]
    return min(glued, key=lambda p: abs(len(p[0]) - len(p[1]))) if glued else None


def _segment_on(tok: str, real: frozenset[str], sep: str) -> list[str] | None:
    n = len(tok)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for i in range(1, n + 1):
        for j in range(max(0, i - 20), i):
            start = j if j == 0 else j + 1  # a piece after the first starts past its separator
            if best[j] is None or (j and tok[j] != sep) or start >= i:
                continue
            piece = tok[start:i]
            if piece in real and (len(piece) >= 2 or piece == "a"):
                best[i] = [*best[j], piece]
                break
    if best[n] and len(best[n]) >= 2:
        return best[n]
    return None


def _separator_misread(run: Sequence[str], read: Sequence[str]) -> bool:
    """Spaces read as a letter ("receipteofesuchenotice", "selectedolea"): fewer keys on the read side, and the
    two sides equal (or, over a long run, nearly so) once that letter is dropped from both."""
    if not run or not read or len(read) >= len(run):
        return False
    a, b = "".join(run), "".join(read)
    for sep in "eo":
        if b.count(sep) - a.count(sep) < len(run) - len(read):
            continue
        x, y = a.replace(sep, ""), b.replace(sep, "")
        if x == y or (len(x) >= 40 and fuzz.ratio(x, y) >= 92):
            return True
    return False


def _footer_residue(run: Sequence[str], df: dict[str, int] | None, one_sided: bool) -> bool:
    """An added or dropped run that is a garbled running footer or agency line ("⟦AGENCY⟧ sabke coulnby
    lndlans", "sumner county sherlffs offlce tn"): names, placeholders, numbers and non-words, with a
    placeholder, a number or a non-word among them and at most a third other words."""
    if not one_sided or not run or len(run) > 12:
        return False
    furniture = [t for t in run if t.startswith("§") or any(c.isdigit() for c in t) or is_junk(t)
                 or _namelike(t) or nonword(t) or len(t) <= 2]
    names = sum(_namelike(t) for t in run)
    evidence = names >= 3 or any(t.startswith("§") or any(c.isdigit() for c in t) or nonword(t) for t in run)
    named = names > 0 or any(t.startswith("§") for t in run)
    return evidence and named and len(run) - len(furniture) <= len(run) // 3
