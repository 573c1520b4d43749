"""Where an agency on ICE's list stands: its county FIPS code (a sheriff, a city's police) or its state's (a
state agency), decided from the sheet's COUNTY cell, else from the agency's name. A city's name is found in the
zip-code table of the `zipcodes` package (USPS place names with their county); a place whose zip codes lie in
several counties goes to the county holding most of them, and says so. Whatever cannot be placed is returned
with the reason, never guessed."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from functools import lru_cache

import addfips
import zipcodes
from rapidfuzz import fuzz, process

_AF = addfips.AddFIPS()
# what ICE's sheets put in an empty COUNTY cell
_EMPTY = {"", "#n/a", "#na", "#n?a", "n/a", "na", "none", "-", "--", "unknown"}
_COUNTY_IN_NAME = re.compile(r"^(?:the\s+)?(.+?)\s+(county|parish|borough)\b", re.I)
# the words around a city's name in an agency's name, outermost first
_AGENCY_WORDS = re.compile(
    r"\s*\b(police\s+(services\s+)?department|police\s+dept\.?|department\s+of\s+public\s+safety|"
    r"public\s+safety(\s+department)?|sheriff'?s?\s+office|marshal'?s?\s+office|constable'?s?\s+office|"
    r"constables?\s+office|constable|police|department|(international\s+)?airport(\s+authority)?)\s*$", re.I)
_PLACE_KIND = re.compile(r"\s+\b(township|borough|village|town|city)\s*$", re.I)
_PLACE_PREFIX = re.compile(r"^(city|town|village|borough|township)\s+of\s+", re.I)
_SCHOOL = re.compile(r"\b(university|college|school|academy)\b", re.I)


@dataclass(frozen=True)
class Placement:
    """One agency's place: `fips` is 5 digits for a county, 2 for a state (`level`), None when unplaced."""

    fips: str | None
    level: str | None          # 'county' | 'state' | None
    how: str                   # what settled it, or why nothing did
    place: str | None = None   # the county (or place) name it was settled by

    def as_dict(self) -> dict:
        return asdict(self)


def _norm(name: str) -> str:
    s = name.lower().replace("&", " and ")
    s = re.sub(r"\bsaint\b", "st", s)
    s = re.sub(r"\bste\b", "ste", s)
    s = re.sub(r"[^a-z0-9 ]+", " ", s)
    return re.sub(r"\s+", " ", s).strip()


@lru_cache(maxsize=64)
def _zip_places(state: str) -> dict[str, Counter]:
    """Normalized USPS city -> Counter(county name): a place's zip codes by county, in one state (a city's other
    accepted names count only where no zip code has it as its main name)."""
    zips = zipcodes.filter_by(state=state) if state else []
    primary: dict[str, Counter] = defaultdict(Counter)
    for z in zips:
        if z.get("county") and z.get("city"):
            primary[_norm(z["city"])][z["county"]] += 1
    also: dict[str, Counter] = defaultdict(Counter)
    for z in zips:
        for c in z.get("acceptable_cities") or []:
            if _norm(c) not in primary and z.get("county"):
                also[_norm(c)][z["county"]] += 1
    return {**also, **primary}


def state_fips(state: str | None) -> str | None:
    return _AF.get_state_fips(state) if state else None


def county_fips(county: str, state: str) -> str | None:
    """A county's FIPS from its name in a state (addfips: 'Lake', 'Lake County', 'St. Louis city', …)."""
    hit = _AF.get_county_fips(county.strip(), state)
    if hit is None and not re.search(r"\b(county|parish|borough|city)\b", county, re.I):
        hit = _AF.get_county_fips(county.strip() + " County", state)
    return hit


