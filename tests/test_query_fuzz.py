"""The query layer is total (issue 18): any string gets a result or one QueryError, from the parser and from
both backends, never a traceback; parse → print → parse is stable; the backends agree on what both accept;
every row of the issue's table of hostile queries gets a clean, specific answer.

Property-based with hypothesis, a few hundred examples per property here; bench/query_fuzz.py runs 100,000
(parser) and 5,000 (each backend). SQLite runs on the small real catalog, Elasticsearch on the real node the
session starts (tests/es_node.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from query_strategies import ADVERSARIAL, queries, well_formed
from search_support import copy_catalog

from moa.errors import UserError
from search.api import run_search
from search.backend import get_backend
from search.index import update_index
from search.index_docs import LEVELS
from search.query import (
    MAX_QUERY_CHARS,
    And,
    Field,
    Node,
    Not,
    Or,
    Phrase,
    QueryLimitError,
    QuerySyntaxError,
    QueryTooExpensive,
    Term,
    parse,
    to_string,
)
from search.sqlite_backend import SqliteBackend

FUZZ = settings(max_examples=400, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
BACKEND_FUZZ = settings(FUZZ, max_examples=150)
ALL = 1000


def parse_or_error(q: str):
    """The tree, or the QuerySyntaxError; anything else raised fails the test with its traceback."""
    try:
        return parse(q)
    except QuerySyntaxError as e:
        assert isinstance(e, UserError) and e.exit_code == 2
        assert 0 <= e.position <= len(q), (q, e.position)
        assert str(e).startswith(("query syntax error at position ", "query over a limit at position "))
        assert "\n" not in str(e)
        return e


# ---------------------------------------------------------------------------------------------- the parser


@FUZZ
@given(queries())
def test_parser_is_total(q: str) -> None:
    parse_or_error(q)


@FUZZ
@given(st.one_of(well_formed(), queries()))
def test_parse_print_parse_is_stable(q: str) -> None:
    tree = parse_or_error(q)
    if isinstance(tree, QuerySyntaxError):
        return
    printed = to_string(tree)
    if len(printed) <= MAX_QUERY_CHARS:  # the canonical form can be longer (year:2025 → signed:…..…)
        assert parse(printed) == tree, printed
        assert to_string(parse(printed)) == printed


# What each row of the table answers now: (error class, words of its message).
ROWS = {
    "200 nested (": (QueryLimitError, "more than 16 levels of parentheses and NOTs"),
    "1,000 NOTs": (QueryLimitError, "characters long; the limit is 2000"),
    "a proximity with 5,000 digits": (QueryLimitError, "characters long; the limit is 2000"),
    "a NEAR distance with 5,000 digits": (QueryLimitError, "characters long; the limit is 2000"),
    "a page number with 5,000 digits": (QueryLimitError, "characters long; the limit is 2000"),
    "² as a page number": (QuerySyntaxError, "the page number must be a whole number written with 0-9"),
    "² as a NEAR distance": (QuerySyntaxError, "the NEAR distance must be a whole number written with 0-9"),
    "² as a proximity": (QuerySyntaxError, "the /N distance must be a whole number written with 0-9"),
    "page:99999999999999999999": (QueryLimitError, "the page number 99999999999999999999 is over the limit of 9999"),
    "NEAR beyond its bound": (QueryLimitError, "the NEAR distance 4294967296 is over the limit of 1000"),
    "NEAR at 2147483647": (QueryLimitError, "the NEAR distance 2147483647 is over the limit of 1000"),
    "38 NOTs": (QueryLimitError, "more than 16 levels of parentheses and NOTs"),
    "26 nested ORs": (QueryLimitError, "more than 16 levels of parentheses and NOTs"),
    "1,000 filters": (QueryLimitError, "characters long; the limit is 2000"),
    "33 filters within the length": (QueryLimitError, "more than 32 different filters"),
    '"287(g)" 2,000 times': (QueryLimitError, "18000 characters long; the limit is 2000"),
    "a 48 KB query": (QueryLimitError, "48600 characters long; the limit is 2000"),
    "a NEAR of 9 words": (QueryLimitError, "NEAR of 9 words or phrases; the limit is 8"),
}


def test_every_adversarial_row_is_covered() -> None:
    assert set(ROWS) | {'"287(g)" 200 times'} == set(ADVERSARIAL)


@pytest.mark.parametrize("row", sorted(ROWS))
def test_adversarial_row_gets_its_own_message(row: str) -> None:
    cls, words = ROWS[row]
    with pytest.raises(QuerySyntaxError) as info:
        parse(ADVERSARIAL[row])
    assert type(info.value) is cls
    assert words in str(info.value)


def test_repeated_phrase_is_matched_once() -> None:
    assert parse(ADVERSARIAL['"287(g)" 200 times']) == Phrase(("287", "g"))
    assert parse("overtime OR overtime OR (overtime)") == parse("overtime")
    assert parse("NOT NOT overtime") == parse("overtime")


def test_within_bounds_parses() -> None:
    """The bounds themselves are allowed: only beyond them is an error."""
    parse("(" * 16 + "overtime" + ")" * 16)
    parse("NEAR(overtime costs, 1000)")
    parse("page:9999")
    parse(" ".join(f"page:{n}" for n in range(1, 33)))
    parse(" ".join(f"w{n}" for n in range(64)))
    with pytest.raises(QueryLimitError, match="more than 64 different words and phrases"):
        parse(" ".join(f"w{n}" for n in range(65)))
    parse("x" * MAX_QUERY_CHARS)
    parse("NEAR(overtime costs salaries deputy arrest warrant training liability)")
    with pytest.raises(QueryLimitError, match="NEAR of 9 words or phrases; the limit is 8"):
        parse("x " + " /1 ".join(f"w{n}" for n in range(9)))


@pytest.mark.parametrize("row", ["1,000 NOTs", "NEAR beyond its bound", "² as a page number", "26 nested ORs"])
def test_cli_answers_a_hostile_query_in_one_line(row: str, tmp_path) -> None:
    proc = subprocess.run([sys.executable, "-m", "moa", "search", ADVERSARIAL[row], "--data", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("moa: query "), proc.stderr
    assert ROWS[row][1] in lines[0]


# ---------------------------------------------------------------------------------------------- the backends


@pytest.fixture(scope="module")
def catalog_dir(small_catalog, tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz") / "data"


@pytest.fixture(scope="module")
def catalog(small_catalog, catalog_dir):
    conn, _ = copy_catalog(small_catalog, catalog_dir)
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def sqlite_backend(catalog):
    b = get_backend("sqlite", catalog)
    update_index(catalog, b, rebuild=True)
    return b


@pytest.fixture(scope="module")
def es_backend(catalog, es_url):
    from search.es_backend import ElasticsearchBackend

    b = ElasticsearchBackend(catalog, es_url, alias="moa-fuzz")
    update_index(catalog, b, rebuild=True)
    yield b
    b.finish()
    names = list(b.client.indices.get(index="moa-fuzz-*", expand_wildcards="all"))
    if names:
        b.client.indices.delete(index=",".join(names))
    b.close()


def answer(conn, backend, q: str, level: str):
    """The result, or the UserError (syntax, limit, too expensive) the query layer answered with."""
    try:
        return run_search(conn, q, level, backend, limit=ALL)
    except UserError as e:
        assert isinstance(e, QuerySyntaxError | QueryTooExpensive), f"{type(e).__name__}: {e}"
        return e


def identity(result: dict) -> tuple[int, dict, list]:
    """What a result found: its total, facets and hits, by unit (score and order aside: bm25 differs by
    engine, so the hits are compared where all of them fit in one answer)."""
    hits = sorted(repr((h.get("agreement_id"), h["sha256"], h["page"], (h["section"] or {}).get("number")))
                  for h in result["hits"]) if result["total"] <= ALL else []
    return result["total"], result["facets"], hits


@pytest.mark.es
@BACKEND_FUZZ
@given(queries(), st.sampled_from(LEVELS))
def test_backends_are_total_and_agree(catalog, sqlite_backend, es_backend, q: str, level: str) -> None:
    a = answer(catalog, sqlite_backend, q, level)
    b = answer(catalog, es_backend, q, level)
    if isinstance(a, dict) and isinstance(b, dict):
        assert identity(a) == identity(b), q
    elif isinstance(a, QuerySyntaxError) or isinstance(b, QuerySyntaxError):
        assert type(a) is type(b) and str(a) == str(b)  # the one parser refuses before either backend runs


@BACKEND_FUZZ
@given(queries(), st.sampled_from(LEVELS))
def test_sqlite_is_total(catalog, sqlite_backend, q: str, level: str) -> None:
    answer(catalog, sqlite_backend, q, level)


@pytest.mark.parametrize("row", sorted(ADVERSARIAL))
def test_adversarial_rows_on_sqlite(catalog, sqlite_backend, row: str) -> None:
    r = answer(catalog, sqlite_backend, ADVERSARIAL[row], "page")
    assert isinstance(r, dict) == (row == '"287(g)" 200 times')


def deepest() -> str:
    """A query at the depth bound: AND, OR and NOT alternating, three levels a round, 16 in all."""
    q = "NOT overtime"
    for n in range(5):
        q = f"costs (NOT ({q} OR salar*) OR page:{n + 1})"
    return q


DEEPEST = deepest()


def test_deepest_allowed_query_runs_on_sqlite(catalog, sqlite_backend) -> None:
    """At the depth bound, alternating AND, OR and NOT: SQLite's and FTS5's fixed parser stacks still hold."""
    assert "more than 16 levels" in str(parse_or_error(f"NOT ({DEEPEST})"))
    q = DEEPEST
    for level in LEVELS:
        assert isinstance(run_search(catalog, q, level, sqlite_backend)["total"], int)


@pytest.mark.es
def test_deepest_allowed_query_runs_on_elasticsearch(catalog, es_backend) -> None:
    q = DEEPEST
    for level in LEVELS:
        assert isinstance(run_search(catalog, q, level, es_backend)["total"], int)


def test_a_tree_past_the_bounds_is_a_user_error_on_sqlite(catalog, sqlite_backend) -> None:
    """Trees deeper than the parser allows, handed to the backend directly: SQLite's and FTS5's parser stacks
    overflow, and that is a user error naming the query, never a "catalog error"."""
    sql_deep: Node = Term("overtime")
    fts_deep: Node = Term("overtime")
    for n in range(60):
        sql_deep = Not(Or((sql_deep, Field("page", "=", str(n + 1)))))
        fts_deep = Or((Term(f"w{n}"), And((Term(f"x{n}"), fts_deep))))
    for tree in (sql_deep, fts_deep):
        with pytest.raises(QueryTooExpensive, match=r"query too complex for the sqlite index \(.*parser stack"):
            sqlite_backend.search(tree, "page")


def test_sqlite_budget_interrupts_the_query(catalog, sqlite_backend) -> None:
    """A query past its time budget stops inside SQLite (the progress handler) and says so, as a user error."""
    tight = SqliteBackend(catalog, budget_s=1e-4)
    t = time.monotonic()
    with pytest.raises(QueryTooExpensive, match=r"query too expensive: it ran past its 0.0001 s budget"):
        run_search(catalog, "a* OR b* OR c* OR d* OR s* OR t*", "page", tight, limit=ALL)
    assert time.monotonic() - t < 1.0
    assert run_search(catalog, "a* OR b*", "page", sqlite_backend)["total"] > 0  # the usual budget answers
    assert catalog.execute("SELECT count(*) FROM search_units").fetchone()[0] > 0  # no handler left behind


def test_cli_says_a_query_is_too_expensive_in_one_line(catalog_dir, sqlite_backend) -> None:
    env = {**os.environ, "MOA_QUERY_BUDGET": "0.0001"}
    proc = subprocess.run([sys.executable, "-m", "moa", "search", "a* OR b* OR c* OR s*", "--level", "page",
                           "--data", str(catalog_dir)], capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "moa: query too expensive: it ran past its 0.0001 s budget on the sqlite index; narrow it "
        "(a filter, a phrase, fewer prefix* or OR terms)"]


@pytest.mark.es
def test_elasticsearch_budget_is_a_user_error(catalog, es_url, es_backend) -> None:
    from search.es_backend import ElasticsearchBackend

    """Eight prefixes within 1000 words of each other take Elasticsearch seconds even on the small catalog:
    its own timeout (a 504 'Time exceeded') or the client's, just after, stops the search, never retried."""
    tight = ElasticsearchBackend(catalog, es_url, alias="moa-fuzz", budget_s=0.3)
    try:
        t = time.monotonic()
        with pytest.raises(QueryTooExpensive, match="ran past its 0.3 s budget on Elasticsearch"):
            run_search(catalog, "NEAR(a* t* o* s* c* p* d* e*, 1000)", "page", tight, limit=ALL)
        assert time.monotonic() - t < 3.0
        tight.budget_s = 1e-4  # spent before a request is sent: no request at all
        with pytest.raises(QueryTooExpensive):
            run_search(catalog, "overtime", "document", tight, limit=ALL)
    finally:
        tight.client.close()
