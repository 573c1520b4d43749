"""Reading a handwritten date by the recognizer's own scores, held to what a date can be.

PP-OCR's recognizer gives, for each slice of a text line, a score for every character (CTC). Its best guess
reads a handwritten "3/13/25" as "313125" or "3-13-2S": a slash looks like a 1, a 5 like an S. Here the
slices are read again under a grammar of dates (month, separator, day, separator, year 2019-2026 in two or
four digits, or a month's name, day, year: "April 7, 25"; anything but a digit may stand before or after), by
Viterbi search over the CTC alignments.
The result counts only when it costs little against the unconstrained best reading (`gap`): the grammar
picks between readings the recognizer already finds likely, it does not invent digits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np

DIGITS = "0123456789"
SEPS = "/-."
OTHER = "X"  # any character but a digit or a separator (letters, specks, colons, underscores)
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
# Month names as written: whole, or cut to three letters (four for "Sept"), with or without a full stop.
MONTH_FORMS = sorted(set(MONTHS) | {m[:3] for m in MONTHS} | {"sept"})
LETTERS = "".join(sorted({c for m in MONTH_FORMS for c in m + m.upper()}))


@dataclass(frozen=True)
class Decoded:
    text: str       # the constrained reading, separators included ("3/13/25")
    iso: str        # the date it names
    gap: float      # log-probability it costs against the best unconstrained reading (0 = the same reading)
    best: str       # the best unconstrained reading, for the record


def _grammar() -> tuple[dict[int, list[tuple[str, int]]], int, int]:
    """NFA of a date: state -> [(symbol, next state)]; start and final state."""
    arcs: dict[int, list[tuple[str, int]]] = {}
    n = [0]

    def new() -> int:
        n[0] += 1
        arcs[n[0]] = []
        return n[0]

    def chain(src: int, classes: list[str], dst: int) -> None:
        q = src
        for k, chars in enumerate(classes):
            nxt = dst if k == len(classes) - 1 else new()
            arcs[q] += [(c, nxt) for c in chars]
            q = nxt

    start = 0
    arcs[start] = [(OTHER, start), (" ", start)]
    month, day = new(), new()
    for alt in (["0", "123456789"], ["1"], ["1", "012"], ["23456789"]):
        chain(start, alt, month)
    sep1 = new()
    arcs[month] += [(" ", month)] + [(s, sep1) for s in SEPS]
    arcs[sep1] += [(" ", sep1)]
    for alt in (["0", "123456789"], ["12"], ["12", DIGITS], ["3"], ["3", "01"], ["456789"]):
        chain(sep1, alt, day)
    sep2 = new()
    arcs[day] += [(" ", day)] + [(s, sep2) for s in SEPS]
    arcs[sep2] += [(" ", sep2)]
    final = new()
    years = (["1", "9"], ["2", "0123456"], ["2", "0", "1", "9"], ["2", "0", "2", "0123456"])
    for alt in years:
        chain(sep2, alt, final)
    arcs[final] += [(OTHER, final), (" ", final)]
    # "April 7, 25": a month's name (each letter in either case), the day, the year; the recognizer may
    # drop the space after the name ("April7").
    named, named_gap, named_day, before_year = new(), new(), new(), new()
    for form in MONTH_FORMS:
        chain(start, [c + c.upper() for c in form], named)
    arcs[named] += [(".", named_gap), (" ", named_gap)]
    arcs[named_gap] += [(" ", named_gap)]
    for q in (named, named_gap):
        for alt in (["123456789"], ["12", DIGITS], ["3", "01"], ["0", "123456789"]):
            chain(q, alt, named_day)
    arcs[named_day] += [(",", before_year), (" ", before_year)]
    arcs[before_year] += [(" ", before_year)]
    for alt in years:
        chain(before_year, alt, final)
    return arcs, start, final


ARCS, START, FINAL = _grammar()


def to_iso(text: str) -> str | None:
    """ISO date of a grammar reading ("3/13/25" or "April 7, 25" -> 2025-...); None when no such day exists."""
    name = "".join(c for c in text if c.isalpha()).lower()
    parts = "".join(c if c.isdigit() else " " for c in text).split()
    if name:
        month = next((k + 1 for k, m in enumerate(MONTHS) if m.startswith(name[:3])), None)
        if month is None or len(parts) != 2:
            return None
        parts = [str(month), *parts]
    if len(parts) != 3:
        return None
    m, d, y = (int(p) for p in parts)
    y += 2000 if y < 100 else 0
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def decode(logp: np.ndarray, charset: list[str]) -> Decoded | None:
    """Best date reading of one text line. `logp`: (frames, classes) log-probabilities, class 0 the CTC blank;
    `charset[k]` the character of class k (k >= 1). None when no alignment fits the grammar."""
    index = {c: k for k, c in enumerate(charset) if k}
    cols = {c: index[c] for c in DIGITS + SEPS + " " + LETTERS + "," if c in index}
    other = np.ones(len(charset), dtype=bool)  # letters and commas stay "other" too, around a numeric date
    other[[0, *(index[c] for c in DIGITS + SEPS + " " if c in index)]] = False
    lp_other = np.where(other[None, :], logp, -np.inf).max(axis=1)
    frames = logp.shape[0]

    def score(t: int, sym: str) -> float:
        return float(lp_other[t]) if sym == OTHER else float(logp[t, cols[sym]]) if sym in cols else -math.inf

    # Viterbi over (NFA state, last symbol or "" for blank); back-pointers per frame.
    cur: dict[tuple[int, str], float] = {(START, ""): 0.0}
    back: list[dict[tuple[int, str], tuple[tuple[int, str], str]]] = []
    for t in range(frames):
        nxt: dict[tuple[int, str], float] = {}
        bp: dict[tuple[int, str], tuple[tuple[int, str], str]] = {}

        blank = float(logp[t, 0])
        for (q, last), s in cur.items():
            moves = [((q, ""), s + blank, "")]
            if last:
                moves.append(((q, last), s + score(t, last), ""))  # the same symbol held over another slice
            moves += [((q2, sym), s + score(t, sym), sym) for sym, q2 in ARCS[q] if sym != last]
            for key, total, emit in moves:
                if total > nxt.get(key, -math.inf):
                    nxt[key], bp[key] = total, ((q, last), emit)
        cur = {k: v for k, v in nxt.items() if v > -math.inf}
        back.append(bp)
    ends = [(s, k) for k, s in cur.items() if k[0] == FINAL]
    if not ends:
        return None
    s, key = max(ends)
    out = []
    for t in range(frames - 1, -1, -1):
        prev, emit = back[t][key]
        if emit:
            out.append(emit)
        key = prev
    text = "".join(reversed(out)).replace(OTHER, "").strip()
    iso = to_iso(text)
    if iso is None:
        return None
    best_ids = logp.argmax(axis=1)
    best = "".join(charset[k] for i, k in enumerate(best_ids) if k and (i == 0 or k != best_ids[i - 1]))
    return Decoded(text=text, iso=iso, gap=round(float(logp.max(axis=1).sum()) - s, 2), best=best)
