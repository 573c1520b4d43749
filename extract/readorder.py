"""A text layer's characters with their places, and the page's text in reading order where the layer's
stored order is not.

Some scanners' OCR layers store a page's runs out of visual order: Okmulgee Co. OK's headings ('I. PARTIES',
'II. PURPOSE') come before the paragraphs above them. pdfium hands text out in stored order, so a heading
lands inside the clause before it. A page is put in order only when a run sits above the run stored before
it in the same column (a column break moves right, a running footer or header sits in the page's margin);
then its lines are read top to bottom, each left to right, and a band of two-column lines column by column.
A page in stored order keeps pdfium's text as it was.
"""

from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass
from itertools import pairwise

import pypdfium2.raw as pdfium_c

MARGIN = 0.09  # the top and bottom share of a page where running headers and footers sit
MAX_BACKWARD = 0.2  # more upward jumps than this share of transitions is no stored order at all
# Form labels: a signature page is read by extract/signatures.py in the layer's own order, blocks and all.
_FORM_LABEL = re.compile(r"\b(?:Signature|Title|Name|Date|For the LEA|For ICE)\s*:|Digitally signed", re.I)
PROSE = 0.6  # share of a page's body runs that are half a page wide or more on a page of running text


@dataclass
class Char:
    text: str
    generated: bool  # pdfium's own space or line break, not in the layer
    x: float  # origin (baseline start)
    y: float
    left: float
    right: float
    bottom: float
    top: float


def layer_chars(textpage) -> list[Char]:
    """Every character pdfium reads on the page, in stored order, with origin and box (PDF units)."""
    raw = textpage.raw
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    x, y = ctypes.c_double(), ctypes.c_double()
    out = []
    for i in range(pdfium_c.FPDFText_CountChars(raw)):
        pdfium_c.FPDFText_GetCharBox(raw, i, left, right, bottom, top)
        pdfium_c.FPDFText_GetCharOrigin(raw, i, x, y)
        out.append(Char(chr(pdfium_c.FPDFText_GetUnicode(raw, i)), bool(pdfium_c.FPDFText_IsGenerated(raw, i)),
                        x.value, y.value, left.value, right.value, bottom.value, top.value))
    return out


def chars_text(chars: list[Char]) -> str:
    """The characters as pdfium's get_text_range gives them (a soft hyphen's \\x02 as U+FFFE), line ends
    normalised."""
    return "".join(c.text for c in chars).replace("\x02", "\ufffe").replace("\r\n", "\n").replace("\r", "\n")


@dataclass
class Run:
    chars: list[Char]
    y: float  # baseline
    x0: float
    x1: float
    height: float
    bottom: float
    top: float

    @property
    def text(self) -> str:
        return "".join(c.text for c in self.chars).replace("\x02", "\ufffe").replace("\r", "").replace("\n", "")


