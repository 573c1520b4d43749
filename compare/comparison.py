"""Clause comparison across agreements: variants of one clause, the standard text, and redlines.

Every agreement's version of a clause (a section or subsection sharing a `key`) is grouped into variants:
first the versions identical once normalized (`compare.wording`: OCR look-alikes, layout, the agency's own
name, county, state, dates and names), then those nearly identical: a version joins a variant when its
word-level diff against the variant's text holds only OCR noise (`is_noise`). The standard text of a template
revision is its most common variant; every agreement on another variant deviates, and gets a redline.

Along the data flow: `compare.clauses` (records to clauses), `compare.lexicon` (what is a word),
`compare.tokendiff` (the noise-tolerant diff), `compare.ocrnoise` (misreadings on poor scans), `compare.variants`
(grouping). This module compares sections and agreements, and re-exports those modules' public names.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor

from rapidfuzz import fuzz

from agreements.documents import document, iter_documents, low_confidence_words
from agreements.join import build, identity
from agreements.models import Agreement
from extract.page_reader import PageReader
from moa.catalog import data_path
from moa.errors import UserError
from moa.files import resolve_sha

from . import redline
from .clauses import (
    Clause,
    clause_of,
    cut_at_heading,
    date_signed,
    heading_titles,
    section_keys,
    template_generation,
)
from .lexicon import REAL_WORD_DF, dictionary, english, garbled
from .ocrnoise import GARBLE, LOW_QUALITY, is_low_quality, ocr_changes, split_run_together
from .readings import Reader
from .tokendiff import (
    GARBLED_RATIO,
    NOISE_EDIT,
    PREFILTER_RATIO,
    is_noise,
    same_wording,
    substantive_changes,
    token_ops,
)
from .variants import UNCERTAIN_PREFILTER, Variant, group_variants
from .wording import canon, fill_in_values, vocabulary

# Tesseract's word confidence (0-100) under which a word is one OCR was unsure of: 1.3% of the words on the
# corpus's OCR'd pages, among them "ICI:" for ICE (47), "aller" for after (5), "parca" for "has been" (38).
DOUBT = 75
# Clause keys compared at once when pages are read again (`each_section`): enough to keep the OCR pool busy.
SECTION_THREADS = 4

# Re-exported for callers of `compare.comparison`. The thresholds are read where they are used: set them on their
# own module (`compare.tokendiff.NOISE_EDIT`), not here.
__all__ = [
    "GARBLE", "GARBLED_RATIO", "LOW_QUALITY", "NOISE_EDIT", "PREFILTER_RATIO", "REAL_WORD_DF", "UNCERTAIN_PREFILTER",
    "Clause", "Reader", "Variant", "clause_of", "clause_redline", "compare_all", "compare_clauses", "compare_pair",
    "compare_section", "cut_at_heading", "date_signed", "dictionary", "english", "garbled", "group_variants",
    "heading_titles", "is_low_quality", "is_noise", "load_record", "load_records", "ocr_changes", "page_reader", "same_wording",
    "section_keys", "select", "split_run_together", "substantive_changes", "template_generation", "token_ops",
]


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


def _group_of(c: Clause) -> tuple[str, str]:
    return (c.model or "unknown", template_generation(c.revision, c.date_signed))


def compare_clauses(clauses: Sequence[Clause], key: str, *, redlines: bool = True,
                    reader: Reader | None = None) -> dict:
    """Variants of one clause across agreements, the standard per (model, template revision), and for
    every agreement on another variant a redline against its standard. With `reader`, poor scans are read
    again where their noise is in doubt (`compare.readings`)."""
    df = vocabulary(c.toks for c in clauses)
    variants = group_variants(clauses, df, reader)
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
                          **({"membership": "ocr-uncertain"} if m.sha256 in v.uncertain else {}),
                          **({"read_again_by": v.reread[m.sha256]} if m.sha256 in v.reread else {})}
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
                    revision: str | None = None, *, redlines: bool = True, reader: Reader | None = None) -> dict:
    """`moa compare --section KEY`: variants of one clause over the records (filtered by model/revision)."""
    recs = select(records, model, revision)
    titles, sub_titles = heading_titles(recs), heading_titles(recs, subsections=True)
    clauses = [c for c in (clause_of(r, key, titles, sub_titles) for r in recs) if c is not None]
    result = compare_clauses(clauses, key, redlines=redlines, reader=reader)
    result.update({"model": model, "revision": revision, "records": len(recs)})
    return result


def compare_all(records: Sequence[dict], model: str | None = None, revision: str | None = None, *,
                reader: Reader | None = None) -> dict:
    """`moa compare --all`: how many variants every clause key has."""
    recs = select(records, model, revision)
    rows = []
    keys = section_keys(recs)
    for key, res in zip(keys, each_section(recs, keys, reader=reader), strict=True):
        largest = res["variants"][0]["agreements"] if res["variants"] else 0
        rows.append({"section": key, "agreements": res["agreements"], "forms": res["forms"],
                     "variants": len(res["variants"]), "largest_variant": largest,
                     "deviating": len(res["deviations"]),
                     "deviating_low_quality": sum(d["low_quality"] for d in res["deviations"]),
                     "ocr_uncertain": res["ocr_uncertain"]})
    totals = {"keys": len(rows), **{k: sum(r[k] for r in rows) for k in
                                    ("variants", "deviating", "deviating_low_quality", "ocr_uncertain")}}
    return {"model": model, "revision": revision, "records": len(recs), "rows": rows, "totals": totals}


def each_section(records: Sequence[dict], keys: Sequence[str], *, reader: Reader | None = None) -> list[dict]:
    """`compare_section` (without redlines) for every key, in order. With a reader, several keys at once on
    threads: one clause is grouped while the pages of another are read again on the OCR pool."""
    def one(key: str) -> dict:
        return compare_section(records, key, redlines=False, reader=reader)

    if reader is None:
        return [one(k) for k in keys]
    with ThreadPoolExecutor(max_workers=SECTION_THREADS) as pool:
        return list(pool.map(one, keys))


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
    ag = lambda r: (r.get("agreement") or {}).get("agency") or (r.get("agency") or {}).get("name")  # noqa: E731
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


def page_reader(conn, *, jobs: int = 2, cache_only: bool = False) -> Reader:
    """Other readings of the catalog's stored PDFs for `compare.readings` (`extract.page_reader.PageReader`;
    with `cache_only`, readings made before and nothing else)."""
    return PageReader(data_path(conn), jobs=jobs, cache_only=cache_only)


def load_records(conn, model: str | None = None, revision: str | None = None,
                 owners: dict[str, Agreement] | None = None) -> list[dict]:
    """Every extracted document in the catalog with its clause texts, listing and agreement (agreements), each
    OCR'd page with the words OCR was unsure of (`low_conf_words`, under DOUBT). `owners` (sha256 -> agreement,
    `Corpus.by_document()`) saves building the read model again when the caller holds it."""
    recs = sorted(select(iter_documents(conn), model, revision), key=lambda r: r["sha256"])
    doubt = low_confidence_words(conn, DOUBT)
    owner = build(conn).by_document() if owners is None else owners
    for r in recs:
        if r["sha256"] in owner:
            r["agreement"] = identity(owner[r["sha256"]])
        for p in r.get("pages") or []:
            words = doubt.get((r["sha256"], p.get("number")))
            if words:
                p["low_conf_words"] = words
    return recs


def load_record(conn, ref: str) -> dict:
    """One extracted document by sha256, prefix or file name; a UserError when unknown."""
    sha = resolve_sha(conn, ref)
    if not sha:
        raise UserError(f"unknown document: {ref}")
    rec = document(conn, sha)
    if not rec:
        raise UserError(f"document {ref} is not extracted yet; run `moa extract`")
    owner = build(conn).by_document().get(sha)
    if owner is not None:
        rec["agreement"] = identity(owner)
    return rec