def near_county(county: str, state: str) -> tuple[str, str] | None:
    """(FIPS, name) of the state's one county spelled nearly so ('Berrian County' -> Berrien County), else None."""
    st = state_fips(state)
    names = {n: f for n, f in (_AF._counties.get(st) or {}).items() if n.endswith((" county", " parish", " city"))}
    if not names:
        return None
    want = county.strip().lower()
    if state == "VA":  # 'Hopewell County' for the independent city
        want = re.sub(r" county$", " city", want) if f"{want[:-7]} city" in names else want
    hits = process.extract(want, list(names), scorer=fuzz.ratio, limit=2)
    if hits and hits[0][1] >= 90 and (len(hits) == 1 or hits[1][1] < hits[0][1] - 3):
        return st + names[hits[0][0]], hits[0][0].title()
    return None


def _counties_in_cell(cell: str) -> list[str]:
    return [p.strip() for p in re.split(r",|/|;|\band\b|&", cell) if p.strip()]


def place_name(agency: str) -> str | None:
    """The city in a municipal agency's name: 'Tavares Police Department' -> 'Tavares'."""
    name = re.sub(r"\s+", " ", agency).strip()
    name = _PLACE_PREFIX.sub("", name)
    for _ in range(3):
        stripped = _AGENCY_WORDS.sub("", name).strip(" ,-")
        if stripped == name:
            break
        name = stripped
    name = _PLACE_PREFIX.sub("", name)
    return name or None


def _by_place(place: str, state: str) -> Placement | None:
    candidates = [place]
    bare = _PLACE_KIND.sub("", place).strip()
    if bare and bare != place:
        candidates.append(bare)
    for cand in candidates:
        if state == "VA" or cand.lower().endswith(" city"):  # Virginia's cities are county-equivalents
            fips = _AF.get_county_fips(cand if cand.lower().endswith(" city") else f"{cand} city", state)
            if fips:
                return Placement(fips, "county", "agency name: an independent city", cand)
        counties = _zip_places(state).get(_norm(cand))
        if not counties:
            continue
        (best, n), *rest = counties.most_common()
        fips = county_fips(best, state)
        if fips is None:
            continue
        how = "agency name: the place's zip codes lie in this county"
        if rest:
            if rest[0][1] == n:
                return Placement(None, None, f"agency name: {cand!r} lies in several counties equally "
                                             f"({', '.join(c for c, _ in counties.most_common())})")
            how = (f"agency name: most of the place's zip codes ({n} of {sum(counties.values())}) lie in this "
                   "county")
        return Placement(fips, "county", how, best)
    return None


def place_agency(state: str | None, agency: str, agency_type: str | None = None,
                 county: str | None = None) -> Placement:
    """Where an agency on ICE's list stands, and how that was decided (or why it could not be)."""
    st = state_fips(state)
    if st is None:
        return Placement(None, None, f"no state: {state!r} is not a state code")
    if (agency_type or "").strip().lower() == "state agency":
        return Placement(st, "state", "a state agency: the whole state")
    cell = (county or "").strip()
    if cell.lower() in _EMPTY:
        cell = ""
    if cell:
        parts = _counties_in_cell(cell)
        if len(parts) > 1:
            return Placement(None, None, f"the sheet's COUNTY names several counties: {cell}")
        fips = county_fips(cell, state)
        if fips:
            return Placement(fips, "county", "the sheet's COUNTY", cell)
        near = near_county(cell, state)
        if near:
            return Placement(near[0], "county", f"the sheet's COUNTY, misspelled {cell!r}", near[1])
    m = _COUNTY_IN_NAME.match(agency.strip())
    if m and not re.search(r",|\band\b", m.group(1)):
        fips = county_fips(f"{m.group(1)} {m.group(2)}", state)
        if fips:
            return Placement(fips, "county", "agency name: the county it names", f"{m.group(1)} {m.group(2)}")
    if re.search(r"\bregional\b|\bauthority\b", agency, re.I) and not cell:
        return Placement(None, None, "a regional agency: the name names no single county")
    place = place_name(agency)
    if place and not _SCHOOL.search(place):
        found = _by_place(place, state)
        if found:
            return found
    if cell:
        return Placement(None, None, f"the sheet's COUNTY {cell!r} is no county of {state}")
    if place and _SCHOOL.search(place):
        return Placement(None, None, "a college or university police department: the name names no place")
    return Placement(None, None, f"agency name: no place named {place!r} in {state}'s zip-code table")
