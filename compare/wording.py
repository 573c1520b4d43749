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

from extract.wordlist import words as wordlist
from moa.states import STATE_NAMES

STATES = STATE_NAMES
PLACEHOLDER = re.compile(r"⟦([A-Z]+)⟧")
_MONTHS = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_DATES = [
    re.compile(rf"\b{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b", re.I),
    re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:day\s+of\s+)?{_MONTHS},?\s+\d{{4}}\b", re.I),
    # one separator throughout: "5.20-5.36" is a citation ("6 C.F.R. §§ 5.20-5.36"), not a date
    re.compile(r"(?<![\d.§])\b\d{1,2}\s*([/.-])\s*\d{1,2}\s*\1\s*(?:\d{4}|\d{2})\b(?![.-]\d)"),
    re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
]
# Page furniture that lands inside a clause when it runs across a page break.
_FURNITURE = [
    re.compile(r"(?:⟦AGENCY⟧[\s,]*(?:⟦STATE⟧)?\s*)?\b\d{1,3}\s+Revised\s+⟦DATE⟧|\bRevised\s+⟦DATE⟧", re.I),
    re.compile(r"\bPage\s+\d+\s+of\s+\d+\b", re.I),
    re.compile(r"(?:\b(?:Office|Department|Dept\.?)\s+)?\bRev\.?\s+⟦DATE⟧(?:\s+\d{1,3}\b)?"),
    # A footer whose date OCR garbled ("Revised 03107/2025"), with the page number and what precedes it.
    re.compile(r"(?m)^[^\n]{0,90}?\b\d{1,2}\s+Revised\s+[\dOoIl|/.\- ]{6,14}\s*$|\bRevised\s+[\dOoIl|/.-]{8,12}\b"),
    # ... and the word itself misread ("2 R8VIS8d 03/07fl025"): digits for its e's.
    re.compile(r"(?i)\b\d{1,3}\s+R[e8]v[il1]s[e8]d\s+[\dOoIlf|/.\- ]{6,14}(?=\s|$)"),
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
    furniture: frozenset[str] = frozenset()  # line keys of the record's running headers and footers
    listed: str | None = None  # the agency as ICE's list names it, when that is another name than `agency`

    @classmethod
    def of_record(cls, record: dict) -> Context:
        agency = record.get("agency") or {}
        names = [s.get("name") for s in record.get("signatories") or [] if _personal_name(s.get("name"))]
        name, state = agency.get("name"), agency.get("state")
        # ICE's name for the agency (the read model's, where load_records joined it): the text spells it so where
        # extraction read none or a garbled one ("HCSO County Sheriffs Office" for "The Highlands County Sheriff's
        # Office retains supervision")
        agreement = record.get("agreement") or {}
        listed = agreement.get("agency") if (agreement.get("sources") or {}).get("agency") == "ice" else None
        if not name and listed:
            name, listed, state = listed, None, state or agreement.get("state")
        if not name:  # nor ICE: the file's name still spells it ("287gWSO_CalhounCoFl2019-...")
            name, code = agency_from_file(record.get("file"))
            state = state or code
        if listed and listed.lower() == name.lower():
            listed = None
        return cls(agency=name, state=state, names=tuple(names), furniture=running_lines(record), listed=listed)


_FILE_WORDS = {"co": "County", "so": "Sheriff's Office", "pd": "Police Department", "dps": "Department of Public Safety",
               "dc": "Detention Center"}


def agency_from_file(file: str | None) -> tuple[str | None, str | None]:
    """An agency name and state code guessed from an MOA's file name, for placeholders only ("CalhounCoFl" →
    "Calhoun County Sheriff's Office", FL; "ArcadiaPDFL" → "Arcadia Police Department", FL)."""
    stem = re.sub(r"\.pdf$", "", file or "", flags=re.I)
    stem = re.sub(r"287g|\b(?:WSO|JEM|TFM|MOA)\b|_(?:WSO|JEM|TFM|MOA)|%20|[\d._-]+$", " ", stem)
    chunk = max(re.split(r"[\s_]+|\d[\d._-]*", stem), key=len, default="")
    parts = re.findall(r"[A-Z]{2,}(?=[A-Z][a-z]|$)|[A-Z]?[a-z]+|[A-Z]+", chunk)
    if not parts:
        return None, None
    code = None
    if len(parts) > 1 and parts[-1].upper() in STATES:
        code = parts.pop().upper()
    elif len(parts) > 1 and len(parts[-1]) >= 4 and parts[-1].isupper() and parts[-1][-2:] in STATES:
        parts[-1], code = parts[-1][:-2], parts[-1][-2:]  # "PDFL"
    words = [_FILE_WORDS.get(p.lower(), p) for p in parts if p]
    if words and words[-1] == "County":
        words.append("Sheriff's Office")
    name = " ".join(words).strip()
    return (name if len(name) >= 4 else None), code


def _line_key(line: str) -> str:
    """A layout line's key for spotting repeats: page numbers and dates vary from page to page."""
    return re.sub(r"\d+", "#", re.sub(r"[^\w]+", "", line.lower()))


def running_lines(record: dict, min_repeats: int = 3) -> frozenset[str]:
    """Keys of the lines a record prints again and again (running headers and footers: "Rusk County Sheriff's
    Office Rev 03/04/2025 4"), found in its clause texts: a line of 12+ letters seen `min_repeats` times."""
    count: dict[str, int] = {}
    for sec in record.get("sections") or []:
        for part in [sec, *(sec.get("subsections") or [])]:
            if part is not sec and part.get("text") and part.get("text") in (sec.get("text") or ""):
                continue  # a subsection whose text is also its section's: count it once
            for line in (part.get("text") or "").split("\n"):
                k = _line_key(line)
                if len(re.sub(r"[#_]", "", k)) >= 12 and len(line.split()) >= 2:
                    count[k] = count.get(k, 0) + 1
    return frozenset(k for k, n in count.items() if n >= min_repeats)


_CHAR_CLASS = {"i": "[il1|!]", "l": "[il1|!]", "1": "[il1|!]", "o": "[o0]", "0": "[o0]", "m": "(?:m|rn|nn)",
               "w": "(?:w|vv)", "d": "(?:d|cl)", "'": "[''·]?", "b": "[b8]", "s": "[s5]"}


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
    # Upper-case letters keep upper-case look-alikes, so a case-sensitive acronym ("BSO") still matches itself.
    parts = ["".join(_look(ch) for ch in p) for p in phrase.split()]
    return r"\s*(?:\s[^\w\s]|\sx)?\s+".join(parts)  # a speck OCR read between two words may sit there


def _look(ch: str) -> str:
    cls = _CHAR_CLASS.get(ch.lower())
    if cls is None:
        return re.escape(ch)
    return cls.upper() if ch.isupper() else cls


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
    # Initials of the name before a comma: "Limestone County Sheriff's Office, AL" is no "LSA".
    words = [w for w in re.findall(r"[A-Za-z][\w']*", re.sub(r"\(.*?\)", " ", re.sub(r",.*$", "", name)))
             if w.lower() not in _SHORT_STOP]
    # The acronyms an MOA coins for its agency: "BCSO" and "BSO" for Broward County Sheriff's Office.
    for drop in ((), ("county", "parish"), ("county", "parish", "department", "dept", "office", "division")):
        initials = "".join(w[0] for w in words if w.lower() not in drop)
        if len(initials) >= 2:
            forms.add(initials.upper())
    forms.update(m for m in re.findall(r"\(([A-Z]{2,8})\)", name))  # "Arcadia Police Dept (APD)"
    return sorted((f for f in forms if (len(f) >= 3 or (f.isupper() and len(f) >= 2)) and f not in _TEMPLATE_WORDS
                   and f.lower() not in _TEMPLATE_WORDS and not _reads_as_template_acronym(f)),
                  key=len, reverse=True)


def _reads_as_template_acronym(form: str) -> bool:
    """An acronym whose look-alike pattern matches one of the templates' own ("LSA" matches "ISA"): replacing it
    would replace the template's word."""
    return form.isupper() and any(re.fullmatch(_flex(form), a) for a in _TEMPLATE_ACRONYMS)


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

    real = wordlist()

    def repl(m: re.Match) -> str:
        acr = m.group(1)
        if acr[0] != first or acr[-1] != last or acr in _TEMPLATE_ACRONYMS:
            return m.group(0)
        if acr.lower() in plain and acr.lower() in real:
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


# A block starts at a label, a date stamp ("SEP 16 2019", "SEP - 9 2819" as a layer reads the dash), or a line
# holding both columns' "Date:" labels after a stamp ("SEP - 9 2819 Date: Date:: 6,-3-ICJ").
_SIGNATURE_BLOCK = re.compile(r"(?im)^\s*(?:for\s+the\s+lea\s*:|for\s+ice\s*:|signature\s*[:=;]|date\s*[:;]|"
                              r"name\s*[:;]|digitally\s+signed\s+by|"
                              r"(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEPT?|OCT|NOV|DEC)\s+(?:[-–—]\s*)?\d[\d ]{0,3},?\s+\d{4}\b|"
                              r"[^\n]{0,30}\bdate\s*[:;][^\n]{0,30}\bdate\s*[:;]|"
                              r"for\s+the\s+[^\n:]{2,60}:\s*(?:for\s+ice\b|$))")
_PROSE_END = re.compile(r"[.;:!?)\"']\s*$")


def _trim_signature_block(text: str) -> str:
    """Cut the signature block off the last clause: names, dates and stamps are not wording, and OCR reads the
    two-column block in another order than the text layer. The block starts at its first label, or earlier at
    the short lines above it that end no sentence (the signers' printed names, a stamp)."""
    m = _SIGNATURE_BLOCK.search(text, int(len(text) * 0.2))
    if not m:
        return text
    start = m.start()
    before = _cut_block(text, start)
    resumed = _resumed_sentence(text, start, before)
    if resumed is not None:
        return before + "\n" + _trim_signature_block(text[resumed:])
    # Prose that layout put after a short block (a last sentence beside the signatures) stays; a long tail is
    # the next pages (an appendix), not part of the clause.
    # ... up to the page's end (a footer ending in its page number) or an appendix.
    tail = re.split(r"(?im)^\s*APPENDIX\b|^[^\n]*[A-Za-z][^\n]*\s\d{1,3}\s*$", text[start:])[0]
    after: list[str] = []
    kept = False
    for ln in tail.split("\n") if len(tail) <= 1500 else []:
        words = ln.split()
        # A line of prose; or the short end of the sentence the line before it left open ("… civil" / "or
        # criminal."), which a footer's "Date: ____" above the clause's last lines would otherwise drop.
        if (len(words) >= 5 and sum(w.islower() for w in words) >= 3) or \
                (kept and words and words[0][:1].islower() and not _PROSE_END.search(after[-1])):
            after.append(ln)
            kept = True
        else:
            kept = False
    if after:
        return before + "\n" + "\n".join(after)
    return before


def _resumed_sentence(text: str, start: int, before: str) -> int | None:
    """Where the clause goes on after a signature block that reading order put inside one of its sentences
    (Grayson Co. KY's layer gives page 7's signature fields before the page's text: "… (2) the length of the /
    Name: … / temporary suspension, and (3) …"): the offset of the first line of prose after the block, when the
    text before the block (`before`, as `_cut_block` leaves it) stops mid-sentence and that line goes on in lower
    case; else None."""
    if _PROSE_END.search(before):
        return None
    pos = start
    for n, ln in enumerate(text[start:].split("\n")):
        words = ln.split()
        if len(words) >= 5 and sum(w.islower() for w in words) >= 3:
            return pos if n <= 15 and words[0][:1].islower() else None
        pos += len(ln) + 1
    return None


def _cut_block(text: str, start: int) -> str:
    """`text` up to `start`, less the short lines just above it that end no sentence (names, a stamp)."""
    lines = text[:start].split("\n")
    while len(lines) > 1:
        prev = lines[-1].strip() or (lines[-2].strip() if len(lines) > 2 else "")
        if not lines[-1].strip():
            lines.pop()
            continue
        if len(prev.split()) > 8 or _PROSE_END.search(prev) or sum(w.islower() for w in prev.split()) > 2:
            break
        lines.pop()
    return "\n".join(lines).rstrip() if len(lines) > 1 else text[:start]



def _agency_hit(m: re.Match) -> str:
    """⟦AGENCY⟧ for a match of the agency's name, unless the look-alike letters matched a number ("15" for "LS")."""
    hit = m.group(0)
    return " ⟦AGENCY⟧ " if sum(c.isalpha() for c in hit) > sum(c.isdigit() for c in hit) else hit


def _absorb_name_tail(text: str, agency: str) -> str:
    """Fold into ⟦AGENCY⟧ the rest of the agency's name that OCR misspelt after its matched start
    ("⟦AGENCY⟧ Shcrifrs Office" when only "Okeechobee County" matched)."""
    from rapidfuzz import fuzz

    words = re.sub(r",.*$", "", agency.replace("’", "'")).split()
    tails = [" ".join(words[-k:]).lower() for k in (2, 1) if len(words) > k]
    if not tails:
        return text

    def repl(m: re.Match) -> str:
        after = m.group(1)
        parts = after.split()
        for tail in tails:
            n = len(tail.split())
            for extra in (2, 1, 0):  # OCR may split a word in pieces ("Sheri fr s")
                cand = parts[: n + extra]
                if len(cand) == n + extra and fuzz.ratio(" ".join(cand).lower().strip(",.;:"), tail) >= 75:
                    rest = after.split(None, n + extra)
                    return "⟦AGENCY⟧ " + (rest[-1] if len(rest) > n + extra else "")
        return m.group(0)

    return re.sub(r"⟦AGENCY⟧((?:\s+[A-Z][^\s⟦]*){1,4}.*?)(?=⟦|$)", repl, text, flags=re.S) if "⟦AGENCY⟧" in text else text


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


# Blanks of the template that each agreement fills in (the OPLA or Chief Counsel office's address, the Field
# Office a FOD sits in, phones, e-mails, the list of points of contact): placeholders, so a filled-in blank is no
# change of wording.
FILL_INS = frozenset({"address", "office", "phone", "email", "contacts"})
_STREET = (r"(?:Street|St|Avenue|Ave|Drive|Dr|Road|Rd|Boulevard|Blvd|Lane|Ln|Way|Place|Pl|Plaza|Parkway|Pkwy|"
           r"Court|Ct|Highway|Hwy|Center|Square|Sq)")
_FILL_SLOTS = [
    # "… field location at 126 Northpoint Drive, Houston, TX 77060. OPLA, through its headquarters …"
    # (the phrases as OCR may print them: look-alike letters, specks, a word split in two)
    re.compile(rf"({_flex('field location at')}).{{0,160}}?"
               r"(?=[O0Q]PLA\W{0,4}(?:x\s+)?t\s?h\s?r\s?o\s?u\s?g\s?h)", re.S | re.I),
    # "… Chief Counsel at 915 Second Ave, #708, Seattle, WA 98174. The Office of the Chief Counsel in turn …", as a
    # layer may print it: "aW 915Second Ave,#708,SeattleWA98174", "Ihe Office".
    re.compile(rf"(\b{_flex('Chief Counsel')}\s+a\S?)(?![a-z]).{{0,200}}?"
               rf"(?=(?:\b[TIl1|])?{_flex('he Office of the Chief Counsel')})", re.S | re.I),
    # "the FOD in The Miami Field Office", "the FOD in Atlanta, GA": the Field Office the agreement names.
    re.compile(r"\b(FOD|FOO|F0D|POD|FO D|FO[il1|]>)(\)?)(\s+in\s+(?!ICE\b|DHS\b|writing\b)(?:[Tt]he\s+)?[A-Z][\w.']*"
               r"(?:\s+(?!F\S{2,3}d\b|Of\S{2,4}\b)[A-Z][\w.']*){0,3}(?:,\s*(?:[A-Z]{2}\b|⟦STATE⟧|[A-Z][a-z]+))?(?:\s+(?:ERO\s+)?(?:F\S{2,3}d|\S{0,2}ield)\s+O\S{3,5})?)"),
]
# "ICE and LEA points of contact (POCs) for purposes of this MOA are:" and the names and titles each agreement lists
# after it ("For the LEA: Captain Dawn Mckinley, Department of Detention and Corrections For DHS: Director").
_CONTACTS = re.compile(rf"({_flex('for purposes of this MOA')}\s+ar[ec]\b\s*[:;.,]?)(.{{0,600}})\Z", re.S | re.I)
_FILL_PATTERNS = [
    (re.compile(rf"\b\d{{1,6}}\s+(?:[NSEW]\.?\s+)?[A-Z0-9][\w.']*(?:\s+[A-Z][\w.']*){{0,4}}\s+{_STREET}\b\.?"
                r"[^.;]{0,80}?(?:\b[A-Z]{2}|⟦STATE⟧)\s*,?\s*\d{5}(?:-\d{4})?\b"), " ⟦ADDRESS⟧ "),
    (re.compile(r"\(?\b(?:Phone|Tel|Telephone)?:?\s*\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b\)?", re.I), " ⟦PHONE⟧ "),
    (re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"), " ⟦EMAIL⟧ "),
]


# ICE's Field Offices, which the older templates name in blanks outside the FOD slot ("meet in the Phoenix Field
# Office", "the FOD (Atlanta, GA)"): a city of this list, with its "Field Office" or its state, is a filled-in blank.
_FO_CITIES = ("Atlanta|Baltimore|Boston|Buffalo|Chicago|Dallas|Denver|Detroit|El Paso|Harlingen|Houston|Los Angeles|"
              "Miami|New Orleans|New York|Newark|Philadelphia|Phoenix|Salt Lake City|San Antonio|San Diego|"
              "San Francisco|Seattle|St. Paul|Saint Paul")
_FIELD_OFFICE = re.compile(
    r"\b(?:[Tt]he\s+)?(?:" + "|".join(_flex(c) for c in _FO_CITIES.split("|")) + r")"
    r"(?:\s+(?:ERO\s+)?(?:F\S{2,3}d|\S{0,2}ield)\s+O\S{3,5}\b|\s*,\s*(?:⟦STATE⟧|[A-Z]{2}\b))")


def _fill_ins(t: str) -> str:
    """The template's blanks, filled or not, as placeholders (an empty blank gets one too)."""
    for rx, ph in _FILL_PATTERNS:
        t = rx.sub(ph, t)
    t = _FILL_SLOTS[0].sub(r"\1 ⟦ADDRESS⟧ ", t)
    # A field location the layout printed after "OPLA, through" ("through Miami Field Office its headquarters").
    t = re.sub(r"(?<=through)\s+(?:[A-Z][\w.']*,?\s+|⟦(?:STATE|AGENCY)⟧\s*){1,4}(?=its\s+headquarters)", " ", t)
    t = _FILL_SLOTS[1].sub(lambda m: re.sub(r"\s+\S+$", " at", m.group(1)) + " ⟦ADDRESS⟧ ", t)
    t = _FILL_SLOTS[2].sub(r"\1\2 ⟦OFFICE⟧", t)
    # What OCR left of a Field Office's name after the slot ("FOD in The Mia li Field Office").
    t = re.sub(r"⟦OFFICE⟧(?:\s+[^\s⟦]{1,12}){0,2}?\s+(?:ERO\s+)?(?:F\S{2,3}d|\S{0,2}ield)\s+O\S{3,5}\b", "⟦OFFICE⟧", t)
    t = _FIELD_OFFICE.sub(" ⟦OFFICE⟧ ", t)
    t = re.sub(r"⟦OFFICE⟧\s*,?\s*(?:⟦STATE⟧|[A-Z]{2}\b)", "⟦OFFICE⟧", t)
    t = _CONTACTS.sub(r"\1 ⟦CONTACTS⟧", t)
    return re.sub(r"(?:⟦(?:ADDRESS|PHONE)⟧[\s.,;:()]*){2,}", " ⟦ADDRESS⟧ ", t)


def fill_in_values(text: str) -> list[str]:
    """What an agreement wrote into the template's blanks (addresses, Field Office, phones, e-mails, points of
    contact), as printed."""
    t = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text or ""))
    found: list[str] = []
    for rx in (_FILL_SLOTS[0], _FILL_SLOTS[1]):
        found += [m.group(0)[len(m.group(1)):].strip(" .:") for m in rx.finditer(t)]
    found += [m.group(3).strip() for m in _FILL_SLOTS[2].finditer(t)]
    found += [m.group(2).strip() for m in _CONTACTS.finditer(t)]
    for rx, _ph in _FILL_PATTERNS:
        found += [m.group(0).strip() for m in rx.finditer(t)]
    out: list[str] = []
    for f in found:
        if f and not any(f in o for o in out):
            out.append(f)
    return out


