"""Trace agreements through a sequence of roster snapshots and name what changed between them.

Pure functions over plain row dicts (state, agency, agency_key, model, agency_type, county, signed,
moa_file, addendum_files); `harvest.ledger` reads and writes the catalog around them.

Identity. An agreement is one (state, model, agency) line of a list. Rows that agree on every normalized
field (state, agency, model, type, county, signed date, MOA document) are one agreement listed twice: ICE's
list has exact duplicate rows and they are counted once. Rows of one agency and model that differ (two MOAs,
two signed dates) are distinct agreements.

Matching consecutive snapshots, most certain first, so that a typo fix reads as a change and not as a
removal plus an addition: (1) every normalized field equal; (2) same state, model and agency key;
(3) same MOA document; (4) same state and model and an agency name at least 90% alike (rapidfuzz
token_sort_ratio on the keys); (5) same model and agency key in another state (a state typo fixed).
A new row that matches nothing but an agreement removed earlier (same state, model, agency key) takes that
agreement back ("added", relisted). Everything else is added or removed.

Malformed snapshots are flagged and kept out of the chain (no events, not used for "as of" while a good
snapshot exists): a participating list that loses more than half its agreements against the previous
good one (ICE has published truncated lists), or an empty participating list. A file whose content is the
other list (the 2025-09-22 pm "participating" file holds the pending list) is filed under the list it holds
and flagged as swapped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz

FIELDS = ("state", "agency", "agency_type", "county", "model", "signed", "moa_file", "addendum_files")
IDENTITY = ("state", "agency_key", "model", "agency_type", "county", "signed", "moa_file")
CHANGE_FIELDS = ("state", "agency", "agency_type", "county", "signed", "moa_file", "addendum_files")
DROP_RATIO = 0.5


def identity(row: dict) -> tuple:
    return tuple(row.get(k) for k in IDENTITY)


def collapse(rows: Iterable[dict]) -> tuple[list[dict], dict[int, int]]:
    """Exact duplicate rows → one agreement. Returns (agreement rows, {row number: index in that list})."""
    seen: dict[tuple, int] = {}
    out: list[dict] = []
    index: dict[int, int] = {}
    for r in rows:
        k = identity(r)
        if k not in seen:
            seen[k] = len(out)
            out.append(r)
        index[r["row"]] = seen[k]
    return out, index


@dataclass
class Step:
    """The outcome of comparing one snapshot with the previous good one."""

    ids: list[int]                                     # agreement id of each collapsed row of the new snapshot
    added: list[tuple[int, bool]] = field(default_factory=list)    # (agreement id, relisted?)
    removed: list[int] = field(default_factory=list)
    changed: list[tuple[int, dict]] = field(default_factory=list)  # (agreement id, {field: [old, new]})


class Tracker:
    """Carries agreement identities from one good snapshot of a list to the next."""

    def __init__(self, next_id: int = 1) -> None:
        self.next_id = next_id
        self.current: dict[int, dict] = {}                  # agreement id → row as last seen
        self.gone: dict[tuple, list[int]] = defaultdict(list)  # (state, model, agency_key) → removed ids
        self.latest: dict[int, dict] = {}                   # every agreement's latest row

    def _new(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def step(self, rows: list[dict]) -> Step:
        prev = dict(self.current)
        ids: list[int | None] = [None] * len(rows)
        free_new = set(range(len(rows)))

        def pair(keyfn, score=None) -> None:
            buckets: dict[object, list[int]] = defaultdict(list)
            for aid, r in prev.items():
                k = keyfn(r)
                if k is not None:
                    buckets[k].append(aid)
            for i in sorted(free_new):
                k = keyfn(rows[i])
                cands = buckets.get(k) if k is not None else None
                if not cands:
                    continue
                if score is not None:
                    best = max(cands, key=lambda a: score(prev[a], rows[i]))
                    if score(prev[best], rows[i]) < 90:
                        continue
                else:
                    best = min(cands, key=lambda a: _distance(prev[a], rows[i]))
                cands.remove(best)
                ids[i] = best
                free_new.discard(i)
                del prev[best]

        pair(identity)
        pair(lambda r: (r.get("state"), r.get("model"), r.get("agency_key")))
        pair(lambda r: r.get("moa_file") or None)
        pair(lambda r: (r.get("state"), r.get("model")),
             score=lambda a, b: fuzz.token_sort_ratio(a.get("agency_key", ""), b.get("agency_key", "")))
        pair(lambda r: (r.get("model"), r.get("agency_key")))

        result = Step(ids=[])
        for i in sorted(free_new):
            k = (rows[i].get("state"), rows[i].get("model"), rows[i].get("agency_key"))
            if self.gone.get(k):
                ids[i] = self.gone[k].pop(0)
                result.added.append((ids[i], True))
            else:
                ids[i] = self._new()
                result.added.append((ids[i], False))
        for aid, r in prev.items():
            result.removed.append(aid)
            self.gone[(r.get("state"), r.get("model"), r.get("agency_key"))].append(aid)
        new_current: dict[int, dict] = {}
        for i, aid in enumerate(ids):
            assert aid is not None
            old = self.current.get(aid)
            if old is not None:
                diff = {f: [old.get(f), rows[i].get(f)] for f in CHANGE_FIELDS if old.get(f) != rows[i].get(f)}
                if diff:
                    result.changed.append((aid, diff))
            new_current[aid] = rows[i]
            self.latest[aid] = rows[i]
        self.current = new_current
        result.ids = [a for a in ids if a is not None]
        return result


def _distance(a: dict, b: dict) -> int:
    return sum(a.get(f) != b.get(f) for f in FIELDS)


def malformed_reason(kind: str, count: int, previous_good: int | None) -> str | None:
    """Why a snapshot should be kept out of the chain, or None if it looks like a real list."""
    if kind != "participating":
        return None  # pending lists legitimately empty out as agencies sign
    if count == 0:
        return "empty participating list"
    if previous_good and count < DROP_RATIO * previous_good:
        return f"drops {previous_good - count} of {previous_good} agreements at once (truncated list?)"
    return None
