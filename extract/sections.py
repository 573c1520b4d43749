"""Numbered articles (I. PARTIES … XVIII. EFFECTIVE DATE…), their lettered subsections and the appendices.

Headings are found line by line over the whole document, then checked against each other: article
numbers must run in order, so an OCR-mangled numeral ("ID. AUTHORITY") is accepted only where its
title is a known article title and the numbering says what it must be. Keys come from a table of the
articles of the 2019-2020 and 2025 templates (JEM, WSO, TFM) so the same clause compares across years.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from extract.clean import clean_heading, clean_text
from extract.wordlist import words

# Known article titles (as printed in the templates) -> stable key.
ARTICLE_KEYS: dict[str, str] = {
    "PARTIES": "parties",
    "PURPOSE": "purpose",
    "AUTHORITY": "authority",
    "POLICY": "policy",
    "RESPONSIBILITIES": "responsibilities",
    "REPORTING AND DOCUMENTATION": "reporting",
    "REPORTING REQUIREMENTS": "reporting",
    "MODIFICATIONS TO THIS MOA": "modifications",
    "MODIFICATION OF THIS MOA": "modifications",
    "POINTS OF CONTACT": "points-of-contact",
    "EFFECTIVE DATE AND TERMINATION OF THIS MOA": "effective-date-termination",
    "EFFECTIVE DATE, SUSPENSION, AND TERMINATION OF THIS MOA": "effective-date-termination",
    "DURATION AND TERMINATION OF THIS MOA": "effective-date-termination",
    "TRAINING AND ASSIGNMENTS": "training-assignments",
    "DESIGNATION OF AUTHORIZED FUNCTIONS": "designation-of-functions",
    "RESOLUTION OF LOCAL CHARGES": "local-charges",
    "NOMINATION OF PERSONNEL": "nomination",
    "TRAINING OF PERSONNEL": "training",
    "CERTIFICATION AND AUTHORIZATION": "certification",
    "COSTS AND EXPENDITURES": "costs",
    "ICE SUPERVISION": "supervision",
    "SUPERVISION": "supervision",
    "RELEASE OF INFORMATION TO THIRD PARTIES": "release-of-information",
    "LIABILITY AND RESPONSIBILITY": "liability",
    "COMPLAINT PROCEDURES": "complaints",
    "CIVIL RIGHTS STANDARDS": "civil-rights",
    "COMMUNITY OUTREACH": "community-outreach",
    "DETENTION ISSUES": "detention",
    "INTERPRETATION SERVICES": "interpretation",
    "COMMUNICATION": "communication",
    "STEERING COMMITTEE": "steering-committee",
    "REQUIRED PROCEDURES": "required-procedures",
}

# Article titles by position in the templates (2019-2020 JEM/WSO; 2025 TFM), used to accept a heading
# whose numeral OCR mangled ("ID. AUTHORITY", "VD. POINTS OF CONTACT") only where the template puts it.
_TEMPLATES = [
    ["PARTIES", "PURPOSE", "AUTHORITY", "RESPONSIBILITIES", "REPORTING AND DOCUMENTATION",
     "MODIFICATIONS TO THIS MOA", "POINTS OF CONTACT", "EFFECTIVE DATE AND TERMINATION OF THIS MOA"],
    ["PURPOSE", "AUTHORITY", "POLICY", "TRAINING AND ASSIGNMENTS", "DESIGNATION OF AUTHORIZED FUNCTIONS",
     "RESOLUTION OF LOCAL CHARGES", "NOMINATION OF PERSONNEL", "TRAINING OF PERSONNEL",
     "CERTIFICATION AND AUTHORIZATION", "COSTS AND EXPENDITURES", "ICE SUPERVISION", "REPORTING REQUIREMENTS",
     "RELEASE OF INFORMATION TO THIRD PARTIES", "LIABILITY AND RESPONSIBILITY", "COMPLAINT PROCEDURES",
     "CIVIL RIGHTS STANDARDS", "MODIFICATION OF THIS MOA", "EFFECTIVE DATE, SUSPENSION, AND TERMINATION OF THIS MOA"],
]
APPENDIX_KEYS: dict[str, str] = {
    "STANDARD OPERATING PROCEDURE (SOP)": "sop",
    "STANDARD OPERATING PROCEDURES (SOP)": "sop",
    "POINTS OF CONTACT": "points-of-contact",
    "COMPLAINT PROCEDURE": "complaints",
    "PUBLIC INFORMATION POINTS OF CONTACT": "public-information",
}

ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50}
_TO_ROMAN = [(50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]

ARTICLE_RE = re.compile(r"^\s*(?P<num>[IVXLlDUTivnu1|!]{1,5}|[A-Za-z][A-Za-z1|!]{0,3})\s*[.,:;]?\s+[«\x22'*•=]?(?P<title>[A-Za-z0-9][A-Za-z0-9 ,.'&/()\-]{2,100}?)\s*$")
SUB_RE = re.compile(r"^\s*(?P<letter>[A-Z0-9])\s*[.,]?\.\s+(?P<title>[A-Z][A-Za-z0-9 ,.'&/()\-]{3,90}?)\s*$")
APPENDIX_RE = re.compile(r"^\s*APPENDIX\s*(?P<letter>[A-Z8&](?![A-Za-z]))?\s*[:.\-]?\s*(?P<title>[A-Z].*)?$")
# Specks OCR puts before a heading ("' IT. AUTHORITY", "\" A. COMPLAINT PROCEDURES", "_ B. COMMUNICATION"); those
# before its title ("Vi. «MODIFICATIONS TO THIS MOA") or after its letter ("D,. CERTIFICATION") the patterns allow.
_SPECKS = re.compile(r"^\s*[^A-Za-z0-9\s]{1,2}\s+(?=\S)")


def _heading(text: str) -> str:
    """A line as a heading is matched: without the specks OCR put before it."""
    return _SPECKS.sub("", text)


# A heading the patterns above refuse because OCR or a layer garbled it: specks between the numeral and the
# title ("XI. | REPORTING REQUIREMENTS", "Ill.' POLICY"), brackets or '¥' in the numeral ("Ii]. AUTHORITY",
# "¥. REPORTING"), no space after the letter ("A.COMPLAINT PROCEDURES"), none of the period ("L CIVIl., RIGHTS
# STANDARDS" for I.), or stray glyphs in the title ("REQUIRE1\\1ENTS", "FU!'fCTIONS", "RELE _SE OF INFORM TIO").
# Such a line opens a clause only under the stricter checks of `_loose_article` and `_loose_sub`.
_LOOSE_ARTICLE = re.compile(r"^\s*(?P<num>[IVXLlivx1|!\[\]¥]{1,5})\s*[.,:;]\s*(?P<noise>(?:[^\w\s]{1,3}\s*)?)"
                            r"(?P<title>[A-Za-z].{2,100}?)\s*$")
_LOOSE_SUB = re.compile(r"^\s*(?P<letter>[A-Z0-9])(?:\s*[.,:;]\s*|\s+)[^\w\s]{0,2}\s*(?P<title>[A-Za-z].{3,90}?)\s*$")
# 'M' as OCR splits it into two strokes and a backslash ("DOCUI\\1ENfATION", "REQUIRE1\\1ENTS").
_SPLIT_M = re.compile(r"[I1l|]\\[I1l|]")


def _loose_title(title: str) -> str:
    """A garbled title's letters, 'M' rejoined: what `canonical` compares."""
    return re.sub(r"[^A-Za-z ]", "", _SPLIT_M.sub("M", title))


