"""Clause text → a comparison form that OCR noise and the agency's own particulars cannot change.

Two steps. `prepare` works on the printed text: it joins hyphenated line breaks, drops page footers, and
replaces what is particular to one agreement (the agency's name and short forms, its county, its state,
dates, the signatories' names) with placeholders such as ⟦AGENCY⟧. `canon` maps one printed word to a lossy
key in which the usual OCR confusions (rn/m, nn/m, l/1/I, 0/O, "CML" for CIVIL, cl/d, vv/w) fall together;
the same mapping is applied to every agreement, so it only ever merges, never separates.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DE": "Delaware", "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho",
    "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina",
    "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas",
    "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington", "WV": "West Virginia",
    "WI": "Wisconsin", "WY": "Wyoming", "DC": "District of Columbia", "PR": "Puerto Rico", "GU": "Guam",
}
PLACEHOLDER = re.compile(r"⟦([A-Z]+)⟧")
_MONTHS = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_DATES = [
    re.compile(rf"\b{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b", re.I),
    re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:day\s+of\s+)?{_MONTHS},?\s+\d{{4}}\b", re.I),
    re.compile(r"\b\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*(?:\d{4}|\d{2})\b"),
    re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
]
# Page furniture that lands inside a clause when it runs across a page break.
_FURNITURE = [
    re.compile(r"(?:⟦AGENCY⟧[\s,]*(?:⟦STATE⟧)?\s*)?\b\d{1,3}\s+Revised\s+⟦DATE⟧|\bRevised\s+⟦DATE⟧", re.I),
    re.compile(r"\bPage\s+\d+\s+of\s+\d+\b", re.I),
    # A footer whose date OCR garbled ("Revised 03107/2025"), with the page number and what precedes it.
    re.compile(r"(?m)^[^\n]{0,90}?\b\d{1,2}\s+Revised\s+[\dOoIl|/.\- ]{6,14}\s*$|\bRevised\s+[\dOoIl|/.-]{8,12}\b"),
    # A page number alone on its line between blank lines (a lone number inside a sentence stays).
    re.compile(r"\n[ \t]*\n[ \t]*\d{1,3}[ \t]*\n(?=[ \t]*\n)|(?<=\n)[ \t]*\n[ \t]*\d{1,3}[ \t]*\n[ \t]*\n"),
]
_AGENCY_WORDS = re.compile(
    r"\b(?:County|Parish|City|Town|Township|Village|Borough|Sheriff'?s?|Police|Department|Dept\.?|Office|"
    r"Detention|Center|Jail|Correctional|Corrections|Facility|Division|Bureau|Public|Safety|of|the)\b", re.I)
_SHORT_STOP = {"the", "of", "and", "for", "in", "at"}
# Words of the template itself that must never be taken for the agency's short name.
_TEMPLATE_WORDS = {"ICE", "DHS", "LEA", "MOA", "ERO", "INA", "FBI", "state", "law", "enforcement", "immigration",
                   "customs", "united states", "task force", "homeland security"}


@dataclass
class Context:
    """What is particular to one agreement, to be replaced by placeholders before comparing."""

    agency: str | None = None
    state: str | None = None  # two-letter code
    names: Sequence[str] = field(default_factory=tuple)  # signatories and points of contact

    @classmethod
    def of_record(cls, record: dict) -> Context:
        agency = record.get("agency") or {}
        names = [s.get("name") for s in record.get("signatories") or [] if _personal_name(s.get("name"))]
        return cls(agency=agency.get("name"), state=agency.get("state"), names=tuple(names))


_CHAR_CLASS = {"i": "[il1|!]", "l": "[il1|!]", "1": "[il1|!]", "o": "[o0]", "0": "[o0]", "m": "(?:m|rn|nn)",
               "w": "(?:w|vv)", "d": "(?:d|cl)", "'": "'?"}


_NOT_NAMES = {"act", "nationality", "immigration", "customs", "enforcement", "security", "homeland", "department",
              "office", "county", "sheriff", "state", "united", "states", "director", "agreement", "memorandum",
              "federal", "law", "police", "field", "agency", "ice", "dhs", "lea", "moa", "the", "of", "and",
              "standard", "operating", "procedures", "procedure", "appendix", "section", "chief", "officer"}


def _personal_name(name: str | None) -> bool:
    """Whether a signatory name read by extraction looks like a person's (two words or more, no template words)."""
    if not name:
        return False
    parts = re.findall(r"[A-Za-z]+", name)
    return len(parts) >= 2 and not any(p.lower() in _NOT_NAMES for p in parts)


