"""US states: names, postal codes, and the state evidence an MOA gives (agency name, addresses, field office)."""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import unquote

from moa.states import STATE_NAMES

STATES = STATE_NAMES
NAME_TO_CODE = {v.lower(): k for k, v in STATES.items()}
# Longest names first so "West Virginia" wins over "Virginia".
_NAMES_RE = re.compile(
    r"\b(" + "|".join(re.escape(n) for n in sorted(STATES.values(), key=len, reverse=True)) + r")\b", re.IGNORECASE
)
NAMES_PATTERN = "(?:" + "|".join(re.escape(n) for n in sorted(STATES.values(), key=len, reverse=True)) + ")"
# Two-letter codes are only trusted in address or suffix position: "Gadsden, AL 35901", "Heritage Creek PD, KY".
_CODE_ZIP_RE = re.compile(r",?\s\b([A-Z]{2})\.?,?\s+(\d{5})(?:-\d{4})?\b")
_CODE_SUFFIX_RE = re.compile(r"(?:[,;]\s*|\s\()([A-Z]{2})\.?\)?\s*$")

# ICE ERO field offices and the states of their areas of responsibility, used to narrow a county name
# that exists in several states ("Walker County": AL, GA, TX; with "For DHS: Houston" it is TX).
FIELD_OFFICE_STATES: dict[str, set[str]] = {
    "atlanta": {"GA", "NC", "SC"}, "baltimore": {"MD"}, "boston": {"MA", "CT", "ME", "NH", "RI", "VT"},
    "buffalo": {"NY"}, "chicago": {"IL", "IN", "WI", "MO", "KY", "KS"}, "dallas": {"TX", "OK"},
    "denver": {"CO", "WY"}, "detroit": {"MI", "OH"}, "el paso": {"TX", "NM"}, "houston": {"TX"},
    "harlingen": {"TX"}, "los angeles": {"CA"}, "miami": {"FL"},
    "new orleans": {"LA", "MS", "AL", "AR", "TN"}, "new york": {"NY"}, "newark": {"NJ"},
    "philadelphia": {"PA", "DE", "WV"}, "phoenix": {"AZ"}, "salt lake city": {"UT", "ID", "MT", "NV"},
    "san antonio": {"TX"}, "san diego": {"CA"}, "san francisco": {"CA", "HI", "GU"},
    "seattle": {"WA", "OR", "AK"}, "st. paul": {"MN", "IA", "NE", "ND", "SD"},
    "saint paul": {"MN", "IA", "NE", "ND", "SD"}, "st paul": {"MN", "IA", "NE", "ND", "SD"},
    "washington": {"VA", "DC"}, "washington dc": {"VA", "DC"}, "washington, dc": {"VA", "DC"},
}


def _load_counties() -> dict[str, set[str]]:
    """County-equivalent name ("etowah county") -> states that have one, from the addfips package's census table."""
    try:
        import csv
        import importlib.resources as res

        data = res.files("addfips") / "data"
        fips = {r["fips"]: r["postal"] for r in csv.DictReader((data / "states.csv").open())}
        out: dict[str, set[str]] = {}
        for r in csv.DictReader((data / "counties_2020.csv").open()):
            if r["statefp"] in fips:
                out.setdefault(r["name"].lower(), set()).add(fips[r["statefp"]])
        return out
    except Exception:  # the county table is optional: without it, county names give no evidence
        return {}


COUNTIES = _load_counties()


def county_states(name: str) -> tuple[str, set[str]] | None:
    """("Etowah County", {"AL"}) for the county or parish an agency name contains, if it is a real one."""
    if name.isupper():
        name = name.title()
    for m in re.finditer(r"\b((?:[A-Z][a-zA-Z.'\-]+\s){1,3}?)(County|Parish|Borough)\b", name):
        words = m.group(1).split()
        for k in range(len(words)):
            cand = " ".join(words[k:] + [m.group(2)])
            hit = COUNTIES.get(cand.lower())
            if hit:
                return cand, set(hit)
    return None


