"""Clauses from extracted records: one agreement's version of one section or subsection, ready to compare.

`clause_of` takes a clause from a record by its key, cuts it at a heading extraction missed (so the next clause
is not compared as part of it) and prepares its text (`compare.wording`), keeping what a citation needs:
agency, model, template revision, signing date, page, and its pages' extraction quality and method.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from .wording import Context, canon, prepare, tokens


@dataclass
class Clause:
    """One agreement's version of one clause, with what a citation needs."""

    sha256: str
    file: str | None
    agency: str | None  # as ICE lists it (the agreement's canonical name), else as the document names it
    state: str | None
    model: str | None
    revision: str | None
    date_signed: str | None
    key: str
    number: str | None
    title: str | None
    page: int | None
    text: str
    ctx: Context = field(default_factory=Context, repr=False)
    quality: float | None = None  # lowest extraction quality of its pages (None: unknown)
    method: str | None = None  # "ocr" when any of its pages was OCR'd, "ocr-layer" when any is a scan's
    # text layer (a scanner's OCR), else the pages' method
    # Keys of the words OCR read on its pages only with low confidence (`compare.comparison.DOUBT`): where a
    # reading differs from the standard in such words alone, OCR may explain it.
    doubtful: frozenset[str] = field(default_factory=frozenset)
    # Its pages as (number, method): "ocr" (moa's OCR), "layer" (a scanner's OCR layer) or "text", for reading
    # them again (`compare.readings`).
    pages: tuple[tuple[int, str], ...] = ()
    agency_read: str | None = None  # the agency as the document's text names it
    prepared: str = ""
    toks: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.prepared = prepare(self.text, self.ctx)
        self.toks = tokens(self.prepared)

    def cite(self) -> dict:
        return {"sha256": self.sha256, "file": self.file, "agency": self.agency, "agency_read": self.agency_read,
                "state": self.state,
                "model": self.model, "template_revision": self.revision, "date_signed": self.date_signed,
                "section": {"number": self.number, "title": self.title, "key": self.key}, "page": self.page}


def date_signed(record: dict) -> str | None:
    """When the agreement took effect: the last signature's date, else the date the listing gives."""
    dates = sorted(s["date"] for s in record.get("signatories") or [] if s.get("date"))
    if dates:
        return dates[-1]
    listing = record.get("listing") or {}
    return listing.get("signed") or listing.get("date_signed") or listing.get("signed_date")


def template_generation(revision: str | None, signed: str | None) -> str:
    """The template an agreement follows: its revision footer; without one (the 2019-2020 templates print
    none, and a scan may lose the footer), the generation its signing year points to, so an old WSO is
    measured against the old template and not against a 2025 form whose footer went unread."""
    if revision:
        return revision
    if signed and signed[:4].isdigit():
        return "2019-2020 (no revision)" if int(signed[:4]) < 2025 else "2025 (revision unread)"
    return "unknown"


def heading_titles(records: Iterable[dict], min_count: int = 3, subsections: bool = False) -> dict[str, str]:
    """Section titles (letters only, upper case) → key, for titles that at least `min_count` records print;
    with `subsections`, the subsections' titles too ("F. ICE SUPERVISION")."""
    count: Counter[tuple[str, str]] = Counter()
    for r in records:
        for sec in r.get("sections") or []:
            for part in [sec, *(sec.get("subsections") or [])] if subsections else [sec]:
                t = re.sub(r"[^A-Z]", "", (part.get("title") or "").upper())
                if part.get("key") and len(t) >= 6:
                    count[(t, part["key"])] += 1
    return {t: k for (t, k), n in count.items() if n >= min_count}


# A heading line as OCR prints it: "II. AUTHORITY", "Ii]. AUTHORITY", "Ill.' POLICY", "XVI. ‘CIVIL RIGHTS STANDARDS".
# A letter or two in lower case is OCR's too ("C C'OMMUNITY OlJTREAC'H"): a title is mostly capitals.
# Specks before the number or the title, and after it, are OCR's too (". H. LIABILITY", "VI =MODIFICATIONS",
# "Vi. «MODIFICATIONS", "' IT. AUTHORITY", "RESPONSIBILIT\\").
# Its title may hold a stray glyph a layer or OCR put in a word ("RELE _SE OF INFORM TIO", "REQUIRE1\\1ENTS").
_HEAD_LINE = re.compile(r"^\s*[^\sA-Za-z]{0,2}\s?[A-Za-z0-9¥|\[\]!]{0,4}[.,:]?['‘’`\"]?\s+['‘’`\"«=*•·]?"
                        r"([A-Z](?:[A-Za-z ,&/()'-]|[^\sA-Za-z]{1,3}(?=[A-Za-z ])){5,})[^\w\s]{0,2}\s*$", re.M)
_MOSTLY_CAPS = 0.85