def to_roman(n: int) -> str:
    out = ""
    for v, s in _TO_ROMAN:
        while n >= v:
            out += s
            n -= v
    return out


def roman_value(s: str) -> int | None:
    """The value of a cleanly printed numeral ('l', '1', '|' read as 'I'); None for anything else."""
    s = s.replace("l", "I").replace("1", "I").replace("|", "I").replace("i", "I")
    if not re.fullmatch(r"[IVXL]+", s):
        return None
    total, prev = 0, 0
    for ch in reversed(s):
        v = ROMAN[ch]
        total += -v if v < prev else v
        prev = max(prev, v)
    return total if to_roman(total) == s else None


def slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


OCR_CUTOFF, OCR_MARGIN = 75.0, 15.0  # an OCR'd heading: a looser match, if no other key comes near it


def canonical(title: str, table: dict[str, str], cutoff: float = 88.0, ocr: bool = False) -> tuple[str, str] | None:
    """(canonical title, key) for a heading close to a known one, ignoring spaces OCR adds or drops. An OCR'd
    heading ("DESIGNATION OJ' AIJTBORIZED ll'UNCl10NS") may match more loosely, when the best key is
    clearly ahead of every other key."""
    squeezed = re.sub(r"[^A-Z]", "", title.upper())
    scores: dict[str, tuple[float, str]] = {}
    for known, key in table.items():
        score = fuzz.ratio(squeezed, re.sub(r"[^A-Z]", "", known))
        if score > scores.get(key, (-1.0, ""))[0]:
            scores[key] = (score, known)
    ranked = sorted(((sc, known, key) for key, (sc, known) in scores.items()), reverse=True)
    if not ranked:
        return None
    best_score, known, key = ranked[0]
    if best_score >= cutoff:
        return known, key
    runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
    if ocr and best_score >= OCR_CUTOFF and best_score - runner_up >= OCR_MARGIN:
        return known, key
    return None