def _flex(phrase: str) -> str:
    """A regex for a phrase as OCR may print it: any whitespace between words, optional apostrophes, and the
    usual look-alike letters (use with re.I)."""
    parts = ["".join(_CHAR_CLASS.get(ch.lower(), re.escape(ch)) for ch in p) for p in phrase.split()]
    return r"\s*(?:\s[^\w\s]|\sx)?\s+".join(parts)  # a speck OCR read between two words may sit there


def _agency_forms(name: str) -> list[str]:
    """The agency's name and the short forms an MOA uses for it, longest first."""
    name = re.sub(r"\s+", " ", name.replace("’", "'")).strip(" []{}|,.;:'\"")
    forms = {name, re.sub(r"^the\s+", "", name, flags=re.I)}
    forms.add(re.sub(r",.*$", "", name))
    # "Franklin County Sheriff's Office" → "Franklin County"; "Town of Jupiter Island" → "Jupiter Island".
    m = re.search(r"((?:[A-Z][\w.'-]*\s+){1,3})(County|Parish)\b", name)
    if m:
        forms.add((m.group(1) + m.group(2)).strip())
    core = _AGENCY_WORDS.sub(" ", re.sub(r",.*$", "", name))
    core = re.sub(r"\s+", " ", core).strip(" ,'")
    if len(core) >= 4:
        forms.add(core)
    words = [w for w in re.findall(r"[A-Za-z][\w']*", re.sub(r"\(.*?\)", " ", name)) if w.lower() not in _SHORT_STOP]
    # The acronyms an MOA coins for its agency: "BCSO" and "BSO" for Broward County Sheriff's Office.
    for drop in ((), ("county", "parish"), ("county", "parish", "department", "dept", "office")):
        initials = "".join(w[0] for w in words if w.lower() not in drop)
        if len(initials) >= 2:
            forms.add(initials.upper())
    forms.update(m for m in re.findall(r"\(([A-Z]{2,8})\)", name))  # "Arcadia Police Dept (APD)"
    return sorted((f for f in forms if (len(f) >= 3 or (f.isupper() and len(f) >= 2)) and f not in _TEMPLATE_WORDS
                   and f.lower() not in _TEMPLATE_WORDS), key=len, reverse=True)


# Acronyms of ICE's templates themselves, never an agency's short name.
_TEMPLATE_ACRONYMS = {
    "ICE", "DHS", "LEA", "MOA", "ERO", "INA", "FOD", "AFOD", "SOP", "OPR", "OIG", "CRCL", "ISA", "IT", "NTA", "OPLA",
    "DOJ", "FBI", "SAC", "HSI", "CFR", "USC", "US", "USA", "FTCA", "PII", "DRO", "TFM", "JEM", "WSO", "AOR", "IGA",
    "POC", "NCIC", "EARM", "IDENT", "IAFIS", "FOIA", "SORN", "CJIS", "OI", "FR", "II", "III", "IV", "VI", "VII",
    "VIII", "IX", "XI", "XII", "XIII", "XIV", "XV", "XVI", "XVII", "XVIII", "XIX", "XX", "LE", "DC", "NC", "NY"}


def _agency_acronyms(text: str, agency: str) -> str:
    """The acronym an agency filled into the older templates' blank ("the BCSO", "ADJ", "LPCSO"): an all-caps
    word that is no template acronym and starts and ends like the agency's name (first word, last word)."""
    words = [w for w in re.findall(r"[A-Za-z]+", re.sub(r"\(.*?\)", " ", agency))
             if w.lower() not in _SHORT_STOP | {"city", "town", "village"}
             and w.title() not in STATES.values() and w not in STATES]
    if len(words) < 2:
        return text
    first, last = words[0][0].upper(), words[-1][0].upper()
    plain = set(re.findall(r"\b[a-z]+\b", text))  # "IS", "THE" in capitals are words the text also has in lower case

    try:
        from extract.wordlist import words as wordlist
        real = wordlist()
    except ImportError:
        real = None

    def repl(m: re.Match) -> str:
        acr = m.group(1)
        if acr[0] != first or acr[-1] != last or acr in _TEMPLATE_ACRONYMS:
            return m.group(0)
        if acr.lower() in plain and (real is None or acr.lower() in real):
            return m.group(0)
        # An OCR misreading of a template acronym (FOO for FOD) is not the agency either.
        if any(len(a) == len(acr) and sum(x != y for x, y in zip(a, acr, strict=True)) <= 1
               for a in _TEMPLATE_ACRONYMS):
            return m.group(0)
        return " ⟦AGENCY⟧ "

    return re.sub(r"(?<![\w'])([A-Z]{3,6})(?![a-z\d])", repl, text)


