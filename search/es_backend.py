"""The scale-out backend: a real Elasticsearch node or cluster, through the official `elasticsearch` client.

Every unit (document, page, clause: search/index_docs.py) is an Elasticsearch document of its own in one index,
tagged with its `level` and carrying its document's metadata as keyword fields (facets, filters). Pages are
rolled up per document at query time (collapse on sha256), as Aleph does.

Readers always go through an alias (default `moa`). A rebuild (`reset()` then `index()`…) writes a fresh index
beside the live one; `finish()` (called by `close()` and by this backend's next `search()`) swaps the alias in
one atomic `_aliases` call, so no reader ever sees a half-built or empty index.

Stemming: with a full distribution Elasticsearch stems (`porter_stem`); Elastic's minimal distribution has no
analyzers beyond `standard`, so moa stems itself (search/es_compile.py). The choice is made when an index is
created (by trying) and recorded in its mapping's `_meta`.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from elasticsearch import (
    ApiError,
    BadRequestError,
    ConnectionTimeout,
    Elasticsearch,
    NotFoundError,
    TransportError,
    helpers,
)
from elasticsearch import ConnectionError as EsConnectionError

from moa.errors import ExternalError, UserError

from .backend import (
    BEST_PAGES,
    FACETS,
    HIGHLIGHT_POST,
    HIGHLIGHT_PRE,
    SNIPPET_TOKENS,
    Backend,
    check_level,
    empty_facets,
    make_hit,
    query_budget,
    rollup_level,
    sort_facets,
)
from .es_compile import (
    CLIENT,
    SERVER,
    Fields,
    any_leaf_query,
    compile_query,
    exact_tokens,
    highlight_query,
    stem_tokens,
)
from .index_docs import LEVELS, IndexDoc, Unit
from .query import Node, QueryTooExpensive, text_leaves

log = logging.getLogger("moa.search.es")
T = TypeVar("T")

DEFAULT_URL = "http://127.0.0.1:9200"
DEFAULT_ALIAS = "moa"
SCHEMA = 2  # 2: client-mode token fields split on whitespace only
FRAGMENT_CHARS = SNIPPET_TOKENS * 7
SEARCH_ATTEMPTS = 8  # a search whose shards did not all answer is asked again (a node left the cluster)
FACET_SIZE = 1000
CLIENT_GRACE_S = 0.25  # how long past a search's budget the client waits for Elasticsearch's own timeout

_KEYWORDS = ("uid", "level", "sha256", "file", "agency", "state", "model", "agency_type", "signed", "signed_lea",
             "signed_ice", "year", "template_revision", "status", "signers", "section_number", "section_title",
             "section_key", "section_keys")


def _mapping(mode: str) -> dict:
    props: dict[str, Any] = {k: {"type": "keyword"} for k in _KEYWORDS}
    props |= {"page": {"type": "integer"}, "page_end": {"type": "integer"}, "ord": {"type": "integer"}}
    if mode == SERVER:
        props["text"] = {"type": "text", "analyzer": "moa_stem",
                         "fields": {"exact": {"type": "text", "analyzer": "moa_exact", "index_options": "offsets"}}}
        source: dict = {}
    else:
        props["text"] = {"type": "text", "analyzer": "standard", "index_options": "offsets"}
        # moa's own tokens, space-separated: split on the spaces only (the standard analyzer would split '1²')
        props["stem"] = {"type": "text", "analyzer": "whitespace"}
        props["exact"] = {"type": "text", "analyzer": "whitespace"}
        source = {"excludes": ["stem", "exact"]}
    m: dict[str, Any] = {"dynamic": False, "_meta": {"moa_schema": SCHEMA, "moa_analysis": mode},
                         "properties": props}
    if source:
        m["_source"] = source
    return m


def _settings(mode: str, shards: int) -> dict:
    s: dict[str, Any] = {
        "number_of_shards": shards,
        # one replica wherever a second node can hold it; a single node stays green
        "auto_expand_replicas": "0-1",
        "highlight.max_analyzed_offset": 5_000_000,
    }
    if mode == SERVER:
        # the tokens FTS5's unicode61 makes: runs of letters and digits, lower-cased
        s["analysis"] = {
            "tokenizer": {"moa_words": {"type": "pattern", "pattern": "[^\\p{L}\\p{N}]+"}},
            "analyzer": {
                "moa_stem": {"type": "custom", "tokenizer": "moa_words", "filter": ["lowercase", "porter_stem"]},
                "moa_exact": {"type": "custom", "tokenizer": "moa_words", "filter": ["lowercase"]},
            },
        }
    return s


def _redact(url: str) -> str:
    """A URL without its user:password part, for messages and target names."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        host = parts.hostname or ""
        if parts.port:
            host += f":{parts.port}"
        return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    return url