def _misread(line: _Line, title: str) -> bool:
    """A heading from OCR, or one a scanner's old OCR layer garbled: lower case or digits among its capitals."""
    return line.method == "ocr" or bool(re.search(r"[a-z]|[A-Z][0-9]|[0-9][A-Z]", title))


def _is_caps(title: str) -> bool:
    letters = [c for c in title if c.isalpha()]
    return len(letters) >= 4 and sum(c.isupper() for c in letters) / len(letters) >= 0.8


@dataclass
class _Line:
    page: int
    text: str
    method: str = "text"


def _running_lines(pages: list[Any]) -> set[str]:
    """Footer/header lines the template repeats on many pages (agency name, "Revised …"), page numbers aside."""
    seen: dict[str, int] = {}
    for p in pages:
        lines = [ln.strip() for ln in (p.text or "").splitlines() if ln.strip()]
        for ln in set(lines[:2] + lines[-3:]):
            key = re.sub(r"\s*\d{1,2}\s*$|^\s*\d{1,2}\s+", "", ln)
            seen[key] = seen.get(key, 0) + 1
    return {k for k, n in seen.items() if n >= 3 and k and not ARTICLE_RE.match(k)}


def _misread_running(key: str, running: set[str]) -> bool:
    """A page's header that is a running line misread on this page ("Oocusign Envelope ID: 608F9A7B-0382-4B31-…"
    among pages that print "Docusign Envelope ID: 608F9A7B-0382-4831-…"). Only a header: a footer naming the
    agency, misread, is also where compare finds a signature block's end (`compare.wording`)."""
    return len(key) >= 20 and any(fuzz.ratio(key, r) >= 90 for r in running if len(r) >= 20)


_FOOTER = re.compile(r"Revised\s*\d{1,2}/\d{1,2}/\d{2,4}\s*$|^\s*(\d{1,2}|Page\s+\d+(\s+of\s+\d+)?)\s*$", re.I)


def _junk(line: str) -> bool:
    """A line of no words: specks, stray letters, or pieces most of which are no dictionary word of three
    letters or more ("Hy", "sass ya en")."""
    toks = [t.lower() for t in re.findall(r"[A-Za-z]{2,}", line)]
    return sum(len(t) >= 3 and t in words() for t in toks) * 2 < len(toks) or not toks


