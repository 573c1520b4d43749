"""The search interface both backends implement, and the result shape they both return.

A backend indexes `IndexDoc`s (search/index_docs.py: the document, page and clause units of one record) and
answers a parsed query tree (search/query.py) at one level. `search` returns a dict:

    {
      "total": 12,                  # documents at document level; pages / clauses at those levels
      "facets": {                   # over ALL matches (not just this page of hits), counting DOCUMENTS
        "model": {"TFM": 3, ...}, "state": {"FL": 2, ...}, "agency_type": {"sheriff": 5, ...},
        "year": {"2025": 7, ...}, "template_revision": {"2025-02-15": 4, ...}, "status": {"active": 9, ...}
      },                            # a unit whose value is null counts under "unknown"
      "hits": [                     # best first; `limit` of them from `offset`
        {"sha256", "file", "agency", "state", "model", "agency_type", "signed", "template_revision",
         "status", "score",         # score: higher is better; comparable only within one result
         "level",                   # document | page | clause
         "page", "page_end",        # page level: the page; clause level: its pages; document level: None
         "section": {"number": "IV.E", "title": "COSTS AND EXPENDITURES", "key": "costs"} | None,
                                    # clause level: the clause; page level: the clause that begins latest
                                    # on or before the page (documents.py), None where sections are unknown
         "snippet": "… <mark>overtime</mark> …",   # highlighted with HIGHLIGHT_PRE / HIGHLIGHT_POST
         "pages": [{"page": 5, "snippet": "…", "score": 1.2}]   # document level only: best pages (≤ 3);
                                    # the first carries the hit's snippet, the others may have snippet ""
        }
      ]
    }

Semantics both backends follow (the behavioural suite checks them):
- words match stemmed text (porter / an English stemmer), quoted phrases and `word*` match exact tokens;
- Near(items, n): the items in order or not, at most n tokens between the first and the last (FTS5 NEAR: the
  middle items' own tokens count, and items may overlap);
- model/state/status/type/revision: equality with the unit's value; sha: prefix; page: unit.page <= N <= page_end;
- agency, file: case-insensitive substring of the name; signer: case-insensitive substring of any "Name, Title";
- section: the value equals one of the unit's `section_keys` (keys such as `costs`, lower-case numbers `iv.e`);
- signed (year: and signed:YYYY[-MM] arrive as ranges): ISO string comparison with the unit's `signed`
  (null never matches);
- document level: when the query has a `section:` or `page:` filter it is answered at clause (or page) level
  and rolled up per document (`rollup_level`), so "model:TFM section:costs overtime" means a document whose
  costs clause mentions overtime; otherwise against the whole document's text;
- a query made of filters only matches every unit that passes them (score 0, newest signed first);
- a search runs within its time budget (`budget_s`, default QUERY_BUDGET_S or $MOA_QUERY_BUDGET seconds) or
  raises QueryTooExpensive (a UserError), never hangs; what an index cannot compile raises it too.
"""

from __future__ import annotations

import abc
import json
import os
import sqlite3
from collections.abc import Iterable
from typing import Any

from moa.errors import UserError

from .index_docs import LEVELS, IndexDoc
from .query import Field, Node, walk

HIGHLIGHT_PRE = "<mark>"
HIGHLIGHT_POST = "</mark>"
FACETS = ("model", "state", "agency_type", "year", "template_revision", "status")
BACKENDS = ("sqlite", "elasticsearch")
BEST_PAGES = 3
SNIPPET_TOKENS = 24  # about how many words a snippet shows
QUERY_BUDGET_S = 5.0  # seconds one search may take on either backend ($MOA_QUERY_BUDGET overrides)


def query_budget(budget_s: float | None = None) -> float:
    """The time budget of one search: `budget_s`, else $MOA_QUERY_BUDGET, else QUERY_BUDGET_S."""
    if budget_s is None:
        raw = os.environ.get("MOA_QUERY_BUDGET", "").strip()
        try:
            budget_s = float(raw) if raw else QUERY_BUDGET_S
        except ValueError:
            raise UserError(f"$MOA_QUERY_BUDGET={raw[:20]!r} is not a number of seconds") from None
    if not 0 < budget_s <= 3600:
        raise UserError(f"a query's time budget must be between 0 and 3600 seconds, not {budget_s}")
    return budget_s


