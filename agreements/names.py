"""Agency names: the display form, when two spellings are one agency, and stable ids.

ICE's list spells one agency many ways over time ("Sheriff's Office" and "Sheriffs Office", "Deparment",
a state typed after the name), and an agreement's row is sometimes renamed outright (Escambia Co. FL's WSO was
listed under the Sheriff's Office, then under the Board of County Commissioners that signed it). A spelling
joins an agency only when it is the same name but for spelling: its comparison key (`harvest.cells.agency_key`)
equals the other's, differs by a few letters, or spells the other out with more words. A rename is kept in
the agreement's listing history and never merges two agencies.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import fuzz

from harvest.cells import agency_key, agency_name
from moa.states import STATE_NAMES

# fuzz.ratio of two keys at or above which they differ only by typing slips ("deparment", "sherrifs")
TYPO_RATIO = 90
# a key that contains every word of another names the same agency when the shorter has this many words
# ("okaloosa county board county commissioners" inside "… department corrections"); "polk county" does not
SUBSET_WORDS = 4

_STATE_BODIES = {"department", "division", "office", "bureau", "commission", "board", "agency"}
_TAIL = re.compile(r"(?:\s*,\s*([A-Z]{2})\b\.?)+\s*$")


def display_name(raw: str, state: str | None = None) -> str:
    """A name as shown: ICE's spacing and apostrophes tidied, a trailing ", FL" (or ", WY, WY") of its own
    state dropped, case kept as written."""
    name = agency_name(raw)
    m = _TAIL.search(name)
    if m:
        tails = set(re.findall(r"[A-Z]{2}", m.group(0)))
        if tails <= ({state} if state else set(STATE_NAMES)):
            name = name[: m.start()].rstrip(" ,")
    return name.strip(" ,;") or agency_name(raw)


@lru_cache(maxsize=65536)
def key(raw: str | None, state: str | None = None) -> str:
    """The comparison key of an agency's name in its state: `harvest.cells.agency_key` of the name without a
    trailing state code (", LA"), without its own state's name in front ("Alaska Department of Corrections" is
    Alaska's "Department of Corrections"), and "Police" read as "Police Department"."""
    if not raw:
        return ""
    k = agency_key(display_name(raw, state))
    if state in STATE_NAMES:
        own = agency_key(STATE_NAMES[state])
        for prefix in (f"state {own} ", f"{own} "):
            rest = k[len(prefix):] if k.startswith(prefix) else ""
            # only before a state body's own word: "Iowa County", "New York City" name places, not the state
            if len(rest.split()) >= 2 and rest.split()[0] in _STATE_BODIES:
                k = rest
                break
    return re.sub(r"\bpolice$", "police department", k)


def same_agency(a: str, b: str) -> bool:
    """Two comparison keys name one agency: equal, a few letters apart, or one spells out the other."""
    if not a or not b:
        return False
    if a == b or fuzz.ratio(a, b) >= TYPO_RATIO:
        return True
    short, long_ = sorted((a.split(), b.split()), key=len)
    return len(short) >= SUBSET_WORDS and set(short) <= set(long_)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "unnamed"


def agency_id(state: str | None, name_key: str) -> str:
    return f"{(state or 'xx').lower()}-{slug(name_key)}"