def _before_edge_specks(lines: list[str], running: set[str]) -> list[str]:
    """A page's lines without what OCR read below its footer when that is no words at all (the scan's edge,
    specks, a stamp: "pee Nang RSE ORT OTN TES" after "Revised 02/15/2025"); words there are kept."""
    def footer(ln: str) -> bool:
        return bool(_FOOTER.search(ln)) or re.sub(r"\s*\d{1,2}\s*$|^\s*\d{1,2}\s+", "", ln.strip()) in running

    for f in (i for i, ln in enumerate(lines) if ln.strip() and footer(ln)):
        rest = [ln for ln in lines[f + 1:] if ln.strip()]
        if all(footer(ln) or _junk(ln) for ln in rest):
            return lines[: f + 1] + [ln for ln in lines[f + 1:] if not ln.strip() or footer(ln)]
    return lines


def _lines(pages: list[Any]) -> list[_Line]:
    """The document's lines with page numbers, running footers and "Revised" lines left out."""
    running = _running_lines(pages)
    out = []
    for p in pages:
        text_lines = _before_edge_specks((p.text or "").splitlines(), running)
        top = set(sorted(i for i, ln in enumerate(text_lines) if ln.strip())[:2])
        for n, line in enumerate(text_lines):
            bare = line.strip()
            if re.fullmatch(r"\d{1,2}|Page\s+\d+(\s+of\s+\d+)?", bare, re.I):
                continue
            key = re.sub(r"\s*\d{1,2}\s*$|^\s*\d{1,2}\s+", "", bare)
            if bare and (key in running or (n in top and _misread_running(key, running))):
                continue
            line = re.sub(r"\s*\d{0,2}\s*Revised\s*\d{1,2}/\d{1,2}/\d{2,4}\s*$", "", line)
            out.append(_Line(p.number, line, getattr(p, "method", "text")))
    return out


def _appendix_starts(lines: list[_Line]) -> list[tuple[int, str | None, str]]:
    """(line index, letter or None, title) of each appendix heading, in order."""
    found = []
    for i, ln in enumerate(lines):
        m = APPENDIX_RE.match(ln.text)
        if not m or not ln.text.strip().startswith("APPENDIX"):
            continue
        title = (m["title"] or "").strip()
        if not title:
            for nxt in lines[i + 1 : i + 3]:
                if nxt.text.strip():
                    title = nxt.text.strip() if _is_caps(nxt.text) else ""
                    break
        letter = m["letter"]
        if letter in ("8",):
            letter = "B"
        if letter == "&":
            letter = None
        found.append((i, letter, title))
    return found


def _fits(title: str, position: int, first: str | None) -> bool:
    """Whether a known title is the article at `position` in the template the document follows (known from
    its first article: PARTIES for the 2019-2020 JEM/WSO, PURPOSE for the Task Force template)."""
    for seq in _TEMPLATES:
        if first is not None and seq[0] != first:
            continue
        names = {seq[position - 1]} if position <= len(seq) else set()
        if position == 8 and seq[0] == "PARTIES":
            names.add("EFFECTIVE DATE, SUSPENSION, AND TERMINATION OF THIS MOA")
        if title in names:
            return True
    return False


def _numeral_lost(text: str, expected: int, first: str | None) -> tuple[str, str] | None:
    """(title, key) of a heading printed without its numeral ("ICE SUPERVISION" where a scanner's layer lost
    "XI."): the whole line a known title, exactly where the template puts the next article."""
    whole = clean_heading(_heading(text).strip())
    known = canonical(whole, ARTICLE_KEYS) if _is_caps(whole) else None
    return known if known and _fits(known[0], expected, first) else None


