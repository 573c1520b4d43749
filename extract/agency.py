"""The agency party to an MOA, and its state, with the evidence for each.

Sources, strongest first: the PARTIES article ("… and X, hereinafter the law enforcement agency (LEA)"),
the Task Force preamble ("… and the X, pursuant to which ICE delegates …"), the complaint appendix
("agreement between ICE and the X, hereinafter …"), the running footer the templates print on every
page, and the "Agency:" line of the signature block.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from rapidfuzz import fuzz

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
    # "(CCSO)": an acronym after a filled-in form field is dropped; "(FL)" is a state and stays.
    t = re.sub(r"\s*\(([A-Z]{2,6})\)\s*$", lambda m: m.group(0) if m.group(1) in states.STATES else "", t)
    t = re.sub(r"\s+\d{1,3}$", "", t)  # a stray form-field number after the name
    return t.strip(" ,.;:")


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


def _first(rx: re.Pattern, pages: list[Any]) -> tuple[str, int, str] | None:
    for p in pages:
        flat = _WS.sub(" ", p.text or "")
        for m in rx.finditer(flat):
            name = _clean(m["name"])
            if _plausible(name):
                return name, p.number, m.group(0)[:200]
    return None


def extract_agency(pages: list[Any]) -> dict[str, Any]:
    """{"name", "state", "evidence"}; name/state None with a reason when the document does not say."""
    name, evidence = None, {}
    for how, rx in (("parties", _PARTIES), ("preamble", _PREAMBLE), ("preamble-field", _PREAMBLE_FIELD),
                    ("complaint-appendix", _COMPLAINT)):
        hit = _first(rx, pages)
        if hit:
            name, evidence = hit[0], {"how": how, "page": hit[1], "text": hit[2]}
            break
    footer = _footer(pages)
    if name and footer and footer[0] != name and _vocab(footer[0]) > _vocab(name) \
            and fuzz.ratio(name.lower(), footer[0].lower()) >= 85:
        # The same name read twice by OCR: the running footer spells more of it right ("Ponce" -> "Police").
        evidence = dict(evidence, corrected_from=name, footer_pages=footer[1])
        name = footer[0]
    if name is None and footer:
        name, evidence = footer[0], {"how": "footer", "pages": footer[1]}
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
    if name is None:
        for p in pages:
            for m in _AGENCY_LINE.finditer(p.text or ""):
                cand = _clean(m["name"])
                if _plausible(cand):
                    name, evidence = cand, {"how": "signature-agency-line", "page": p.number}
                    break
            if name:
                break
    out: dict[str, Any] = {"name": name, "state": None, "evidence": evidence}
    if name is None:
        out["evidence"]["reason"] = "agency not named in PARTIES, preamble, footer or signature block"
    st, st_ev = _state(name, footer[0] if footer else None, pages)
    out["state"] = st
    out["evidence"]["state"] = st_ev
    return out


def _state(name: str | None, footer: str | None, pages: list[Any]) -> tuple[str | None, dict[str, Any]]:
    """The agency's state: spelled in its name, else its county narrowed by addresses and the ICE field office."""
    for how, cand in (("agency-name", name), ("footer", footer)):
        if cand and (st := states.state_in_name(cand)):
            return st, {"how": how, "text": cand}
    # The Task Force preamble names the LEA's jurisdiction: "The LEA represents Orange County,FL in the …".
    flat = _WS.sub(" ", "\n".join(p.text or "" for p in pages[:2]))
    rep = re.search(r"LEA\s+represents\s+(?:the\s+)?([^_]{3,80}?)\s*_*\s*in\s+the\s+implementation", flat)
    if rep and (st := states.state_in_name(rep.group(1).strip(" ,."))):
        return st, {"how": "represents-clause", "text": rep.group(0)}
    if name is None:  # without the agency, an address or field office says nothing about its state
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
    if cands is not None and len(cands) == 1:
        return next(iter(cands)), {"how": "county", **ev}
    if cands is None:
        ranked = votes.most_common()
        agrees = bool(ranked) and fo is not None and ranked[0][0] in fo[1]
        if ranked and (len(ranked) == 1 or ranked[0][1] >= 2 * ranked[1][1]) and (ranked[0][1] >= 2 or agrees):
            return ranked[0][0], {"how": "addresses", **ev}
        if fo and len(fo[1]) == 1:
            return next(iter(fo[1])), {"how": "field-office", **ev}
    return None, {"how": "none", "reason": "the document does not settle the agency's state", **ev}
