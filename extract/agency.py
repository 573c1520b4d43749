"""The agency party to an MOA, and its state, with the evidence for each.

Sources, strongest first: the PARTIES article ("… and X, hereinafter the law enforcement agency (LEA)"),
the Task Force preamble ("… and the X, pursuant to which ICE delegates …"), the complaint appendix
("agreement between ICE and the X, hereinafter …"), the running footer the templates print on every
page, and the "Agency:" line of the signature block. A PARTIES name OCR garbled, its letters slipped ("the rnge
County sherif's office (0CS0)") or its spaces lost ("theManinCountySheri"s0ffice(MCS0)"), is repaired only from
the jurisdiction the 2025 Task Force template says the LEA represents, only within two OCR slips of the place and
two of an agency kind, and only where the acronym printed after it (when there is one; always, for a name run
together) is the repaired name's initials; the file name's state code only picks among states the document leaves
open.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from extract import states

_WS = re.compile(r"\s+")
# "and", or its OCR misreadings ("end", "anc"), with a speck read as a lone letter after it ("end e the").
_AND = r"(?:and|end|anc|arid)\s+(?:[a-z]\s+)?"
_PARTIES = re.compile(
    r"Security\s*\(\s*\w{2,4}\s*\)\s*,?\s*" + _AND + r"(?:the\s+)?(?P<name>[^()]{3,160}?)(?:\s*\([A-Z]{2,6}\))?\s*,?\s*\(?\s*[a-z]?hereinafter\s+(?:(?:known|referred\s+to)\s+as\s+)?"
    r"(?:the\s+)?[\"“”']?\s*[lJI]aw\s+enforcement\s+agency",
    re.IGNORECASE,
)
_PREAMBLE = re.compile(
    r"Security\s*\(\s*\w{2,4}\s*\)\s*,?\s*" + _AND + r"(?:the\s+)?(?P<name>[^()]{3,160}?)(?:\s*\([A-Z]{2,6}\))?\s*,?\s*pursuant\s+to\s+which", re.IGNORECASE
)
# A filled-in form field that the text layer places after "pursuant to": "and the____, pursuant to Boca
# Raton Police Svs Dept (BRPSD) which ICE delegates".
_PREAMBLE_FIELD = re.compile(
    r"\(DHS\)\s*,?\s*and\s+the\s*_+\s*,?\s*pursuant\s+to\s+(?P<name>[^()_]{3,120}?)(?:\s*\([A-Z]{2,8}\))?"
    r"\s+which\s+ICE",
    re.IGNORECASE,
)
_COMPLAINT = re.compile(
    r"agreement\s+between\s+ICE\s+and\s+(?:the\s+)?(?P<name>[^()]{3,160}?)\s*,?\s*\(?\s*hereinafter", re.IGNORECASE
)
_AGENCY_LINE = re.compile(r"^\s*Agency\s*[:;.]\s*(?P<name>.+?)\s*(?:Agency\s*[:;.].*)?$", re.IGNORECASE | re.MULTILINE)
_ICE_WORDS = re.compile(r"immigration|customs|homeland|\bICE\b|\bDHS\b|\bOPLA\b|removal operations|field office",
                        re.IGNORECASE)
_AGENCY_WORDS = re.compile(
    r"sheriff|police|county|department|office|jail|detention|city|town|bureau|patrol|division|guard|"
    r"correction|marshal|authority|commission|safety|parish|state|PD\b|SO\b",
    re.IGNORECASE,
)


def _clean(name: str) -> str:
    t = re.sub(r"[\x00-\x1f]", " ", name)
    t = _WS.sub(" ", t).replace(" ,", ",").strip(" ,.;:_-\"'“”|")
    t = re.sub(r"\bSheri\s?f+\s?[a-z]{0,2}\s?s\b", lambda m: "Sheriff's" if " " in m.group(0) else m.group(0),
               t)  # OCR "Sheri fr s"
    t = re.sub(r"^the\s*(?=[A-Z])", "", t)
    t = re.sub(r"^the\s+", "", t, flags=re.IGNORECASE)
    t = re.sub(r"\s*,?\s*hereinafter\b.*$", "", t, flags=re.IGNORECASE)
    # "Tarrant County, by and through the Tarrant County Sheriffs Office that is": the office signs.
    t = re.sub(r"^.*?\bby\s+and\s+through\s+(?:the\s+)?", "", t, flags=re.IGNORECASE)
    t = re.sub(r"\s+(?:that|which)\s+is$", "", t, flags=re.IGNORECASE)
    t = re.sub(r"\bCount[vy]\b", "County", t)  # OCR 'Countv'
    t = re.sub(r"\b(County|City)\.\s+(?=[A-Z][a-z])", r"\1 ", t)  # a speck read as a period: "Noble County. Sheriff's"
    t = re.sub(r"\bSherif[fr]s\b", "Sheriffs", t)
    # "(CCSO)", '("PSO")': an acronym after a filled-in form field is dropped; "(FL)" is a state and stays.
    t = re.sub(r"\s*\(\s*[\"“”']?([A-Z]{2,6})[\"“”']?\s*\)\s*$",
               lambda m: m.group(0) if m.group(1) in states.STATES else "", t)
    t = re.sub(r"\s+\d{1,3}$", "", t)  # a stray form-field number after the name
    # "…, Division of Security, State of Florida": the state the agency belongs to, not part of its name.
    t = re.sub(r",\s*State\s+of\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?$",
               lambda m: "" if states.state_in_name(m.group(0).split("of", 1)[1]) else m.group(0), t)
    return t.strip(" ,.;:")


_STATE_TAIL = re.compile(
    r"(?P<head>\b(?:Office|Department|Dept\.?|Police|Patrol|Division|Bureau|Center|Jail|Commission|Authority|"
    r"Marshal'?s?\s+Office))\s*,?\s+(?:(?:of\s+)?(?:the\s+)?State\s+of\s+|of\s+)?(?P<state>"
    + states.NAMES_PATTERN + r")\s*$", re.IGNORECASE)


def state_tail(name: str) -> tuple[str, str | None]:
    """(name, state code) with a state printed after the agency's kind taken off: "Punta Gorda Police Department
    Florida", "Rockingham County Sheriffs Office of New Hampshire". The state is evidence, not part of the name."""
    m = _STATE_TAIL.search(name)
    if not m:
        return name, None
    return name[: m.start("head")] + m["head"], states.NAME_TO_CODE[m["state"].lower()]