def _loose_article(text: str, expected: int, first: str | None) -> tuple[str, str] | None:
    """(title, key) of a garbled article heading (`_LOOSE_ARTICLE`): only a known title that the template
    puts at this very position, under a numeral that reads within one of the expected (a '|' between numeral
    and title counts as its last I: "XI. | REPORTING REQUIREMENTS" is XII)."""
    m = _LOOSE_ARTICLE.match(text) or _LOOSE_ARTICLE.match(_heading(text))  # "¥." itself looks like specks
    if not m or not _is_caps(m["title"]):
        return None
    numeral = m["num"].replace("]", "I").replace("[", "I").replace("!", "I").replace("¥", "V")
    value = roman_value(numeral + "I" * min(m["noise"].count("|"), 1))
    known = canonical(_loose_title(m["title"]), ARTICLE_KEYS, ocr=True)
    if value is None or abs(value - expected) > 1 or not known or not _fits(known[0], expected, first):
        return None
    return known


def _find_articles(lines: list[_Line], end: int) -> list[tuple[int, str, str, str]]:
    """(line index, numeral, title, key) of each numbered article before line `end`."""
    out: list[tuple[int, str, str, str]] = []
    expected = 1
    first: str | None = None
    for i in range(end):
        m = ARTICLE_RE.match(_heading(lines[i].text))
        if not m or not _is_caps(m["title"]):
            if garbled := _loose_article(lines[i].text, expected, first):
                first = first or garbled[0]
                out.append((i, to_roman(expected), *garbled))
                expected += 1
            continue
        value = roman_value(m["num"])
        if out and value is None and (lost := _numeral_lost(lines[i].text, expected, first)):
            out.append((i, to_roman(expected), *lost))
            expected += 1
            continue
        title = clean_heading(m["title"])
        known = canonical(title, ARTICLE_KEYS, ocr=_misread(lines[i], title))
        fits = bool(known) and _fits(known[0], expected, first)
        # A heading lost to OCR (or a whole unreadable page) leaves a gap: a cleanly printed numeral whose
        # known title sits at that very position of the template resumes the count.
        resumes = known is not None and value is not None and value > expected and _fits(known[0], value, first)
        if not out and value == 1 and known and not any(seq[0] == known[0] for seq in _TEMPLATES):
            continue  # "I. CIVIL RIGHTS STANDARDS" is subsection I of article IV, not article I
        # A text layer prints its numerals as they are: a repeated number ("XV. COMPLAINT PROCEDURES",
        # "XV. CIVIL RIGHTS STANDARDS") or a skip (XVI -> XIX) is the document's own numbering. In
        # Tesseract's output the same pattern is a misread, and the template's position wins.
        as_printed = (known is not None and value is not None and lines[i].method == "text" and bool(out)
                      and (value == expected - 1 and out[-1][3] != known[1] or expected < value <= expected + 3))
        if as_printed:
            resumes = True
        if value == expected or fits or (known and value == expected + 1) or resumes:
            value = value if (value in (expected, expected + 1) or resumes) else expected
            if known:
                title_out, key = known
                if title in ARTICLE_KEYS:  # keep the printed wording when it is itself a known variant
                    title_out = title
            else:
                title_out, key = title, slug(title)
            if first is None and known:
                first = known[0]
            out.append((i, to_roman(value), title_out, key))
            expected = value + 1
    return out


# What OCR reads for a subsection's letter on these scans ("8. NOMINATION OF PERSONNEL" for "B.").
_LETTER_READS = {"B": "8HER", "D": "O0", "G": "6C", "H": "B8", "I": "1L", "O": "0D", "S": "5"}


def _sub_letter(found: str, want: str, title: str) -> str | None:
    """The letter a subsection heading stands for: the one wanted; else, under a known subsection title, a
    misreading of it or the letter after it (the heading of the one wanted was lost)."""
    if found == want:
        return want
    if canonical(title, ARTICLE_KEYS) is None:
        return None
    if found in _LETTER_READS.get(want, ""):
        return want
    return found if want < "Z" and found == chr(ord(want) + 1) else None


