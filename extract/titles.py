"""A signer's title as the signature block prints it, or None when OCR garbled it.

A title is cited with the name ("Sheriff", "Acting Director"), so a garbled one ("Aching Divecter",
"oneriff", "Deputy Directore", "and Customs Enf or cement") is worse than none. A title stands when it
names an office (OFFICE, spelt right) and every other word is a word titles are made of: the office's own
words, an agency's (_NOT_NAME of extract.signatures: county, department, enforcement ...), a function word, or
a place (a U.S. state, a county name). Two columns run together ("Sheriff Acting Director" for ICE) keep the
party's own office: ICE's title from its office on, the LEA's up to ICE's.
"""

from __future__ import annotations

import re
from functools import lru_cache

from extract.signatures import _ICE_TITLE, _NOT_NAME
from extract.states import COUNTIES, STATES

# Offices that sign 287(g) agreements for either party, as printed. ICE's own (extract.signatures._ICE_TITLE)
# mark where a run-on LEA title ends ("Sheriff Acting Director").
OFFICE = re.compile(
    r"\b(?:(?:Acting|Interim|High|Deputy|Executive|Assistant|Associate|Special|Senior|Vice)\s+)*"
    r"(?:Sheriff|Undersheriff|Chief|Director|Commissioner|Colonel|Warden|Superintendent|Adjutant\s+General|"
    r"Attorney\s+General|General\s+Counsel|Jailer|Jail\s+Administrator|Administrator|Secretary|Marshal|Mayor|"
    r"County\s+Judge|Judge|Commander|President|Lieutenant|Captain|Major|Sergeant|Inspector|Chairman|Chair|"
    r"Constable|Designee|COO|CEO)\b",
    re.IGNORECASE,
)
_LEA_OFFICE = re.compile(r"\b(?:Sheriff|Chief\s+of\s+Police|Police\s+Chief|Undersheriff)\b", re.IGNORECASE)
_GLUED = re.compile(r"(?<=[a-z]{3})(?=[A-Z])")
_GLUED_OF = re.compile(r"^([A-Za-z]{3,}?)(of|and)$")  # "Chiefof": a title word, then "of" run into it
_FUNCTION = {"of", "the", "and", "&", "or", "for", "to", "in", "at", "u.s.", "us", "u.s", "dhs", "ice", "ero",
             "lea", "acting", "interim", "high", "deputy", "executive", "assistant", "associate", "special",
             "senior", "vice", "services", "affairs", "administration", "corrections", "correctional", "detention",
             "center", "facility", "patrol", "highway", "narcotics", "investigation", "investigations", "law",
             "board", "trustees", "university", "lottery", "staff", "military", "commission", "county's",
             "sheriff's", "marshals", "chief's", "regional", "metropolitan", "criminal", "justice", "unit", "field"}


@lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    """Every word a title may hold beside its office: function and agency words, states' and counties'."""
    words = set(_FUNCTION) | {w.lower() for w in _NOT_NAME}
    for name in [*STATES.values(), *COUNTIES]:
        words.update(name.lower().split())
    return frozenset(words)


def _word(w: str) -> str:
    return w.lower().strip(",.;:()")


def _unglue(w: str) -> str:
    """"Chiefof" -> "Chief of": a word no title holds that is an office's or a title's word with "of" or
    "and" run into it."""
    m = _GLUED_OF.match(w)
    if m is None or _word(w) in _vocabulary() or OFFICE.fullmatch(w):
        return w
    head = m.group(1)
    return f"{head} {m.group(2)}" if OFFICE.fullmatch(head) or head.lower() in _vocabulary() else w


def read_title(raw: str, party: str) -> tuple[str | None, str | None]:
    """(title, None) when `raw` reads as a title, else (None, why). `party` ("lea", "ice") picks its own
    office from two columns run together."""
    # Spaces OCR lost between words: "ActingDirector", "Chiefof Police" (not "Cleveland": a word as it is).
    t = " ".join(_unglue(w) for w in _GLUED.sub(" ", raw.strip()).split())
    if party == "ice" and (m := _ICE_TITLE.search(t)) and _LEA_OFFICE.search(t[:m.start()]):
        t = t[m.start():]  # "Sheriff Acting Director": the LEA's title ran into ICE's
    elif party == "lea" and (m := _ICE_TITLE.search(t)) and m.start() > 0 and _LEA_OFFICE.fullmatch(
            t[:m.start()].strip(" ,")):
        t = t[:m.start()].strip(" ,")
    if not OFFICE.search(t):
        return None, f"title unreadable: {raw.strip()[:40]!r} names no office"
    rest = OFFICE.sub(" ", t)
    odd = [w for w in rest.split() if _word(w) and _word(w) not in _vocabulary()]
    if odd:
        return None, f"title unreadable: {raw.strip()[:40]!r} ({odd[:3]} no title's words)"
    return t, None