def _drop_name_lines(text: str, agency: str) -> str:
    """Drop lines that hold only the agency's name (a running footer or header, spelled as the footer spells it:
    "Okechobee Police Department, Florida"), with page number, state and revision date around it."""
    from rapidfuzz import fuzz

    def core(s: str) -> str:
        s = re.sub(r"\bRevised\b.*$|\b\d{1,3}\b|[,;|()\[\]\"“”]", " ", s)
        return " ".join(w for w in s.split() if w.title() not in STATES.values() and w not in STATES).lower()

    name = core(agency)
    lines = text.split("\n")
    out = []
    i = 0
    while i < len(lines):
        c = core(lines[i])
        if c and len(c) <= 90:
            # The name may run onto the next non-blank line ("Franklin County Sheriff's" / "Office, Alabama").
            j = next((j for j in range(i + 1, min(i + 4, len(lines))) if lines[j].strip()), None)
            if j is not None and fuzz.partial_ratio(c, name) >= 85 and \
                    fuzz.ratio(core(lines[i] + " " + lines[j]), name) >= max(85, fuzz.ratio(c, name) + 1):
                i = j + 1
                continue
            if fuzz.ratio(c, name) >= 85:
                i += 1
                continue
        out.append(lines[i])
        i += 1
    return "\n".join(out)


_SIGNATURE_BLOCK = re.compile(r"(?im)^\s*(?:for\s+the\s+lea\s*:|for\s+ice\s*:|signature\s*[:=;]|date\s*[:;]|"
                              r"name\s*[:;]|digitally\s+signed\s+by)")


def _trim_signature_block(text: str) -> str:
    """Cut the signature block off the last clause: names, dates and stamps are not wording, and OCR reads the
    two-column block in another order than the text layer."""
    m = _SIGNATURE_BLOCK.search(text, int(len(text) * 0.4))
    return text[: m.start()] if m else text


def _fuzzy_agency(text: str, agency: str, threshold: float = 88.0) -> str:
    """Replace the agency's name where OCR or the drafter spelled it a little differently ("Highland Beach Ponce
    Department" read for Police): runs of as many words as the name, at least `threshold` similar."""
    from rapidfuzz import fuzz

    name = re.sub(r"^the\s+", "", re.sub(r",.*$", "", agency.replace("’", "'")), flags=re.I).lower().strip()
    parts = name.split()
    k = len(parts)
    if k < 2:
        return text

    def ends_match(win: list[str]) -> bool:
        first, last = win[0].lower().strip(",.;:"), win[-1].lower().strip(",.;:")
        return fuzz.ratio(first, parts[0]) >= 75 and fuzz.ratio(last, parts[-1]) >= 75

    spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    words = [text[a:b] for a, b in spans]
    cuts: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        for n in (k, k + 1, k - 1):
            win = words[i:i + n]
            if len(win) == n and n >= 2 and "⟦" not in "".join(win) and ends_match(win) and \
                    fuzz.ratio(" ".join(win).lower().strip(",.;:"), name) >= threshold:
                cuts.append((spans[i][0], spans[i + n - 1][1] - (1 if win[-1].endswith(",") else 0)))
                i += n
                break
        else:
            i += 1
    for a, b in reversed(cuts):
        text = text[:a] + " ⟦AGENCY⟧ " + text[b:]
    return text