def _unit_source(u: Unit, ord_: int, mode: str) -> dict:
    d = u.meta()
    d["section_keys"] = [k.lower() for k in u.section_keys]
    d["page_end"] = u.page_end if u.page_end is not None else u.page
    d["ord"] = ord_
    d["text"] = u.text
    if mode == CLIENT:
        d["stem"] = stem_tokens(u.text)
        d["exact"] = exact_tokens(u.text)
    return d


def _clean(fragment: str) -> str:
    return " ".join(fragment.split())


def _plain_snippet(text: str) -> str:
    words = (text or "").split()
    return " ".join(words[:SNIPPET_TOKENS]) + (" …" if len(words) > SNIPPET_TOKENS else "")


class ElasticsearchBackend(Backend):
    name = "elasticsearch"

    def __init__(self, conn: sqlite3.Connection | None = None, es_url: str | None = None, *,
                 alias: str | None = None, shards: int = 1, request_timeout: float = 30.0,
                 budget_s: float | None = None) -> None:
        raw = es_url or os.environ.get("MOA_ES_URL") or DEFAULT_URL
        self.urls = [u if "://" in u else f"http://{u}" for u in (x.strip().rstrip("/") for x in raw.split(",")) if u]
        if not self.urls:
            raise UserError("--es-url is empty")
        self.url = ", ".join(_redact(u) for u in self.urls)
        self.alias = alias or os.environ.get("MOA_ES_INDEX") or DEFAULT_ALIAS
        self.shards = shards
        self.budget_s = query_budget(budget_s)
        self.client = Elasticsearch(self.urls, request_timeout=request_timeout, max_retries=3,
                                    retry_on_timeout=True, retry_on_status=(429, 502, 503, 504))
        # the client logs every retried connection with a traceback; moa reports the final failure in one line
        if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
            logging.getLogger("elastic_transport").setLevel(logging.ERROR)
        self._staged: str | None = None  # a rebuild in progress: the index being filled beside the live one
        self._staged_shas: set[str] = set()  # documents already written into it (only those can have old units)
        self._dirty: dict[str, set[str]] = {}  # index → documents written since its last refresh
        self._modes: dict[str, str] = {}

    # ---------------------------------------------------------------------------------------- plumbing

    def _call(self, what: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run one client call, turning transport failures into one clear ExternalError."""
        try:
            return fn(*args, **kwargs)
        except EsConnectionError as e:
            raise ExternalError(f"Elasticsearch at {self.url} is not reachable ({what}): {e.message}") from e
        except BadRequestError as e:
            raise UserError(f"Elasticsearch cannot answer this ({what}): {_reason(e)}") from e
        except ApiError as e:
            if isinstance(e, NotFoundError):
                raise
            raise ExternalError(f"Elasticsearch at {self.url} failed ({what}): {e.meta.status} {_reason(e)}") from e
        except TransportError as e:
            raise ExternalError(f"Elasticsearch at {self.url} failed ({what}): {e}") from e

    def target(self) -> str:
        return f"elasticsearch:{self.urls[0] if len(self.urls) == 1 else self.url}/{self.alias}"

    def ping(self) -> dict:
        """Cluster health (also the reachability check: the minimal distribution has no `GET /`)."""
        return dict(self._call("health", self.client.cluster.health))

    def live_index(self) -> str | None:
        """The concrete index behind the alias, or None when nothing was indexed yet."""
        try:
            got = self._call("get alias", self.client.indices.get_alias, name=self.alias)
        except NotFoundError:
            return None
        names = sorted(got.keys())
        return names[-1] if names else None

    def _alias_mode(self) -> str | None:
        """How the live index stems (asked once per alias; None while nothing is indexed)."""
        if self.alias not in self._modes:
            live = self.live_index()
            if live is None:
                return None
            self._modes[self.alias] = self._mode(live)
        return self._modes[self.alias]

    def _mode(self, index: str) -> str:
        if index not in self._modes:
            m = self._call("get mapping", self.client.indices.get_mapping, index=index)
            meta = next(iter(m.values()))["mappings"].get("_meta") or {}
            self._modes[index] = meta.get("moa_analysis", CLIENT)
        return self._modes[index]

    def _new_index(self, with_alias: bool) -> str:
        """Create a fresh concrete index, stemming in Elasticsearch where the node can, else in moa."""
        name = f"{self.alias}-{datetime.now(UTC).strftime('%Y%m%d%H%M%S%f')}"
        aliases = {self.alias: {}} if with_alias else None
        for mode in (SERVER, CLIENT):
            settings = _settings(mode, self.shards)
            if not with_alias:  # a rebuild nobody reads yet: no periodic refreshes while it fills
                settings["refresh_interval"] = "-1"
            try:
                self._call("create index", self.client.indices.create, index=name, settings=settings,
                           mappings=_mapping(mode), aliases=aliases, wait_for_active_shards="1")
            except UserError as e:
                if mode == SERVER:  # no analysis-common (the minimal distribution): stem in moa
                    log.debug("no porter_stem on this node (%s); stemming in moa", e)
                    continue
                raise
            self._modes[name] = mode
            if with_alias:
                self._modes[self.alias] = mode
            log.info("created index %s (stemming %s)", name,
                     "by Elasticsearch" if mode == SERVER else "in moa: this node has no porter_stem")
            return name
        raise AssertionError("unreachable")

    def _write_index(self) -> str:
        if self._staged:
            return self._staged
        live = self.live_index()
        if live is None:
            if self._call("exists", self.client.indices.exists, index=self.alias):
                raise UserError(f"{self.alias} is an index, not an alias; choose another with $MOA_ES_INDEX")
            live = self._new_index(with_alias=True)
        return live

    def _unit_ids(self, index: str, shas: list[str]) -> dict[str, str]:
        """uid → sha256 of every unit those documents have in `index`."""
        out: dict[str, str] = {}
        if not shas:
            return out
        try:
            for hit in helpers.scan(self.client, index=index, query={"query": {"terms": {"sha256": shas}}},
                                    _source=["sha256"], size=2000):
                out[hit["_id"]] = hit["_source"]["sha256"]
        except EsConnectionError as e:
            raise ExternalError(f"Elasticsearch at {self.url} is not reachable (scan): {e.message}") from e
        return out

    def _bulk(self, actions: Iterator[dict]) -> int:
        ok, errors = 0, []
        try:
            for success, item in helpers.streaming_bulk(self.client, actions, chunk_size=500, max_retries=5,
                                                        initial_backoff=1, raise_on_error=False,
                                                        raise_on_exception=True):
                if success:
                    ok += 1
                else:
                    op = next(iter(item.values()))
                    if not (op.get("status") == 404 and "delete" in item):
                        errors.append(op)
        except EsConnectionError as e:
            raise ExternalError(f"Elasticsearch at {self.url} is not reachable (bulk): {e.message}") from e
        except ApiError as e:
            raise ExternalError(f"Elasticsearch at {self.url} failed (bulk): {e.meta.status} {_reason(e)}") from e
        if errors:
            first = errors[0].get("error")
            raise ExternalError(f"Elasticsearch at {self.url} refused {len(errors)} unit(s), first: {first}")
        return ok

    def _refresh(self, index: str) -> None:
        self._call("refresh", self.client.indices.refresh, index=index)
        self._dirty.pop(index, None)

    def _settle(self) -> None:
        """Make this backend's writes searchable before it reads (a refresh per write batch would be slow)."""
        for index in sorted(self._dirty):
            self._refresh(index)

    # ---------------------------------------------------------------------------------------- writing

    def index(self, docs: Iterable[IndexDoc]) -> int:
        docs = list(docs)
        if not docs:
            return 0
        index = self._write_index()
        mode = self._mode(index)
        new_ids = {u.uid for d in docs for u in d.units}
        shas = [d.sha256 for d in docs]
        if index == self._staged:  # a fresh index holds nothing of a document this rebuild has not written
            shas = [sha for sha in shas if sha in self._staged_shas]
            self._staged_shas.update(d.sha256 for d in docs)
        if self._dirty.get(index, set()).intersection(shas):
            self._settle()  # their earlier units must be visible to the search that finds them
        stale = [uid for uid in self._unit_ids(index, shas) if uid not in new_ids]

        def actions() -> Iterator[dict]:
            for uid in stale:
                yield {"_op_type": "delete", "_index": index, "_id": uid}
            for d in docs:
                for n, u in enumerate(d.units):
                    yield {"_op_type": "index", "_index": index, "_id": u.uid, "_source": _unit_source(u, n, mode)}

        done = self._bulk(actions())
        self._dirty.setdefault(index, set()).update(d.sha256 for d in docs)
        return max(0, done - len(stale))

    def delete(self, shas: Iterable[str]) -> int:
        shas = list(shas)
        index = self._staged or self.live_index()
        if index is None or not shas:
            return 0
        self._settle()
        ids = self._unit_ids(index, shas)
        self._bulk({"_op_type": "delete", "_index": index, "_id": uid} for uid in ids)
        self._dirty.setdefault(index, set()).update(shas)
        return len(set(ids.values()))

    def reset(self) -> None:
        """Start a rebuild: later writes fill a new index; `finish()` swaps the alias to it atomically."""
        self._drop_orphans()
        self._staged = self._new_index(with_alias=False)
        self._staged_shas = set()

    def rebuild(self, docs: Iterable[IndexDoc]) -> int:
        """Index `docs` into a new index and swap the alias to it in one step; return units written."""
        self.reset()
        n = self.index(docs)
        self.finish()
        return n

    def finish(self) -> None:
        """Make a rebuild live: one `_aliases` call moves the alias, then the old index is deleted."""
        self._settle()
        if not self._staged:
            return
        staged, self._staged = self._staged, None
        self._staged_shas = set()
        self._call("settings", self.client.indices.put_settings, index=staged,
                   settings={"index": {"refresh_interval": None}})
        self._refresh(staged)
        old = []
        try:
            old = sorted(self._call("get alias", self.client.indices.get_alias, name=self.alias).keys())
        except NotFoundError:
            pass
        actions = [{"remove": {"index": o, "alias": self.alias}} for o in old]
        actions.append({"add": {"index": staged, "alias": self.alias}})
        self._call("swap alias", self.client.indices.update_aliases, actions=actions)
        self._modes[self.alias] = self._mode(staged)
        for o in old:
            try:
                self._call("delete old index", self.client.indices.delete, index=o)
            except NotFoundError:
                pass

    def _drop_orphans(self) -> None:
        """Indices of this alias's family that no alias points at: rebuilds that never finished."""
        try:
            got = self._call("list indices", self.client.indices.get, index=f"{self.alias}-*",
                             expand_wildcards="open")
        except NotFoundError:
            return
        # only this alias's own indices (alias-<20 digits>): "moa-*" also matches another alias "moa-test"'s
        own = re.compile(re.escape(self.alias) + r"-\d{20}")
        orphans = [name for name, info in got.items()
                   if own.fullmatch(name) and self.alias not in (info.get("aliases") or {})]
        if orphans:
            self._call("delete orphans", self.client.indices.delete, index=",".join(sorted(orphans)))

    def close(self) -> None:
        try:
            self.finish()
        finally:
            self.client.close()

    def stats(self) -> dict:
        self._settle()
        index = self._staged or self.live_index()
        units = {lv: 0 for lv in LEVELS}
        out = {"backend": self.name, "url": self.url, "alias": self.alias, "index": index, "documents": 0,
               "units": units}
        if index is None:
            return out
        r = self._call("stats", self.client.search, index=index, size=0, track_total_hits=True,
                       aggs={"levels": {"terms": {"field": "level", "size": 10}}})
        for b in r["aggregations"]["levels"]["buckets"]:
            units[b["key"]] = b["doc_count"]
        out["documents"] = units.get("document", 0)
        out["agreements"] = units.get("agreement", 0)
        out["analysis"] = self._mode(index)
        return out

    # ---------------------------------------------------------------------------------------- reading

    def _too_expensive(self) -> QueryTooExpensive:
        return QueryTooExpensive(f"query too expensive: it ran past its {self.budget_s:g} s budget on "
                                 "Elasticsearch; narrow it (a filter, a phrase, fewer prefix* or OR terms)")

    def _search(self, deadline: float | None = None, **body: Any) -> dict:
        """A search that must answer from every shard: retried while a node is missing, never partial.

        Within `deadline` (time.monotonic()): Elasticsearch's own `timeout` stops the query on the shards, and
        the client gives up a little after it; a search out of time is QueryTooExpensive, never retried.
        `terminate_after` is not used: it would cut totals and facets short without saying so."""
        deadline = deadline if deadline is not None else time.monotonic() + self.budget_s
        delay = 0.25
        for attempt in range(SEARCH_ATTEMPTS):
            left = deadline - time.monotonic()
            if left <= 0:
                raise self._too_expensive()
            # not retried when out of time: neither a client timeout nor a shard's 504 "Time exceeded". The
            # shards check their timeout only now and then (an 8-item NEAR of prefixes ran 6 s past a 5 s one), so
            # the client gives up soon after; Elasticsearch cancels a search whose connection closed.
            client = self.client.options(request_timeout=left + CLIENT_GRACE_S, retry_on_timeout=False,
                                         retry_on_status=(429, 502, 503))
            try:
                r = self._call("search", client.search, index=self.alias, allow_partial_search_results=False,
                               timeout=f"{max(1, int(left * 1000))}ms", **body)
            except ExternalError as e:
                if _timed_out(e) or time.monotonic() >= deadline:
                    raise self._too_expensive() from e
                if attempt == SEARCH_ATTEMPTS - 1:
                    raise
                r = None
            if r is not None:
                if r.get("timed_out"):
                    raise self._too_expensive()
                shards = r.get("_shards") or {}
                if not shards.get("failed"):
                    return dict(r)
                if attempt == SEARCH_ATTEMPTS - 1:
                    raise ExternalError(f"Elasticsearch at {self.url} answered from only "
                                        f"{shards.get('successful')} of {shards.get('total')} shards")
            time.sleep(delay)
            delay = min(delay * 2, 4.0)
        raise AssertionError("unreachable")

    @staticmethod
    def _facet_aggs(per_unit_is_per_document: bool) -> dict:
        """Facet counts of documents: plain bucket counts over document units, distinct sha256 over finer ones."""
        distinct = {"cardinality": {"field": "sha256", "precision_threshold": 40000}}
        aggs: dict[str, Any] = {}
        for facet in FACETS:
            aggs[facet] = {"terms": {"field": facet, "size": FACET_SIZE, "missing": "unknown"}}
            if not per_unit_is_per_document:
                aggs[facet]["aggs"] = {"docs": distinct}
        if not per_unit_is_per_document:
            aggs["documents"] = distinct
        return aggs

    def search(self, query: Node | None, level: str = "document", limit: int = 20, offset: int = 0) -> dict:
        check_level(level)
        self.finish()  # a rebuild made through this backend is what its own searches must see
        mode = self._alias_mode()
        if mode is None:
            return {"total": 0, "facets": sort_facets(empty_facets()), "hits": []}
        fields = Fields.for_mode(mode)
        unit_level = rollup_level(query, level)
        by_doc = level == "document"
        rolled = by_doc and unit_level != "document"
        no_text = query is None or not text_leaves(query)
        order = ["_score"] if not no_text else [{"signed": {"order": "desc", "missing": "_last"}}]
        sort = [*order, {"sha256": "asc"}, {"ord": "asc"}]
        hq = highlight_query(query, fields)
        body: dict[str, Any] = {
            "query": compile_query(query, fields, unit_level), "from": offset, "size": limit, "sort": sort,
            "track_total_hits": True, "aggs": self._facet_aggs(unit_level == "document"), "track_scores": True,
            "_source": {"excludes": ["text"]},
        }
        if rolled:
            body["collapse"] = {"field": "sha256"}
        if not by_doc:
            body["highlight"] = self._highlight(fields, hq)
            body["_source"] = True
        deadline = time.monotonic() + self.budget_s
        try:
            r = self._search(deadline, **body)
        except NotFoundError:  # the alias went away (another process reset it)
            self._modes.pop(self.alias, None)
            return {"total": 0, "facets": sort_facets(empty_facets()), "hits": []}
        aggs = r["aggregations"]
        total = int(aggs["documents"]["value"]) if rolled else int(r["hits"]["total"]["value"])
        facets = empty_facets()
        for facet in FACETS:
            for b in aggs[facet]["buckets"]:
                facets[facet][str(b["key"])] = int(b["docs"]["value"] if "docs" in b else b["doc_count"])
        hits_raw = r["hits"]["hits"]
        pages = self._best_pages([h["_source"]["sha256"] for h in hits_raw], query, fields, hq,
                                 deadline) if by_doc else {}
        hits = []
        for h in hits_raw:
            src = h["_source"]
            score = 0.0 if no_text else float(h.get("_score") or 0.0)
            if by_doc:
                best = pages.get(src["sha256"], [])
                hits.append(make_hit(src, level, score, best[0]["snippet"] if best else "", best))
            else:
                hits.append(make_hit(src, level, score, self._snippet(h, fields)))
        return {"total": total, "facets": sort_facets(facets), "hits": hits}

    def _highlight(self, fields: Fields, hq: dict | None) -> dict:
        spec: dict[str, Any] = {"number_of_fragments": 1, "fragment_size": FRAGMENT_CHARS}
        if hq is not None:
            spec["highlight_query"] = hq
        return {"type": "unified", "pre_tags": [HIGHLIGHT_PRE], "post_tags": [HIGHLIGHT_POST],
                "require_field_match": False, "fields": {fields.highlight: spec}}

    @staticmethod
    def _snippet(hit: dict, fields: Fields) -> str:
        frags = (hit.get("highlight") or {}).get(fields.highlight)
        if frags:
            return _clean(frags[0])
        return _plain_snippet(hit["_source"].get("text", ""))

    def _best_pages(self, shas: list[str], query: Node | None, fields: Fields, hq: dict | None,
                    deadline: float | None = None) -> dict[str, list]:
        """Per document, its pages that match any positive text leaf, best first (at most BEST_PAGES)."""
        anyq = any_leaf_query(query, fields)
        if anyq is None or not shas:
            return {}
        top = {"size": BEST_PAGES, "_source": ["page"], "sort": ["_score", {"page": "asc"}],
               "highlight": self._highlight(fields, hq)}
        body = {
            "query": {"bool": {"must": [anyq], "filter": [{"term": {"level": "page"}},
                                                          {"terms": {"sha256": shas}}]}},
            "size": 0,
            "aggs": {"docs": {"terms": {"field": "sha256", "size": len(shas)}, "aggs": {"best": {"top_hits": top}}}},
        }
        r = self._search(deadline, **body)
        out: dict[str, list] = {}
        for bucket in r["aggregations"]["docs"]["buckets"]:
            best = []
            for p in bucket["best"]["hits"]["hits"]:
                frags = (p.get("highlight") or {}).get(fields.highlight) or [""]
                best.append({"page": p["_source"]["page"], "score": round(float(p.get("_score") or 0.0), 4),
                             "snippet": _clean(frags[0])})
            out[bucket["key"]] = best
        return out


def _timed_out(e: ExternalError) -> bool:
    """Whether a failed search failed for lack of time (the client's timeout, or the shards' own)."""
    cause = e.__cause__
    if isinstance(cause, ConnectionTimeout):
        return True
    return "time exceeded" in str(e).lower()  # a shard's SearchTimeoutException


def _reason(e: ApiError) -> str:
    """The innermost reason Elasticsearch gave for refusing a request."""
    body = e.body if isinstance(e.body, dict) else {}
    err = body.get("error")
    if isinstance(err, dict):
        causes = err.get("root_cause") or []
        if causes and isinstance(causes[0], dict) and causes[0].get("reason"):
            return str(causes[0]["reason"])
        if err.get("reason"):
            return str(err["reason"])
    return str(e.message)
