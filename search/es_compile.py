"""The query tree (search/query.py) compiled to Elasticsearch query DSL.

Two ways to stem, chosen when the index is created (search/es_backend.py records it in the mapping):

- "server": a full distribution offers analysis-common, so the `text` field is stemmed by Elasticsearch
  (porter_stem) and `text.exact` is its unstemmed sub-field; quoted phrases go through `quote_field_suffix`
  (".exact"), as CourtListener does.
- "client": Elastic's minimal distribution has no stemmer at all, so moa indexes two token streams it makes
  itself, `stem` (porter-stemmed) and `exact`, split exactly as SQLite's FTS5 unicode61 splits (query.tokens_of),
  and stems query words the same way. Both backends then see the same tokens.

Semantics follow search/backend.py: words stemmed, "phrases" and prefix* exact, NEAR(a b, n) at most n
tokens between neighbours in either order (span-like `intervals`), field filters as non-scoring filters.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

from .query import Field, Near, Node, Not, Or, Phrase, Term, stem, text_leaves, tokens_of

SERVER, CLIENT = "server", "client"

_KEYWORD_FIELDS = {"model": "model", "state": "state", "status": "status", "type": "agency_type",
                   "revision": "template_revision"}
_SUBSTRING_FIELDS = {"agency": "agency", "file": "file", "signer": "signers"}


def stem_tokens(text: str) -> str:
    """A text as its stemmed tokens, space-separated (what the `stem` field holds in client mode)."""
    return " ".join(stem(t) for t in tokens_of(text))


def exact_tokens(text: str) -> str:
    """A text as its lower-case tokens, space-separated (what the `exact` field holds in client mode)."""
    return " ".join(tokens_of(text))


@dataclass(frozen=True)
class Fields:
    """Where each kind of matching happens in one index."""

    mode: str  # SERVER | CLIENT
    stem: str  # stemmed tokens
    exact: str  # unstemmed tokens
    highlight: str  # the field snippets are cut from (its _source is the raw text)

    @classmethod
    def for_mode(cls, mode: str) -> Fields:
        if mode == SERVER:
            return cls(SERVER, "text", "text.exact", "text.exact")
        return cls(CLIENT, "stem", "exact", "text")

    def stemmed(self, words: tuple[str, ...] | list[str]) -> str:
        """Query words for the stem field: raw where Elasticsearch stems them, pre-stemmed where moa does."""
        return " ".join(words) if self.mode == SERVER else " ".join(stem(w) for w in words)


# ---------------------------------------------------------------------------------------------- text leaves


def _near_is_exact(node: Near) -> bool:
    # As in the sqlite backend: a NEAR group is matched unstemmed only when every item is exact.
    return all((isinstance(i, Phrase) and i.exact) or (isinstance(i, Term) and i.prefix) for i in node.items)


def _interval(item: Term | Phrase, f: Fields, exact: bool) -> dict:
    if isinstance(item, Term) and item.prefix:
        return {"prefix": {"prefix": item.text}}
    words = (item.text,) if isinstance(item, Term) else item.words
    query = " ".join(words) if exact else f.stemmed(words)
    return {"match": {"query": query, "max_gaps": 0, "ordered": True}}


def _leaf(node: Term | Phrase | Near, f: Fields) -> dict:
    if isinstance(node, Term):
        if node.prefix:
            return {"prefix": {f.exact: {"value": node.text}}}
        return {"match": {f.stem: {"query": f.stemmed([node.text])}}}
    if isinstance(node, Phrase):
        if not node.exact:
            return {"match_phrase": {f.stem: {"query": f.stemmed(node.words)}}}
        if f.mode == SERVER:
            return {"simple_query_string": {"query": '"' + " ".join(node.words) + '"', "fields": [f.stem],
                                            "quote_field_suffix": ".exact", "default_operator": "and"}}
        return {"match_phrase": {f.exact: {"query": " ".join(node.words)}}}
    exact = _near_is_exact(node)
    field = f.exact if exact else f.stem
    rules = [_interval(i, f, exact) for i in node.items]
    if len(rules) == 2:
        return {"intervals": {field: {"all_of": {"intervals": rules, "max_gaps": node.distance, "ordered": False}}}}
    # FTS5 counts every token between the first item and the last, the middle items' own included; all_of's
    # max_gaps would leave those out. So: some two items within N of each other, holding all the others.
    spans = []
    for i, j in combinations(range(len(rules)), 2):
        middle = [r for n, r in enumerate(rules) if n not in (i, j)]
        inner = middle[0] if len(middle) == 1 else {"all_of": {"intervals": middle, "max_gaps": -1, "ordered": False}}
        spans.append({"all_of": {"intervals": [rules[i], rules[j]], "max_gaps": node.distance, "ordered": False,
                                 "filter": {"containing": inner}}})
    return {"intervals": {field: {"any_of": {"intervals": spans}}}}


# ---------------------------------------------------------------------------------------------- filters


def _wildcard_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?")


def _page_range(f: Field) -> tuple[int, int]:
    """The pages a page: filter covers (the sqlite backend's arithmetic)."""
    lo, hi = (int(f.value), int(f.value2)) if f.op == "range" else (int(f.value), int(f.value))
    if f.op in (">", ">="):
        lo, hi = lo + (f.op == ">"), 1 << 30
    elif f.op in ("<", "<="):
        lo, hi = -1, hi - (f.op == "<")
    return lo, hi


def compile_field(f: Field) -> dict:
    """A metadata filter as a non-scoring query."""
    if f.name in _KEYWORD_FIELDS:
        return {"term": {_KEYWORD_FIELDS[f.name]: f.value}}
    if f.name in _SUBSTRING_FIELDS:
        return {"wildcard": {_SUBSTRING_FIELDS[f.name]: {"value": f"*{_wildcard_escape(f.value)}*",
                                                         "case_insensitive": True}}}
    if f.name == "sha":
        return {"prefix": {"sha256": f.value.lower()}}
    if f.name == "section":
        return {"term": {"section_keys": f.value.lower()}}
    if f.name == "page":
        lo, hi = _page_range(f)
        return {"bool": {"filter": [{"range": {"page": {"lte": hi}}}, {"range": {"page_end": {"gte": lo}}}]}}
    if f.name == "signed":
        if f.op == "range":
            return {"range": {"signed": {"gte": f.value, "lte": f.value2}}}
        if f.op == "=":
            return {"term": {"signed": f.value}}
        op = {">=": "gte", "<=": "lte", ">": "gt", "<": "lt"}[f.op]
        return {"range": {"signed": {op: f.value}}}
    raise ValueError(f"field {f.name}: has no Elasticsearch form")


# ---------------------------------------------------------------------------------------------- the tree


def _match_all_but(negated: list[dict]) -> dict:
    return {"bool": {"filter": [{"match_all": {}}], "must_not": negated}}


def compile_node(node: Node, f: Fields) -> dict:
    """One subtree as a query: text scores, filters and NOTs do not."""
    if isinstance(node, Term | Phrase | Near):
        return _leaf(node, f)
    if isinstance(node, Field):
        return {"constant_score": {"filter": compile_field(node), "boost": 0.0}}
    if isinstance(node, Not):
        return _match_all_but([compile_node(node.child, f)])
    if isinstance(node, Or):
        return {"bool": {"should": [compile_node(c, f) for c in node.children], "minimum_should_match": 1}}
    must, filters, must_not = [], [], []
    for c in node.children:
        if isinstance(c, Field):
            filters.append(compile_field(c))
        elif isinstance(c, Not):
            must_not.append(compile_node(c.child, f))
        else:
            must.append(compile_node(c, f))
    if not must and not filters:
        filters.append({"match_all": {}})
    body: dict[str, Any] = {"must": must, "filter": filters}
    if must_not:
        body["must_not"] = must_not
    return {"bool": body}


def compile_query(tree: Node | None, f: Fields, level: str) -> dict:
    """The whole query for the units of one level."""
    level_filter = {"term": {"level": level}}
    if tree is None:
        return {"bool": {"filter": [level_filter]}}
    return {"bool": {"must": [compile_node(tree, f)], "filter": [level_filter]}}


# ---------------------------------------------------------------------------------------------- snippets


def _highlight_leaf(node: Term | Phrase | Near, field: str) -> list[dict]:
    if isinstance(node, Near):
        return [q for item in node.items for q in _highlight_leaf(item, field)]
    if isinstance(node, Term):
        if node.prefix:
            return [{"prefix": {field: node.text}}]
        # the word itself, and every token sharing its stem as a prefix (arrest → arrests, arrested)
        s = stem(node.text)
        return [{"term": {field: node.text}}] + ([{"prefix": {field: s}}] if len(s) >= 4 else [])
    qs: list[dict] = [{"match_phrase": {field: " ".join(node.words)}}]
    if not node.exact:
        qs += [q for w in node.words for q in _highlight_leaf(Term(w), field)]
    return qs


def highlight_query(tree: Node | None, f: Fields) -> dict | None:
    """A query over the unstemmed highlight field matching what the positive text leaves matched."""
    if tree is None:
        return None
    should = [q for leaf in text_leaves(tree) for q in _highlight_leaf(leaf, f.highlight)]
    return {"bool": {"should": should, "minimum_should_match": 1}} if should else None


def any_leaf_query(tree: Node | None, f: Fields) -> dict | None:
    """Units matching any positive text leaf (a document's best pages)."""
    if tree is None:
        return None
    leaves = text_leaves(tree)
    if not leaves:
        return None
    return {"bool": {"should": [_leaf(leaf, f) for leaf in leaves], "minimum_should_match": 1}}
