"""Trace agreements through a sequence of roster snapshots and name what changed between them.

Pure functions over plain row dicts (state, agency, agency_key, model, agency_type, county, signed,
moa_file, addendum_files); `harvest.ledger` reads and writes the catalog around them.

Identity. An agreement is one (state, model, agency) line of a list. ICE's list repeats some lines: exact
duplicates (West York Borough PD, 2025-08-04 pm; Volusia County SO, Aug 2025) and near duplicates of one
agreement, one copy incomplete (St. Cloud PD 2025-07: same model, signed 04-14 with the MOA link and 04-15
without; Fort Walton Beach PD 2025-08: the same row with a wrong agency type). No agency holds two
agreements of one model at once in any snapshot, so rows sharing state, model and agency are one agreement,
counted once.

Matching consecutive snapshots, most certain first, so that a typo fix reads as a change and not as a
removal plus an addition: (1) every normalized field equal; (2) same state, model and agency key;
(3) same MOA document; (4) same state and model and the same agency name but for a spelling slip in a long distinctive
name (see `_alike`: "Lake County" never becomes "Clay County"); (5) same model and agency key in another state (a state typo
fixed: Lake Placid PD "NY" → FL). Steps 4 and 5 also need the signed dates not to disagree (Brown County
NE and Brown County KS are two agencies).
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


def agreement_key(row: dict) -> tuple:
    return (row.get("state"), row.get("model"), row.get("agency_key"))


def _completeness(row: dict) -> tuple:
    return (row.get("moa_file") is not None, sum(row.get(f) not in (None, "", ()) for f in FIELDS))


def collapse(rows: Iterable[dict]) -> tuple[list[dict], dict[int, int]]:
    """Rows → agreements: rows of one (state, model, agency) are one agreement listed more than once.

    Returns (one representative row per agreement, in first-seen order; {row number: index in that list}).
    The representative is the most complete row (a MOA link first, then the most fields filled).
    """
    seen: dict[tuple, int] = {}
    out: list[dict] = []
    index: dict[int, int] = {}
    for r in rows:
        k = agreement_key(r)
        if k not in seen:
            seen[k] = len(out)
            out.append(r)
        elif _completeness(r) > _completeness(out[seen[k]]):
            out[seen[k]] = r
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
                elif len(cands) == 1:
                    best = cands[0]
                else:
                    best = min(cands, key=lambda a: _distance(prev[a], rows[i]))
                cands.remove(best)
                ids[i] = best
                free_new.discard(i)
                del prev[best]

        pair(identity)
        pair(agreement_key)
        pair(lambda r: r.get("moa_file") or None)
        pair(lambda r: (r.get("state"), r.get("model")), score=_alike)
        pair(lambda r: (r.get("model"), r.get("agency_key")),
             score=lambda a, b: 100 if _same_signing(a, b) else 0)

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


# Filler that names no particular office; the words of _JURISDICTION (which office, which kind of
# jurisdiction) and numbers must agree exactly: a county's jail is not its sheriff's office.
_GENERIC = {"office", "department", "division", "center", "facility", "bureau", "agency"}
_JURISDICTION = {"sheriffs", "police", "jail", "corrections", "correctional", "detention", "law", "enforcement",
                 "county", "city", "town", "village", "borough", "township", "parish", "state", "district",
                 "precinct", "pct", "constable", "constables", "university", "college", "school", "marshal",
                 "marshals", "attorneys", "attorney", "port", "airport", "north", "south", "east", "west",
                 "board", "commissioners"}


def _parts(key: str) -> tuple[str, frozenset, frozenset]:
    words = key.split()
    core = " ".join(w for w in words if w not in _GENERIC and w not in _JURISDICTION and not w.isdigit())
    return core, frozenset(w for w in words if w in _JURISDICTION), frozenset(w for w in words if w.isdigit())


def _same_signing(a: dict, b: dict) -> bool:
    """Not contradicted by the signed date (equal, or one side blank)."""
    return not (a.get("signed") and b.get("signed") and a["signed"] != b["signed"])


def _alike(a: dict, b: dict) -> float:
    """How alike two agency names are (0-100), for the fuzzy matching step.

    Only a spelling slip in a long distinctive name passes ("Albermarle District Jail" = "Albemarle District
    Jail", "Fish and Wildlife" = "Fish & Wildlife"): jurisdiction words and numbers must be the same
    (precinct 2 is not precinct 3, a county office is not a city's), and short names never match fuzzily,
    because Coke and Cooke, Lake and Lee, Madison and Marion are all real, different counties.
    """
    if not _same_signing(a, b):
        return 0.0
    ca, ja, na = _parts(a.get("agency_key") or "")
    cb, jb, nb = _parts(b.get("agency_key") or "")
    if ja != jb or na != nb or not ca or not cb:
        return 0.0
    if ca == cb:
        return 95.0
    score = fuzz.ratio(ca, cb)
    return score if min(len(ca), len(cb)) >= 8 and score >= 85 else 0.0


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
