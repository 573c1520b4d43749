"""Normalize the values ICE types into its sheets; callers keep the raw value beside the result.

Real inputs this handles: states in any case with typos and trailing spaces ("UTAh", "PENNSLYVANIA",
"WEST VIRIGINIA", "MCHIGAN", "UTAHJ"); models spelled out with typos ("Warrant Services Officer",
"Jail Enforcment Model ", "Task Force Officer"); agency types ("Muncipality ", "#NA", "Municipal");
signed dates as datetimes, ISO strings, `05/082025`, `7/72025`, or impossible years (5025); agency names
with doubled spaces, odd apostrophes and trailing blanks.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from rapidfuzz import fuzz, process

from moa.program import MODEL_NAMES
from moa.states import STATE_NAMES

STATES = {name.upper(): code for code, name in STATE_NAMES.items()} | {"U.S. VIRGIN ISLANDS": "VI"}
CODES = set(STATES.values())

AGENCY_TYPES = ("County", "Municipality", "State Agency")
_MISSING = {"#NA", "#N/A", "N/A", "NA", "NONE", "-", "--", "TBD"}  # how the sheets say "no value"


def clean_text(value: object) -> str:
    """A cell value as one line of text: NFKC, no-break spaces and runs of blanks collapsed, trimmed."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip()


def state_code(raw: object) -> str | None:
    """'UTAh', 'PENNSLYVANIA ', 'tx', 'West Virigina' → two-letter postal code; None if not a state."""
    text = clean_text(raw).upper().replace(".", ". ").replace("  ", " ").strip()
    if not text:
        return None
    if text in CODES:
        return text
    key = re.sub(r"[^A-Z ]", "", text).strip()
    key = re.sub(r"\s+", " ", key)
    if key in STATES:
        return STATES[key]
    match = process.extractOne(key, list(STATES), scorer=fuzz.ratio, score_cutoff=80)
    return STATES[match[0]] if match else None


def model_code(raw: object) -> str | None:
    """'Warrant Services Officer', 'Jail Enforcment Model ', 'Task Force Officer', '287(g) TFM' → WSO/JEM/TFM."""
    text = clean_text(raw).upper()
    if not text:
        return None
    for code in MODEL_NAMES:
        if re.search(rf"\b{code}\b", text):
            return code
    if "JAIL" in text or ("ENFORC" in text and "TASK" not in text and "WARRANT" not in text):
        return "JEM"
    if "WARRANT" in text:
        return "WSO"
    if "TASK" in text or "FORCE" in text:
        return "TFM"
    match = process.extractOne(text, {c: n.upper() for c, n in MODEL_NAMES.items()}, scorer=fuzz.ratio,
                               score_cutoff=70)
    return match[2] if match else None


def agency_type(raw: object) -> str | None:
    """'County ', 'Muncipality ', 'Municipal', 'State' → County / Municipality / State Agency; '#NA' → None."""
    text = clean_text(raw)
    if not text or text.upper() in _MISSING:
        return None
    low = text.lower()
    if low.startswith("state"):
        return "State Agency"
    if low.startswith("count"):
        return "County"
    if low.startswith(("muni", "munc", "city", "town")):
        return "Municipality"
    match = process.extractOne(text, list(AGENCY_TYPES), scorer=fuzz.ratio, score_cutoff=70)
    return match[0] if match else text


def county(raw: object) -> str | None:
    """A COUNTY cell: tidied, or None for blanks and spreadsheet error markers ('#N/A')."""
    text = clean_text(raw)
    return None if not text or text.upper() in _MISSING else text


def agency_name(raw: object) -> str:
    """Display form of an agency name: spacing and apostrophes tidied, case kept as published."""
    text = clean_text(raw).replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    text = re.sub(r"\s+([,.])", r"\1", text)
    return text


_NAME_NOISE = re.compile(r"[^a-z0-9 ]")
_ABBREV = [
    (r"\bco\b", "county"), (r"\bcnty\b", "county"), (r"\bdept\b", "department"), (r"\bpd\b", "police department"),
    (r"\bso\b", "sheriffs office"), (r"\bsheriff s\b", "sheriffs"), (r"\bsheriff\b(?! s)", "sheriffs"),
    (r"\bsheriffs department\b", "sheriffs office"), (r"\bpct\b", "precinct"),
    (r"\bst\b", "saint"), (r"\bft\b", "fort"), (r"\bmt\b", "mount"), (r"\bthe\b", ""), (r"\bof\b", ""),
    (r"\band\b", ""), (r"\bcorr\b", "corrections"), (r"\bdoc\b", "department corrections"),
]


_COMMON_WORDS = ("department", "sheriffs", "police", "office", "county", "corrections", "township", "borough",
                 "constable", "precinct", "municipal")


def _fix_word(word: str) -> str:
    """Misspellings of the words every agency name uses ("Deparment", "Sherrifs") → the word."""
    if len(word) < 5 or word in _COMMON_WORDS:
        return word
    match = process.extractOne(word, _COMMON_WORDS, scorer=fuzz.ratio, score_cutoff=85)
    return match[0] if match else word


def agency_key(raw: object) -> str:
    """A comparison key for an agency name: lower case, punctuation and filler words dropped, abbreviations
    expanded ("Co." = "County", "Sheriff's" = "Sheriffs"), so spelling variants of one agency meet."""
    text = clean_text(raw).lower().replace("'", "").replace("\u2019", "")
    text = _NAME_NOISE.sub(" ", text)
    text = " ".join(_fix_word(w) for w in text.split())
    for pattern, repl in _ABBREV:
        text = re.sub(pattern, repl, text)
    return re.sub(r"\s+", " ", text).strip()


_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%m-%d-%Y", "%m.%d.%Y", "%m.%d.%y", "%B %d, %Y",
                 "%b %d, %Y", "%Y/%m/%d", "%m%d%Y")


def signed_date(raw: object, *, earliest: int = 1990, latest: int | None = None) -> str | None:
    """A SIGNED cell → ISO date, or None when blank or impossible (the caller keeps the raw value).

    Handles datetimes, ISO strings, `05/082025` and `7/72025` (slash lost before the year), and Excel serial
    numbers. Years outside [earliest, latest] (e.g. 5025) are rejected rather than guessed.
    """
    latest = latest or date.today().year + 1
    if raw is None:
        return None
    if isinstance(raw, datetime):
        d = raw.date()
    elif isinstance(raw, date):
        d = raw
    elif isinstance(raw, int | float) and 20000 < raw < 80000:
        from openpyxl.utils.datetime import from_excel

        d = from_excel(raw).date()
    else:
        text = clean_text(raw)
        if not text:
            return None
        text = re.sub(r"\s*(00:00:00|T00:00:00)$", "", text)
        m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/?(\d{4})", text) or re.fullmatch(r"(\d{1,2})/(\d)(\d{4})", text)
        d = None
        if m:
            try:
                d = date(int(m.group(3)), int(m.group(1)), int(m.group(2)))
            except ValueError:
                d = None
        if d is None:
            for fmt in _DATE_FORMATS:
                try:
                    d = datetime.strptime(text, fmt).date()
                    break
                except ValueError:
                    continue
        if d is None:
            return None
    if not earliest <= d.year <= latest:
        return None
    return d.isoformat()