class Backend(abc.ABC):
    """An index of units. Implementations: SqliteBackend (search/sqlite_backend.py), ElasticsearchBackend."""

    name: str = ""
    budget_s: float = QUERY_BUDGET_S  # set by each backend's constructor (query_budget())

    @abc.abstractmethod
    def target(self) -> str:
        """A stable name of the index this backend writes (the indexer records what it holds per target)."""

    @abc.abstractmethod
    def index(self, docs: Iterable[IndexDoc]) -> int:
        """Add or replace every unit of each document (a document's old units go first); return units written."""

    @abc.abstractmethod
    def delete(self, shas: Iterable[str]) -> int:
        """Remove every unit of these documents; return how many documents were removed."""

    @abc.abstractmethod
    def search(self, query: Node | None, level: str = "document", limit: int = 20, offset: int = 0) -> dict:
        """Answer a parsed query at a level; the dict described in this module's docstring."""

    @abc.abstractmethod
    def reset(self) -> None:
        """Drop everything indexed (the next `moa index` rebuilds from the catalog)."""

    @abc.abstractmethod
    def stats(self) -> dict:
        """At least {"backend", "documents", "units": {"document": n, "page": n, "clause": n}}."""

    def finish(self) -> None:  # noqa: B027 - optional hook
        """Make what was written since `reset()` live (Elasticsearch swaps its alias); update_index calls it."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""


def check_level(level: str) -> str:
    if level not in LEVELS:
        raise UserError(f"unknown level {level!r}; choose one of {', '.join(LEVELS)}")
    return level


def rollup_level(query: Node | None, level: str) -> str:
    """The unit level that answers `level`: document queries with section:/page: filters use finer units."""
    if level != "document" or query is None:
        return level
    names = {n.name for n in walk(query) if isinstance(n, Field)}
    if "section" in names:
        return "clause"
    if "page" in names:
        return "page"
    return level


def make_hit(meta: dict[str, Any], level: str, score: float, snippet: str = "",
             pages: list[dict] | None = None) -> dict:
    """One hit in the shared shape, from a unit's metadata (Unit.meta() or a stored row with those keys)."""
    hit = {
        "sha256": meta["sha256"], "file": meta["file"], "agency": meta.get("agency"),
        "state": meta.get("state"), "model": meta.get("model"), "agency_type": meta.get("agency_type"),
        "signed": meta.get("signed"), "template_revision": meta.get("template_revision"),
        "status": meta.get("status"), "score": round(float(score), 4), "level": level,
        "page": None, "page_end": None, "section": None, "snippet": snippet,
        # the agreement this hit belongs to, the agency as its document's text names it, and which facets are
        # ICE's and which the document's (agreements.join)
        "agreement_id": meta.get("agreement_id"), "agency_id": meta.get("agency_id"),
        "agency_read": meta.get("agency_read"), "sources": _sources(meta.get("sources")),
    }
    if level == "agreement":  # an agreement's key is not a document: give the MOA we hold, if any
        hit["sha256"] = meta.get("moa_sha256")
    if level not in ("document", "agreement"):
        hit["page"] = meta.get("page")
        hit["page_end"] = meta.get("page_end")
    if level not in ("document", "agreement") and (meta.get("section_number") or meta.get("section_title")):
        hit["section"] = {"number": meta.get("section_number"), "title": meta.get("section_title"),
                          "key": meta.get("section_key")}
    if level == "document":
        hit["pages"] = pages or []
    return hit


def _sources(value: Any) -> dict:
    if isinstance(value, dict):
        return value
    try:
        return json.loads(value) if value else {}
    except (TypeError, ValueError):
        return {}


def empty_facets() -> dict[str, dict[str, int]]:
    return {f: {} for f in FACETS}


def sort_facets(facets: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """Each facet's values by count (descending), then value, so both backends print the same order."""
    return {f: dict(sorted(facets.get(f, {}).items(), key=lambda kv: (-kv[1], kv[0]))) for f in FACETS}


def get_backend(name: str = "sqlite", conn: sqlite3.Connection | None = None, es_url: str | None = None) -> Backend:
    """The backend called `name`: "sqlite" (in the catalog `conn`) or "elasticsearch" (at `es_url`)."""
    if name == "sqlite":
        if conn is None:
            raise ValueError("the sqlite backend needs the catalog connection")
        from .sqlite_backend import SqliteBackend

        return SqliteBackend(conn)
    if name == "elasticsearch":
        from .es_backend import ElasticsearchBackend  # engineer H7

        return ElasticsearchBackend(conn, es_url)
    raise UserError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
