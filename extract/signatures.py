"""Signature blocks: who signed for the LEA and for ICE, with title, date and page.

Three layouts occur: the 2025 forms with "For the LEA:" / "For ICE:" and labelled lines (Date, Signature,
Name, Title, Agency), either side by side (one text line holds both columns) or stacked; and the
2019-2020 blocks with no labels, where a printed name is followed by a title and an organisation.
A value that cannot be read with confidence is None with a reason: researchers cite these.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from extract import shifted
from extract.dates import find_dates

_LEA_HDR = re.compile(r"For\s+(?:the\s+)?(?:LEA\b|Law\s+Enforcement\s+Agency\b)\s*:?", re.IGNORECASE)
_ICE_HDR = re.compile(r"For\s*(?:ICE|U\.?\s*S\.?\s+Immigration|DHS)\b\s*:?", re.IGNORECASE)
_LABEL = re.compile(r"\b(Date|Signature|Name|Title|Tit[il1]e|Tite|Agency)\s*[:;.,·]?", re.IGNORECASE)
_ICE_ORG = re.compile(r"Immigration|Customs\s+Enforcement|Removal\s+Operations|Homeland\s+Security", re.IGNORECASE)
# A line of the ICE block as the 2019-2020 templates print it: the signer's title or ICE's organisation.
_ICE_LINE = re.compile(
    r"(?:(?:Acting\s+)?(?:Executive\s*Associate\s+|Assistant\s+|Deputy\s+)?Director(?:\s*,\s*Enforcement)?|"
    r"Enforcement\s*and\s+Removal\s+Operations|U\.?\s?S\.?\s*Immigration\s*and\s+Customs\s+Enforcement|"
    r"Department\s*of\s+Homeland\s+Security)\s+(?=[A-Z])",
)
_ICE_TITLE = re.compile(
    r"\b(?:Acting\s+)?(?:Executive\s+Associate\s+|Assistant\s+|Deputy\s+)?Director(?:\s*,\s*Enforcement)?\b"
    r"(?!\s+of\s+Public)",
)
_LEA_TITLE = re.compile(
    r"\b(Sheriff|Chief\s+of\s+Police|Police\s+Chief|Chief|Jail\s+Administrator|Colonel|Commissioner|Warden|"
    r"Superintendent|Adjutant\s+General|Director\s+of\s+Public\s+Safety|Jailer|Secretary|Undersheriff|"
    r"Marshal|Mayor|County\s+Judge|Commander|Administrator)\b",
    re.IGNORECASE,
)
_NOT_NAME = {
    "county", "sheriff", "sheriffs", "office", "department", "director", "enforcement", "immigration", "date",
    "signature", "title", "name", "agency", "assistant", "executive", "associate", "acting", "police", "chief",
    "customs", "homeland", "security", "removal", "operations", "deputy", "the", "for", "of", "and", "lea",
    "ice", "dhs", "u.s.", "us", "moa", "jail", "district", "public", "safety", "colonel", "revised", "state",
    "city", "town", "division", "bureau", "national", "guard", "administrator", "digitally", "signed", "by",
    "general", "adjutant", "commissioner", "warden", "this", "agreement", "parish", "force",
}
# ICE officials who sign 287(g) MOAs (directors, deputy and executive associate directors, ERO assistant
# directors, 2006-2026), as printed. An ICE signer's printed name must be one of them: it repairs an
# OCR slip ("odd M. Lyons" -> "Todd M. Lyons"), and a name that is none of them in the ICE column is
# the LEA's, misplaced by a scanner's OCR layer ("Name: To-6 ... Name: Craig Hartmann"), so it is dropped.
ICE_SIGNERS = [
    "Todd M. Lyons", "Todd Lyons", "Caleb Vitello", "Madison Sheahan", "C.M. Cronen", "Christopher M. Cronen",
    "Enrique M. Lucero", "Timothy S. Robbins", "Matthew T. Albence", "Tae D. Johnson", "Thomas D. Homan",
    "Ronald D. Vitiello", "Nathalie R. Asher", "Corey A. Price", "Peter B. Berg", "Marcos D. Charles",
    "Thomas Homan", "Matthew Albence", "Tae Johnson", "Timothy Robbins", "Enrique Lucero", "Corey Price",
    "Julie L. Myers", "John P. Torres", "James T. Hayes", "John Morton", "Thomas S. Winkowski",
    "Sarah R. Saldaña", "Daniel H. Ragsdale", "Philip T. Miller", "Kenneth Genalo", "Daniel A. Bible",
    "Garrett J. Ripa", "Russell Hott", "Marcos Charles", "Matt Albence",
]

# A name word: capitalised ("Grossnickle", "O'Neil", "Smith-Jones"), an initial, in capitals, a nickname in quotes,
# a suffix; or one with a capitalised particle before its second capital ("McRae", "MacDonald", "DeWees",
# "DuWayne", "LaToya", "VanHorn"), which a name in upper and lower case spells that way and OCR garble rarely does.
_TOKEN = re.compile(r"^(?:[A-ZÀ-Þ][a-zß-ÿ]+(?:[-'][A-ZÀ-Þ]?[a-zß-ÿ]+)*|[A-Z]\.(?:[A-Z]\.)?|[A-Z]{2,}(?:[-'][A-Z]+)*|[\"“'][A-Za-z]+[\"”']|(?:Mc|Mac|De|Di|Du|Da|La|Le|Van|Von)[A-Z][a-z]+|Jr\.?|Sr\.?|II|III|IV)$")


_PARTICLE = re.compile(r"^(?:Mc|Mac|De|Di|Du|Da|La|Le|Van|Von)[A-Z][a-z]+$")


def clean_name(s: str) -> str | None:
    """A printed person name, or None when `s` does not read as one (OCR noise, a title, a place)."""
    t = re.sub(r"[_|~=<>\[\]{}]", " ", s)
    t = re.sub(r"\s+", " ", t).strip(" ,.:;-—'\"")
    # A pen stroke read as a letter before the name ("I Michael L. Chapman", "E Eric Blankenship"): a printed
    # name's initial carries a full stop, so a bare letter before a first name and a surname is no part of it.
    t = re.sub(r"^[A-Z1]\s+(?=[A-Z][a-z]+\s+\S)", "", t)
    # A military rank before the name ("MG James D. Seward" of a National Guard) is a title, not the name.
    t = re.sub(r"^(?:MG|BG|LTG|GEN|COL|LTC|MAJ|CPT|Gen\.|Col\.|Maj\.|Capt\.)\s+(?=[A-Z])", "", t)
    if t.endswith(" Jr") or t.endswith(" Sr"):
        t += "."
    t = re.sub(r"\b([A-Z])\.(?=[A-Z][a-z])", r"\1. ", t)  # "C.Cronen" -> "C. Cronen" is left; "M.Cronen" split
    toks = t.split()
    if not 2 <= len(toks) <= 5:
        return None
    if any(tok.lower().strip(".,") in _NOT_NAME for tok in toks):
        return None
    if not all(_TOKEN.match(tok) for tok in toks):
        return None
    if sum(1 for tok in toks if len(tok.strip("\"“”'.")) >= 2) < 2 and not re.match(r"^[A-Z]\.[A-Z]\.", t):
        return None
    if len(toks[-1].strip(".")) < 2:
        return None
    return t


def _census(*files: str) -> frozenset[str]:
    """The names of the 1990 US census lists `files` (shipped in the `names` package), lower case."""
    import importlib.resources as res

    return frozenset(line.split()[0].lower() for f in files
                     for line in (res.files("names") / f).read_text().splitlines() if line.strip())


FIRST_NAMES = _census("dist.male.first", "dist.female.first")  # 5,163
SURNAMES = _census("dist.all.last")  # 88,799


def census_name(name: str) -> bool:
    """Whether every word of `name` is a census name: the first a first name (a nickname in quotes one too),
    the last a surname, any between an initial or a first name; a suffix (Jr., III) may end it."""
    toks = [t.strip(",") for t in name.split()]
    if toks and re.fullmatch(r"Jr\.?|Sr\.?|II|III|IV", toks[-1]):
        toks = toks[:-1]
    if len(toks) < 2:
        return False

    def first(t: str) -> bool:
        return t.strip("\"“”'").lower() in FIRST_NAMES

    return first(toks[0]) and toks[-1].lower() in SURNAMES and all(
        re.fullmatch(r"[A-Z]\.", t) or first(t) for t in toks[1:-1])


def misread_first_name(name: str) -> str | None:
    """Why an OCR'd name's first name reads as a misreading of a common one ("Kevir" one slip from "Kevin",
    "Rjehard" two from "Richard"), else None. A first name that is in the census list, an initial, a nickname
    in quotes, or a rare name near no common one is left alone: only a near miss is taken for a misreading."""
    from rapidfuzz.distance import Levenshtein

    first = next((t for t in name.split() if len(t.strip(".\"“”'")) >= 2 and not t.startswith(("\"", "“", "'"))),
                 None)
    if first is None or "." in first or _PARTICLE.match(first):
        return None  # an initial; a name spelt with a capitalised particle ("DuWayne") is no OCR slip
    key = first.lower().replace("-", "")
    if key in FIRST_NAMES or not key.isalpha():
        return None
    for n in sorted(FIRST_NAMES):
        if abs(len(n) - len(key)) > 1:
            continue
        d = Levenshtein.distance(key, n)
        # One slip; two in a long name only when both are letters OCR confuses ("Rjehard": i→j, c→e).
        if d == 1 or (d == 2 and len(key) >= 7 and all(
                op == "replace" and frozenset((key[i], n[j])) in _LOOKALIKE
                for op, i, j in Levenshtein.editops(key, n))):
            return f"first name {first!r} is no first name, {d} OCR slip(s) from {n.title()!r}"
    return None


# Letters Tesseract and PP-OCR read one for another in handwriting and poor scans.
_LOOKALIKE = {frozenset(p) for p in ("ij", "il", "jl", "ce", "eo", "co", "ao", "hb", "nu", "rn", "vy", "uv",
                                     "ae", "ft", "tl", "mn")}


def check_read_names(signatories: list[dict[str, Any]], pages: list[Any]) -> None:
    """Drop a name OCR read (the signature page OCR'd, or a second reading) whose first name is a near miss
    of a common one: a garbled name is worse than none. A name from a text layer or a form is as typed."""
    methods = {p.number: getattr(p, "method", "text") for p in pages}
    for s in signatories:
        if not s.get("name") or (s["party"] == "ice" and known_ice(s["name"])):
            continue
        ocrd = methods.get(s.get("page")) == "ocr" or any(r.startswith("name read from") for r in s["reasons"])
        if ocrd and (why := misread_first_name(s["name"])):
            s["reasons"].append(f"name {s['name']!r} dropped: {why}")
            s["name"] = None


def repair_ice_name(s: str) -> tuple[str | None, float]:
    """The ICE signer's name: as printed if it reads, else a known signer it is one or two OCR slips from."""
    raw = re.sub(r"\s+", " ", s).strip(" ,.:;-_|")
    name = clean_name(raw)
    best, score = None, 0.0
    for known in ICE_SIGNERS:
        sc = fuzz.ratio(raw.lower(), known.lower())
        if sc > score:
            best, score = known, sc
    if name and score >= 88:
        return best, 0.95
    if best and score >= 80:
        return best, 0.75
    return None, 0.0


@dataclass
class Party:
    party: str
    name: str | None = None
    title: str | None = None
    date: str | None = None
    date_source: str | None = None
    page: int | None = None
    confidence: float = 0.0
    reasons: list[str] = field(default_factory=list)
    name_conf: float = 0.0
    date_conf: float = 0.0
    title_for_name: str | None = None  # the form prints this title where a name goes ("Director or designee")


def date_source_of(kind: str, method: str) -> str:
    """How a date of `kind` (extract.dates) read by `method` ("ocr" or "text") was written on the page."""
    if kind in ("digital-signature", "stamped"):
        return kind
    if method == "ocr" and kind == "numeric":
        return "handwritten"
    return "typed"


def _signature_page(pages: list[Any]) -> int | None:
    """Index of the page holding the MOA's signature blocks (the closing "By signing this MOA" clause)."""
    best, best_score = None, 0
    for i, p in enumerate(pages):
        t = p.text or ""
        # \s* where a space may be missing: PP-OCR's lines run words together ("tothefullestextentallowedbylaw").
        score = 4 * bool(re.search(r"By\s*signing\s*this\s*MOA", t, re.I))
        score += 4 * bool(re.search(r"fullest\s*extent\s*allowed\s*by\s*law", t, re.I))
        score += 2 * bool(re.search(r"Digitally\s+signed", t, re.I))
        score += 2 * bool(re.search(r"^\s*Signature\s*[:;.]", t, re.I | re.M))
        score += bool(re.search(r"^\s*For\s+(?:the\s+)?(?:LEA|Law\s+Enforcement\s+Agency)\s*:", t, re.I | re.M))
        score += bool(re.search(r"For\s*(?:ICE|U\.?\s*S\.?\s+Immigration)\b", t, re.I))
        if score > best_score:
            best, best_score = i, score
    return best if best_score >= 4 else None


def _region(pages: list[Any], idx: int) -> tuple[list[str], int]:
    """Lines after the closing clause; the next page's too when the blocks spill over. (lines, page index)."""
    text = pages[idx].text or ""
    m = re.search(r"fullest\s*extent\s*allowed\s*by\s*law\.?", text, re.I) or re.search(
        r"By\s*signing\s*this\s*MOA[^\n]*", text, re.I)
    body = text[m.end():] if m else text
    body = re.sub(r"Rev[il1]sed\s*[\d/ ]{6,12}", " ", body)  # the template footer is not a signature date
    # A token holding a control character is in the shifted font encoding, even one of punctuation alone that
    # the page decoder leaves ("For the /($\x1d" is "For the LEA:").
    body = re.sub(r"[^ \t\r\n]*[\x01-\x08\x0b\x0c\x0e-\x1f][^ \t\r\n]*",
                  lambda m: shifted.decode_token(m.group(0), page_is_shifted=True) or (
                      shifted.decode(m.group(0)) if not re.search(r"[A-Za-z0-9]", m.group(0)) else m.group(0)), body)
    lines = [re.sub(r"B{4,}", "____", ln).strip() for ln in body.splitlines() if ln.strip()]
    lines = [ln for ln in lines if not re.fullmatch(r"[\d\s]*Rev[il1]sed\s*[\d/ ]*", ln)]
    if len(lines) < 4 and idx + 1 < len(pages):
        nxt = [ln.strip() for ln in (pages[idx + 1].text or "").splitlines() if ln.strip()]
        if not any(re.match(r"APPENDIX", ln) for ln in nxt[:3]):
            return lines + nxt, idx + 1
    return lines, idx


def _split_two(line: str, label: str) -> list[str]:
    """Values of a label that occurs once or twice on a line: "Name: A Name: B" -> ["A", "B"]."""
    parts = re.split(r"\b" + label + r"\s*[:;.,·]?", line, flags=re.IGNORECASE)
    return [p.strip(" :;.,·_|") for p in parts[1:]]


def _label_of(line: str) -> str | None:
    m = re.match(r"^\s*(Date|Signature|Name|Title|Tit[il1]e|Tite|Agency)\b", line, re.IGNORECASE)
    if not m:
        return None
    lab = m.group(1).lower()
    return "title" if lab.startswith("tit") else lab


def extract_signatories(pages: list[Any], revision: str | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    """(signatories, reasons): one entry for the LEA and one for ICE when the document has a signature page."""
    idx = _signature_page(pages)
    if idx is None:
        return [], ["no signature page found"]
    lines, idx = _region(pages, idx)
    page = pages[idx]
    method = getattr(page, "method", "text")
    lea, ice = Party("lea", page=page.number), Party("ice", page=page.number)
    side_by_side = any(_LEA_HDR.search(ln) and _ICE_HDR.search(ln) for ln in lines) or any(
        len(_split_two(ln, lab)) >= 2 for ln in lines if (lab := _label_of(ln)) in ("name", "title", "date"))
    has_headers = any(_LEA_HDR.search(ln) or _ICE_HDR.search(ln) for ln in lines)
    order = _column_order(lines, revision)
    if has_headers:
        # A text layer holding a garbled handwritten date can only be a scanner's old OCR layer.
        _labelled(lines, lea, ice, side_by_side, method, order, scanned_layer=method == "text")
    _unlabelled(lines, lea, ice, order, method, has_headers)
    _digital(lines, lea, ice)
    if lea.date and ice.date and lea.date > ice.date and lea.date_source != "digital-signature":
        # ICE signs last (the MOA takes effect then): an LEA date after ICE's means the columns were
        # read crossed or a digit misread; which one is unknown, so neither is given.
        why = f"LEA date {lea.date} after ICE date {ice.date}: columns uncertain, both dropped"
        for p in (lea, ice):
            if p.date_source != "digital-signature":
                p.reasons.append(why)
                p.date, p.date_source, p.date_conf = None, None, 0.0
    if method == "ocr" and lea.name and lea.name_conf < 0.95:
        _check_other_readings(lea, pages)
    # The 2025 Task Force form prints Date, Signature and Title lines only: a signer's name is then in the
    # signature alone (or typed beside the header, or in a digital signature), not on a line of its own.
    name_line = any(re.search(r"\bNam[ec]\b", ln, re.I) for ln in lines) if has_headers else None
    out = []
    for p in (lea, ice):
        _check_ocr_confidence(p, getattr(page, "words", None) or [])
        if name_line is False and p.name is None:
            p.reasons.append("no printed name: the form has no Name line, only Date, Signature and Title")
        party_line = name_line
        if p.name is None and p.title_for_name:
            p.reasons.append(f"no printed name: the form prints {p.title_for_name!r} where a name goes")
            if not p.title and p.title_for_name.startswith("Director"):
                p.title = p.title_for_name
            party_line = False
        _finish(p, revision, method)
        out.append({
            "party": p.party, "name": p.name, "title": p.title, "date": p.date, "page": p.page,
            "confidence": round(p.confidence, 2), "date_source": p.date_source, "reasons": p.reasons,
            "name_line": party_line,
        })
    return out, []


def signature_pages(pages: list[Any]) -> list[int]:
    """Indexes (0-based) of the page(s) the signature blocks are read from; [] when there is none."""
    idx = _signature_page(pages)
    if idx is None:
        return []
    _, last = _region(pages, idx)
    return sorted({idx, last})


def side_by_side_order(pages: list[Any], revision: str | None = None) -> tuple[str, str] | None:
    """(left, right) parties of a side-by-side signature page; None when the blocks are stacked or absent."""
    idx = _signature_page(pages)
    if idx is None:
        return None
    lines, _ = _region(pages, idx)
    side = any(_LEA_HDR.search(ln) and _ICE_HDR.search(ln) for ln in lines) or any(
        len(_split_two(ln, lab)) >= 2 for ln in lines if (lab := _label_of(ln)) in ("name", "title", "date"))
    return _column_order(lines, revision) if side else None


def column_order(pages: list[Any], revision: str | None = None) -> tuple[str, str] | None:
    """(left, right) parties the blocks would stand in were they side by side (the headers on one line, titles
    on one line, else the template's habit); None when there is no signature page."""
    idx = _signature_page(pages)
    return None if idx is None else _column_order(_region(pages, idx)[0], revision)


def _column_order(lines: list[str], revision: str | None) -> tuple[str, str]:
    for ln in lines:
        a, b = _LEA_HDR.search(ln), _ICE_HDR.search(ln)
        if a and b:
            return ("lea", "ice") if a.start() < b.start() else ("ice", "lea")
    for ln in lines:
        ti, tl = _ICE_TITLE.search(ln), _LEA_TITLE.search(ln)
        if ti and tl and not tl.group(0).lower().startswith("director"):
            return ("ice", "lea") if ti.start() < tl.start() else ("lea", "ice")
    # The 2019-2020 templates put ICE on the left; the 2025 forms put the LEA first.
    return ("lea", "ice") if revision else ("ice", "lea")


def _set_date(p: Party, raw: str, method: str, conf: float) -> bool:
    hits = find_dates(raw)
    if len({h.iso for h in hits}) != 1:
        if raw.strip(" _-—.|") and not hits and p.date is None:
            p.reasons.append(f"date unreadable: {raw.strip()[:40]!r}")
        return False
    if p.date and p.date_conf >= conf:
        return False
    p.date, p.date_source, p.date_conf = hits[0].iso, date_source_of(hits[0].kind, method), conf
    return True


def _set_name(p: Party, raw: str, conf: float) -> bool:
    if p.name and p.name_conf >= conf:
        return False
    for known in ICE_SIGNERS:  # "Eddie Farris Caleb Vitello": two columns on one line
        if known.lower() in raw.lower() and clean_name(re.sub(re.escape(known), " ", raw, flags=re.I)):
            raw = re.sub(re.escape(known), " ", raw, flags=re.I) if p.party == "lea" else known
            break
    if p.party == "lea" and clean_name(raw) and _known_ice(clean_name(raw) or ""):
        p.reasons.append(f"{raw.strip()!r} is an ICE official, not the LEA signer")
        return False
    if p.party == "ice":
        name, c = repair_ice_name(raw)
        conf = min(conf, c) if name else 0
        if name is None and clean_name(raw) and p.name is None:
            p.reasons.append(f"{clean_name(raw)!r} is not an ICE official: not taken as the ICE signer")
            return False
    else:
        name = clean_name(raw)
    if name:
        p.name, p.name_conf = name, conf
        return True
    if raw.strip(" _-—.|:") and p.name is None:
        p.reasons.append(f"name unreadable: {raw.strip()[:40]!r}")
    return False


def _set_title(p: Party, raw: str) -> None:
    from extract.titles import read_title

    t = re.sub(r"[_|]+", " ", raw)
    t = re.sub(r"\s+", " ", t).strip(" ,.:;-—")
    if p.title is None and t and re.fullmatch(r"[A-Za-z][A-Za-z ,.&'/-]{2,80}", t):
        p.title, why = read_title(t, p.party)
        if why and why not in p.reasons:
            p.reasons.append(why)


_ICE_STRONG = re.compile(
    r"\b(?:Acting|Deputy|Executive\s+Associate|Assistant|Field\s+Office)\s+Director\b|Immigration|Customs|"
    r"Homeland\s+Security|Removal\s+Operations",
    re.IGNORECASE,
)


def known_ice(name: str) -> bool:
    """The name is one of the ICE officials who sign MOAs (an OCR slip of a letter allowed)."""
    return any(fuzz.ratio(name.lower(), k.lower()) >= 90 for k in ICE_SIGNERS)


_known_ice = known_ice


def _who(block: list[str]) -> str | None:
    """Whose block these lines are, from their content: ICE titles/organisation or a known ICE signer, else
    an LEA title. None when the lines do not say (a bare "Director" can be either)."""
    for ln in block[:3]:
        if find_dates(ln):
            break  # the next block's date: what follows is not this block
        v = re.sub(r"^\s*(Date|Signature|Name|Title|Tit[il1]e|Tite|Agency)\s*[:;.,·]?", "", ln, flags=re.I)
        if _ICE_STRONG.search(v) or (clean_name(v) and _known_ice(clean_name(v) or "")):
            return "ice"
        if _LEA_TITLE.search(v):
            return "lea"
    return None


def _labelled(lines: list[str], lea: Party, ice: Party, side: bool, method: str,
              order: tuple[str, str] = ("lea", "ice"), scanned_layer: bool = False) -> None:
    """Labelled 2025 forms. Stacked: values belong to the block under "For the LEA:" / "For ICE:". Side by
    side: "Name: A Name: B" gives A to the left (LEA) column and B to the right; a label alone on its line
    goes to the party its value names (an ICE title or organisation, an LEA title), else by occurrence."""
    parties = {"lea": lea, "ice": ice}
    cur: Party | None = None
    seen: dict[str, int] = {}
    for i, ln in enumerate(lines):
        if side and _LEA_HDR.search(ln) and _ICE_HDR.search(ln):
            a, b = _LEA_HDR.search(ln), _ICE_HDR.search(ln)
            if a.start() < b.start():
                _set_name(lea, ln[a.end():b.start()], 0.8) if ln[a.end():b.start()].strip() else None
                _set_name(ice, ln[b.end():], 0.8) if ln[b.end():].strip() else None
            continue
        if _LEA_HDR.search(ln) and not _ICE_HDR.search(ln):
            cur = lea
        elif _ICE_HDR.search(ln) and not _LEA_HDR.search(ln):
            cur = ice
        lab = _label_of(ln)
        if lab is None:
            continue
        if lab == "date" and re.match(r"Date\s*:?\s*\d{4}\s*[.\-]\s*\d", ln, re.I):
            continue  # the date line of a digital-signature stamp: read by _digital
        vals = _split_two(ln, {"title": r"Tit[il1]?e"}.get(lab, lab))
        if len(vals) >= 2:  # "Name: A Name: B": the two columns, left then right
            if lab == "name" and not vals[0].strip(" _-|") and i > 0 and not _label_of(lines[i - 1]) \
                    and clean_name(lines[i - 1]):
                vals[0] = lines[i - 1]  # the left column's typed name, printed just above its label
            targets = [(parties[order[0]], vals[0]), (parties[order[1]], vals[1])]
            if lab == "date" and scanned_layer:
                readable = [bool(find_dates(v)) for v in vals[:2]]
                garbled = [not r and bool(re.search(r"\d", v)) for r, v in zip(readable, vals[:2], strict=False)]
                if any(readable) and any(garbled):
                    # A scanner's OCR layer orders a line's words unreliably: with one date readable and
                    # the other a garbled handwritten one, which column the readable one sits in is unknown.
                    for p in (lea, ice):
                        p.reasons.append(f"dates {vals[0]!r} / {vals[1]!r}: column uncertain in a scanned layer")
                    continue
        elif cur is not None:  # stacked blocks under their own headers
            targets = [(cur, vals[0] if vals else "")]
        elif side:
            k = seen.get(lab, 0)
            v = vals[0] if vals else ""
            bare = v
            for h in reversed(find_dates(v)):
                bare = bare[: h.start] + " " + bare[h.end :]
            who = _who([bare] + lines[i + 1 : i + 3]) if v.strip(" _-") else None
            seen[lab] = k + 1
            if who is None and k >= 2:
                continue  # a third "Date:" etc. is not a form field
            targets = [(parties[who] if who else parties[order[min(k, 1)]], v)]
        else:
            continue
        for p, v in targets:
            if lab == "name" and not v.strip(" _-") and i + 1 < len(lines) and not _label_of(lines[i + 1]):
                if clean_name(lines[i + 1]):
                    v = lines[i + 1]
            if lab == "name" and not v.strip(" _-") and i > 0 and not _label_of(lines[i - 1]) and not side:
                v = lines[i - 1]  # stacked forms sometimes print the typed name just above its label
            if lab == "date":
                if not v.strip(" _-") and i + 1 < len(lines) and not _label_of(lines[i + 1]) and not side:
                    v = lines[i + 1]
                _set_date(p, v, method, 0.9)
            elif lab == "name":
                _set_name(p, v, 0.9)
            elif lab == "title":
                _set_title(p, v)
        if lab == "name":  # "Name: Eddie Farris Caleb Vitello Name: ----": the ICE official, wherever printed
            for known in ICE_SIGNERS:
                if known.lower() in ln.lower() and ice.name is None:
                    _set_name(ice, known, 0.85)


# A 2019 form's left block printing an office where the signer's name goes: "Director or designee" above
# ICE's organisation, read "wou or designee", "iecto}or designee" or "frector odesignee" where the signature
# crosses it. What follows on the line is the right block's printed name (capitalised: not running text).
_TITLE_FOR_NAME = re.compile(r"^\W{0,3}(\S{0,12}?)\s*(?:or|0r|o\W?)\s*designee\b\s*(?=$|(?-i:[A-Z]))", re.I)


def _unlabelled(lines: list[str], lea: Party, ice: Party, order: tuple[str, str], method: str,
                has_headers: bool = True) -> None:
    """Blocks without labels: a name line then a title line; dates on their own lines or before a label."""
    parties = {"lea": lea, "ice": ice}
    n = len(lines)
    loose: list[str] = []
    for i, ln in enumerate(lines):
        if re.search(r"Digitally\s+signed|^Date\s*:\s*\d{4}", ln, re.I):
            continue
        if (m := _TITLE_FOR_NAME.match(ln)) and not has_headers:
            left = parties[order[0]]
            if left.name is None:
                left.title_for_name = "Director or designee" if fuzz.ratio(m.group(1).lower(), "director") >= 60 \
                    else "… or designee"
            right = parties[order[1]]
            if (rest := clean_name(ln[m.end():].strip())) and right.name is None:
                _set_name(right, rest, 0.6)
            continue
        lab = _label_of(ln)
        hits = [h for h in find_dates(ln) if h.kind != "digital-signature"]
        if lab is None and len(hits) == 2 and hits[0].iso != hits[1].iso:
            for pk, h in zip(order, hits, strict=False):
                _set_date(parties[pk], h.raw, method, 0.7)
            continue
        if len(hits) == 1 and (lab is None or ln.find(hits[0].raw) < ln.lower().find("date")):
            # A typed date alone on its line (or printed before its "Date:" label): whose block follows?
            who = _who(lines[i + 1 : i + 5]) if lab is None or ln.find(hits[0].raw) == 0 else None
            if who:
                _set_date(parties[who], hits[0].raw, method, 0.6)
            else:
                loose.append(hits[0].raw)
            continue
        if lab == "date" and not has_headers:
            # 2019-2020 blocks: "Date: X" above the name and title it belongs to; "Date: A Date: B" by columns.
            vals = _split_two(ln, "date")
            if len(vals) >= 2:
                for pk, v in zip(order, vals, strict=False):
                    _set_date(parties[pk], v, method, 0.7)
            elif vals and (who := _who(lines[i + 1 : i + 4])):
                _set_date(parties[who], vals[0], method, 0.7)
            continue
        if lab is not None:
            continue
        bare = _LEA_HDR.sub(" ", _ICE_HDR.sub(" ", ln))
        known = [k for k in ICE_SIGNERS if k.lower() in bare.lower()]
        if not known and len(bare.split()) <= 5 and not bare.isupper():
            # "Timot 1y S. Robbins": a line that is an official's printed name (not a stamp's capitals)
            known = [k for k in ICE_SIGNERS if fuzz.ratio(bare.strip().lower(), k.lower()) >= 88][:1]
            if known and ice.name is None:
                _set_name(ice, known[0], 0.8)
                continue
        if known:
            if ice.name is None or ice.name_conf < 0.85:
                _set_name(ice, known[0], 0.85)
            # "Donald Hagan Todd M. Lyons": what is left beside the ICE official is the other signer.
            rest = re.sub(re.escape(known[0]), " ", bare, flags=re.I)
            if clean_name(rest):
                _set_name(lea, rest, 0.7)
            elif i + 1 < n and _ICE_TITLE.search(lines[i + 1]) and not _LEA_TITLE.search(lines[i + 1]):
                _set_title(ice, lines[i + 1])
            continue
        # 2019-2020 blocks side by side, ICE's on the left: a line of ICE's printed title or organisation
        # running on into the LEA column's printed name ("Enforcement and Removal Operations John Grossnickle").
        m = _ICE_LINE.match(bare.strip())
        if m and (rest := clean_name(bare.strip()[m.end():])) and not _known_ice(rest):
            _set_name(lea, rest, 0.6)
            continue
        names = _names_in(bare)
        titled = _titled_name(bare) if not names else None
        if titled:
            _set_name(lea, titled, 0.6)
            continue
        if not names:
            continue
        if len(names) == 2:
            for pk, nm in zip(order, names, strict=False):
                _set_name(parties[pk], nm, 0.6)
            _titles_after(lines[i + 1 : i + 3], parties, order)
            continue
        follow = _party_of_block(lines[i + 1 : min(n, i + 5)])
        if follow:
            _set_name(parties[follow], names[0], 0.6)
            if i + 1 < n and not parties[follow].title:
                _set_title(parties[follow], lines[i + 1] if follow == "lea" or _ICE_TITLE.search(lines[i + 1]) else "")
    # One date nobody claimed, and one party still without a date: it is that party's.
    undated = [p for p in (lea, ice) if p.date is None]
    if len(loose) == 1 and len(undated) == 1:
        _set_date(undated[0], loose[0], method, 0.5)


def _titles_after(lines: list[str], parties: dict[str, Party], order: tuple[str, str]) -> None:
    for ln in lines:
        ti = _ICE_TITLE.search(ln)
        tl = _LEA_TITLE.search(ln)
        if ti and tl:
            first, second = (ln[: max(ti.start(), tl.start())], ln[max(ti.start(), tl.start()):])
            if ti.start() < tl.start():
                _set_title(parties["ice"], first)
                _set_title(parties["lea"], second)
            else:
                _set_title(parties["lea"], first)
                _set_title(parties["ice"], second)
            return


def _party_of_block(block: list[str]) -> str | None:
    """Whose block the next few lines are: ICE if an ICE title/organisation follows, LEA if an LEA title does."""
    text = "\n".join(block)
    if not block:
        return None
    ice_at = min([m.start() for m in (_ICE_ORG.search(text), _ICE_TITLE.search(text)) if m] or [10**6])
    lea_m = _LEA_TITLE.search(text)
    lea_at = lea_m.start() if lea_m else 10**6
    if ice_at == lea_at == 10**6:
        return None
    # "Director" alone is an ICE title unless an LEA title or agency word comes first.
    return "ice" if ice_at < lea_at else "lea"


_TITLE_WORDS = ["Sheriff", "Jail Administrator", "Chief of Police", "Chief", "Commissioner", "Director",
                "Superintendent", "Warden", "Colonel", "Secretary"]


def _titled_name(line: str) -> str | None:
    """"Sheriff Sam Page", "Sheri l'f Billy Woods": a printed name after an LEA title (OCR'd or not)."""
    toks = line.split()
    for k in range(max(0, len(toks) - 4), len(toks) - 1):
        name = clean_name(" ".join(toks[k:]))
        prefix = re.sub(r"[^A-Za-z ]", "", " ".join(toks[:k])).strip()
        if name and prefix and len(name.split()) == len(toks) - k:
            if any(fuzz.partial_ratio(prefix.lower(), t.lower()) >= 75 and len(prefix) >= 4 for t in _TITLE_WORDS):
                if len(prefix) <= 24:
                    return name
    return None


def _names_in(line: str) -> list[str]:
    """Person names that make up (nearly) the whole line: one name, or two when two columns merged."""
    out = []
    for m in re.finditer(r"(?:[A-Z][\w.'\"“”-]*\s?){2,5}", line):
        cand = clean_name(m.group(0))
        if cand:
            out.append(cand)
    whole = clean_name(line)
    if whole and len(out) != 2:
        return [whole]
    letters = len(re.sub(r"[^A-Za-z]", "", line))
    if not out or len(re.sub(r"[^A-Za-z]", "", "".join(out))) < 0.95 * letters:
        return []  # a name cut short by OCR ("S.Glen Whit ey") is no name
    return out[:2]


def _digital(lines: list[str], lea: Party, ice: Party) -> None:
    """"Digitally signed by NAME Date: 2025.03.18 09:52:57": the stamp's date goes to the signer whose
    surname the stamp carries (the words around it are often out of order in the text layer)."""
    text = " ".join(lines)
    for m in re.finditer(r"Date\s*:?\s*(?P<date>(?:19|20)\d\d\s?[.]\s?\d\d\s?[.]\s?\d\d)\s+\d\d?\s?:\s?\d\d", text):
        before = text[max(0, m.start() - 120) : m.start()]
        sig = re.search(r"(?:D[il1]g[il1]\w{2,6}(?:\s+\S+){0,3}?\s+)?s[il1]gned(?:\s+by)?\s*:?", before, re.IGNORECASE)
        if not sig and not re.search(r"D[il1]g[il1]\w{2,6}", text[m.end() : m.end() + 40], re.IGNORECASE):
            continue
        who = re.sub(r"[^A-Za-z .'\-]", " ", before[sig.end():] if sig else before[-60:])
        who = re.sub(r"\b(?:Date|Digitally|signed|by)\b", " ", who, flags=re.IGNORECASE)
        who = re.sub(r"\s+", " ", who).strip(" .-")
        hits = find_dates(re.sub(r"\s", "", m["date"]))
        if not hits:
            continue
        target = None
        tokens = {t.lower() for t in re.findall(r"[A-Za-z]{3,}", before)}
        surname = who.split()[-1].lower() if who.split() else ""
        for p in (lea, ice):
            if p.name and p.name.split()[-1].lower().strip(".") in tokens:
                target = p
        if target is None:
            _, sc = max(((k, fuzz.ratio(who.lower(), k.lower())) for k in ICE_SIGNERS), key=lambda x: x[1])
            # The surname a whole word of an ICE official's name: a stamp's garbled words ("be", "ro") are no name.
            target = ice if sc >= 80 or (len(surname) >= 3 and any(surname in k.lower().replace(".", " ").split()
                                                                  for k in ICE_SIGNERS)) else None
            # A clean signer name unlike any ICE official's, while the LEA block has no printed name:
            # the stamp is the LEA's ("Digitally signed by Michele Michele Miuccio").
            words = who.split()
            dedup = " ".join(t for j, t in enumerate(words) if j == 0 or t != words[j - 1])
            ice_toks = {t.lower().strip(".") for t in (ice.name or "").split()}
            if target is None and lea.name is None and clean_name(dedup) and sc < 50 and not tokens & ice_toks:
                target, who = lea, dedup
        if target is not None:
            target.date, target.date_source, target.date_conf = hits[0].iso, "digital-signature", 0.98
            if target.name is None:
                nm = clean_name(who) if target is lea else repair_ice_name(who)[0]
                if nm:
                    target.name, target.name_conf = nm, 0.7
    # A stamp whose words OCR lost but whose timestamp and UTC offset survive ("Dato 202504.25110805-04'00'"):
    # the party is the one whose printed surname sits on the lines around it, when only one does.
    for i, ln in enumerate(lines):
        m = re.search(r"(20\d\d)\s?\.?\s?(\d\d)\s?\.\s?(\d\d)\s?\d\d\s?:?\s?\d\d\s?:?\s?\d\d\s?[-+]\s?0\d'", ln)
        if not m:
            continue
        window = " ".join(lines[max(0, i - 1) : i + 2]).lower()
        owners = [p for p in (lea, ice) if p.name and p.name.split()[-1].lower() in window]
        hits = find_dates(f"{m.group(1)}.{m.group(2)}.{m.group(3)}")
        if len(owners) == 1 and hits and owners[0].date is None:
            owners[0].date, owners[0].date_source, owners[0].date_conf = hits[0].iso, "digital-signature", 0.8
    # An OCR'd stamp whose separators and leading year digits are lost in noise ("~:~~020.06.0808:54:14",
    # "20 06 09 3 08:5"): its date is read leniently, only right after "Digitally signed", only where the
    # stamp's shape holds (the day followed by a space or by a two-character hour and its colon: in
    # "2020.06.01114:45" the day is not settled), and only for the signer the stamp names: the one party whose
    # surname its own lines (the "signed by" line and the two after it) carry, spaces aside ("CRON EN").
    for i, ln in enumerate(lines):
        if not re.search(r"D[il1]g[il1]\w{2,6}\s*s[il1]gned|s[il1]gned\s+by", ln, re.I):
            continue
        near = " ".join(lines[max(0, i - 2) : i + 6])
        stamp = re.sub(r"\s", "", " ".join(lines[i : i + 3])).lower()
        named = [p for p in (lea, ice) if p.name and len(p.name.split()[-1]) >= 3
                 and (re.sub(r"\W", "", p.name.split()[-1]).lower() in stamp  # or the whole name, a slip or two
                      or fuzz.partial_ratio(re.sub(r"\W", "", p.name).lower(), re.sub(r"\W", "", stamp)) >= 85)]
        who = named[0] if len(named) == 1 else None
        if who is None or who.date_source == "digital-signature":
            continue
        m = re.search(r"(?:0|20)?([12]\d)\s?[.\s]\s?(\d\d)\s?[.\s]\s?(\d\d)(?=\s|\S\S\s?:)",
                      near[max(0, near.lower().find("gned")):])
        if m:
            iso = find_dates(f"20{m.group(1)}.{m.group(2)}.{m.group(3)}")
            if iso and who.date is None:
                who.date, who.date_source, who.date_conf = iso[0].iso, "digital-signature", 0.7
                who.reasons.append("date read from a noisy digital-signature stamp")


def _check_other_readings(p: Party, pages: list[Any]) -> None:
    """An OCR'd name whose surname the document prints elsewhere (a points-of-contact appendix) with a first
    name that differs by a letter or two ("Mihael" on the signature page, "ichael" in Appendix C): the
    readings disagree, so the name is not given."""
    toks = (p.name or "").split()
    if len(toks) < 2 or len(toks[-1]) < 4:
        return
    first, surname = toks[0].strip("\"'“”"), toks[-1]
    readings: list[str] = []
    for pg in pages:
        for m in re.finditer(r"(\S+)\s+(?:[A-Z]\.\s+)?" + re.escape(surname) + r"\b", pg.text or ""):
            readings.append(m.group(1).strip(",.:;|_-\"'“”"))
    if readings.count(first) >= 2:  # read the same way elsewhere too (once is the signature block itself)
        return
    # A reading inside the other ("ichael" in "Michael", "Bryan'\"Jay" around "Bryan") lost or gained a letter
    # or a mark at its edge, and so agrees; only a different letter within the word is a disagreement.
    close = sorted(r for r in readings if r.lower() not in first.lower() and first.lower() not in r.lower()
                   and fuzz.ratio(r.lower(), first.lower()) >= 60)
    if close:
        p.reasons.append(f"name {p.name!r} dropped: the document also reads it as {close}")
        p.name, p.name_conf = None, 0.0


MIN_WORD_CONF = 20  # Tesseract's confidence (0-100) under which a word of a name or date is a guess


def _check_ocr_confidence(p: Party, words: list[Any]) -> None:
    """Drop a name or date whose OCR'd words Tesseract itself was not sure of ("Efe" at 0 for "Eric")."""
    conf: dict[str, float] = {}
    for w in words:
        key = re.sub(r"[^\w]", "", str(w[0])).lower()
        if key:
            conf[key] = max(conf.get(key, -1.0), float(w[1]))
    if not conf:
        return
    if p.name and p.name_conf < 0.95:  # a name repaired from the list of ICE officials is not OCR's guess
        low = [t for t in p.name.split() if conf.get(re.sub(r"[^\w]", "", t).lower(), 100.0) < MIN_WORD_CONF]
        if low:
            p.reasons.append(f"name {p.name!r} dropped: OCR confidence under {MIN_WORD_CONF} for {low}")
            p.name, p.name_conf = None, 0.0


def _finish(p: Party, revision: str | None, method: str) -> None:
    # Reasons about a value another line of the block did give are stale.
    p.reasons = [r for r in p.reasons if not ((r.startswith("date unreadable") and p.date)
                                              or (r.startswith("name unreadable") and p.name))]
    if p.date and revision and p.date < revision:
        p.reasons.append(f"date {p.date} precedes the template revision {revision}: misread, dropped")
        p.date, p.date_source, p.date_conf = None, None, 0.0
    if p.date is None:
        p.date_source = None
        if not any(r.startswith("date") for r in p.reasons):
            p.reasons.append("no readable date in the signature block")
    if p.name is None and not any(r.startswith(("name", "no printed name")) for r in p.reasons):
        p.reasons.append("no printed name in the signature block")
    parts = [c for c in (p.name_conf if p.name else None, p.date_conf if p.date else None) if c is not None]
    base = sum(parts) / len(parts) if parts else 0.0
    p.confidence = base * (0.9 if method == "ocr" else 1.0)
