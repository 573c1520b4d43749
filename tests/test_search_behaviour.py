"""One behavioural suite for every search backend: sqlite (FTS5 in the catalog) and a real Elasticsearch node.

The catalog is built from real born-digital MOAs through the real extraction pipeline (tests/search_support.py).
Answers are checked against a reference computed straight from the extracted records (exact tokens, the
record's metadata), and the text-only examples of the issue against expected JSON checked in beside this file.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from search_support import copy_catalog, has_phrase, near, reference_units

from search.api import run_search
from search.backend import FACETS, HIGHLIGHT_POST, HIGHLIGHT_PRE, get_backend
from search.index import ledger_status, update_index
from search.query import QuerySyntaxError, tokens_of

EXPECTED = Path(__file__).parent / "expected" / "search" / "examples.json"
ALL = 1000


# ---------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def search_catalog(small_catalog, tmp_path_factory):
    data = tmp_path_factory.mktemp("search") / "data"
    conn, ledger = copy_catalog(small_catalog, data)
    from agreements.documents import iter_documents as iter_records

    records = list(iter_records(conn, with_text=True))
    assert len(records) >= 6
    return {"data": data, "conn": conn, "records": records, "ledger": ledger,
            "status": ledger_status(conn)}


@pytest.fixture(scope="module", params=["sqlite", "elasticsearch"])
def backend(request, search_catalog):
    conn = search_catalog["conn"]
    es_url = None
    if request.param == "elasticsearch":
        es_url = request.getfixturevalue("es_url")
    b = get_backend(request.param, conn, es_url)
    report = update_index(conn, b, rebuild=True)
    assert report["indexed"] == len(search_catalog["records"])
    b.es_url = es_url  # for the CLI test
    yield b
    b.close()


@pytest.fixture(scope="module")
def units(search_catalog):
    return reference_units(search_catalog["records"], search_catalog["status"])


def search(backend, search_catalog, query: str, level: str = "document", **kw) -> dict:
    return run_search(search_catalog["conn"], query, level, backend, limit=kw.pop("limit", ALL), **kw)


def files(result: dict) -> set[str]:
    return {h["file"] for h in result["hits"]}


def pages(result: dict) -> set[tuple[str, int]]:
    return {(h["file"], h["page"]) for h in result["hits"]}


def strip_marks(s: str) -> str:
    return s.replace(HIGHLIGHT_PRE, "").replace(HIGHLIGHT_POST, "")


def expected(name: str):
    return json.loads(EXPECTED.read_text(encoding="utf-8"))[name]


# ---------------------------------------------------------------------------------------------- the examples


def test_task_force_costs_clause_mentions_overtime(backend, search_catalog, units):
    r = search(backend, search_catalog, "model:TFM section:costs overtime")
    want = {u.file for u in units if u.level == "clause" and u.model == "TFM" and "costs" in u.section_keys
            and "overtime" in tokens_of(u.text)}
    assert want, "the test documents should hold TFM costs clauses that mention overtime"
    assert files(r) == want
    assert r["total"] == len(want)
    clauses = search(backend, search_catalog, "model:TFM section:costs overtime", "clause")
    assert {h["file"] for h in clauses["hits"]} == want
    for h in clauses["hits"]:
        assert h["model"] == "TFM" and h["section"]["key"] in ("costs", h["section"]["key"])
        assert h["section"]["number"] and h["section"]["title"]
        assert f"{HIGHLIGHT_PRE}overtime{HIGHLIGHT_POST}" in h["snippet"].lower()
        assert h["page"] >= 1


def test_page_citing_287_a_2(backend, search_catalog, units):
    r = search(backend, search_catalog, "287(a)(2)", "page")
    want = {(u.file, u.page) for u in units if u.level == "page" and has_phrase(u.text, ("287", "a", "2"))}
    assert pages(r) == want == {tuple(x) for x in expected("287(a)(2) pages")}
    for h in r["hits"]:
        assert re.search(r"287\s*\(\s*a\s*\)\s*\(\s*2", strip_marks(h["snippet"]))
        assert HIGHLIGHT_PRE in h["snippet"]


def test_agreements_signed_by_a_given_sheriff(backend, search_catalog, units):
    signers = {(s["name"], (s.get("title") or "").lower()) for r in search_catalog["records"]
               for s in r.get("signatories") or [] if s.get("party") == "lea" and s.get("name")}
    assert signers, "the test documents name their LEA signatories"
    sheriffs = sorted(n for n, title in signers if "sheriff" in title) or sorted(n for n, _ in signers)
    for name in sheriffs:
        r = search(backend, search_catalog, f'signer:"{name}"')
        want = {x["file"] for x in search_catalog["records"]
                if any(name.lower() in (s.get("name") or "").lower() for s in x.get("signatories") or [])}
        assert want and files(r) == want
        for h in r["hits"]:
            assert h["file"] in want
    # a surname alone finds the same agreements (and perhaps more)
    surname = sheriffs[0].split()[-1]
    assert files(search(backend, search_catalog, f"signer:{surname}")) >= files(
        search(backend, search_catalog, f'signer:"{sheriffs[0]}"'))


def test_warrantless_arrest_within_10_words_of_probable_cause(backend, search_catalog, units):
    for q in ('"warrantless arrest" /10 "probable cause"', 'NEAR("warrantless arrest" "probable cause", 10)'):
        r = search(backend, search_catalog, q, "page")
        want = {(u.file, u.page) for u in units if u.level == "page"
                and near(u.text, ("warrantless", "arrest"), ("probable", "cause"), 10)}
        assert pages(r) == want
    # the same operator on wording these agreements do use (arrest powers under INA 287(a)(2) and (4))
    q = '"likely to escape" /10 "warrant can be obtained"'
    r = search(backend, search_catalog, q, "page")
    want = {(u.file, u.page) for u in units if u.level == "page"
            and near(u.text, ("likely", "to", "escape"), ("warrant", "can", "be", "obtained"), 10)}
    assert want and pages(r) == want == {tuple(x) for x in expected("likely to escape /10 warrant can be obtained")}
    assert pages(search(backend, search_catalog, 'NEAR("likely to escape" "warrant can be obtained", 2)', "page")) == want
    assert pages(search(backend, search_catalog, '"likely to escape" /1 "warrant can be obtained"', "page")) == set()


def test_florida_wso_signed_after_date_still_listed(backend, search_catalog, units):
    docs = [u for u in units if u.level == "document"]
    for q, since, status in (("state:FL model:WSO signed:>=2025-03-01 status:active", "2025-03-01", "active"),
                             ("state:FL model:WSO signed:>=2025-02-01", "2025-02-01", None)):
        r = search(backend, search_catalog, q)
        want = {u.file for u in docs if u.state == "FL" and u.model == "WSO" and u.signed and u.signed >= since
                and (status is None or u.status == status)}
        assert files(r) == want
        for h in r["hits"]:
            assert h["state"] == "FL" and h["model"] == "WSO" and h["signed"] >= since
    if search_catalog["ledger"]:
        assert {u.status for u in docs} & {"active", "removed"}, "the ledger gives statuses"


# ---------------------------------------------------------------------------------------------- the language


def test_stemmed_words_and_exact_phrases(backend, search_catalog, units):
    a = files(search(backend, search_catalog, "salary"))
    b = files(search(backend, search_catalog, "salaries"))
    assert a == b and a  # porter / English stemming: salary ~ salaries
    exact = files(search(backend, search_catalog, '"salary"'))
    want = {u.file for u in units if u.level == "document" and "salary" in tokens_of(u.text)}
    assert exact == want and exact <= a


def test_prefix(backend, search_catalog, units):
    r = search(backend, search_catalog, "deput*", "page")
    want = {(u.file, u.page) for u in units if u.level == "page" and any(t.startswith("deput") for t in tokens_of(u.text))}
    assert pages(r) == want


def test_boolean_operators_and_parentheses(backend, search_catalog, units):
    def docs_with(word: str) -> set[str]:
        return {u.file for u in units if u.level == "document" and word in tokens_of(u.text)}

    tfa, hsi = docs_with("tecs"), docs_with("jail")
    assert tfa and hsi and tfa != hsi
    assert files(search(backend, search_catalog, '"tecs" OR "jail"')) == tfa | hsi
    assert files(search(backend, search_catalog, '"tecs" "jail"')) == tfa & hsi
    assert files(search(backend, search_catalog, '"tecs" AND "jail"')) == tfa & hsi
    assert files(search(backend, search_catalog, '"tecs" -"jail"')) == tfa - hsi
    assert files(search(backend, search_catalog, '"tecs" NOT "jail"')) == tfa - hsi
    every = {u.file for u in units if u.level == "document"}
    assert files(search(backend, search_catalog, 'NOT "tecs"')) == every - tfa
    assert files(search(backend, search_catalog, '("tecs" OR "jail") model:TFM')) == {
        u.file for u in units if u.level == "document" and u.model == "TFM"} & (tfa | hsi)
    # mixed stemmed / exact leaves under OR
    assert files(search(backend, search_catalog, 'overtime OR "tecs"')) >= tfa


def test_filters(backend, search_catalog, units):
    docs = [u for u in units if u.level == "document"]
    for q, pred in (
        ("model:TFM", lambda u: u.model == "TFM"),
        ("state:KY", lambda u: u.state == "KY"),
        ("model:TFM OR model:WSO", lambda u: u.model in ("TFM", "WSO")),
        ("NOT state:FL", lambda u: u.state != "FL"),
        ("type:sheriff", lambda u: u.agency_type == "sheriff"),
        ("year:2025", lambda u: (u.signed or "").startswith("2025")),
        ("signed:<2025-03-01", lambda u: u.signed is not None and u.signed < "2025-03-01"),
        ("file:grayson", lambda u: "grayson" in u.file.lower()),
    ):
        assert files(search(backend, search_catalog, q)) == {u.file for u in docs if pred(u)}, q
    some = docs[0]
    if some.agency:
        word = some.agency.split()[0]
        assert some.file in files(search(backend, search_catalog, f'agency:"{word}"'))
    assert files(search(backend, search_catalog, f"sha:{some.sha256[:12]}")) == {some.file}
    if some.template_revision:
        assert some.file in files(search(backend, search_catalog, f"revision:{some.template_revision}"))


def test_levels_and_citations(backend, search_catalog, units):
    page_counts = {r["file"]: r["page_count"] for r in search_catalog["records"]}
    d = search(backend, search_catalog, "overtime", limit=5)
    assert d["level"] == "document" and 0 < len(d["hits"]) <= 5
    for h in d["hits"]:
        assert h["pages"] and len(h["pages"]) <= 3
        for p in h["pages"]:
            assert 1 <= p["page"] <= page_counts[h["file"]]
        assert "overtime" in strip_marks(h["pages"][0]["snippet"]).lower()
        assert h["snippet"] == h["pages"][0]["snippet"]
        scores = [p["score"] for p in h["pages"]]
        assert scores == sorted(scores, reverse=True)
    p = search(backend, search_catalog, "overtime", "page")
    assert pages(p) == {(u.file, u.page) for u in units if u.level == "page" and "overtime" in tokens_of(u.text)}
    cited = {(u.file, u.page): u.section_number for u in units if u.level == "page"}
    for h in p["hits"]:  # a page is cited with the clause that begins latest on or before it
        assert (h["section"] or {}).get("number") == cited[(h["file"], h["page"])]
        assert "overtime" in strip_marks(h["snippet"]).lower()
    c = search(backend, search_catalog, "overtime", "clause")
    want = {(u.file, u.section_number) for u in units if u.level == "clause" and "overtime" in tokens_of(u.text)}
    assert {(h["file"], h["section"]["number"]) for h in c["hits"]} == want
    for h in c["hits"]:
        assert set(h) >= {"sha256", "file", "agency", "state", "model", "score", "page", "section", "snippet"}
        assert h["section"]["title"]


def test_page_filter(backend, search_catalog, units):
    r = search(backend, search_catalog, "overtime page:1..4", "page")
    assert pages(r) == {(u.file, u.page) for u in units if u.level == "page" and u.page <= 4
                        and "overtime" in tokens_of(u.text)}


def test_ranking_paging_and_totals(backend, search_catalog):
    full = search(backend, search_catalog, "immigration officer", "page")
    scores = [h["score"] for h in full["hits"]]
    assert scores == sorted(scores, reverse=True) and full["total"] == len(full["hits"]) > 10
    first = search(backend, search_catalog, "immigration officer", "page", limit=5)
    second = search(backend, search_catalog, "immigration officer", "page", limit=5, offset=5)
    assert first["total"] == second["total"] == full["total"]
    assert len(first["hits"]) == len(second["hits"]) == 5
    assert not pages(first) & pages(second)


def test_facets_count_documents(backend, search_catalog, units):
    r = search(backend, search_catalog, "overtime", "page", limit=1)
    matched = {u.sha256 for u in units if u.level == "page" and "overtime" in tokens_of(u.text)}
    docs = {u.sha256: u for u in units if u.level == "document"}
    assert set(r["facets"]) == set(FACETS)
    for facet in FACETS:
        want: dict[str, int] = {}
        for sha in matched:
            value = getattr(docs[sha], facet) or "unknown"
            want[value] = want.get(value, 0) + 1
        assert r["facets"][facet] == want, facet
    assert list(r["facets"]["model"].values()) == sorted(r["facets"]["model"].values(), reverse=True)


def test_nothing_found_and_bad_syntax(backend, search_catalog):
    r = search(backend, search_catalog, "zyzzyvaqq")
    assert r["total"] == 0 and r["hits"] == [] and set(r["facets"]) == set(FACETS)
    with pytest.raises(QuerySyntaxError):
        search(backend, search_catalog, '"unbalanced')


def test_index_is_incremental(backend, search_catalog):
    conn = search_catalog["conn"]
    again = update_index(conn, backend)
    assert again["indexed"] == 0 and again["unchanged"] == len(search_catalog["records"]) and again["removed"] == 0
    # a changed record (here: its ledger status) is indexed again, alone
    flip = search_catalog["records"][0]["sha256"]
    changed = update_index(conn, backend, status_of=lambda rec: "removed" if rec["sha256"] == flip else
                           search_catalog["status"](rec))
    assert changed["indexed"] == 1
    assert {h["sha256"] for h in search(backend, search_catalog, "status:removed")["hits"]} >= {flip}
    back = update_index(conn, backend)
    assert back["indexed"] == 1 and flip not in {h["sha256"] for h in search(backend, search_catalog,
                                                                                "status:removed")["hits"]}


def test_command_line(backend, search_catalog):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    extra = ["--backend", backend.name] + (["--es-url", backend.es_url] if backend.es_url else [])
    data = str(search_catalog["data"])
    idx = subprocess.run([sys.executable, "-m", "moa", "index", "--data", data, "--json", *extra],
                         capture_output=True, text=True, timeout=300, env=env)
    assert idx.returncode == 0, idx.stderr
    assert json.loads(idx.stdout)["indexed"] == 0
    proc = subprocess.run([sys.executable, "-m", "moa", "search", "model:TFM section:costs overtime", "--level",
                           "clause", "--data", data, "--json", *extra], capture_output=True, text=True,
                          timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert set(out) == {"query", "level", "total", "facets", "hits"} and out["level"] == "clause"
    assert out["total"] >= 1 and out["hits"][0]["section"]["number"]
    text = subprocess.run([sys.executable, "-m", "moa", "search", "287(a)(2)", "--level", "page", "--data", data,
                           *extra], capture_output=True, text=True, timeout=300, env=env)
    assert text.returncode == 0 and "pages match" in text.stdout and "«" in text.stdout
    bad = subprocess.run([sys.executable, "-m", "moa", "search", "(overtime", "--data", data, *extra],
                         capture_output=True, text=True, timeout=300, env=env)
    assert bad.returncode == 2 and "unbalanced parenthesis" in bad.stderr