def _title_key(letters: str, titles: dict[str, str]) -> str | None:
    """The key of a heading's title, also when OCR misread a letter of a long one ("RELEASE OP INFORMATION")."""
    if letters in titles:
        return titles[letters]
    if len(letters) < 12:
        return None
    scores: dict[str, float] = {}
    for t, k in titles.items():
        scores[k] = max(scores.get(k, 0.0), fuzz.ratio(t, letters))
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    if not ranked:
        return None
    (key, best), runner_up = ranked[0], (ranked[1][1] if len(ranked) > 1 else 0.0)
    # A word garbled past 92 ("REOCSOSE" where a find-and-replace of the template's LEA hit RELEASE) still
    # names the title when no other title comes near it.
    return key if best >= 92 or (best >= 85 and best - runner_up >= 15) else None


def cut_at_heading(text: str, key: str, titles: dict[str, str], early: bool = False) -> str:
    """The clause text up to the heading of another section that extraction missed ("L CIVIL RIGHTS STANDARDS"
    read for "I.", "F, ICE SUPERVISION"), so the next clause is not compared as part of this one. A section's
    text is searched from a fifth of its length on (an introduction may name its parts), or its first 400
    characters when that is sooner (a short clause that swallowed a long one); a subsection's (`early`) from its
    first lines."""
    for m in _HEAD_LINE.finditer(text, min(int(len(text) * 0.2), 300) if early else min(int(len(text) * 0.2), 400)):
        letters = [c for c in m.group(1) if c.isalpha()]
        if sum(c.isupper() for c in letters) < _MOSTLY_CAPS * len(letters):
            continue
        k = _title_key(re.sub(r"[^A-Z]", "", m.group(1)), titles)
        if k and k != key:
            return text[: m.start()].rstrip()
    return text


def _span(record: dict, first: int | None, last: int | None) -> list[dict]:
    """The record's pages from `first` to `last` (or `first` alone); none when `first` is unknown."""
    if not first:
        return []
    last = last or first
    return [p for p in record.get("pages") or [] if first <= int(p.get("number") or 0) <= last]


def _pages_quality(pages: list[dict]) -> tuple[float | None, str | None]:
    if not pages:
        return None, None
    qs = [float(p["quality"]) for p in pages if p.get("quality") is not None]
    methods = {"ocr-layer" if p.get("scanned") else p.get("method") for p in pages}
    method = next((m for m in ("ocr", "ocr-layer") if m in methods), next(iter(methods), None))
    return (min(qs) if qs else None), method


def clause_of(record: dict, key: str, titles: dict[str, str] | None = None,
              sub_titles: dict[str, str] | None = None) -> Clause | None:
    """The record's clause with this key (a section, else a subsection), or None. With `titles`
    (`heading_titles`), a text running into another section's heading is cut there; a subsection's also at
    another subsection's heading (`sub_titles`, from `heading_titles(..., subsections=True)`)."""
    found = None
    for sec in record.get("sections") or []:
        if sec.get("key") == key:
            found = (sec, sec)
            break
    if found is None:
        for sec in record.get("sections") or []:
            for sub in sec.get("subsections") or []:
                if sub.get("key") == key:
                    found = (sec, sub)
                    break
            if found:
                break
    if found is None:
        return None
    sec, part = found
    text = part.get("text") or ""
    if not text.strip():
        return None
    if part is not sec and sub_titles:
        text = cut_at_heading(text, key, sub_titles, early=True)
    elif titles:
        text = cut_at_heading(text, key, titles)
    agency = record.get("agency") or {}
    agreement = record.get("agreement") or {}  # the read model's identity, when load_records joined it
    number = sec.get("number")
    if part is not sec:
        number = f"{number}.{part.get('letter')}" if number else part.get("letter")
    pages = _span(record, part.get("page_start"), part.get("page_end"))
    quality, method = _pages_quality(pages)
    doubtful = frozenset(k for p in pages for w in p.get("low_conf_words") or () if (k := canon(w)))
    return Clause(
        sha256=record["sha256"], file=record.get("file"), agency=agreement.get("agency") or agency.get("name"),
        state=agreement.get("state") or agency.get("state"), model=record.get("model"), agency_read=agency.get("name"), revision=record.get("template_revision"), date_signed=date_signed(record),
        key=key, number=number, title=part.get("title"), page=part.get("page_start"), text=text,
        ctx=_context(record), quality=quality, method=method, doubtful=doubtful,
        pages=tuple((int(p["number"]), "layer" if p.get("scanned") else str(p.get("method"))) for p in pages))


_CTX: dict[int, tuple[dict, Context]] = {}


def _context(record: dict) -> Context:
    """The record's Context, built once per record object (its running lines scan every clause); the record is
    held beside it so its id is not reused."""
    if id(record) not in _CTX:
        if len(_CTX) > 4096:
            _CTX.clear()
        _CTX[id(record)] = (record, Context.of_record(record))
    return _CTX[id(record)][1]


def section_keys(records: Iterable[dict]) -> list[str]:
    """Every clause key in the records (sections and subsections), most widespread first."""
    count: Counter[str] = Counter()
    for r in records:
        keys = set()
        for sec in r.get("sections") or []:
            if sec.get("key"):
                keys.add(sec["key"])
            keys.update(s["key"] for s in sec.get("subsections") or [] if s.get("key"))
        count.update(keys)
    return [k for k, _ in sorted(count.items(), key=lambda kv: (-kv[1], kv[0]))]