def _load_cities() -> dict[str, set[str]]:
    """USPS city name (lower case) -> states that have one, from the zipcodes package's table."""
    import zipcodes

    out: dict[str, set[str]] = {}
    for z in zipcodes.list_all():
        for city in [z["city"], *(z.get("acceptable_cities") or [])]:
            out.setdefault(city.lower(), set()).add(z["state"])
    return out


_CITIES: dict[str, set[str]] | None = None
_CITY_AGENCY = re.compile(r"^(?:City\s+of\s+|Town\s+of\s+|Village\s+of\s+)?(?P<city>[A-Z][A-Za-z.'\-]+(?:\s+[A-Z][A-Za-z.'\-]+){0,2}?)"
                          r"\s+(?:Police|Department\s+of\s+Public\s+Safety|Public\s+Safety|Marshal)", re.IGNORECASE)
_SHERIFF_OF = re.compile(r"^(?P<county>[A-Z][A-Za-z.'\-]+(?:\s+[A-Z][A-Za-z.'\-]+)?)\s+Sheriff", re.IGNORECASE)


def place_states(name: str) -> tuple[str, set[str]] | None:
    """(place, states) for an agency named by its place without the word County: a city's police ("Marianna
    Police Department": the USPS cities of that name) or a sheriff's office named by its county alone ("Pasco
    Sheriff's Office": the census counties "Pasco County")."""
    global _CITIES
    if name.isupper():
        name = name.title()
    m = _SHERIFF_OF.match(name)
    if m and "county" not in m["county"].lower():
        hit = COUNTIES.get(f"{m['county']} county".lower())
        if hit:
            return f"{m['county']} County", set(hit)
    m = _CITY_AGENCY.match(name)
    if m:
        if _CITIES is None:
            _CITIES = _load_cities()
        hit = _CITIES.get(m["city"].lower())
        if hit:
            return m["city"], set(hit)
    return None


def state_in_name(name: str) -> str | None:
    """The state an agency name spells out: "Heritage Creek PD, KY", "Daytona Beach Police Department, Florida",
    "Oklahoma Bureau of Narcotics", "West Virginia National Guard"."""
    m = _CODE_SUFFIX_RE.search(name.strip())
    if m and m.group(1) in STATES:
        return m.group(1)
    # "Washington County", "Lincoln Parish": a state's name that is part of a county's is no state.
    found = {NAME_TO_CODE[m.group(1).lower()] for m in _NAMES_RE.finditer(name)
             if not re.match(r"\s*(?:County|Co\.|Parish|Borough)\b", name[m.end():], re.IGNORECASE)}
    if len(found) == 1:
        return found.pop()
    return None


def strip_state(name: str) -> str:
    """The agency name without a trailing ", FL" / ", Florida" / "; Florida" suffix."""
    t = re.sub(r"(?:[,;]\s*|\s\()([A-Z]{2})\.?\)?\s*$", lambda m: "" if m.group(1) in STATES else m.group(0),
               name.strip())
    t = re.sub(r"[,;]\s*(" + _NAMES_RE.pattern[3:-3] + r")\s*$", "", t, flags=re.IGNORECASE)
    return t.strip()


def address_states(text: str) -> Counter:
    """Votes for each state from "City, ST 12345" and "City, State 12345" addresses and "County, State" phrases
    in `text`."""
    votes: Counter = Counter()
    for m in _CODE_ZIP_RE.finditer(text):
        if m.group(1) in STATES and m.group(1) != "DC":  # DC addresses are ICE headquarters
            votes[m.group(1)] += 1
    for m in re.finditer(r"(?:County|Parish|City|State)\s*(?:of\s+)?,?\s*(" + _NAMES_RE.pattern[3:-3] + r")\b", text,
                         re.IGNORECASE):
        votes[NAME_TO_CODE[m.group(1).lower()]] += 1
    # The state spelled out before a ZIP code: "Clearwater Florida 33756", "Yulee, Florida 32097", and OCR's
    # "Tallahassee, Florida32307".
    for m in re.finditer(r"(" + _NAMES_RE.pattern[3:-3] + r")\.?,?\s*\d{5}(?:-\d{4})?\b", text, re.IGNORECASE):
        votes[NAME_TO_CODE[m.group(1).lower()]] += 1
    for m in re.finditer(r"\bState\s+of\s+(" + _NAMES_RE.pattern[3:-3] + r")\b", text, re.IGNORECASE):
        votes[NAME_TO_CODE[m.group(1).lower()]] += 2
    return votes