def prepare(text: str, ctx: Context | None = None) -> str:
    """The printed clause with line-break hyphens joined, page furniture dropped and the particulars of
    one agreement replaced by ⟦AGENCY⟧, ⟦COUNTY⟧, ⟦STATE⟧, ⟦DATE⟧, ⟦NAME⟧."""
    ctx = ctx or Context()
    t = unicodedata.normalize("NFKC", text or "")
    t = t.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    t = re.sub(r"[\u00ad\u200b]", "", t)
    t = _trim_signature_block(t)
    if ctx.agency:
        t = _drop_name_lines(t, ctx.agency)
    t = re.sub(r"(\w)[-‐‑]\s*\n\s*(\w)", r"\1\2", t)  # immigra-\ntion
    t = re.sub(r"([a-z])[-‐‑] +([a-z])", r"\1\2", t)  # immigra- tion (newline already collapsed)
    for rx in _DATES:
        t = rx.sub(" ⟦DATE⟧ ", t)
    if ctx.agency:
        t = _fuzzy_agency(t, ctx.agency)
        for form in _agency_forms(ctx.agency):
            flags = 0 if form.isupper() else re.I
            t = re.sub(rf"(?<!\w){_flex(form)}(?!\w)", " ⟦AGENCY⟧ ", t, flags=flags)
    if ctx.agency:
        t = _agency_acronyms(t, ctx.agency)
    # The 2025 templates call the agency "the LEA" where older ones use its acronym: both are the agency.
    t = re.sub(r"(?<![\w'])LEA(?![\w])", " ⟦AGENCY⟧ ", t)
    state = (ctx.state or "").upper()
    if state in STATES:
        t = re.sub(rf"(?<!\w){_flex(STATES[state])}(?!\w)", " ⟦STATE⟧ ", t, flags=re.I)
        t = re.sub(rf"(?<![\w.]){state}(?![\w.])", " ⟦STATE⟧ ", t)
    for name in sorted({n for n in ctx.names if n and len(n) >= 4}, key=len, reverse=True):
        t = re.sub(rf"(?<!\w){_flex(name)}(?!\w)", " ⟦NAME⟧ ", t, flags=re.I)
    for rx in _FURNITURE:
        t = rx.sub(" ", t)
    t = re.sub(r"_{3,}", " ", t)  # blank signature/fill-in lines
    # A placeholder repeated (", Alabama" after the agency) is one mention.
    t = re.sub(r"⟦AGENCY⟧[^\w⟦]{0,6}(?:⟦STATE⟧|⟦AGENCY⟧)", "⟦AGENCY⟧", t)
    t = re.sub(r"(⟧)\s+('s)\b", r"\1\2", t)  # "⟦AGENCY⟧'s", as printed
    return re.sub(r"\s+", " ", t).strip()


_LETTER_FIXES = [("rn", "m"), ("rm", "m"), ("nn", "m"), ("vv", "w"), ("cl", "d")]
# Whole words OCR reads as other letters: "CIVIL" as "CML" (IVI → M).
_WORD_FIXES = {"cml": "civil", "cmlian": "civilian"}
_LOOKALIKE = set("lio|")


def canon(word: str) -> str:
    """A word's comparison key: lower case, punctuation dropped, OCR look-alikes merged. '' for words that
    carry nothing (bullets, lone punctuation)."""
    m = PLACEHOLDER.search(word)
    if m:
        return "§" + m.group(1).lower()
    w = re.sub(r"[^0-9a-z|!]", "", word.lower()).replace("!", "l")
    if not w:
        return ""
    w = _WORD_FIXES.get(w, w)
    if w in ("l", "i", "|"):
        return "1"  # a lone l or I is a misread 1 ("1) the requesting individual"), or a roman i either side
    digits = sum(c.isdigit() for c in w)
    letters = {c for c in w if not c.isdigit()}
    if digits and (digits * 2 > len(w) or letters <= _LOOKALIKE):
        # Mostly digits: a section number or citation ("287.5(a)(l)"): letters that look like digits → digits.
        return w.translate(str.maketrans("lio|", "1101"))
    w = w.translate(str.maketrans("1i|0", "lllo"))
    for a, b in _LETTER_FIXES:
        w = w.replace(a, b)
    return w


def tokens(prepared: str) -> list[str]:
    """Comparison keys of a prepared text, empty keys dropped."""
    return [k for k in (canon(w) for w in prepared.split()) if k]


def normalize(text: str, ctx: Context | None = None) -> str:
    """The full comparison form of a clause: equal for two agreements whose clause differs only by OCR noise,
    layout or the agency's particulars."""
    return " ".join(tokens(prepare(text, ctx)))


def vocabulary(texts: Iterable[list[str]]) -> dict[str, int]:
    """In how many clauses each key occurs (used to tell a real word swap from an OCR misreading)."""
    df: dict[str, int] = {}
    for toks in texts:
        for k in set(toks):
            df[k] = df.get(k, 0) + 1
    return df
