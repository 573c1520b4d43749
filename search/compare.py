"""Clause comparison across agreements: variants of one clause, the standard text, and redlines.

Every agreement's version of a clause (a section or subsection sharing a `key`) is grouped into variants:
first the versions identical once normalized (`search.normalize`: OCR look-alikes, layout, the agency's own
name, county, state, dates and names), then those nearly identical: a version joins a variant when its
word-level diff against the variant's text holds only OCR noise (`is_noise`). The standard text of a template
revision is its most common variant; every agreement on another variant deviates, and gets a redline.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from . import redline
from .normalize import FILL_INS, Context, canon, fill_in_values, prepare, tokens, vocabulary

# Thresholds measured by `python3 bench/compare_threshold.py` (see its output): a replaced run of words is
# OCR noise when its letters differ by at most NOISE_EDIT of its length (one edit at least), and two texts are
# candidates for one variant only when their normalized forms are at least PREFILTER_RATIO similar.
NOISE_EDIT = 0.3
PREFILTER_RATIO = 85.0
# Without a dictionary, a key found in this many clauses counts as a real word.
REAL_WORD_DF = 3
# A clause is read from low-quality text when its pages score below LOW_QUALITY (extraction's page quality) or
# when more than GARBLE of its words are neither dictionary words nor common across the clauses; such a
# clause joins the nearest variant when OCR explains every difference (`ocr_changes` is 0: a real word for
# another real word is never explained unless the two are OCR look-alikes), and is flagged "ocr-uncertain".
LOW_QUALITY = 0.99
GARBLE = 0.03
UNCERTAIN_PREFILTER = 70.0
# A run of non-words standing for a run of words is a misreading when their letters are this alike (fuzz.ratio
# of the folded keys): "Fedend" / "Federal", "completeosuchocompliance" / "complete such compliance".
GARBLED_RATIO = 60.0
_FILL_KEYS = frozenset("§" + f for f in FILL_INS)


@lru_cache(maxsize=1)
def dictionary() -> frozenset[str]:
    """Comparison keys of real English words (extraction's wordlist): one real word swapped for another is a
    change of meaning (alien → aliens, his → her, shall → may), never OCR noise."""
    try:
        from extract.wordlist import words
    except ImportError:
        return frozenset()
    return frozenset(canon(w) for w in words())


@lru_cache(maxsize=1)
def english() -> frozenset[str]:
    """Comparison keys of every word in Tesseract's English dictionary (about 340,000, read from the installed
    eng.traineddata; empty when its tools are missing). Far larger than `dictionary`: a key absent from it is no
    English word at all, so it can only be a misreading, never a drafter's change of wording."""
    import subprocess
    import tempfile
    from pathlib import Path

    data = next((p for p in (Path("/usr/share/tesseract-ocr/5/tessdata/eng.traineddata"),
                             Path("/usr/share/tesseract-ocr/4.00/tessdata/eng.traineddata")) if p.exists()), None)
    if data is None:
        return frozenset()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(["combine_tessdata", "-u", str(data), f"{tmp}/eng."], check=True, capture_output=True)
            subprocess.run(["dawg2wordlist", f"{tmp}/eng.lstm-unicharset", f"{tmp}/eng.lstm-word-dawg",
                            f"{tmp}/words.txt"], check=True, capture_output=True)
            text = Path(tmp, "words.txt").read_text(encoding="utf-8", errors="replace")
    except (OSError, subprocess.CalledProcessError):
        return frozenset()
    return frozenset(canon(w) for w in text.split() if w.isalpha()) | dictionary()


