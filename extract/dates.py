"""Dates as they appear in signed MOAs: typed, handwritten then OCR'd, stamped, digitally signed.

`parse_date(s)` reads one date string; `find_dates(text)` finds every date in a text with its span and
kind. A string that cannot be read with confidence gives None: a wrong date is worse than none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}

# 287(g) MOAs exist from 2002 on; anything outside this window is a misread.
MIN_YEAR, MAX_YEAR = 2002, 2030

_MONTH_RE = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
# "March 5, 2025", "Mar. 5,2025", stamped "OCT 1 5 2019" (digits of the day spaced apart).
MONTH_FIRST = re.compile(
    _MONTH_RE + r"\.?\s*-?\s*(?P<day>\d\s?\d|\d)(?:st|nd|rd|th)?\s*[,.]?\s*(?P<year>(?:\d\s?){3}\d)\b",
    re.IGNORECASE,
)
# "5 March 2025"
DAY_FIRST = re.compile(
    r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH_RE + r"\.?,?\s+(?P<year>\d{4})\b", re.IGNORECASE
)
# "Digitally signed by X Date: 2025.03.18 09:52:57 -05'00'" (the digital signature stamp form).
DIGITAL = re.compile(r"\b(?P<year>20\d\d)[.\-/](?P<mon>\d\d)[.\-/](?P<day>\d\d)(?:\s+\d\d:\d\d(?::\d\d)?)?")
# "3/5/2025", "03-05-25", "3.5.2025", with OCR'd spaces around separators ("04/10/ 2025").
# A handwritten date may mix separators ("1.23-2020", "3-25.25").
NUMERIC = re.compile(
    r"(?<![\d/.\-])(?P<mon>\d{1,2})\s?(?P<sep>[/\-.])\s?(?P<day>\d{1,2})\s?(?P<sep2>[/\-.])\s?"
    r"(?P<year>\d{4}|\d{2})(?![\d/])"
)


@dataclass(frozen=True)
class DateHit:
    iso: str
    start: int
    end: int
    raw: str
    kind: str  # "typed" | "stamped" | "digital-signature" | "numeric"


def _valid(y: int, m: int, d: int) -> str | None:
    if y < 100:
        y += 2000
    if not (MIN_YEAR <= y <= MAX_YEAR):
        return None
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def _digits(s: str) -> int:
    return int(re.sub(r"\s", "", s))


def find_dates(text: str) -> list[DateHit]:
    """Every readable date in `text`, in order of position; overlapping matches keep the first kind found."""
    hits: list[DateHit] = []
    taken: list[tuple[int, int]] = []

    def add(m: re.Match, iso: str | None, kind: str) -> None:
        if iso is None:
            return
        if any(m.start() < e and s < m.end() for s, e in taken):
            return
        taken.append((m.start(), m.end()))
        hits.append(DateHit(iso, m.start(), m.end(), m.group(0), kind))

    for m in DIGITAL.finditer(text):
        add(m, _valid(int(m["year"]), int(m["mon"]), int(m["day"])), "digital-signature")
    for m in MONTH_FIRST.finditer(text):
        mon = MONTHS[m["mon"].lower()]
        raw_day = m["day"]
        kind = "stamped" if (m["mon"].isupper() and len(m["mon"]) == 3) or " " in raw_day else "typed"
        add(m, _valid(_digits(m["year"]), mon, _digits(raw_day)), kind)
    for m in DAY_FIRST.finditer(text):
        add(m, _valid(int(m["year"]), MONTHS[m["mon"].lower()], int(m["day"])), "typed")
    for m in NUMERIC.finditer(text):
        y = m["year"]
        if len(y) == 2 and m["sep"] == m["sep2"] == ".":
            continue  # "1.2.25" is as often a section number as a date
        add(m, _valid(int(y), int(m["mon"]), int(m["day"])), "numeric")
    # A stamp read through a fill-in line: "OC_T_1_5_20_19" is "OCT 15 2019".
    for m in re.finditer(r"[A-Za-z](?:_*[A-Za-z]){2}(?:_*\d){5,6}", text):
        squeezed = m.group(0).replace("_", "")
        sm = re.fullmatch(r"([A-Za-z]{3})(\d{1,2})(20\d\d)", squeezed)
        if sm and sm.group(1).lower() in MONTHS:
            add(m, _valid(int(sm.group(3)), MONTHS[sm.group(1).lower()], int(sm.group(2))), "stamped")
    hits.sort(key=lambda h: h.start)
    return hits


def parse_date(s: str) -> str | None:
    """The ISO date in `s` when `s` holds exactly one readable date, else None."""
    hits = find_dates(s)
    if len({h.iso for h in hits}) != 1:
        return None
    return hits[0].iso


def find_revision(text: str) -> str | None:
    """The template revision in a "Revised MM/DD/YYYY" footer; OCR often reads a '/' as '1'."""
    m = re.search(r"Revised\s*[:.]?\s*(\d[\d/ ]{5,11}\d)", text)
    if not m:
        return None
    raw = m.group(1).replace(" ", "")
    digits = raw.replace("/", "")
    # MM/DD/YYYY where OCR turned one or both slashes into '1' gives 9 or 10 digits.
    cands: list[str] = []
    if "/" in raw:
        parts = raw.split("/")
        if len(parts) == 3:
            cands.append("/".join(parts))
        elif len(parts) == 2:
            a, b = parts
            # one slash lost: "02/1512025" or "0211212025"->handled below
            if len(a) == 2 and len(b) == 7 and b[2] == "1":
                cands.append(f"{a}/{b[:2]}/{b[3:]}")
            if len(a) == 5 and a[2] == "1" and len(b) == 4:
                cands.append(f"{a[:2]}/{a[3:]}/{b}")
    elif len(digits) == 10 and digits[2] == "1" and digits[5] == "1":
        cands.append(f"{digits[:2]}/{digits[3:5]}/{digits[6:]}")
    for c in cands:
        p = c.split("/")
        if len(p) == 3 and all(x.isdigit() for x in p) and len(p[2]) == 4:
            iso = _valid(int(p[2]), int(p[0]), int(p[1]))
            if iso:
                return iso
    return None


# ICE's file names end in a date: "_06-09-2020", "2019-10-15", "_02.18.2025", "_04.29.25", "_031425", "_02262025".
_NAME_DATES = (
    (re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})$"), "ymd"),
    (re.compile(r"(?<!\d)(\d{2})[-.](\d{2})[-.](\d{4}|\d{2})$"), "mdy"),
    (re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{4}|\d{2})$"), "mdy"),
)


def date_in_name(name: str | None) -> str | None:
    """The date an ICE file name ends with (ISO), None when it carries none or an impossible one
    ("_0611025"). ICE names a file by a date of the agreement: ICE's own signature or near it."""
    if not name:
        return None
    stem = re.sub(r"\.pdf$", "", name.rsplit("/", 1)[-1], flags=re.IGNORECASE)
    for pattern, order in _NAME_DATES:
        m = pattern.search(stem)
        if m:
            a, b, c = (int(g) for g in m.groups())
            y, mo, d = (a, b, c) if order == "ymd" else (c + 2000 if c < 100 else c, a, b)
            return _valid(y, mo, d)
    return None
