"""How many agencies: across every listing and document, and on ICE's list of one day, counted three ways.

    python3 bench/agencies.py --data DIR [--as-of 2026-03-10] [--also 2026-03-11]

Prints the number of distinct agencies of the read model (agreements.join) across all listings and documents,
how many spellings fold into each, and for each date: the distinct (state, name as ICE typed it, tidied) pairs
of the list that stood that day, the ledger's distinct (state, comparison key) pairs (`moa ledger counts`), and
the read model's agencies, with every row where one count differs from the next.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agreements.join import build  # noqa: E402
from harvest.ledger_query import counts_as_of, list_rows_as_of  # noqa: E402
from moa.catalog import connect  # noqa: E402


def day(conn, corpus, as_of: str) -> set:
    snap, rows = list_rows_as_of(conn, "participating", as_of)
    if snap is None:
        print(f"\n{as_of}: no participating list on or before that day")
        return set()
    by_ledger = {a.listing.ledger_id: a for a in corpus.agreements if a.listing}
    names = {(r["state"], r["agency"]) for r in rows}
    keys = defaultdict(set)
    agencies = defaultdict(set)
    for r in rows:
        keys[(r["state"], r["agency_key"])].add(r["agency"])
        a = by_ledger.get(r["agreement_id"])
        agencies[a.agency_id if a else f"? ledger {r['agreement_id']}"].add((r["state"], r["agency"]))
    ledger = counts_as_of(conn, as_of)["agencies"]
    print(f"\n{as_of}: the list published {snap['published_local']} ({snap['name']}), {len(rows)} rows")
    print(f"  distinct (state, name as typed, tidied): {len(names)}")
    print(f"  distinct (state, comparison key), `moa ledger counts`: {ledger}")
    print(f"  agencies of the read model: {len(agencies)}")
    print("  names one comparison key folds together:")
    for (state, _key), spelled in sorted(keys.items()):
        if len(spelled) > 1:
            print(f"    {state}  {' | '.join(sorted(spelled))}")
    print("  keys the read model folds into one agency (same name but for spelling, tied by ICE's history):")
    for aid, spelled in sorted(agencies.items()):
        ks = {(s, k) for (s, k), sp in keys.items() for n in sp if (s, n) in spelled}
        if len(ks) > 1:
            print(f"    {aid}: {' | '.join(sorted(n for _, n in spelled))}")
    return names


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=None)
    ap.add_argument("--as-of", default="2026-03-10")
    ap.add_argument("--also", nargs="*", default=["2026-03-11"])
    args = ap.parse_args()
    conn = connect(args.data, readonly=True)
    corpus = build(conn)
    listed = [a for a in corpus.agreements if a.listing]
    print(f"read model: {len(corpus.agreements)} agreements ({len(listed)} on ICE's lists, "
          f"{len(corpus.agreements) - len(listed)} from documents alone), {len(corpus.agencies)} agencies")
    folds = Counter(len(ag.spellings) for ag in corpus.agencies.values())
    print("spellings per agency: " + ", ".join(f"{n}: {k}" for n, k in sorted(folds.items())))
    print("statuses: " + json.dumps(Counter(a.status for a in corpus.agreements)))
    first = day(conn, corpus, args.as_of)
    for d in args.also:
        other = day(conn, corpus, d)
        print(f"  (state, name) on the {d} list and not on the {args.as_of} list: {len(other - first)}")
        for state, name in sorted(other - first):
            print(f"    + {state}  {name}")
        for state, name in sorted(first - other):
            print(f"    - {state}  {name}")
    print(f"\nreproduce: python3 bench/agencies.py --data {args.data or '$MOA_DATA'} --as-of {args.as_of}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
