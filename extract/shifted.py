"""The shifted font encoding of some 2025 MOAs: glyphs whose text maps 29 code points too low.

`)RUWKH/($` is "For the LEA", `1DPH\\x1d` is "Name:", runs of `B` are underscores. Only some runs of a page
are shifted (the signature labels), so decoding is per token: a token is decoded when it holds a control
character (never legitimate in a text layer) or when its decoded letters form dictionary words and its raw
letters do not. Words the font ran together ("FortheLEA") are split again with the dictionary.
"""

from __future__ import annotations

import re
from functools import lru_cache

SHIFT = 29
REPEATS = 3  # a short shifted word counts as proof once it occurs this often on a page
_LO, _HI = 0x03, 0x61  # raw code points a shifted glyph can have (decoded: space .. '~')
_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f]")
_TOKEN = re.compile(r"[^ \t\r\n]+")  # not \S: \x1d (a shifted colon) counts as space there
_ALPHA = re.compile(r"[A-Za-z]+")
_PLAIN = re.compile(r"^[A-Za-z0-9 .,:;'\"()/_&%$#@!?\-]+$")  # what decoded labels may hold
_UNDERLINE = re.compile(r"^B{3,}$")
# Function words, to split run-together words the natural way ("For the", not "Fort he").
_FUNCTION = frozenset("and as at by for from in of on or the to with".split())
# Short pieces a dictionary would accept from noise ("cl", "ep"): only real short words count.
_SHORT = frozenset("a i an as at be by do he if in is it me my no of on or so to up us we id pd so tx fl".split())
_CORE = frozenset(
    "for the lea ice name date title agency signature signed by of and to on behalf director sheriff "
    "chief county office department police printed".split()
)


@lru_cache(maxsize=1)
def _dictionary() -> frozenset[str]:
    try:
        from .wordlist import words

        return words() | _CORE
    except (FileNotFoundError, ValueError):
        return _CORE


def decode(raw: str) -> str:
    """Shift every character of a run up by 29 code points (no tests: the caller decides)."""
    return "".join(chr(ord(c) + SHIFT) if _LO <= ord(c) <= _HI else c for c in raw)


_CANDIDATE = re.compile(r"[\x03-\x61]+")
# Whole tokens made only of such characters (most words hold a lower-case letter and are skipped here).
_CANDIDATE_TOKEN = re.compile(r"(?<![^ \t\r\n])[\x03-\x08\x0b\x0c\x0e-\x1f!-a]+(?![^ \t\r\n])")


def _could_be_shifted(token: str) -> bool:
    return _CANDIDATE.fullmatch(token) is not None


def _is_wordy(text: str) -> bool:
    """Every alphabetic run is a dictionary word or splits into dictionary words."""
    runs = _ALPHA.findall(text)
    return bool(runs) and all(_split(r) is not None for r in runs)


@lru_cache(maxsize=4096)
def _split(run: str) -> tuple[str, ...] | None:
    """`run` as dictionary words (itself if it is one); None if it cannot be split."""
    d = _dictionary()
    if len(run) <= 2:
        return (run,) if run.lower() in _SHORT else None
    if run.lower() in d:
        return (run,)
    n = len(run)
    best: list[tuple[int, int, tuple[str, ...]] | None] = [None] * (n + 1)
    best[0] = (0, 0, ())
    for end in range(1, n + 1):
        for start in range(max(0, end - 20), end):
            prev = best[start]
            piece = run[start:end]
            low = piece.lower()
            if prev is None or (len(low) <= 2 and low not in _SHORT) or low not in d:
                continue
            func = prev[0] - (piece.lower() in _FUNCTION)
            cand = (func, prev[1] + 1, prev[2] + (piece,))
            if best[end] is None or cand[:2] < best[end][:2]:
                best[end] = cand
    if best[n] is None or len(best[n][2]) > 5:
        return None
    return best[n][2]


def _respace(text: str) -> str:
    # Labels run into the value after them ("ICE:Caleb"): a colon before a letter gets its space back.
    text = re.sub(r":(?=[A-Za-z])", ": ", text)
    return _ALPHA.sub(lambda m: " ".join(_split(m.group(0)) or (m.group(0),)), text)


def decode_token(token: str, page_is_shifted: bool = False) -> str | None:
    """The decoded token if it is shifted, else None.

    Alone, a token counts as shifted when it holds a control character, or when it decodes to dictionary
    words and does not read as words raw. On a page already known to be shifted, decoding to words (with a
    lower-case letter, so digits and acronyms stay) is enough.
    """
    if not _could_be_shifted(token) or not _ALPHA.search(token):
        return None
    decoded = decode(token)
    if not re.search(r"[a-z]", decoded) or not _PLAIN.match(decoded) or not _is_wordy(decoded):
        return _respace(decoded) if _CONTROL.search(token) else None
    if _CONTROL.search(token) or page_is_shifted or not _is_wordy(token):
        return _respace(decoded)
    return None


def decode_page(text: str) -> tuple[str, int]:
    """A page's text with its shifted tokens decoded, and how many tokens were decoded."""
    sure = [t for t in _CANDIDATE_TOKEN.findall(text) if decode_token(t) is not None]
    # One token with a control character is proof; without one, want two distinct longer words, or one word
    # of three letters or more shifted again and again ("6HH" for "See" before each citation of a 2025
    # liability clause).
    if not (any(_CONTROL.search(t) for t in sure) or len({t for t in sure if len(t) >= 4}) >= 2
            or any(len(t) >= 3 and sure.count(t) >= REPEATS for t in set(sure))):
        return text, 0
    count = 0

    def fix(m: re.Match[str]) -> str:
        nonlocal count
        token = m.group(0)
        if _UNDERLINE.match(token):
            # Underscore lines are runs of `B` in the shifted font.
            return "_" * len(token)
        out = decode_token(token, page_is_shifted=True)
        if out is None:
            return token
        count += 1
        return out

    return _TOKEN.sub(fix, text), count
