"""Variants of one clause: every agreement's version grouped by wording.

Versions identical once normalized (`search.normalize`) form one variant; a version joins a variant when its
diff against the variant's text holds only OCR noise (`search.tokendiff.same_wording`). Then a variant made only
of low-quality readings joins the nearest variant when OCR explains every difference
(`search.ocrnoise.ocr_changes`), its members flagged "ocr-uncertain". Deterministic for a given set of clauses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from .clauses import Clause
from .normalize import vocabulary
from .ocrnoise import garble_rate, is_low_quality, ocr_changes
from .tokendiff import same_wording

# A low-quality variant is tried against the (at most three) variants at least this similar to it.
UNCERTAIN_PREFILTER = 70.0


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
            if ocr_changes(cand.representative.toks, toks, df, v.representative.doubtful) == 0:
                target = cand
                break
        if target is None:
            out.append(v)
            continue
        target.members.extend(v.members)
        target.forms += v.forms
        target.uncertain.update(m.sha256 for m in v.members)
    return out