def _drop_running_lines(t: str, keys: frozenset[str]) -> str:
    return "\n".join(line for line in t.split("\n") if _line_key(line) not in keys)


def prepare(text: str, ctx: Context | None = None) -> str:
    """The printed clause with line-break hyphens joined, page furniture dropped and the particulars of
    one agreement replaced by ⟦AGENCY⟧, ⟦COUNTY⟧, ⟦STATE⟧, ⟦DATE⟧, ⟦NAME⟧."""
    ctx = ctx or Context()
    t = unicodedata.normalize("NFKC", text or "")
    t = t.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    t = re.sub(r"[\u00ad\u200b]", "", t)
    t = re.sub(r"(?<!\S)B{3,}\.?(?=\s|$)", " ", t)  # an underline in a shifted font that extraction left as B's
    t = _trim_signature_block(t)
    if ctx.furniture:
        t = _drop_running_lines(t, ctx.furniture)
    if ctx.agency:
        t = _drop_name_lines(t, ctx.agency)
    t = re.sub(r"(\w)[-‐‑]\s*\n\s*(\w)", r"\1\2", t)  # immigra-\ntion
    t = re.sub(r"\b(of)(?=[A-Z]{2,}\b)", r"\1 ", t)  # "ofFCSO's": a space OCR lost before an acronym
    t = re.sub(r"([a-z])[-‐‑] +([a-z])", r"\1\2", t)  # immigra- tion (newline already collapsed)
    for rx in _DATES:
        t = rx.sub(" ⟦DATE⟧ ", t)
    agencies = [a for a in (ctx.agency, ctx.listed) if a]
    for agency in agencies:
        t = _fuzzy_agency(t, agency)
        for form in _agency_forms(agency):
            # An acronym of four letters or more is no English word: OCR's lower case ("ocso's") is it too.
            flags = 0 if form.isupper() and len(form) < 4 else re.I
            t = re.sub(rf"(?<!\w){_flex(form)}(?!\w)", _agency_hit, t, flags=flags)
    for agency in agencies:
        t = _agency_acronyms(t, agency)
        t = _absorb_name_tail(t, agency)
    if ctx.agency:
        # What is left of a misread name after its placeholder ("⟦AGENCY⟧ Sheriff's Office" when the record's
        # name is "Rusk County Sheriffs Ofte s"): the template never follows the agency with these words.
        t = re.sub(r"⟦AGENCY⟧(?:\s+Sheriff'?s?)?\s+Office\b(?!\s+of\b)", "⟦AGENCY⟧", t, flags=re.I)
    # The 2025 templates call the agency "the LEA" where older ones use its acronym: both are the agency.
    t = re.sub(r"(?<![\w'])LEA(?![\w])", " ⟦AGENCY⟧ ", t)
    state = (ctx.state or "").upper()
    if state in STATES:
        t = re.sub(rf"(?<!\w){_flex(STATES[state])}(?!\w)", " ⟦STATE⟧ ", t, flags=re.I)
        t = re.sub(rf"(?<![\w.]){state}(?![\w.])", " ⟦STATE⟧ ", t)
    for name in sorted({n for n in ctx.names if n and len(n) >= 4}, key=len, reverse=True):
        t = re.sub(rf"(?<!\w){_flex(name)}(?!\w)", " ⟦NAME⟧ ", t, flags=re.I)
    # "the BSO" and "BSO", "the LEA" and "LEA": the article before the agency is the drafter's choice.
    t = re.sub(r"\bthe\s+(?:(?:[^\w\s⟦]+|x)\s+)?(?=⟦AGENCY⟧)", "", t, flags=re.I)
    t = re.sub(r"\b(of|to|by|and|for|with|from|in|on|at|that|if|as|when|upon)the\s+(?=⟦AGENCY⟧)", r"\1 ", t, flags=re.I)  # "ofthe"
    for rx in _FURNITURE:
        t = rx.sub(" ", t)
    t = _fill_ins(t)
    t = re.sub(r"_{3,}", " ", t)  # blank signature/fill-in lines
    # A placeholder repeated (", Alabama" after the agency) is one mention.
    t = re.sub(r"⟦AGENCY⟧[^\w⟦]{0,6}(?:⟦STATE⟧|⟦AGENCY⟧)", "⟦AGENCY⟧", t)
    # "⟦AGENCY⟧, ⟦STATE⟧ Sheriff's Office (⟦AGENCY⟧)": the rest of a name the state split ("Cleveland County, NC
    # Sheriff's Office (CCSO)"), once the state is a placeholder.
    t = re.sub(r"⟦AGENCY⟧(?:\s+Sh[a-z'’]{3,7})?\s+(?:Office|O[a-z]{2,5}ce|(?-i:O[A-Za-z]{1,5}c[ce]))\b(?!\s+of\b)", "⟦AGENCY⟧", t, flags=re.I)
    t = re.sub(r"⟦AGENCY⟧[^\w⟦]{0,6}⟦AGENCY⟧", "⟦AGENCY⟧", t)
    t = re.sub(r"(⟧)\s*['·•]\s?s\b", r"\1's", t)  # "⟦AGENCY⟧'s", as printed ("BSO' s", "ocso·s")
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
