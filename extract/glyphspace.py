"""Letters printed where spaces are: a document typeset with a broken font drew a glyph ('e') for some of its
spaces, so the print and every reading of it (the scanner's layer, Tesseract) say 'toeorganizations',
'withethe' (Refugio Co. TX p. 6, Brevard Co. FL p. 7). Such a letter is drawn with a space's advance, so
the next letter starts inside it: its advance to the next character is well short of its own width, where a
real letter's is its width or more. A page is decoded when several of its letters are so squeezed and
reading them as spaces makes words of non-words; then a squeezed letter reads as a space, and a token of that
page still no word is split at the fewest of its such letters that leave only words (a space drawn a little
wider, 'ineadvanceeof'; one at a line's end, 'ande').
"""

from __future__ import annotations

import re
from dataclasses import replace

from .readorder import Char
from .wordlist import words

SQUEEZED = 0.85  # advance to the next character / own width below this: the next letter starts inside it
MIN_SQUEEZED = 5  # squeezed letters a page needs before it is judged
MIN_FIXED = 0.5  # share of them whose reading as a space must turn a non-word into words
_LETTERS = re.compile(r"[A-Za-z]+")
# Short pieces a big wordlist accepts from noise ('nn', 'cl'): only these count as words when cut out.
_SHORT = frozenset("a i an as at be by do go he if in is it me my no of on or so to up us we".split())


def _squeezed(chars: list[Char], i: int) -> bool:
    c = chars[i]
    if c.generated or not c.text.isalpha() or i + 1 >= len(chars):
        return False
    n = chars[i + 1]
    width, height = c.right - c.left, max(c.top - c.bottom, 1.0)
    if n.generated or not n.text.strip() or width <= 0 or abs(n.y - c.y) > 0.3 * height:
        return False
    return (n.x - c.x) < SQUEEZED * width


def _words(text: str, dictionary: frozenset[str]) -> bool:
    runs = _LETTERS.findall(text)
    return bool(runs) and all(r.lower() in dictionary or len(r) == 1 and r in "aAI" for r in runs)


def _token(chars: list[Char], i: int) -> tuple[int, int]:
    a = i
    while a > 0 and chars[a - 1].text.strip():
        a -= 1
    b = i + 1
    while b < len(chars) and chars[b].text.strip():
        b += 1
    return a, b


def decode_spaces(chars: list[Char]) -> tuple[list[Char], int]:
    """The characters with letters printed for spaces read as spaces, and how many were; unchanged (0) on a
    page without the fault."""
    dictionary = words()
    by_letter: dict[str, list[int]] = {}
    for i in range(len(chars)):
        if _squeezed(chars, i):
            by_letter.setdefault(chars[i].text, []).append(i)
    out, count = list(chars), 0
    for letter, idx in by_letter.items():
        if len(idx) < MIN_SQUEEZED:
            continue
        trial = list(chars)
        for i in idx:
            trial[i] = replace(chars[i], text=" ")
        fixed = 0
        for i in idx:
            a, b = _token(chars, i)
            before = "".join(c.text for c in chars[a:b])
            after = "".join(c.text for c in trial[a:b])
            fixed += not _words(before, dictionary) and _words(after, dictionary)
        if fixed < MIN_FIXED * len(idx):
            continue
        for i in idx:
            a, b = _token(chars, i)
            after = "".join(" " if j == i else chars[j].text for j in range(a, b))
            if _words("".join(c.text for c in chars[a:b]), dictionary) and not _words(after, dictionary):
                continue  # a squeezed letter inside a real word ('local'): kerning, not a space
            out[i] = replace(out[i], text=" ")
            count += 1
        count += _leftover_tokens(out, letter, dictionary)
    return out, count


def _piece_ok(piece: str, dictionary: frozenset[str]) -> bool:
    runs = _LETTERS.findall(piece)
    return bool(piece) and all(len(r) == 1 or r.isupper() or r.lower() in (_SHORT if len(r) <= 2 else dictionary)
                               for r in runs)


def _split(token: str, letter: str, dictionary: frozenset[str]) -> set[int] | None:
    """The fewest places of `letter` in `token` that, read as spaces, leave only words; None if none do."""
    best: dict[int, tuple[int, tuple[int, ...]]] = {0: (0, ())}
    for i in range(len(token) + 1):
        if i not in best:
            continue
        cost, cut = best[i]
        for j in range(i + 1, len(token) + 1):
            if j < len(token) and token[j] != letter:
                continue
            if not _piece_ok(token[i:j], dictionary):
                continue
            nxt = (len(token) + 1, (cost, cut)) if j == len(token) else (j + 1, (cost + 1, cut + (j,)))
            if nxt[0] not in best or nxt[1][0] < best[nxt[0]][0]:
                best[nxt[0]] = nxt[1]
            if j < len(token) and j + 1 == len(token):  # the letter closes the token ('ande')
                end = (cost + 1, cut + (j,))
                if len(token) + 1 not in best or end[0] < best[len(token) + 1][0]:
                    best[len(token) + 1] = end
    found = best.get(len(token) + 1)
    return set(found[1]) if found and found[1] else None


def _leftover_tokens(out: list[Char], letter: str, dictionary: frozenset[str]) -> int:
    """On a page with the fault, a token still no word ('ineadvanceeof', 'ande' at a line's end) is split
    at the fewest of its `letter`s that leave only words."""
    n, i = 0, 0
    while i < len(out):
        if not out[i].text.strip():
            i += 1
            continue
        a, b = _token(out, i)
        token = "".join(c.text for c in out[a:b])
        i = b
        if len(token) != b - a or letter not in token or _words(token, dictionary):
            continue
        cut = _split(token, letter, dictionary)
        for k in cut or ():
            out[a + k] = replace(out[a + k], text=" ")
            n += 1
    return n