_AREA_CODES: dict[str, set[str]] | None = None


def phone_states(text: str) -> set[str]:
    """The states whose ZIP areas use the area codes of the phone numbers in `text` ("305-292-7086": FL), from
    the zipcodes package's table; a narrowing set, never a state by itself (an area code spans states)."""
    global _AREA_CODES
    codes = re.findall(r"(?<![\d-])\(?([2-9]\d{2})\)?[-. ]\s?\d{3}[-. ]\d{4}\b", text)
    if not codes:
        return set()
    if _AREA_CODES is None:
        import zipcodes

        _AREA_CODES = {}
        for z in zipcodes.list_all():
            for a in z.get("area_codes") or []:
                _AREA_CODES.setdefault(a, set()).add(z["state"])
    out: set[str] = set()
    for c in codes:
        out |= _AREA_CODES.get(c, set())
    return out - {"DC"}  # a Washington number is ICE's headquarters


def file_name_codes(name: str | None) -> list[str]:
    """State codes a file name may carry at the end of a word run, as ICE names its files: "GraysonCountyDCKY_JEM",
    "HeritageCreekPDKY", "LaPazCoAz", "287gJEM_%20etowahCoAL", "287gJEM_ArizDOC_AZ". Only the last two letters of
    each run count, capital first ("ce" in "SheriffsOffice" is no code) and never "Co" (County). Candidates to check
    against the document's own, never a state by themselves: "DC" may be a detention center, "PD" a police
    department. A URL or path gives its last part."""
    if not name:
        return []
    base = unquote(name).replace("\\", "/").split("?")[0].rstrip("/").rsplit("/", 1)[-1]
    base = re.sub(r"\.pdf$", "", base, flags=re.IGNORECASE)
    out: list[str] = []
    for run in re.findall(r"[A-Za-z]{2,}", base):
        code = run[-2:]
        if code[0].isupper() and code != "Co" and code.upper() in STATES and code.upper() not in out:
            out.append(code.upper())
    return out


def field_office_states(text: str) -> tuple[str, set[str]] | None:
    """The field office named in the points of contact ("For DHS: Atlanta, Field Office Director"), else the
    OPLA location a Task Force MOA fills in for the LEA's legal questions ("at Miami Field Office")."""
    cands = list(re.finditer(r"For\s+[DO0]HS\s*:?\s*(?:ERO\s+)?([A-Za-z. ]+?)\s*,?\s*(?:ERO\s+)?Field\s+Office", text,
                             re.IGNORECASE))
    cands += re.finditer(r"\b([A-Z][a-z]+(?: [A-Z][a-z]+)?)\s*,?\s*(?:[A-Z]{2}\s+)?(?:ERO\s+)?Field\s+Office\s+Director",
                         text)
    cands += [m2 for m2 in re.finditer(r"\b([A-Z][a-z]+(?: [A-Z][a-z]+){0,2})\s*,?\s*(?:[A-Z]{2}\s+)?Field\s+Office\b", text)
              if re.search(r"OPLA|Principal\s+Legal", text[max(0, m2.start() - 200) : m2.end() + 60])]
    for m in cands:
        key = m.group(1).strip().lower()
        if key in FIELD_OFFICE_STATES:
            return m.group(1).strip(), FIELD_OFFICE_STATES[key]
    return None