def _run(chars: list[Char]) -> Run | None:
    ink = [c for c in chars if c.text.strip() and not c.generated]
    if not ink:
        return None
    heights = sorted(c.top - c.bottom for c in ink)
    return Run(chars, sorted(c.y for c in ink)[len(ink) // 2], min(c.left for c in ink),
               max(c.right for c in ink), max(heights[len(heights) // 2], 1.0),
               min(c.bottom for c in ink), max(c.top for c in ink))


def runs(chars: list[Char]) -> list[Run]:
    """Stored-order runs: a new run at a line break, a baseline that moves or a step back to the left."""
    out, cur, last = [], [], None
    for c in chars:
        if c.text in "\r\n":
            if cur:
                out.append(cur)
            cur, last = [], None
            continue
        if last is not None and c.text.strip() and not c.generated:
            h = max(last.top - last.bottom, 1.0)
            if abs(c.y - last.y) > 0.5 * h or c.x < last.x - 2 * h:
                out.append(cur)
                cur = []
        cur.append(c)
        if c.text.strip() and not c.generated:
            last = c
    if cur:
        out.append(cur)
    return [r for r in (_run(cs) for cs in out) if r is not None]


def _in_margin(run: Run, height: float) -> bool:
    return run.y < MARGIN * height or run.y > (1 - MARGIN) * height


_WORD = re.compile(r"[A-Za-z]{3}|\d{2}")


def _wordy(run: Run) -> bool:
    """A word or a number, not a scan's specks ('E e', 'C )')."""
    return _WORD.search(run.text) is not None


def backward_jumps(rs: list[Run], page_height: float) -> tuple[int, int]:
    """(upward jumps of a line or more within a column, transitions) between body runs in stored order.
    Rules and blanks (underscores, dashes) are no body: a form draws them after its labels."""
    body = [r for r in rs if not _in_margin(r, page_height) and _wordy(r)]
    back = 0
    for a, b in pairwise(body):
        same_column = b.x0 < a.x1 and b.x1 > a.x0
        if b.y > a.y + 1.2 * max(a.height, b.height) and same_column:
            back += 1
    return back, max(len(body) - 1, 0)


def _lines(rs: list[Run]) -> list[list[Run]]:
    """Runs grouped by baseline, top to bottom, each line left to right."""
    lines: list[list[Run]] = []
    for r in sorted(rs, key=lambda r: -r.y):
        first = lines[-1][0] if lines else None
        # a bullet or a mark sits off the baseline but inside the line's height
        if first and (abs(first.y - r.y) <= 0.4 * max(first.height, r.height)
                      or first.bottom <= (r.bottom + r.top) / 2 <= first.top):
            lines[-1].append(r)
        else:
            lines.append([r])
    return [sorted(line, key=lambda r: r.x0) for line in lines]


def _gutter(line: list[Run]) -> float | None:
    """The middle of the widest gap in a line when it is wide enough to part two columns."""
    best = None
    for a, b in pairwise(line):
        gap = b.x0 - a.x1
        if gap > 3 * max(a.height, b.height) and (best is None or gap > best[0]):
            best = (gap, (a.x1 + b.x0) / 2)
    return best[1] if best else None


def _speck(line: list[Run], k: int) -> bool:
    """A mark or two a wide gap away from the rest of its line (a scan's speck read as 's')."""
    r = line[k]
    if len(r.text.strip()) > 2 or len(line) == 1:
        return False
    gaps = [r.x0 - line[k - 1].x1] if k else []
    gaps += [line[k + 1].x0 - r.x1] if k + 1 < len(line) else []
    return min(gaps) > 3 * max(o.height for o in line)


def _inset(line: list[Run]) -> list[Run]:
    """A run typed inside another's span (a form field's value over its blank: 'and the ____, hereinafter')
    goes into that run where it sits, between the characters left and right of it."""
    out: list[Run] = []
    for r in line:
        host = next((h for h in out if h.x0 < r.x0 and r.x1 <= h.x1 + r.height), None)
        if host is None:
            out.append(r)
            continue
        k = next((i for i, c in enumerate(host.chars) if not c.generated and c.text.strip() and c.left >= r.x0),
                 len(host.chars))
        space = Char(" ", True, r.x0, r.y, r.x0, r.x0, r.y, r.y)
        host.chars = host.chars[:k] + [space] + r.chars + [space] + host.chars[k:]
    return out


def _join(line: list[Run]) -> str:
    parts: list[str] = []
    for i, r in enumerate(_inset(line)):
        t = r.text
        if i and parts[-1] and not parts[-1][-1].isspace() and t and not t[0].isspace():
            parts.append(" ")
        parts.append(t)
    return "".join(parts).rstrip() + " " if parts else ""


def ordered_text(rs: list[Run]) -> str:
    """The runs' text in reading order: lines top to bottom; where three or more lines in a row part at one
    gutter, the left column's lines before the right's. What sits beside the text, left or right of every
    run a half page wide (a scan's specks in its margin), comes first as the layer had it, never inside a
    line of text."""
    wide = [r for r in rs if r.x1 - r.x0 >= 0.5 * (max(r.x1 for r in rs) - min(r.x0 for r in rs))]
    lo, hi = min(r.x0 for r in wide) - 2, max(r.x1 for r in wide) + 2
    aside = [r for r in rs if r.x1 < lo or r.x0 > hi]
    out: list[str] = [_join([r]) for r in aside]
    lines = _lines([r for r in rs if not (r.x1 < lo or r.x0 > hi)])
    i = 0
    while i < len(lines):
        g = _gutter(lines[i])
        j = i
        if g is not None:
            while j + 1 < len(lines) and all(r.x1 <= g or r.x0 >= g for r in lines[j + 1]):
                j += 1
        if j - i >= 2:
            band = lines[i:j + 1]
            for side in (lambda r, g=g: r.x1 <= g, lambda r, g=g: r.x0 >= g):
                out.extend(_join([r for r in line if side(r)]) for line in band if any(side(r) for r in line))
            i = j + 1
        else:
            kept = [r for k, r in enumerate(lines[i]) if not _speck(lines[i], k)]
            out[len(aside):len(aside)] = [_join([r]) for r in lines[i] if r not in kept]
            aside += [r for r in lines[i] if r not in kept]
            out.append(_join(kept))
            i += 1
    return "\n".join(out) + ("\n" if out else "")


def _left_to_right(chars: list[Char]) -> bool:
    """Text that runs left to right in page space (not a page turned on its side or upside down)."""
    ink = [c for c in chars if c.text.strip() and not c.generated]
    steps = [b.x > a.x for a, b in pairwise(ink) if abs(b.y - a.y) < 1.0]
    return bool(steps) and sum(steps) >= 0.9 * len(steps)


def _prose(rs: list[Run], width: float, height: float) -> bool:
    """A page of running text, not a form: signature blocks and tables are stored cell by cell, and their
    readers (signatures, points of contact) read them in that order."""
    body = [r for r in rs if not _in_margin(r, height) and _wordy(r)]
    return bool(body) and sum(r.x1 - r.x0 >= 0.5 * width for r in body) >= PROSE * len(body)


def reading_order(chars: list[Char], width: float, height: float) -> str | None:
    """The page's text in reading order when the layer stores a page of running text otherwise; None when
    its order stands."""
    rs = runs(chars)
    back, transitions = backward_jumps(rs, height)
    if back == 0 or back > MAX_BACKWARD * transitions:
        return None
    if not _prose(rs, width, height) or not _left_to_right(chars):
        return None
    if _FORM_LABEL.search(chars_text(chars)):
        return None
    return ordered_text(rs)