@dataclass
class Clause:
    """One agreement's version of one clause, with what a citation needs."""

    sha256: str
    file: str | None
    agency: str | None
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
    method: str | None = None  # "ocr" when any of its pages was OCR'd, else the pages' method
    prepared: str = ""
    toks: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.prepared = prepare(self.text, self.ctx)
        self.toks = tokens(self.prepared)

    def cite(self) -> dict:
        return {"sha256": self.sha256, "file": self.file, "agency": self.agency, "state": self.state,
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
_HEAD_LINE = re.compile(r"^\s*[^\sA-Za-z]{0,2}[A-Za-z0-9¥|\[\]!]{0,4}[.,:]?['‘’`\"]?\s+['‘’`\"]?"
                        r"([A-Z][A-Z ,&/()'-]{5,})\s*$", re.M)


def _title_key(letters: str, titles: dict[str, str]) -> str | None:
    """The key of a heading's title, also when OCR misread a letter of a long one ("RELEASE OP INFORMATION")."""
    if letters in titles:
        return titles[letters]
    if len(letters) < 12:
        return None
    best = max(titles, key=lambda t: fuzz.ratio(t, letters), default=None)
    return titles[best] if best and fuzz.ratio(best, letters) >= 92 else None


def cut_at_heading(text: str, key: str, titles: dict[str, str], early: bool = False) -> str:
    """The clause text up to the heading of another section that extraction missed ("L CIVIL RIGHTS STANDARDS"
    read for "I.", "F, ICE SUPERVISION"), so the next clause is not compared as part of this one. A section's
    text is searched from a fifth of its length on (an introduction may name its parts); a subsection's
    (`early`) from its first lines."""
    for m in _HEAD_LINE.finditer(text, min(int(len(text) * 0.2), 300) if early else int(len(text) * 0.2)):
        k = _title_key(re.sub(r"[^A-Z]", "", m.group(1)), titles)
        if k and k != key:
            return text[: m.start()].rstrip()
    return text


def _pages_quality(record: dict, first: int | None, last: int | None) -> tuple[float | None, str | None]:
    if not first:
        return None, None
    last = last or first
    pages = [p for p in record.get("pages") or [] if first <= int(p.get("number") or 0) <= last]
    qs = [float(p["quality"]) for p in pages if p.get("quality") is not None]
    methods = {p.get("method") for p in pages}
    return (min(qs) if qs else None), ("ocr" if "ocr" in methods else next(iter(methods), None))


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
    number = sec.get("number")
    if part is not sec:
        number = f"{number}.{part.get('letter')}" if number else part.get("letter")
    quality, method = _pages_quality(record, part.get("page_start"), part.get("page_end"))
    return Clause(
        sha256=record["sha256"], file=record.get("file"), agency=agency.get("name"), state=agency.get("state"),
        model=record.get("model"), revision=record.get("template_revision"), date_signed=date_signed(record),
        key=key, number=number, title=part.get("title"), page=part.get("page_start"), text=text,
        ctx=_context(record), quality=quality, method=method)


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


# --- noise-tolerant diff -------------------------------------------------------------------------------------

_DIGIT_LOOKS = str.maketrans("10", "lo")
# Letters OCR confuses on these scans, folded together only to judge a changed run (DHS/OHS, FOD/FOO, B./8.).
_CONFUSABLE = str.maketrans("do8b5sh1l0ceu", "oobbsssllooen")


def _fold(key: str) -> str:
    """A key with the letter groups OCR confuses merged: H read as I-I (DHS → DI-IS), 'in' read as m."""
    return key.replace("ll", "h").replace("ln", "m").translate(_CONFUSABLE)


# Words of an agency's name around its placeholder in a running footer ("⟦AGENCY⟧, Department of Public Safety").
_NAME_WORDS = frozenset(canon(w) for w in "department dept public safety office sheriff sheriffs county police city town of the "
                        "rev revised page".split())


def _furniture(toks: Sequence[str]) -> bool:
    """A run of placeholders, numbers, specks and agency-name words only: a footer or a bare name, no wording."""
    return any(t.startswith("§") for t in toks) and \
        all(t.startswith("§") or t.isdigit() or _is_junk(t) or t in _NAME_WORDS for t in toks)


def _is_junk(tok: str) -> bool:
    """A key OCR makes out of specks, bullets and fill-in lines: one letter (not 'a') or one letter repeated
    ("bbbbbbbb" from an underline in a shifted font); never a number or placeholder."""
    return tok.isalpha() and ((len(tok) == 1 and tok != "a") or (len(tok) >= 4 and len(set(tok)) == 1))


# Words of a signature block; a run made of these, names and placeholders is a block that layout put in the text.
_SIGNATURE_WORDS = frozenset(canon(w) for w in "for the ice date signature signed title name acting director deputy assistant "
                             "executive associate sheriff chief by digitally us u s immigration customs enforcement "
                             "and removal operations department of homeland security office police jan feb mar apr may jun jul aug sep "
                             "sept oct nov dec title mayor agency lea drector".split())
_SIGNATURE_STRONG = frozenset({"slgnature", "slgned", "date", "§name", "§date", "dlrector", "tltle", "mayor", "drector",
                               "agency", "lce"})  # as `canon` keys


def _signature_residue(toks: Sequence[str], df: dict[str, int] | None) -> bool:
    """Whether an added or dropped run is what is left of a signature block ("For ICE: the ⟦AGENCY⟧:",
    "⟦DATE⟧ Todd M. Lyons Acting Director", "Title: ... Title:"): a signature cue, and hardly any prose words
    (at most 40% of the run: names, titles, placeholders, dates and specks make up the rest)."""
    if len(toks) < 2 or not (set(toks) & _SIGNATURE_STRONG or {"for", "lce"} <= set(toks)):
        return False
    real = dictionary()
    prose = [t for t in toks if len(t) > 2 and t not in _SIGNATURE_WORDS and not t.startswith("§")
             and ((real and t in real) or (df is not None and df.get(t, 0) >= REAL_WORD_DF))]
    return len(prose) <= 0.4 * len(toks)


def is_noise(old: Sequence[str], new: Sequence[str], df: dict[str, int] | None = None) -> bool:
    """Whether a changed run of keys (old → new) is OCR noise rather than a change of wording (a template
    blank filled in or left empty counts as noise too: the text is shown, the wording is the template's)."""
    if any(t in _FILL_KEYS for t in (*old, *new)):
        old = [t for t in old if t not in _FILL_KEYS]
        new = [t for t in new if t not in _FILL_KEYS]
        if not old and not new:
            return True
    if old and new and "".join(old) == "".join(new):
        return True  # a word split or joined ("immi gration", "287 (b)")
    a, b = "".join(old), "".join(new)
    if _number_changed(a, b):
        return False
    if _fold(a) == _fold(b):
        return True
    old = [t for t in old if not _is_junk(t)]
    new = [t for t in new if not _is_junk(t)]
    if not old and not new:
        return True
    if (not old and len(new) <= 6 and _furniture(new)) or (not new and len(old) <= 6 and _furniture(old)):
        return True  # page furniture: "⟦AGENCY⟧ 4" left of a footer
    if (not old and _signature_residue(new, df)) or (not new and _signature_residue(old, df)):
        return True
    if old and new and (all(garbled(t, df) or _is_junk(t) for t in new) or all(garbled(t, df) or _is_junk(t) for t in old)) \
            and not any(t.startswith("§") for t in (*old, *new)) \
            and fuzz.ratio(_fold("".join(old)), _fold("".join(new))) >= GARBLED_RATIO \
            and _covered(old, new, df) and _covered(new, old, df):
        return True  # no word read for a word ("Fedend" for "Federal"): a misreading, never a change of wording
    if not old or not new:
        return False  # a whole word added or removed
    a, b = "".join(old), "".join(new)
    if a.translate(_DIGIT_LOOKS) == b.translate(_DIGIT_LOOKS):
        return True  # a split word whose halves were read apart ("(L EA" → "1", "ea")
    if any(t.startswith("§") for t in old + new) or any(t.isdigit() for t in old + new):
        return False  # placeholders and numbers must match exactly
    real = dictionary()
    if len(old) == len(new):
        for x, y in zip(old, new, strict=True):
            if x == y:
                continue
            rare, common = sorted((df.get(x, 0), df.get(y, 0))) if df else (0, 0)
            if _confusable(x, y) and rare < REAL_WORD_DF and common >= 3 * REAL_WORD_DF:
                continue  # a common word and a rare one an OCR confusion away ("from"/"ftom"): a misreading
            if real and x in real and y in real and (min(len(x), len(y)) >= 4 or Levenshtein.distance(x, y) >= 2):
                return False  # one real word for another (short words one letter apart are OCR's: all/alj)
            if not real and df is not None and df.get(x, 0) >= REAL_WORD_DF and df.get(y, 0) >= REAL_WORD_DF:
                return False
    return Levenshtein.distance(a, b) <= max(1, int(NOISE_EDIT * max(len(a), len(b))))


def _covered(run: Sequence[str], other: Sequence[str], df: dict[str, int] | None) -> bool:
    """Whether every real word of `run` (four letters or more) shows in `other`'s letters, misread or not: a
    garbled run may stand for words, but a word it lacks altogether ("wrlt lng" for "writing names") is gone."""
    text = _fold("".join(other))
    return all(fuzz.partial_ratio(_fold(w), text) >= 70 for w in run
               if len(w) >= 4 and w.isalpha() and not garbled(w, df))


def token_ops(a: Sequence[str], b: Sequence[str]) -> list[tuple[str, int, int, int, int]]:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()


def _moved(a: Sequence[str], b: Sequence[str], ops: list[tuple[str, int, int, int, int]]) -> set[int]:
    """Indexes of ops that only move text: a run deleted in one place and inserted unchanged in another (OCR
    and text layers order a line in a margin or a signature block differently)."""
    dels = {tuple(a[i1:i2]): k for k, (t, i1, i2, _j1, _j2) in enumerate(ops) if t == "delete"}
    moved = set()
    for k, (t, _i1, _i2, j1, j2) in enumerate(ops):
        if t == "insert" and tuple(b[j1:j2]) in dels:
            moved.update((k, dels.pop(tuple(b[j1:j2]))))
    return moved


def substantive_changes(a: Sequence[str], b: Sequence[str], df: dict[str, int] | None = None) -> int:
    """Words changed between two key sequences once OCR noise and moved text are discounted (0: same wording)."""
    ops = token_ops(a, b)
    moved = _moved(a, b, ops)
    n = 0
    for k, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag != "equal" and k not in moved and not is_noise(a[i1:i2], b[j1:j2], df):
            n += max(i2 - i1, j2 - j1)
    return n


def same_wording(a: Sequence[str], b: Sequence[str], df: dict[str, int] | None = None) -> bool:
    if list(a) == list(b):
        return True
    if fuzz.ratio(" ".join(a), " ".join(b)) < PREFILTER_RATIO:
        return False
    return substantive_changes(a, b, df) == 0


def clause_redline(standard: Clause, other: Clause, df: dict[str, int] | None = None) -> list[redline.Op]:
    """Word-level redline of `other` against `standard` on the prepared (placeholder) text, with OCR noise
    shown as equal (the agreement's own words) so only changes of wording are marked."""
    ops = redline.diff_words(standard.prepared, other.prepared, key=lambda w: canon(w) or w)
    out: list[redline.Op] = []
    for op in ops:
        if op.tag != "equal" and is_noise([canon(w) for w in op.old if canon(w)],
                                          [canon(w) for w in op.new if canon(w)], df):
            op = redline.Op("equal", op.new or op.old, op.new or op.old)
        if out and out[-1].tag == "equal" and op.tag == "equal":
            out[-1] = redline.Op("equal", out[-1].old + op.old, out[-1].new + op.new)
        else:
            out.append(op)
    return out


# --- variants ------------------------------------------------------------------------------------------------

def garbled(tok: str, df: dict[str, int] | None) -> bool:
    """A key that is no word: not in the dictionary and not common across the clauses ("fedend", "pe1'so11nel")."""
    if tok.startswith("§") or tok.isdigit() or len(tok) < 3:
        return False
    real = dictionary()
    if real and tok in real:
        return False
    return df is None or df.get(tok, 0) < REAL_WORD_DF


def _garble_rate(toks: Sequence[str], df: dict[str, int] | None) -> float:
    words = [t for t in toks if t.isalpha() and len(t) >= 3]
    return round(sum(garbled(t, df) for t in words) / len(words), 3) if words else 0.0


def is_low_quality(c: Clause, df: dict[str, int] | None = None) -> bool:
    """Whether a clause's text comes from pages extraction scored low, or reads as garbled OCR itself."""
    if c.quality is not None and c.quality < LOW_QUALITY:
        return True
    return _garble_rate(c.toks, df) > GARBLE


# Letters a scanner's OCR reads for one another (beyond `_fold`'s): a real word can turn into another real word.
_OCR_PAIRS = {frozenset(p) for p in ("ec", "eo", "co", "rt", "uo", "un", "nh", "ao", "au", "il", "ft", "bh", "ij", "vy",
                                     "rn", "tl", "ce", "ae")}


def _confusable(x: str, y: str) -> bool:
    """Two words one or two OCR confusions apart, same length or a letter split ("truce" for "take" is not)."""
    if len(x) != len(y) or len(x) < 3:
        return False
    diff = [(a, b) for a, b in zip(x, y, strict=True) if a != b]
    return 1 <= len(diff) <= 2 and all(frozenset(d) in _OCR_PAIRS for d in diff)


def _misread(run: Sequence[str], other: Sequence[str], df: dict[str, int] | None) -> bool:
    """Whether `run` reads as what OCR makes of `other`: non-words, specks, or digits for letters ("11" for
    "in"), no longer than `other` by more than two."""
    digits = any(t.isdigit() for t in other)
    if not (run and len(run) <= len(other) + 2 and
            all(garbled(t, df) or _is_junk(t) or (t.isdigit() and not digits) or _fragment(t, df) for t in run)):
        return False
    # A word the small dictionary lacks may still be a drafter's ("at most" for "at least"): beyond three
    # letters, a misreading keeps half its letters.
    if all(_is_junk(t) or _fragment(t, df) or t.isdigit() for t in run):
        return True  # specks and pieces ("m" for "must", "b" for "to")
    a, b = "".join(run), "".join(other)
    # Of about the same length: "wrlt lng" is "writing", not "writing names".
    return not other or max(len(a), len(b)) <= 3 or \
        (fuzz.ratio(_fold(a), _fold(b)) >= 50 and abs(len(a) - len(b)) <= max(2, len(b) // 3))


def _fragment(tok: str, df: dict[str, int] | None) -> bool:
    """A piece of a word OCR split ("jxll ly" for "party"): two letters that are no word."""
    real = dictionary()
    return tok.isalpha() and len(tok) == 2 and bool(real) and tok not in real and (df is None or df.get(tok, 0) < REAL_WORD_DF)


def ocr_changes(a: Sequence[str], b: Sequence[str], df: dict[str, int] | None = None) -> int:
    """Words changed between a clean text `a` and an OCR-garbled reading `b` that OCR cannot explain: a
    changed run counts unless it is noise (`is_noise`), or one side holds garbled words and the two runs'
    letters (OCR look-alikes folded) are still alike. A real word swapped for a real word always counts."""
    a, b = _without_the(a), _without_the(b)
    n = _ocr_changes(a, b, df)
    if n and (english() and any(len(t) >= 5 and _nonword(t) for t in (*a, *b))):
        n = min(n, _ocr_changes(_without_the(split_run_together(a)), _without_the(split_run_together(b)), df))
    return n


_THE_JOINED = re.compile(r"^(of|to|by|and|for|with|from|ln|on|at|that|lf|as|when|upon)the$")


_THE = _fold("the")


def _without_the(toks: Sequence[str]) -> list[str]:
    """Keys without "the" (an article OCR drops, doubles or runs into the word before: "ofthe ⟦AGENCY⟧")."""
    out = []
    for i, t in enumerate(toks):
        m = _THE_JOINED.match(t)
        if m:
            out.append(m.group(1))
        elif not (_fold(t) == _THE or (_nonword(t) and Levenshtein.distance(t, "the") <= 1)) \
                or (i + 1 < len(toks) and toks[i + 1] in _HOLE_BEFORE):
            out.append(t)  # "The and ICE": a blank where the agency's name belongs stays visible
    return out


_HOLE_BEFORE = frozenset({"and", "or", "of", "to", "ln", "shall", "wlll", "may", "must", "ls", "has"})


def _ocr_changes(a: Sequence[str], b: Sequence[str], df: dict[str, int] | None) -> int:
    ops = token_ops(a, b)
    moved = _moved(a, b, ops)
    n = 0
    for k, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag == "equal" or k in moved:
            continue
        old, new = a[i1:i2], b[j1:j2]
        if is_noise(old, new, df):
            continue
        if _number_changed("".join(old), "".join(new)):
            n += max(i2 - i1, j2 - j1)
            continue
        if _agency_misread(old, new, df) or _agency_misread(new, old, df) or _separator_misread(old, new) \
                or _separator_misread(new, old) or _footer_residue(old or new, df, bool(old) != bool(new)) \
                or (not old and _specks(new, df)) or (not new and _specks(old, df)):
            continue
        if any(t.startswith("§") for t in (*old, *new)):
            n += max(i2 - i1, j2 - j1)
            continue
        if _misread(old, new, df) or _misread(new, old, df):
            continue  # words read as non-words ("b" for "to", ".rrt" for "not"), or specks read as words
        if not old or not new:
            pass
        elif len(old) == len(new) and all(x == y or _confusable(x, y) or _misread([x], [y], df) or _misread([y], [x], df)
                                          or (min(len(x), len(y)) >= 2 and Levenshtein.distance(x, y) <= 1
                                              and not (any(ch.isdigit() for ch in x) and any(ch.isdigit() for ch in y)))
                                          or _lost_one(x, y) or _agency_misread([x], [y], df) or _agency_misread([y], [x], df)
                                          or _nonword_for(x, y) or _nonword_for(y, x) or _fragment_of(x, y, df)
                                          or _fragment_of(y, x, df)
                                          for x, y in zip(old, new, strict=True)):
            continue  # a word misread as another word ("docs" for "does", "patty" for "party")
        elif _nonword_run(old, new) or _nonword_run(new, old):
            continue
        elif any(garbled(t, df) or _is_junk(t) for t in (*old, *new)) and \
                fuzz.ratio(_fold("".join(old)), _fold("".join(new))) >= GARBLED_RATIO and \
                _covered(old, new, df) and _covered(new, old, df):
            continue
        n += max(i2 - i1, j2 - j1)
    return n


# Below: misreadings only a low-quality reading is allowed (`ocr_changes`); each needs a non-word as evidence,
# a key absent from `english()`, since a drafter's change of wording is made of words.

def _nonword(tok: str) -> bool:
    real = english()
    return bool(real) and tok.isalpha() and tok not in real


def _nonword_for(word: str, read: str) -> bool:
    """A non-word of about the word's length read for it ("lmdel" for "under", "fmlh" for "forth")."""
    if not (word.isalpha() and read.isalpha() and abs(len(word) - len(read)) <= max(2, len(word) // 3)) \
            or _nonword(word):
        return False
    ratio = fuzz.ratio(_fold(word), _fold(read))
    # A key Tesseract's dictionary holds only by the look-alike folding ("nllllng" is "nilling") still counts as a
    # misreading when the corpus's own vocabulary lacks it and the letters are close.
    return (_nonword(read) and ratio >= 35) or (len(read) >= 4 and read not in dictionary() and ratio >= 60)


def _nonword_run(run: Sequence[str], read: Sequence[str]) -> bool:
    """A run of non-words standing for a run of words of about its length ("allmcf" for "allegations of")."""
    if not run or not read or len(read) > len(run) + 1 or not all(_nonword(t) or _is_junk(t) for t in read):
        return False
    if any(t.startswith("§") or t.isdigit() for t in run):
        return False
    a, b = "".join(run), "".join(read)
    return abs(len(a) - len(b)) <= max(3, len(a) // 3) and fuzz.ratio(_fold(a), _fold(b)) >= 40


def _fragment_of(word: str, piece: str, df: dict[str, int] | None) -> bool:
    """What OCR kept of a long word, its start or end ("repo" for "reporting", "~nnel" for "personnel"); never a
    word common in these clauses (so "law" for "non-law" still counts)."""
    return len(word) >= 6 and 2 <= len(piece) <= len(word) - 3 and (word.startswith(piece) or word.endswith(piece)) \
        and (df is None or df.get(piece, 0) < 3 * REAL_WORD_DF)


_LEA_READS = frozenset({"the", "lea"})


def _agency_misread(run: Sequence[str], read: Sequence[str], df: dict[str, int] | None) -> bool:
    """The agency's placeholder read as "the IEA", "EA", "the LBAS": short keys rare across these clauses
    (never "ICE", "DHS" or "it", which are common)."""
    if list(run) != ["§agency"] or not read or len(read) > 5 or list(read) == ["the"]:
        return False  # "The and ICE": a blank the page really left, not a misreading

    def rare(t: str) -> bool:
        return df.get(t, 0) < REAL_WORD_DF if df is not None else t not in dictionary()

    if len(read) <= 2 and all(t in _LEA_READS or t in _LEA_PIECES or
                              (t.isalnum() and not t.isdigit() and len(t) <= 5 and rare(t)) for t in read):
        return True  # "the IEA", "8S0" for BSO
    # The agency's whole name misread ("the slanler coun shorlns offes"): name words and non-words only.
    return len(read) >= 2 and all(t == "the" or _namelike(t) or (_nonword(t) and rare(t)) for t in read) \
        and any(_namelike(t) for t in read)


_LEA_PIECES = frozenset({"le", "ea", "la"})  # "selected EA personnel": LEA with a letter lost


def _number_changed(a: str, b: str) -> bool:
    """Whether two keys differ by their digits alone ("90day" / "60day"): a number changed inside a word, which
    must match like any number (a digit read for a letter, "287(9)" for "287(g)", changes the letters too)."""
    da, db = re.sub(r"\D", "", a), re.sub(r"\D", "", b)
    return bool(da and db and da != db and re.sub(r"\d", "", a) == re.sub(r"\d", "", b) and not _lost_one(da, db))


def _lost_one(x: str, y: str) -> bool:
    """A number of four digits or more with a 1 lost or gained ("1967" / "967", "1213" / "213"): a stroke OCR
    dropped; shorter numbers (counts of months, sections) must match exactly."""
    if not (x.isdigit() and y.isdigit()) or max(len(x), len(y)) < 4:
        return False
    long, short = (x, y) if len(x) > len(y) else (y, x)
    return len(long) == len(short) + 1 and any(long[:i] + long[i + 1:] == short for i, c in enumerate(long) if c == "1")


def _specks(run: Sequence[str], df: dict[str, int] | None) -> bool:
    """A run of lone letters and ones ("e c a", "r r 1 j 1"), or one key of two letters rare in these clauses
    ("La)" after the last sentence): specks and strokes on a scan, no words."""
    if len(run) == 1 and len(run[0]) == 2 and run[0].isalpha() and df is not None:
        return df.get(run[0], 0) < REAL_WORD_DF
    return len(run) >= 2 and all(len(t) == 1 and (t.isalpha() or t == "1") for t in run)


_NAMELIKE = tuple(w for w in _NAME_WORDS if len(w) >= 5)


def _namelike(tok: str) -> bool:
    """A word of an agency's name, as printed or misread ("sherlfls", "olllce", "depaltmcnt")."""
    return tok in _NAME_WORDS or (len(tok) >= 4 and any(fuzz.ratio(tok, w) >= 70 for w in _NAMELIKE))


def split_run_together(toks: Sequence[str]) -> list[str]:
    """Keys of a reading whose spaces OCR read as a letter ("recelpteofesuchenotlce" → recelpt of such notlce):
    a non-word splits where that letter stands between real words (e or o). Other keys are kept as they are."""
    real = english()
    if not real:
        return list(toks)
    out: list[str] = []
    for t in toks:
        parts = _segment(t, real) if len(t) >= 5 and t.isalpha() and t not in real else None
        out.extend(parts or [t])
    return out


def _segment(tok: str, real: frozenset[str]) -> list[str] | None:
    """The fewest real words that spell `tok` with one separator letter between them, or None."""
    found = [p for p in (_segment_on(tok, real, sep) for sep in "eo") if p]
    return min(found, key=len) if found else None


def _segment_on(tok: str, real: frozenset[str], sep: str) -> list[str] | None:
    n = len(tok)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for i in range(1, n + 1):
        for j in range(max(0, i - 20), i):
            start = j if j == 0 else j + 1  # a piece after the first starts past its separator
            if best[j] is None or (j and tok[j] != sep) or start >= i:
                continue
            piece = tok[start:i]
            if piece in real and (len(piece) >= 2 or piece == "a"):
                best[i] = [*best[j], piece]
                break
    if best[n] and len(best[n]) >= 2:
        return best[n]
    return None


def _separator_misread(run: Sequence[str], read: Sequence[str]) -> bool:
    """Spaces read as a letter ("receipteofesuchenotice", "selectedolea"): fewer keys on the read side, and the
    two sides equal (or, over a long run, nearly so) once that letter is dropped from both."""
    if not run or not read or len(read) >= len(run):
        return False
    a, b = "".join(run), "".join(read)
    for sep in "eo":
        if b.count(sep) - a.count(sep) < len(run) - len(read):
            continue
        x, y = a.replace(sep, ""), b.replace(sep, "")
        if x == y or (len(x) >= 40 and fuzz.ratio(x, y) >= 92):
            return True
    return False


def _footer_residue(run: Sequence[str], df: dict[str, int] | None, one_sided: bool) -> bool:
    """An added or dropped run that is a garbled running footer or agency line ("⟦AGENCY⟧ sabke coulnby
    lndlans", "sumner county sherlffs offlce tn"): names, placeholders, numbers and non-words, with a
    placeholder, a number or a non-word among them and at most a third other words."""
    if not one_sided or not run or len(run) > 8:
        return False
    furniture = [t for t in run if t.startswith("§") or any(c.isdigit() for c in t) or _is_junk(t)
                 or _namelike(t) or _nonword(t) or len(t) <= 2]
    names = sum(_namelike(t) for t in run)
    evidence = names >= 3 or any(t.startswith("§") or any(c.isdigit() for c in t) or _nonword(t) for t in run)
    named = names > 0 or any(t.startswith("§") for t in run)
    return evidence and named and len(run) - len(furniture) <= len(run) // 3


@dataclass
class Variant:
    id: int
    members: list[Clause]
    forms: int  # distinct normalized forms merged into it
    uncertain: set[str] = field(default_factory=set)  # sha256s that joined as "ocr-uncertain"

    @property
    def representative(self) -> Clause:
        return self.members[0]


def group_variants(clauses: Sequence[Clause], df: dict[str, int] | None = None) -> list[Variant]:
    """Group clauses into variants: identical normalized forms first, then forms whose differences are noise.
    Deterministic: forms are taken most common first (ties by text), each joins the first variant it matches."""
    if df is None:
        df = vocabulary(c.toks for c in clauses)
    forms: dict[tuple[str, ...], list[Clause]] = defaultdict(list)
    for c in sorted(clauses, key=lambda c: (c.sha256,)):
        forms[tuple(c.toks)].append(c)
    # Most common first; among equally common forms the least garbled, so a variant's text is its best reading.
    ordered = sorted(forms.items(), key=lambda kv: (-len(kv[1]), _garble_rate(kv[0], df), " ".join(kv[0])))
    variants: list[Variant] = []
    for toks, members in ordered:
        for v in variants:
            if same_wording(v.representative.toks, toks, df):
                v.members.extend(members)
                v.forms += 1
                break
        else:
            variants.append(Variant(id=0, members=list(members), forms=1))
    variants = _merge_ocr_uncertain(variants, df)
    variants.sort(key=lambda v: (-len(v.members), v.representative.prepared))
    for i, v in enumerate(variants, 1):
        v.id = i
    return variants


def _merge_ocr_uncertain(variants: list[Variant], df: dict[str, int]) -> list[Variant]:
    """Fold every variant made only of low-quality readings into the nearest variant that is more common (or read
    from clean text) when OCR explains their differences (`ocr_changes`); its members are then "ocr-uncertain"."""
    out: list[Variant] = []
    clean = {id(v) for v in variants if not is_low_quality(v.representative, df)}
    variants = sorted(variants, key=lambda v: -len(v.members))  # stable: the most common are targets first
    for i, v in enumerate(variants):
        if id(v) in clean or not all(is_low_quality(m, df) for m in v.members):
            out.append(v)
            continue
        toks = v.representative.toks
        joined = " ".join(toks)
        pool = [c for c in out if len(c.members) >= len(v.members) or id(c) in clean] + \
            [c for c in variants[i + 1:] if id(c) in clean]
        target = None
        for ratio, cand in sorted(((fuzz.ratio(" ".join(c.representative.toks), joined), c) for c in pool),
                                  key=lambda rc: (-rc[0], -len(rc[1].members)))[:3]:
            if ratio < UNCERTAIN_PREFILTER:
                break
            if ocr_changes(cand.representative.toks, toks, df) == 0:
                target = cand
                break
        if target is None:
            out.append(v)
            continue
        target.members.extend(v.members)
        target.forms += v.forms
        target.uncertain.update(m.sha256 for m in v.members)
    return out


def _group_of(c: Clause) -> tuple[str, str]:
    return (c.model or "unknown", template_generation(c.revision, c.date_signed))


def compare_clauses(clauses: Sequence[Clause], key: str, *, redlines: bool = True) -> dict:
    """Variants of one clause across agreements, the standard per (model, template revision), and for
    every agreement on another variant a redline against its standard."""
    df = vocabulary(c.toks for c in clauses)
    variants = group_variants(clauses, df)
    variant_of = {c.sha256: v for v in variants for c in v.members}
    by_group: dict[tuple[str, str], list[Clause]] = defaultdict(list)
    for c in clauses:
        by_group[_group_of(c)].append(c)
    standards: dict[tuple[str, str], Variant] = {}
    for g, members in by_group.items():
        counts = Counter(variant_of[c.sha256].id for c in members)
        best = min(counts, key=lambda vid: (-counts[vid], vid))
        standards[g] = next(v for v in variants if v.id == best)
    deviations = []
    for c in sorted(clauses, key=lambda c: (_group_of(c), c.agency or "", c.sha256)):
        std = standards[_group_of(c)]
        if variant_of[c.sha256] is std:
            continue
        ref = std.representative
        ops = clause_redline(ref, c, df)
        changed = redline.changed_words(ops)
        dev = {**c.cite(), "text": c.text, "variant": variant_of[c.sha256].id, "standard_variant": std.id,
               "low_quality": is_low_quality(c, df), "fill_ins": fill_in_values(c.text),
               "changed_words": changed,
               # More than half the clause different: another clause boundary or another text, not an edit.
               "kind": "extent" if changed * 2 > max(len(ref.toks), len(c.toks), 1) else "wording",
               "similarity": round(fuzz.ratio(" ".join(ref.toks), " ".join(c.toks)) / 100, 3)}
        if redlines:
            dev["redline"] = redline.render_text(ops)
            dev["redline_brief"] = redline.render_text(ops, context=8)
            dev["redline_html"] = redline.render_html(ops)
            dev["ops"] = [op.to_dict() for op in ops if op.tag != "equal"]
        deviations.append(dev)
    deviations.sort(key=lambda d: (-d["changed_words"], d["agency"] or "", d["sha256"]))
    std_ids = {v.id for v in standards.values()}
    return {
        "section": key,
        "agreements": len(clauses),
        "forms": len({tuple(c.toks) for c in clauses}),
        "variants": [
            {"variant": v.id, "agreements": len(v.members), "forms": v.forms, "standard": v.id in std_ids,
             "groups": sorted({"/".join(_group_of(c)) for c in v.members}),
             "text": v.representative.prepared,
             "ocr_uncertain": len(v.uncertain),
             "members": [{**m.cite(), "fill_ins": fill_in_values(m.text),
                          **({"membership": "ocr-uncertain"} if m.sha256 in v.uncertain else {})}
                         for m in sorted(v.members, key=lambda m: (m.agency or "", m.sha256))]}
            for v in variants
        ],
        "standards": [
            {"model": g[0], "template_revision": g[1], "variant": v.id,
             "agreements": len(by_group[g]), "on_standard": sum(variant_of[c.sha256] is v for c in by_group[g]),
             "text": v.representative.prepared}
            for g, v in sorted(standards.items())
        ],
        "deviations": deviations,
        "ocr_uncertain": sum(len(v.uncertain) for v in variants),
    }


def select(records: Iterable[dict], model: str | None = None, revision: str | None = None) -> list[dict]:
    out = []
    for r in records:
        if model and (r.get("model") or "").upper() != model.upper():
            continue
        if revision and (r.get("template_revision") or "") != revision:
            continue
        out.append(r)
    return out


def compare_section(records: Iterable[dict], key: str, model: str | None = None,
                    revision: str | None = None, *, redlines: bool = True) -> dict:
    """`moa compare --section KEY`: variants of one clause over the records (filtered by model/revision)."""
    recs = select(records, model, revision)
    titles, sub_titles = heading_titles(recs), heading_titles(recs, subsections=True)
    clauses = [c for c in (clause_of(r, key, titles, sub_titles) for r in recs) if c is not None]
    result = compare_clauses(clauses, key, redlines=redlines)
    result.update({"model": model, "revision": revision, "records": len(recs)})
    return result


def compare_all(records: Sequence[dict], model: str | None = None, revision: str | None = None) -> dict:
    """`moa compare --all`: how many variants every clause key has."""
    recs = select(records, model, revision)
    rows = []
    for key in section_keys(recs):
        res = compare_section(recs, key, redlines=False)
        largest = res["variants"][0]["agreements"] if res["variants"] else 0
        rows.append({"section": key, "agreements": res["agreements"], "forms": res["forms"],
                     "variants": len(res["variants"]), "largest_variant": largest,
                     "deviating": len(res["deviations"]), "ocr_uncertain": res["ocr_uncertain"]})
    return {"model": model, "revision": revision, "records": len(recs), "rows": rows}


def compare_pair(a: dict, b: dict) -> dict:
    """`moa compare A B`: clause-by-clause redline of two agreements, aligned by section key."""
    keys: list[str] = []
    for r in (a, b):
        for k in section_keys([r]):
            if k not in keys:
                keys.append(k)
    order = {k: i for i, k in enumerate(_ordered_keys(a) + [k for k in _ordered_keys(b) if k not in _ordered_keys(a)])}
    keys.sort(key=lambda k: order.get(k, len(order)))
    rows = []
    titles, sub_titles = heading_titles([a, b], min_count=1), heading_titles([a, b], min_count=1, subsections=True)
    for k in keys:
        ca, cb = clause_of(a, k, titles, sub_titles), clause_of(b, k, titles, sub_titles)
        row: dict = {"section": k, "a": ca.cite() if ca else None, "b": cb.cite() if cb else None}
        if ca and cb:
            df = vocabulary([ca.toks, cb.toks])
            ops = clause_redline(ca, cb, df)
            row.update(status="same" if redline.changed_words(ops) == 0 else "differs",
                       changed_words=redline.changed_words(ops), redline=redline.render_text(ops),
                       side_by_side=redline.render_side_by_side(ops, labels=(ca.agency or "A", cb.agency or "B")),
                       ops=[op.to_dict() for op in ops if op.tag != "equal"])
        else:
            row.update(status="only_a" if ca else "only_b", changed_words=None)
        rows.append(row)
    ag = lambda r: (r.get("agency") or {}).get("name")  # noqa: E731
    return {"a": {"sha256": a["sha256"], "file": a.get("file"), "agency": ag(a), "model": a.get("model"),
                  "template_revision": a.get("template_revision"), "date_signed": date_signed(a)},
            "b": {"sha256": b["sha256"], "file": b.get("file"), "agency": ag(b), "model": b.get("model"),
                  "template_revision": b.get("template_revision"), "date_signed": date_signed(b)},
            "rows": rows}


def _ordered_keys(r: dict) -> list[str]:
    out = []
    for sec in r.get("sections") or []:
        if sec.get("key"):
            out.append(sec["key"])
        out.extend(s["key"] for s in sec.get("subsections") or [] if s.get("key"))
    return out


def load_records(conn, model: str | None = None, revision: str | None = None) -> list[dict]:
    """Every extracted record in the catalog with its clause texts (extraction's public reader)."""
    try:
        from extract.store import iter_records
    except ImportError as e:  # extraction not installed in this build
        from moa.errors import UserError

        raise UserError("no extracted records: this moa has no extraction stage; run `moa extract` first") from e
    try:
        recs = iter_records(conn)  # clause texts are in the record; page texts are not needed
    except TypeError:
        recs = iter_records(conn)
    return sorted(select(recs, model, revision), key=lambda r: r["sha256"])


def load_record(conn, ref: str) -> dict:
    """One extracted record by sha256, prefix or file name; a UserError when unknown."""
    from moa.errors import UserError
    from moa.store import resolve_sha

    sha = resolve_sha(conn, ref)
    if not sha:
        raise UserError(f"unknown document: {ref}")
    try:
        from extract.store import get_record
    except ImportError as e:
        raise UserError("no extracted records: run `moa extract` first") from e
    rec = get_record(conn, sha)
    if not rec:
        raise UserError(f"document {ref} is not extracted yet; run `moa extract`")
    return rec