def _plausible(name: str) -> bool:
    if not name or "_" in name or len(name) > 120 or len(name) < 4:
        return False
    if re.fullmatch(r"[A-Z]{2,8}", name):  # an acronym alone ("NCPD") names nobody to a reader
        return False
    odd = sum(1 for c in name if not (c.isalpha() or c in " ,.'’&-/();"))
    if odd > 2 or re.search(r"[a-z][A-Z]{2}|\d", name):  # OCR debris ("Depar1menl", "41=")
        return False
    if _ICE_WORDS.search(name):
        return False
    return bool(_AGENCY_WORDS.search(name)) or states.state_in_name(name) is not None


_TEMPLATE_PHRASES = re.compile(
    r"Department\s+of\s+Homeland\s+Security|Immigration\s+and\s+Customs\s+Enforcement|Law\s+Enforcement\s+Agency|"
    r"(?:Jail\s+Enforcement|Task\s+Force|Warrant\s+Service(?:\s+Officers?)?)\s+Model|Warrant\s+Service\s+Officers?|"
    r"Memorandum\s+of\s+Agreement|United\s+States|Task\s+Force\s+Model|Points?\s+of\s+Contact|Appendix",
    re.IGNORECASE,
)
_PROPER_RUN = re.compile(
    r"(?:[A-Z][\w'’.&-]*|of|and|the|for)(?:[ ,]+(?:[A-Z][\w'’.&-]*|of|and|the|for)){1,9}(?:\s*\([A-Z]{2,6}\))?"
)
_AGENCY_HEAD = re.compile(
    r"\b(?:Sheriff\S*|Police|Department|Dept\.?|Office|Bureau|Patrol|Division|Guard|Commission|Safety|"
    r"Corrections?|Jail|Marshal\S*)\b"
)


