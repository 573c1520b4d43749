"""Reading a handwritten date by the recognizer's own scores, held to what a date can be.

PP-OCR's recognizer gives, for each slice of a text line, a score for every character (CTC). Its best guess
reads a handwritten "3/13/25" as "313125" or "3-13-2S": a slash looks like a 1, a 5 like an S. Here the
slices are read again under a grammar of dates (month, separator, day, separator, year 2019-2026 in two or
four digits, or a month's name, day, year: "April 7, 25", a stamp's "OCT 1 5 2019"; anything but a digit may
stand before or after), by Viterbi search over the CTC alignments.
The result counts only when it costs little against the unconstrained best reading (`gap`): the grammar
picks between readings the recognizer already finds likely, it does not invent digits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

import numpy as np

DIGITS = "0123456789"
SEPS = "/-."
OTHER = "X"  # any character but a digit or a separator (letters, specks, colons, underscores)
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
# Month names as written: whole, or cut to three letters (four for "Sept"), with or without a full stop.
MONTH_FORMS = sorted(set(MONTHS) | {m[:3] for m in MONTHS} | {"sept"})
FIRST_YEAR, LAST_YEAR = 2019, 2026  # the program's agreements on file: the 2019 templates to this year
LETTERS = "".join(sorted({c for m in MONTH_FORMS for c in m + m.upper()}))


@dataclass(frozen=True)
class Decoded:
    text: str       # the constrained reading, separators included ("3/13/25")
    iso: str        # the date it names
    gap: float      # log-probability it costs against the best unconstrained reading (0 = the same reading)
    best: str       # the best unconstrained reading, for the record


@cache
def _grammar(last_year: int = LAST_YEAR, only: str | None = None, first_year: int = FIRST_YEAR
             ) -> tuple[dict[int, list[tuple[str, int]]], int, int]:
    """NFA of a date whose year lies in first_year..last_year (with `only`, an ISO date: of that one day,
    however written): state -> [(symbol, next state)]; start and final state."""
    arcs: dict[int, list[tuple[str, int]]] = {}
    n = [0]

    def new() -> int:
        n[0] += 1
        arcs[n[0]] = []
        return n[0]

    def spell(src: int, words: list[str], dst: int) -> None:
        # The words as a trie from src to dst: "1", "10", "11", "12" share their first state.
        nodes: dict[str, int] = {"": src}
        for word in words:
            for k in range(1, len(word) + 1):
                head, c = word[:k], word[k - 1]
                if k < len(word) and head in nodes:
                    continue
                nxt = dst if k == len(word) else new()
                if k < len(word):
                    nodes[head] = nxt
                if (c, nxt) not in arcs[nodes[word[:k - 1]]]:
                    arcs[nodes[word[:k - 1]]].append((c, nxt))

    def numbers(values: range | list[int]) -> list[str]:
        return sorted({str(v) for v in values} | {f"{v:02d}" for v in values})

    one = date.fromisoformat(only) if only else None
    months = [one.month] if one else range(1, 13)
    days = [one.day] if one else range(1, 32)
    years = [one.year] if one else range(first_year, last_year + 1)
    year_words = sorted({f"{y % 100:02d}" for y in years} | {str(y) for y in years})

    start = 0
    arcs[start] = [(OTHER, start), (" ", start)]
    month, day, final = new(), new(), new()
    spell(start, numbers(months), month)
    sep1 = new()
    arcs[month] += [(" ", month)] + [(s, sep1) for s in SEPS]
    arcs[sep1] += [(" ", sep1)]
    spell(sep1, numbers(days), day)
    sep2 = new()
    arcs[day] += [(" ", day)] + [(s, sep2) for s in SEPS]
    arcs[sep2] += [(" ", sep2)]
    spell(sep2, year_words, final)
    arcs[final] += [(OTHER, final), (" ", final)]
    # "April 7, 25": a month's name (each letter in either case), the day, the year; the recognizer may
    # drop the space after the name ("April7").
    named, named_gap, named_day, before_year = new(), new(), new(), new()
    for form in MONTH_FORMS:
        if one and not MONTHS[one.month - 1].startswith(form[:3]):
            continue
        q = start
        for k, c in enumerate(form):
            nxt = named if k == len(form) - 1 else new()
            arcs[q] += [(c, nxt), (c.upper(), nxt)]
            q = nxt
    arcs[named] += [(".", named_gap), (" ", named_gap)]
    arcs[named_gap] += [(" ", named_gap)]
    # A rubber stamp's font spaces a day's two digits apart ("OCT 1 5 2019").
    spaced = [f"{w[0]} {w[1]}" for w in numbers(days) if len(w) == 2]
    for q in (named, named_gap):
        spell(q, numbers(days) + spaced, named_day)
    arcs[named_day] += [(",", before_year), (" ", before_year)]
    arcs[before_year] += [(" ", before_year)]
    spell(before_year, year_words, final)
    return arcs, start, final


@dataclass(frozen=True)
class _Network:
    """The grammar's search graph: nodes (NFA state, last symbol or "" for blank) and every move between them
    in one slice, grouped by the node they reach."""
    nodes: list[tuple[int, str]]
    index: dict[tuple[int, str], int]
    src: np.ndarray      # per move (grouped by target node): the node it leaves
    classes: np.ndarray  # per move: the class it scores (0, the blank, for "other" and a symbol the charset lacks)
    other: np.ndarray    # per move: it scores "other" (any character but a digit, a separator or a space)
    absent: np.ndarray   # per move: it writes a symbol the charset lacks (never taken)
    emits: list[str]     # per move: the symbol it writes ("" for a blank or a held symbol)
    order: np.ndarray    # per move: its place in a search that visits nodes in index order
    position: np.ndarray  # per such place: the move's index here
    starts: np.ndarray   # first move of each node's group
    counts: np.ndarray   # moves in each node's group

    def finals(self, final: int) -> list[int]:
        return [i for i, (q, _) in enumerate(self.nodes) if q == final]


@cache
def _network(last_year: int, only: str | None, cols: tuple[tuple[str, int], ...],
             first_year: int = FIRST_YEAR) -> _Network:
    """The search graph of `_grammar(last_year, only, first_year)` for a charset whose columns are `cols`."""
    arcs, _, _ = _grammar(last_year, only, first_year)
    col = dict(cols)
    nodes = list(dict.fromkeys([(q, "") for q in arcs] + [(q2, sym) for q in arcs for sym, q2 in arcs[q]]))
    index = {n: i for i, n in enumerate(nodes)}
    moves = []  # (target, source, column, emitted)
    for q, last in nodes:
        here = index[(q, last)]
        moves.append((index[(q, "")], here, 0, ""))
        if last:
            moves.append((here, here, -1 if last == OTHER else col.get(last), ""))
        moves += [(index[(q2, sym)], here, -1 if sym == OTHER else col.get(sym), sym)
                  for sym, q2 in arcs[q] if sym != last]
    ranked = sorted(range(len(moves)), key=lambda k: (moves[k][0], k))
    targets = np.array([moves[k][0] for k in ranked])
    counts = np.bincount(targets, minlength=len(nodes))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    column = [moves[k][2] for k in ranked]
    return _Network(nodes, index, np.array([moves[k][1] for k in ranked]),
                    np.array([c if c is not None and c > 0 else 0 for c in column]),
                    np.array([c == -1 for c in column]), np.array([c is None for c in column]),
                    [moves[k][3] for k in ranked], np.array(ranked), np.argsort(ranked), starts, counts)


def to_iso(text: str) -> str | None:
    """ISO date of a grammar reading ("3/13/25" or "April 7, 25" -> 2025-...); None when no such day exists."""
    name = "".join(c for c in text if c.isalpha()).lower()
    parts = "".join(c if c.isdigit() else " " for c in text).split()
    if name:
        month = next((k + 1 for k, m in enumerate(MONTHS) if m.startswith(name[:3])), None)
        if len(parts) == 3 and len(parts[0]) == len(parts[1]) == 1:
            parts = [parts[0] + parts[1], parts[2]]  # a stamp's spaced day ("OCT 1 5 2019")
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


def decode(logp: np.ndarray, charset: list[str], latest: date | None = None,
           only: str | None = None, earliest: date | None = None) -> Decoded | None:
    """Best date reading of one text line. `logp`: (frames, classes) log-probabilities, class 0 the CTC blank;
    `charset[k]` the character of class k (k >= 1). With `latest`, only dates up to that day: a page scanned
    in 2020 bears no date of 2026, so "6-10-2020" read as 2026 is read again among the years it can be; with
    `earliest` (a form's revision), only dates from that day. None when no alignment fits the grammar. With `only` (an ISO date), the best reading of that one date: what it
    costs tells how far the recognizer is from reading it."""
    last = min(LAST_YEAR, latest.year) if latest else LAST_YEAR
    first = min(last, max(FIRST_YEAR, earliest.year)) if earliest else FIRST_YEAR
    arcs, start, final = _grammar(last, only, first)
    index = {c: k for k, c in enumerate(charset) if k}
    cols = {c: index[c] for c in DIGITS + SEPS + " " + LETTERS + "," if c in index}
    other = np.ones(len(charset), dtype=bool)  # letters and commas stay "other" too, around a numeric date
    other[[0, *(index[c] for c in DIGITS + SEPS + " " if c in index)]] = False
    lp_other = np.where(other[None, :], logp, -np.inf).max(axis=1)
    frames = logp.shape[0]

    # Viterbi over (NFA state, last symbol or "" for blank), one slice at a time, every move of a slice at once
    # (numpy): a loop over the moves in Python took a date-line reading's most time (2.3 of 3.9 s).
    net = _network(last, only, tuple(sorted(cols.items())), first)
    emit = logp[:, net.classes].astype(np.float64)  # (frames, moves): what each move scores in each slice
    emit[:, net.other] = lp_other[:, None]
    emit[:, net.absent] = -np.inf
    cur = np.full(len(net.nodes), -np.inf)
    cur[net.index[(start, "")]] = 0.0
    back = np.empty((frames, len(net.nodes)), dtype=np.int64)
    for t in range(frames):
        cand = cur[net.src] + emit[t]
        best = np.maximum.reduceat(cand, net.starts)
        hit = cand == np.repeat(best, net.counts)
        # Of moves tied for a node, the first in a search visiting the nodes in index order is kept. The search
        # as first written (a dict of live nodes) kept the first it met: the same on 1,320 real date lines.
        back[t] = net.position[np.minimum.reduceat(np.where(hit, net.order, len(net.src) - 1), net.starts)]
        cur = best
    ends = [(float(cur[i]), net.nodes[i]) for i in net.finals(final) if cur[i] > -np.inf]
    if not ends:
        return None
    s, key = max(ends)
    node, out = net.index[key], []
    for t in range(frames - 1, -1, -1):
        e = back[t][node]
        if net.emits[e]:
            out.append(net.emits[e])
        node = net.src[e]
    text = "".join(reversed(out)).replace(OTHER, "").strip()
    iso = to_iso(text)
    if iso is None or (latest and iso > latest.isoformat()) or (earliest and iso < earliest.isoformat()):
        return None
    best_ids = logp.argmax(axis=1)
    best = "".join(charset[k] for i, k in enumerate(best_ids) if k and (i == 0 or k != best_ids[i - 1]))
    return Decoded(text=text, iso=iso, gap=round(float(logp.max(axis=1).sum()) - s, 2), best=best)
