"""The deviation report: for each agreement, which clauses differ from the template in force, ranked by how much.

The template in force for an agreement is the standard text of its own model and template revision, or
generation where no revision is printed (`compare.comparison.template_generation`): the most common variant of
each clause among agreements on it, see `compare.comparison`. A clause the agreement lacks that most of its
peers have is reported as missing, one few of its peers have as added.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from .comparison import Reader, date_signed, each_section, section_keys, select, template_generation


def _group(r: dict) -> tuple[str, str]:
    return (r.get("model") or "unknown", template_generation(r.get("template_revision"), date_signed(r)))


def deviation_report(records: Sequence[dict], model: str | None = None, revision: str | None = None, *,
                     reader: Reader | None = None) -> dict:
    """Per agreement: the clauses that differ from its standard (changed words, page, variant, kind: 'wording'
    for an edit, 'extent' when more than half differs), plus missing and added clauses; agreements ranked by
    words changed in edits of wording, the most deviant first."""
    recs = select(records, model, revision)
    keys = section_keys(recs)
    by_sha: dict[str, list[dict]] = defaultdict(list)
    for res in each_section(recs, keys, reader=reader):
        for d in res["deviations"]:
            by_sha[d["sha256"]].append({
                "section": d["section"]["key"], "number": d["section"]["number"], "page": d["page"], "variant": d["variant"],
                "standard_variant": d["standard_variant"], "changed_words": d["changed_words"], "kind": d["kind"],
                "similarity": d["similarity"]})
    # Which keys each (model, revision) group normally has; a group too small to say falls back to its model.
    group_size: Counter[tuple[str, str]] = Counter(_group(r) for r in recs)
    key_count: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for r in recs:
        keys_r = set(section_keys([r]))
        key_count[_group(r)].update(keys_r)
        key_count[(_group(r)[0], "*")].update(keys_r)
        group_size[(_group(r)[0], "*")] += 1
    rows = []
    for r in recs:
        g = _group(r)
        if group_size[g] <= 3:
            g = (g[0], "*")
        own = set(section_keys([r]))
        n = group_size[g]
        missing = sorted(k for k, c in key_count[g].items() if k not in own and c * 2 > n) if n > 2 else []
        added = sorted(k for k in own if key_count[g][k] * 4 < n) if n > 3 else []
        clauses = sorted(by_sha.get(r["sha256"], []),
                         key=lambda c: (c["kind"] != "wording", -c["changed_words"], c["section"]))
        wording = [c for c in clauses if c["kind"] == "wording"]
        agency = r.get("agency") or {}
        agreement = r.get("agreement") or {}
        rows.append({
            "sha256": r["sha256"], "file": r.get("file"), "agency": agreement.get("agency") or agency.get("name"),
            "agency_read": agency.get("name"), "state": agreement.get("state") or agency.get("state"),
            "model": r.get("model"), "template_revision": r.get("template_revision"), "date_signed": date_signed(r),
            "clauses_compared": len(own), "clauses_deviating": len(clauses),
            # Ranked by edits of wording; clauses that differ in extent (more than half) are listed, not summed.
            "changed_words": sum(c["changed_words"] for c in wording), "clauses_rewritten": len(clauses) - len(wording),
            "missing": missing, "added": added, "clauses": clauses})
    rows.sort(key=lambda x: (-x["changed_words"], -len(x["missing"]) - len(x["added"]), x["agency"] or "",
                             x["sha256"]))
    for i, row in enumerate(rows, 1):
        row["rank"] = i
    return {"model": model, "revision": revision, "agreements": len(rows), "rows": rows}