def _floating_field(pages: list[Any]) -> str | None:
    """A filled-in form field the text layer places out of line in a Task Force preamble (after
    "to nominated," or repeated on one line): a run of capitalised words naming an agency that is not
    part of the template's own wording."""
    if not pages:
        return None
    head = re.split(r"\n\s*I\s*\.\s+(?:PURPOSE|PARTIES)", pages[0].text or "")[0]
    head = _TEMPLATE_PHRASES.sub("|", head)
    for m in _PROPER_RUN.finditer(head):
        cand = _clean(re.sub(r"^(?:of|and|the|for)\s+", "", m.group(0)))
        words = cand.split()
        for n in range(1, len(words) // 2 + 1):  # the same field printed several times on one line
            if len(words) % n == 0 and words == words[:n] * (len(words) // n):
                cand = _clean(" ".join(words[:n]))
                break
        if _AGENCY_HEAD.search(cand) and _plausible(cand) and len(cand.split()) >= 2:
            return cand
    return None


_BLANK_PARTIES = re.compile(r"Security\s*\(DHS\)\s*,?\s*and\s+the\s*_*\s*,\s*hereinafter", re.IGNORECASE)


def _blank_party_line(pages: list[Any]) -> str | None:
    """PARTIES with a blank ("and the , hereinafter") whose filled-in field the text layer prints on a line
    of its own elsewhere on page 1 ("Seneca County Sheriff's Office, OH"): that line, when it is the only one."""
    if not pages or not _BLANK_PARTIES.search(_WS.sub(" ", pages[0].text or "")):
        return None
    found = set()
    for ln in (pages[0].text or "").splitlines():
        ln = ln.strip()
        if not ln or _TEMPLATE_PHRASES.search(ln) or not _PROPER_RUN.fullmatch(ln):
            continue
        cand = _clean(ln)
        if _AGENCY_HEAD.search(cand) and _plausible(cand) and len(cand.split()) >= 2:
            found.add(cand)
    return next(iter(found)) if len(found) == 1 else None


_VOCAB = {
    "police", "department", "sheriff's", "sheriffs", "sheriff", "office", "county", "city", "town", "of", "the",
    "and", "public", "safety", "detention", "center", "jail", "bureau", "division", "state", "patrol", "services",
    "corrections", "correction", "commission", "guard", "national", "investigation", "highway",
}


def _vocab(name: str) -> int:
    return sum(1 for t in re.findall(r"[A-Za-z'’]+", name) if t.lower().replace("’", "'") in _VOCAB)


def _footer(pages: list[Any]) -> tuple[str, list[int]] | None:
    """The line the template prints at the foot of most pages (the agency name), page numbers stripped."""
    seen: Counter = Counter()
    where: dict[str, list[int]] = {}
    for p in pages:
        lines = [ln.strip() for ln in (p.text or "").splitlines() if ln.strip()]
        for ln in set(lines[-4:]):
            t = re.sub(r"\s*Revised\s*\S*\s*$", "", ln)
            t = re.sub(r"\s+\d{1,2}\s*$", "", t)
            t = re.sub(r"^\d{1,2}\s+", "", t)
            t = _clean(t)
            if _plausible(t):
                seen[t] += 1
                where.setdefault(t, []).append(p.number)
    if not seen:
        return None
    name, n = seen.most_common(1)[0]
    return (name, where[name]) if n >= 2 else None


# "The LEA represents Orange County,FL__in the implementation and administration of this MOA" (2025 TFM).
_REPRESENTS = re.compile(r"LEA\s+represents\s+(?:the\s+)?([^_]{3,80}?)\s*_*\s*in\s+the\s+implementation")
# PARTIES or preamble as read, checks aside, with an OCR'd acronym ("(0CS0)") after the name.
_RAW_PARTY = re.compile(
    r"Security\s*\(\s*\w{2,4}\s*\)\s*,?\s*" + _AND + r"(?:the\s+)?(?P<name>[^()_]{3,160}?)"
    r"(?:\s*\(\s*(?P<acronym>[A-Z0-9]{2,8})\s*\))?\s*,?\s*(?:\(?\s*[a-z]?hereinafter|pursuant\s+to\s+which)",
    re.IGNORECASE,
)
# The kinds of agency a name ends with, as the templates spell them; a repaired name takes its kind from here.
_AGENCY_TYPES = ("Sheriff's Office", "Sheriff's Department", "Police Department", "Department of Public Safety",
                 "Public Safety Department", "Detention Center", "Marshal's Office", "Constable's Office",
                 "Highway Patrol", "Police")
_MAX_SLIPS = 2  # OCR slips (character edits) allowed between what was read and what it is repaired to


def _key(s: str) -> str:
    return _WS.sub(" ", s.replace("’", "'")).strip().lower()


def _agency_type(words: list[str]) -> tuple[str, int, int] | None:
    """The template agency kind the last words of a name read as: (kind, words it spans, slips), when one kind
    alone is within `_MAX_SLIPS` of them."""
    best: list[tuple[int, str, int]] = []
    for kind in _AGENCY_TYPES:
        n = len(kind.split())
        if len(words) <= n:
            continue
        d = Levenshtein.distance(_key(" ".join(words[-n:])), _key(kind))
        if d <= _MAX_SLIPS:
            best.append((d, kind, n))
    if not best:
        return None
    best.sort()
    if len(best) > 1 and best[1][0] == best[0][0]:
        return None  # two kinds read equally well: no guess
    return best[0][1], best[0][2], best[0][0]


def _initials(name: str) -> str:
    return "".join(w[0] for w in re.findall(r"[A-Za-z'’]+", name) if w.lower() not in {"of", "the", "and"}).upper()


def _represented(flat: str) -> tuple[str, str] | None:
    """(place, clause) from "The LEA represents Orange County,FL__in the implementation": the state and an agency
    kind the clause adds ("represents Sutton County Sherif's office") left out; None when no place is filled in."""
    rep = _REPRESENTS.search(flat)
    if not rep:
        return None
    where = states.strip_state(rep.group(1).strip(" ,."))
    where = re.sub(r"\s*\((?:" + "|".join(states.STATES) + r")\)$", "", where).strip(" ,.")
    if (own := _agency_type(where.split())) is not None:
        where = " ".join(where.split()[: -own[1]])
    if not re.fullmatch(r"[A-Za-z][A-Za-z .'’-]{4,60}", where):
        return None
    return where, rep.group(0)


def _repair(read: str, acronym: str | None, where: str) -> tuple[str, int, int] | None:
    """(name, place slips, kind slips): `read`'s place words at most two OCR slips from `where`, its last words
    at most two from one agency kind, and `acronym`, when there is one, the repaired name's initials."""
    words = read.split()
    kind = _agency_type(words)
    if kind is None:
        return _repair_run_together(read, acronym, where)
    slips = Levenshtein.distance(_key(" ".join(words[: -kind[1]])), _key(where))
    if slips > _MAX_SLIPS:
        return None
    name = f"{where} {kind[0]}"
    if acronym and acronym.upper().translate(str.maketrans("0158", "OISB")) != _initials(name):
        return None
    return name, slips, kind[2]


# Characters OCR reads for others in a name whose spaces it lost: a zero for an O, a double quote for "ff'".
_SQUASH = str.maketrans({"0": "o", "1": "l", '"': "'", "’": "'"})


def _squash(s: str) -> str:
    return _WS.sub("", s).lower().translate(_SQUASH)


def _repair_run_together(read: str, acronym: str | None, where: str) -> tuple[str, int, int] | None:
    """`_repair` for a name OCR ran together ("theManinCountySheri"s0ffice (MCS0)"): its place part at most two
    slips from `where` and its kind part at most two from one agency kind, compared without spaces; the
    acronym the text prints after it must be the repaired name's initials (without one, no repair)."""
    if not acronym or len(read.split()) > 2:
        return None
    sq = _squash(re.sub(r"^the(?=[A-Z])", "", read.strip()))
    wq = _squash(where)
    found: list[tuple[int, int, str]] = []
    for kind in _AGENCY_TYPES:
        kq = _squash(kind)
        splits = [(Levenshtein.distance(sq[:i], wq), Levenshtein.distance(sq[i:], kq))
                  for i in range(max(1, len(wq) - _MAX_SLIPS), min(len(sq), len(wq) + _MAX_SLIPS) + 1)]
        ok = [(a, b) for a, b in splits if a <= _MAX_SLIPS and b <= _MAX_SLIPS]
        if ok:
            a, b = min(ok, key=sum)
            found.append((a + b, a, kind))
    found.sort()
    if not found or (len(found) > 1 and found[1][0] == found[0][0]):
        return None
    name = f"{where} {found[0][2]}"
    if acronym.upper().translate(str.maketrans("0158", "OISB")) != _initials(name):
        return None
    return name, found[0][1], found[0][0] - found[0][1]


def _repaired_from_jurisdiction(pages: list[Any], found: str | None = None) -> tuple[str | None, dict[str, Any]] | None:
    """A PARTIES/preamble name repaired from the jurisdiction the Task Force template says the LEA represents
    ("The LEA represents Orange County,FL"), two cases:
    - no name passed the checks (OCR: "the rnge County sherif's office (0CS0)"): repaired when `_repair` allows;
    - `found` passed them but its county is no county ("rnge County Sheriff's Office") one or two slips from
      the represented one, which is: repaired when `_repair` allows, else (None, reason): that name is a misreading.
    None where the cross-check does not apply. Never a guess beyond the jurisdiction and the kind vocabulary."""
    for p in pages[:2]:
        flat = _WS.sub(" ", p.text or "")
        rep, raw = _represented(flat), _RAW_PARTY.search(flat)
        if not rep or not raw:
            continue
        where, clause = rep
        read = re.sub(r"^the\s+", "", _WS.sub(" ", raw["name"]).strip(" ,.;:"), flags=re.IGNORECASE)
        ev: dict[str, Any] = {"page": p.number, "text": raw.group(0)[:200], "read": read, "jurisdiction": clause}
        if raw["acronym"]:
            ev["acronym"] = raw["acronym"]
        if found is not None:
            m = re.match(r"(.*?\bCounty)\b", found)
            if not m or states.county_states(found) or not states.county_states(where) \
                    or not 1 <= Levenshtein.distance(_key(m.group(1)), _key(where)) <= _MAX_SLIPS:
                return None
        fixed = _repair(read, raw["acronym"], where)
        if fixed is None:
            if found is None:
                return None
            return None, dict(ev, how="none", rejected=found,
                              reason=f"'{found}' names no county, a misreading of '{where}' the LEA represents; "
                                     "too garbled to repair")
        return fixed[0], dict(ev, how="parties-repaired", place_slips=fixed[1], kind_slips=fixed[2],
                              **({"corrected_from": found} if found else {}))
    return None


def _first(rx: re.Pattern, pages: list[Any], kind: bool = False) -> tuple[str, int, str] | None:
    """The first plausible name `rx` reads; with `kind`, only one that says what kind of agency it is (a form
    field the layer prints out of line comes in pieces: "City of Sunny" of "City of Sunny Isles Beach")."""
    for p in pages:
        flat = _WS.sub(" ", p.text or "")
        for m in rx.finditer(flat):
            name = _clean(m["name"])
            if _plausible(name) and (not kind or _AGENCY_HEAD.search(name)):
                return name, p.number, m.group(0)[:200]
    return None


_POC_LEA = re.compile(r"^\s*For\s+(?:the\s+)?LEA\s*:", re.IGNORECASE | re.MULTILINE)


def _contact_block(pages: list[Any]) -> tuple[str, int] | None:
    """The agency the points-of-contact appendix prints in the LEA's block ("For the LEA: Luke Plesa / Assistant
    Chief of Police / Sunny Isles Beach Police Department / 18070 Collins Ave"): the one line of the next five
    that reads as an agency, when the blocks that print one agree."""
    found: dict[str, int] = {}
    for p in pages:
        text = p.text or ""
        if not re.search(r"POINTS?\s+OF\s+CONTACT", text, re.IGNORECASE):
            continue
        for m in _POC_LEA.finditer(text):
            for ln in text[m.end():].splitlines()[:6]:
                cand = _clean(ln)
                kind = _agency_type(cand.split())
                # The kind spelled exactly at the end ("… Sheriff's Office", not "… Offig", nor a unit such as
                # "Office of Public Affairs"), with words before it that name the place.
                if kind is not None and kind[2] == 0 and _plausible(cand) and len(cand.split()) >= 3 \
                        and not _LEA_TITLE_LINE.search(cand):
                    found.setdefault(cand, p.number)
                    break
    return next(iter(found.items())) if len(found) == 1 else None


def _contact_text(pages: list[Any]) -> str:
    """The LEA's block of the points of contact: the eight lines after each "For the LEA:" on a page that
    lists the points of contact, up to a blank line, the next heading or ICE's block."""
    out = []
    for p in pages:
        text = p.text or ""
        if re.search(r"POINTS?\s+OF\s+CONTACT", text, re.IGNORECASE):
            for m in _POC_LEA.finditer(text):
                block = []
                for ln in text[m.end():].splitlines()[:8]:
                    if (block and not ln.strip()) or re.match(r"\s*(?:[IVX]+\.\s|For\s+ICE|APPENDIX)", ln):
                        break  # the block ends at a blank line, the next heading or ICE's block
                    if not _ICE_WORDS.search(ln):
                        block.append(ln)
                out.append("\n".join(block))
    return "\n".join(out)


def _contact_states(pages: list[Any]) -> Counter:
    """Votes from the addresses in the LEA's block of the points of contact."""
    return states.address_states(_contact_text(pages))


# A title line of a contact block ("Assistant Chief of Police"), not the agency.
_LEA_TITLE_LINE = re.compile(r"^(?:Assistant\s+|Deputy\s+|Acting\s+)?(?:Chief|Sheriff|Captain|Lieutenant|Major|"
                             r"Sergeant|Director|Commander|Colonel|Undersheriff)\b", re.IGNORECASE)


# The template's own sentence that names the LEA in full, beside PARTIES: "… normally possessed by participating
# HCSO personnel as members of the Highlands County Sheriffs Office." (2019-2020 templates; 2025 ones say "LEA").
_MEMBERS = re.compile(r"as\s+members\s+of\s+the\s+(?P<name>[^.()]{3,100}?)\s*\.", re.IGNORECASE)
# The acronym PARTIES gives the LEA: "(HCSO)", '("NCSO")'.
_ACRONYM = re.compile(r"\(\s*[\"“”']?(?P<acr>[A-Z][A-Z0-9&]{1,7})[\"“”']?\s*\)")
_NOT_LEA_ACRONYMS = {"DHS", "ICE", "MOA", "LEA", "OHS", "INA", "SOP", "ERO", "USC"}


def lea_acronym(pages: list[Any]) -> str | None:
    """The acronym the PARTIES clause or preamble gives the LEA, read between "Security (DHS)" and
    "pursuant to which" / "hereinafter"; None when it gives none or several."""
    if not pages:
        return None
    flat = _WS.sub(" ", pages[0].text or "")
    m = re.search(r"Security\s*\(\s*\w{2,4}\s*\)(?P<clause>.{0,300}?)(?:pursuant\s+to|hereinafter)", flat, re.I)
    if not m:
        return None
    found = {a["acr"] for a in _ACRONYM.finditer(m["clause"])} - _NOT_LEA_ACRONYMS - set(states.STATES)
    return found.pop() if len(found) == 1 else None


def _no_place(name: str) -> bool:
    """The name's county is none the census knows in any state ("HCSO County Sheriffs Office")."""
    return bool(re.search(r"\bCounty\b", name)) and states.county_states(name) is None


def _named_in_body(pages: list[Any], acronym: str | None) -> tuple[str, dict[str, Any]] | None:
    """The LEA as the template's "as members of the X." sentence names it, when it reads as an agency whose
    county (if it names one) is a real one, and it is confirmed: its initials are the LEA's acronym in
    PARTIES, or (no acronym given) the body names it so at least twice."""
    seen: Counter = Counter()
    where: dict[str, int] = {}
    for p in pages:
        for m in _MEMBERS.finditer(_WS.sub(" ", p.text or "")):
            cand = _clean(m["name"])
            if _plausible(cand) and not _no_place(cand):
                seen[cand] += 1
                where.setdefault(cand, p.number)
    for cand, n in seen.most_common():
        if (acronym and _initials(cand) == acronym.upper()) or (acronym is None and n >= 2):
            return cand, {"how": "body-members-sentence", "page": where[cand], "times": n,
                          **({"acronym": acronym} if acronym else {})}
    return None


_LEA_FIELD = re.compile(r"\b(?:name\s*of\s*(?:the\s*)?LEA|For\s*the\s*LEA|hereinafter)\b", re.IGNORECASE)


def agency_from_form(fields: list[tuple[str, str, int]]) -> tuple[str, dict[str, Any]] | None:
    """The agency a filled-in form names in its LEA fields ((field name, value, page) from extract.pdfsign:
    "name of LEA" = "Chattahoochee Police Department"), when the text layer lacks it: the first value, in page
    order, that reads as an agency in full (an abbreviation such as "Chatt. PD" does not)."""
    for field, value, page in sorted(fields, key=lambda f: f[2]):
        cand = _clean(value)
        if _LEA_FIELD.search(field) and _AGENCY_HEAD.search(cand) and _plausible(cand) and len(cand.split()) >= 2 \
                and not re.search(r"\b[A-Za-z]{1,5}\.", cand):
            return cand, {"how": "form-field", "field": field, "page": page}
    return None


# How much a value is worth by the source that gave it (0-1): the template's own clauses and a typed form
# field are read as printed; a running footer or a contact block may name a unit; a field found out of line
# or a repair is the weakest. A researcher filters on it; anything under it is None with a reason already.
SOURCE_CONFIDENCE = {
    "parties": 0.95, "preamble": 0.95, "form-field": 0.95, "complaint-appendix": 0.9, "body-members-sentence": 0.9,
    "preamble-field": 0.85, "footer": 0.85, "points-of-contact": 0.8, "parties-repaired": 0.75,
    "preamble-form-field": 0.7, "parties-form-field": 0.7, "title-page-field": 0.7, "signature-agency-line": 0.7,
    # the state
    "agency-name": 0.95, "represents-clause": 0.95, "county": 0.9, "addresses": 0.9, "place": 0.8,
    "county+phone-area-code": 0.8, "field-office": 0.75, "contact-address+file-name": 0.7, "file-name": 0.6,
}


def extract_agency(pages: list[Any], source_name: str | None = None,
                   form: list[tuple[str, str, int]] | None = None) -> dict[str, Any]:
    """{"name", "state", "evidence", "confidence"} (see `_agency`); the confidence of each value is its
    source's (SOURCE_CONFIDENCE), 0 where it is None."""
    out = _agency(pages, source_name, form)
    ev = out["evidence"]
    out["confidence"] = {
        "name": SOURCE_CONFIDENCE.get(ev.get("how", ""), 0.0) if out["name"] else 0.0,
        "state": SOURCE_CONFIDENCE.get((ev.get("state") or {}).get("how", ""), 0.0) if out["state"] else 0.0,
    }
    return out


def _agency(pages: list[Any], source_name: str | None = None,
            form: list[tuple[str, str, int]] | None = None) -> dict[str, Any]:
    """{"name", "state", "evidence"}; name/state None with a reason when the document does not say.

    `form`, the PDF's filled-in text fields as (field name, value, page), names the agency where the text
    layer leaves the form's blanks empty.

    `source_name`, the document's file name (or URL), only narrows a state the document leaves open between
    candidates (see `_state`)."""
    name, evidence = None, {}
    for how, rx in (("parties", _PARTIES), ("preamble", _PREAMBLE), ("preamble-field", _PREAMBLE_FIELD),
                    ("complaint-appendix", _COMPLAINT)):
        hit = _first(rx, pages, kind=how == "preamble-field")
        if hit:
            name, evidence = hit[0], {"how": how, "page": hit[1], "text": hit[2]}
            break
    footer = _footer(pages)
    if name and footer and footer[0] != name and _vocab(footer[0]) > _vocab(name) \
            and fuzz.ratio(name.lower(), footer[0].lower()) >= 85:
        # The same name read twice by OCR: the running footer spells more of it right ("Ponce" -> "Police").
        evidence = dict(evidence, corrected_from=name, footer_pages=footer[1])
        name = footer[0]
    if name and evidence.get("how") in ("parties", "preamble") and \
            (checked := _repaired_from_jurisdiction(pages, found=name)):
        name, evidence = checked
        if name is None:  # a misreading we cannot repair: no other source is asked to stand in for it
            out = {"name": None, "state": None, "evidence": evidence}
            out["state"], out["evidence"]["state"] = _state(None, None, pages, source_name)
            return out
    if name and _no_place(name):
        # "HCSO County Sheriffs Office": a county no state has is a slip of the typist or of OCR; the template's
        # sentence naming the LEA in full stands in only when the PARTIES acronym confirms it.
        body = _named_in_body(pages, lea_acronym(pages))
        if body is not None:
            name, evidence = body[0], dict(body[1], corrected_from=name, first=evidence)
        else:
            evidence = dict(evidence, rejected=name, reason=f"'{name}' names no county of any state")
            out = {"name": None, "state": None, "evidence": evidence}
            out["state"], out["evidence"]["state"] = _state(None, None, pages, source_name)
            return out
    if name is None and (body := _named_in_body(pages, lea_acronym(pages))):
        name, evidence = body
    if name is None and footer:
        name, evidence = footer[0], {"how": "footer", "pages": footer[1]}
    if name is None and (fixed := _repaired_from_jurisdiction(pages)):
        name, evidence = fixed
    if name is None and (field := _floating_field(pages)):
        name, evidence = field, {"how": "preamble-form-field", "page": pages[0].number}
    if name is None and (line := _blank_party_line(pages)):
        name, evidence = line, {"how": "parties-form-field", "page": pages[0].number}
    if name is None and pages:
        # A filled-in form field printed above the title of a Task Force MOA.
        head = (pages[0].text or "").split("MEMORANDUM OF AGREEMENT")[0]
        for ln in head.splitlines():
            cand = _clean(ln)
            if _plausible(cand) and re.search(r"sheriff|police|department|office|bureau|division|jail", cand, re.I):
                name, evidence = cand, {"how": "title-page-field", "page": pages[0].number}
                break
    if name is None and form and (filled := agency_from_form(form)):
        name, evidence = filled
    if name is None and (poc := _contact_block(pages)):
        name, evidence = poc[0], {"how": "points-of-contact", "page": poc[1]}
    if name is None:
        for p in pages:
            for m in _AGENCY_LINE.finditer(p.text or ""):
                cand = _clean(m["name"])
                if _plausible(cand):
                    name, evidence = cand, {"how": "signature-agency-line", "page": p.number}
                    break
            if name:
                break
    tail = None
    if name:
        name, tail = state_tail(name)
    out: dict[str, Any] = {"name": name, "state": None, "evidence": evidence}
    if tail:
        out["evidence"]["state_after_name"] = tail
    if name is None:
        out["evidence"]["reason"] = ("agency not named (readably) in PARTIES, preamble, body, form fields, footer, points "
                                     "of contact or signature block")
    st, st_ev = _state(name, footer[0] if footer else None, pages, source_name)
    if tail and st != tail:
        if st is None:
            st, st_ev = tail, {"how": "agency-name", "text": f"{name} … {states.STATES[tail]}"}
        else:  # the name's own state against the rest of the document: not given
            st, st_ev = None, {"how": "none", "reason": f"the name says {tail}, the document {st}", "other": st_ev}
    out["state"] = st
    out["evidence"]["state"] = st_ev
    return out


def _state(name: str | None, footer: str | None, pages: list[Any],
           source_name: str | None = None) -> tuple[str | None, dict[str, Any]]:
    """The agency's state: spelled in its name, else its county narrowed by addresses and the ICE field office,
    else (weakest) the state code in the file name when it is one of the states the document leaves open."""
    for how, cand in (("agency-name", name), ("footer", footer)):
        if cand and ((st := states.state_in_name(cand)) or (st := state_tail(cand)[1])):
            return st, {"how": how, "text": cand}
    # The Task Force preamble names the LEA's jurisdiction: "The LEA represents Orange County,FL in the …".
    flat = _WS.sub(" ", "\n".join(p.text or "" for p in pages[:2]))
    rep = _REPRESENTS.search(flat)
    if rep and (st := states.state_in_name(rep.group(1).strip(" ,."))):
        return st, {"how": "represents-clause", "text": rep.group(0)}
    if name is None:  # without the agency, an address or field office says nothing about its state ...
        contact = _contact_states(pages)
        codes = states.file_name_codes(source_name)
        if len(contact) == 1 and set(contact) <= set(codes):
            # ... but the address in the LEA's own contact block does, when ICE's file name says the same state.
            return next(iter(contact)), {"how": "contact-address+file-name", "votes": dict(contact),
                                         "file_name_codes": codes}
        return None, {"how": "none", "reason": "no agency name to place"}
    full = "\n".join(p.text or "" for p in pages)
    # Addresses and "X County, State" phrases, leaving out lines about ICE (its offices may be elsewhere).
    lea_text = "\n".join(ln for ln in full.splitlines() if not _ICE_WORDS.search(ln))
    votes = states.address_states(lea_text)
    fo = states.field_office_states(full)
    ev: dict[str, Any] = {"votes": dict(votes), "field_office": fo[0] if fo else None}
    county = states.county_states(name) if name else None
    cands = set(county[1]) if county else None
    if county:
        ev["county"] = county[0]
        ev["county_states"] = sorted(county[1])
    if cands is not None and len(cands) > 1:
        voted = [st for st, _ in votes.most_common() if st in cands]
        if voted and (len(voted) == 1 or votes[voted[0]] > votes[voted[1]]):
            cands = {voted[0]}
        elif fo and len(cands & fo[1]) == 1:
            cands = cands & fo[1]
    if cands is not None and len(cands) > 1 and (phones := states.phone_states(_contact_text(pages))):
        # The LEA's phone in its contact block: the area code's states narrow a county several states have
        # ("305": FL). Only that block: an ICE number elsewhere on a page (a Virginia "703") is no LEA's.
        if len(cands & phones) == 1:
            ev["phone_states"] = sorted(phones)
            return next(iter(cands & phones)), {"how": "county+phone-area-code", **ev}
    if cands is not None and len(cands) == 1:
        return next(iter(cands)), {"how": "county", **ev}
    if cands is None:
        ranked = votes.most_common()
        agrees = bool(ranked) and fo is not None and ranked[0][0] in fo[1]
        if ranked and (len(ranked) == 1 or ranked[0][1] >= 2 * ranked[1][1]) and (ranked[0][1] >= 2 or agrees):
            return ranked[0][0], {"how": "addresses", **ev}
        if fo and len(fo[1]) == 1:
            return next(iter(fo[1])), {"how": "field-office", **ev}
        # No county: the states the document hints at (addresses, the field office's area) are the candidates,
        # and the states that have the place the agency is named by (a city's police, "Pasco Sheriff's Office").
        hinted = set(votes) | (fo[1] if fo else set())
        place = states.place_states(name)
        if place:
            ev["place"], ev["place_states"] = place[0], sorted(place[1])
            both = (place[1] & hinted) if hinted else place[1]
            if len(both) == 1:
                return next(iter(both)), {"how": "place", **ev}
            cands = both or hinted or None
        else:
            cands = hinted or None
    return _state_from_file_name(cands, source_name, ev)


def _state_from_file_name(cands: set[str] | None, source_name: str | None,
                          ev: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """ICE's file names carry the state ("GraysonCountyDCKY_JEM_MOA"): taken only when its code is one of the
    candidate states the document leaves open, so "DC" (detention center) or "PD" never misfire, and with a
    low confidence: the file name is ICE's label, not the agreement's text."""
    reason = "the document does not settle the agency's state"
    codes = states.file_name_codes(source_name)
    if codes:
        ev = dict(ev, file_name=source_name, file_name_codes=codes)
    if cands is None:
        if codes:
            reason += "; the file name's code has no candidate states in the document to be checked against"
        return None, {"how": "none", "reason": reason, **ev}
    hits = [c for c in codes if c in cands]
    if len(hits) == 1:
        return hits[0], {"how": "file-name", "source": "file name", "confidence": "low", "code": hits[0], **ev}
    if not source_name:
        reason += "; no file name to narrow the candidates"
    elif not codes:
        reason += "; the file name carries no state code"
    elif not hits:
        reason += f"; the file name's code ({', '.join(codes)}) is none of the candidate states"
    else:
        reason += "; the file name names several of the candidate states"
    return None, {"how": "none", "reason": reason, **ev}