def _loose_sub(text: str, want: str, previous: str | None = None) -> str | None:
    """The known title of a garbled subsection heading (`_LOOSE_SUB`) whose letter is the one wanted, an OCR
    reading of it ("L CIVIl., RIGHTS STANDARDS" for I.), or a neighbouring letter ("F:. COSTS AND EXPENDITURES"
    for E., the layer reading E as F and a speck, as in its "CF:RTIFICATION"): the heading stands for the letter
    wanted. Never the title of the subsection before it (`previous`), a heading repeated atop the next page."""
    m = _LOOSE_SUB.match(_heading(text))
    if not m or not _is_caps(m["title"]):
        return None
    letter = m["letter"]
    if letter != want and letter not in _LETTER_READS.get(want, "") and not \
            (letter.isalpha() and abs(ord(letter) - ord(want)) == 1):
        return None
    known = canonical(_loose_title(m["title"]), ARTICLE_KEYS, ocr=True)
    if not known or (letter != want and previous is not None and known[1] == previous):
        return None
    return known[0]


def _subsections(lines: list[_Line], start: int, end: int) -> list[dict[str, Any]]:
    subs: list[tuple[int, str, str]] = []
    want = "A"
    for i in range(start, end):
        m = SUB_RE.match(_heading(lines[i].text))
        if not m or not _is_caps(m["title"]):
            previous = canonical(subs[-1][2], ARTICLE_KEYS, ocr=True) if subs else None
            if garbled := _loose_sub(lines[i].text, want, previous[1] if previous else None):
                subs.append((i, want, garbled))
                want = chr(ord(want) + 1)
            continue
        title = clean_heading(m["title"])
        letter = _sub_letter(m["letter"], want, title)
        if letter is None or re.fullmatch(r"[A-Z]\.?( [A-Z][a-z]+)+", title):  # "C. M. Cronen" is a name
            continue
        subs.append((i, letter, title))
        want = chr(ord(letter) + 1)
    out = []
    for j, (i, letter, title) in enumerate(subs):
        stop = subs[j + 1][0] if j + 1 < len(subs) else end
        known = canonical(title, ARTICLE_KEYS, ocr=_misread(lines[i], title))
        title_out, key = (known if known else (title, slug(title)))
        body = lines[i + 1 : stop]
        out.append({
            "letter": letter, "title": title_out, "key": key, "page_start": lines[i].page,
            "page_end": body[-1].page if body else lines[i].page, "text": clean_text(_join(body)),
        })
    return out


def _join(lines: list[_Line]) -> str:
    return "\n".join(ln.text.rstrip() for ln in lines).strip()


def extract_sections(pages: list[Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(sections, appendices) of a document given its pages (objects with `.number` and `.text`)."""
    lines = _lines(pages)
    apps = _appendix_starts(lines)
    body_end = apps[0][0] if apps else len(lines)
    arts = _find_articles(lines, body_end)
    sections = []
    for j, (i, num, title, key) in enumerate(arts):
        stop = arts[j + 1][0] if j + 1 < len(arts) else body_end
        body = lines[i + 1 : stop]
        sections.append({
            "number": num, "title": title, "key": key, "page_start": lines[i].page,
            "page_end": body[-1].page if body else lines[i].page, "text": clean_text(_join(body)),
            "subsections": _subsections(lines, i + 1, stop),
        })
    appendices = []
    expected = "A"
    for j, (i, letter, title) in enumerate(apps):
        letter = letter or expected
        if appendices and letter == appendices[-1]["letter"]:
            continue  # a heading repeated at the top of a continuation page
        stop = apps[j + 1][0] if j + 1 < len(apps) else len(lines)
        body = lines[i + 1 : stop]
        clean = clean_heading(title) if title else ""
        known = canonical(clean, APPENDIX_KEYS) if clean else None
        title_out, key = known if known else (clean, slug(clean) if clean else f"appendix-{letter.lower()}")
        if known and clean in APPENDIX_KEYS:
            title_out = clean
        appendices.append({
            "letter": letter, "title": title_out, "key": key, "page_start": lines[i].page,
            "page_end": body[-1].page if body else lines[i].page, "text": clean_text(_join(body)),
        })
        expected = chr(ord(letter) + 1)
    return sections, appendices
