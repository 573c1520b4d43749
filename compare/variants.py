"""Variants of one clause: every agreement's version grouped by wording.

Versions identical once normalized (`compare.wording`) form one variant; a version joins a variant when its
diff against the variant's text holds only OCR noise (`compare.tokendiff.same_wording`). Then a variant made only
of low-quality readings joins the nearest variant when OCR explains every difference
(`compare.ocrnoise.ocr_changes`), its members flagged "ocr-uncertain"; with a `Reader`, one still apart joins it
when no difference shows in every reading of its pages (`compare.readings`). Deterministic for a given set of
clauses and readings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from .clauses import Clause
from .ocrnoise import confirmed_changes, garble_rate, is_low_quality, ocr_changes
from .readings import Reader, reading_of
from .tokendiff import same_wording
from .wording import vocabulary

# A low-quality variant is tried against the (at most three) variants at least this similar to it.
UNCERTAIN_PREFILTER = 70.0


@dataclass
class Variant:
    id: int
    members: list[Clause]
    forms: int  # distinct normalized forms merged into it
    uncertain: set[str] = field(default_factory=set)  # sha256s that joined as "ocr-uncertain"
    reread: dict[str, list[str]] = field(default_factory=dict)  # of those, the ones other readings cleared: engines

    @property
    def representative(self) -> Clause:
        return self.members[0]


def group_variants(clauses: Sequence[Clause], df: dict[str, int] | None = None,
                   reader: Reader | None = None) -> list[Variant]:
    """Group clauses into variants: identical normalized forms first, then forms whose differences are noise.
    Deterministic: forms are taken most common first (ties by text), each joins the first variant it matches.
    With `reader`, low-quality variants still apart are read again (`_merge_reread`)."""
    if df is None:
        df = vocabulary(c.toks for c in clauses)
    forms: dict[tuple[str, ...], list[Clause]] = defaultdict(list)
    for c in sorted(clauses, key=lambda c: (c.sha256,)):
        forms[tuple(c.toks)].append(c)
    # Most common first; among equally common forms the least garbled, so a variant's text is its best reading.
    ordered = sorted(forms.items(), key=lambda kv: (-len(kv[1]), garble_rate(kv[0], df), " ".join(kv[0])))
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
    if reader is not None:
        variants = _merge_reread(variants, df, reader)
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
        pool = [c for c in out if len(c.members) >= len(v.members) or id(c) in clean] + \
            [c for c in variants[i + 1:] if id(c) in clean]
        target = next((c for c in _nearest(v, pool)
                       if ocr_changes(c.representative.toks, v.representative.toks, df, v.representative.doubtful) == 0),
                      None)
        if target is None:
            out.append(v)
            continue
        target.members.extend(v.members)
        target.forms += v.forms
        target.uncertain.update(m.sha256 for m in v.members)
    return out


def _nearest(v: Variant, pool: Sequence[Variant]) -> list[Variant]:
    """The (at most three) variants of `pool` nearest to `v`'s text, at least UNCERTAIN_PREFILTER similar."""
    joined = " ".join(v.representative.toks)
    scored = sorted(((fuzz.ratio(" ".join(c.representative.toks), joined), c) for c in pool if c is not v),
                    key=lambda rc: (-rc[0], -len(rc[1].members)))[:3]
    return [c for ratio, c in scored if ratio >= UNCERTAIN_PREFILTER]


def _merge_reread(variants: list[Variant], df: dict[str, int], reader: Reader) -> list[Variant]:
    """Fold every variant of one low-quality reading into its nearest variant shared by several agreements (or
    clean) when no change OCR leaves unexplained shows in every other reading of its pages: engine by engine
    (`Reader.engines`), each one batch for all the clauses still in doubt. A wording several agreements share
    is printed, not misread; a change that is most of the clause is another boundary: neither is read again."""
    clean = {id(v) for v in variants if not is_low_quality(v.representative, df)}
    todo: list[tuple[Clause, Variant, Variant]] = []
    for v in variants:
        m = v.members[0]
        if len(v.members) > 1 or id(v) in clean or not is_low_quality(m, df) or not m.pages:
            continue
        near = _nearest(v, [c for c in variants if len(c.members) > 1 or id(c) in clean])
        if not near:
            continue
        target = min(near, key=lambda c: ocr_changes(c.representative.toks, m.toks, df, m.doubtful))  # the nearest on a tie
        if 2 * ocr_changes(target.representative.toks, m.toks, df, m.doubtful) <= len(target.representative.toks):
            todo.append((m, v, target))
    readings: dict[str, list[list[str]]] = {}
    engines: dict[str, list[str]] = {}
    for engine in reader.engines:
        if not todo:
            break
        texts = reader.read(engine, [(m.sha256, m.pages) for m, _v, _t in todo])
        still = []
        for (m, v, target), got in zip(todo, texts, strict=True):
            alt = reading_of(m, got) if got is not None else None
            if alt is not None:
                readings.setdefault(m.sha256, []).append(alt)
                engines.setdefault(m.sha256, []).append(engine)
            if not readings.get(m.sha256) or confirmed_changes(target.representative.toks, m.toks, readings[m.sha256],
                                                               df, m.doubtful):
                still.append((m, v, target))
                continue
            target.members.append(m)
            target.forms += v.forms
            target.uncertain.add(m.sha256)
            target.reread[m.sha256] = engines[m.sha256]
            v.members.clear()
        todo = still
    return [v for v in variants if v.members]
