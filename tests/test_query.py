"""The query parser: every construct of the language parses to the expected tree; bad syntax is a UserError."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import fields as dc_fields
from pathlib import Path

import pytest

from moa.errors import UserError
from search.query import (
    And,
    Field,
    Near,
    Not,
    Or,
    Phrase,
    QuerySyntaxError,
    Term,
    has_text,
    parse,
    text_leaves,
    to_string,
)

EXPECTED = Path(__file__).parent / "expected" / "search" / "query_trees.json"


def tree_json(node) -> dict:
    out: dict = {"node": type(node).__name__}
    for f in dc_fields(node):
        v = getattr(node, f.name)
        if isinstance(v, tuple):
            v = [tree_json(x) if hasattr(x, "__dataclass_fields__") else x for x in v]
        elif hasattr(v, "__dataclass_fields__"):
            v = tree_json(v)
        out[f.name] = v
    return out


CASES = json.loads(EXPECTED.read_text(encoding="utf-8"))


@pytest.mark.parametrize("query", list(CASES))
def test_parses_to_expected_tree(query: str) -> None:
    tree = parse(query)
    assert tree_json(tree) == CASES[query]
    assert parse(to_string(tree)) == tree  # the canonical form reads back to the same tree


def test_issue_examples() -> None:
    assert parse("model:TFM section:costs overtime") == And((
        Field("model", "=", "TFM"), Field("section", "=", "costs"), Term("overtime")))
    assert parse("287(a)(2)") == Phrase(("287", "a", "2"), exact=False)
    near = Near((Phrase(("warrantless", "arrest")), Phrase(("probable", "cause"))), 10)
    assert parse('"warrantless arrest" /10 "probable cause"') == near
    assert parse('NEAR("warrantless arrest" "probable cause", 10)') == near
    assert parse('state:FL model:WSO signed:>=2025-03-01 status:active') == And((
        Field("state", "=", "FL"), Field("model", "=", "WSO"), Field("signed", ">=", "2025-03-01"),
        Field("status", "=", "active")))
    assert parse('signer:"Jason Woosley"') == Field("signer", "=", "Jason Woosley")


def test_precedence_not_and_or() -> None:
    assert parse("a b OR c") == Or((And((Term("a"), Term("b"))), Term("c")))
    assert parse("a AND (b OR c) NOT d") == And((Term("a"), Or((Term("b"), Term("c"))), Not(Term("d"))))
    assert parse("-a b") == And((Not(Term("a")), Term("b")))
    assert parse("x-ray") == Phrase(("x", "ray"), exact=False)  # a hyphen inside a word is no NOT


def test_field_values_are_canonical() -> None:
    assert parse("state:florida") == Field("state", "=", "FL")
    assert parse('model:"task force"') == Field("model", "=", "TFM")
    assert parse("model:wso") == Field("model", "=", "WSO")
    assert parse("year:2025") == Field("signed", "range", "2025-01-01", "2025-12-31")
    assert parse("signed:2024-02") == Field("signed", "range", "2024-02-01", "2024-02-29")
    assert parse("signed:<=2025-03") == Field("signed", "<=", "2025-03-31")
    assert parse("signed:>2025-03") == Field("signed", ">", "2025-03-31")
    assert parse("signed:2025-01-01..2025-06-30") == Field("signed", "range", "2025-01-01", "2025-06-30")
    assert parse("clause:COSTS") == Field("section", "=", "costs")
    assert parse("type:Sheriff") == Field("type", "=", "sheriff")
    assert parse("page:3..5") == Field("page", "range", "3", "5")


def test_helpers() -> None:
    tree = parse('overtime -"per diem" model:TFM')
    assert text_leaves(tree) == [Term("overtime")]
    assert text_leaves(tree, positive_only=False) == [Term("overtime"), Phrase(("per", "diem"))]
    assert has_text(tree) and not has_text(parse("model:TFM state:FL"))


ERRORS = [
    ('"warrantless arrest /10 probable', 0, "unbalanced quote"),
    ("overtime (costs OR salaries", 9, "'(' without ')'"),
    ("overtime)", 8, "')' without '('"),
    ("overtime AND", 12, "AND needs a term after it"),
    ("OR overtime", 0, "OR needs a term before it"),
    ("color:red", 0, "unknown field 'color'"),
    ("signed:>=2025-13-01", 0, "is not a date"),
    ("model:XYZ", 0, "is not one of JEM, WSO, TFM"),
    ("state:Atlantis", 0, "not a two-letter state code"),
    ("status:cancelled", 0, "is not one of active, removed, pending, withdrawn, unlisted, unknown"),
    ("NEAR(overtime, 3)", 0, "at least two"),
    ("NEAR(overtime salaries, x)", 24, "whole number"),
    ("NEAR(overtime salaries", 0, "NEAR( without ')'"),
    ("arrest /5", 9, "/5 needs a term after it"),
    ("(a OR b) /5 c", 0, "joins words or quoted phrases only"),
    ("", 0, "empty query"),
    ("()", 1, "empty parentheses"),
    ('""', 0, "empty phrase"),
    ("over*time", 4, "'*' may only end a word"),
    ("model:TFM state: x", 10, "has no value"),
]


@pytest.mark.parametrize("query,position,message", ERRORS)
def test_bad_syntax_is_a_user_error_with_position(query: str, position: int, message: str) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse(query)
    assert isinstance(info.value, UserError) and info.value.exit_code == 2
    assert info.value.position == position
    assert message in str(info.value)
    assert str(info.value).startswith(f"query syntax error at position {position}: ")


def test_cli_bad_syntax_exits_2_with_one_line(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "moa", "search", '"unbalanced', "--data", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == ["moa: query syntax error at position 0: unbalanced quote (\")"]
    assert proc.stdout == ""
