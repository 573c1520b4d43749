"""The JSON API's schema, OpenAPI 3.1, served at /api/openapi.json. tests/test_serve_api.py validates this
document (openapi-spec-validator) and every API answer of the tests against its schemas (jsonschema)."""

from __future__ import annotations

from typing import Any

VERSION = "1.0.0"
_NULLABLE_STR = {"type": ["string", "null"]}
_NULLABLE_INT = {"type": ["integer", "null"]}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _query(name: str, description: str, schema: dict | None = None, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "description": description,
            "schema": schema or {"type": "string"}}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "400": _json(_ref("Error"), "A bad parameter, or a query the parser refuses (`code` query, with `position`)"),
    "401": _json(_ref("Error"), "The server wants its token and the request did not carry it"),
    "404": _json(_ref("Error"), "No such document, clause or route"),
    "414": _json(_ref("Error"), "The request line is longer than the server takes"),
    "500": _json(_ref("Error"), "A bug in the server (logged there)"),
    "502": _json(_ref("Error"), "A service the answer needs (Elasticsearch) failed"),
    "503": _json(_ref("Error"), "The request ran past its time limit, or the catalog is not ready"),
}

_AGREEMENT_ROW = {
    "type": "object", "required": ["id", "agency", "status"],
    "properties": {
        "id": {"type": "string"}, "agency": {"type": ["string", "null"], "description": "the agency's canonical name"},
        "state": _NULLABLE_STR, "model": _NULLABLE_STR,
        "status": {"type": "string", "enum": ["active", "removed", "pending", "withdrawn", "unlisted"]},
        "status_since": _NULLABLE_STR, "signed": _NULLABLE_STR, "agency_type": _NULLABLE_STR, "county": _NULLABLE_STR,
        "listed_as": _NULLABLE_STR, "first_on_list": _NULLABLE_STR, "last_on_list": _NULLABLE_STR,
        "off_list": _NULLABLE_STR, "moa_file": _NULLABLE_STR, "moa_sha256": _NULLABLE_STR,
        "documents": {"type": "integer"}, "disagreements": _NULLABLE_STR, "sources": {"type": "string"},
    },
}
_AGREEMENT = {
    "type": "object", "required": ["id", "agency_id", "agency", "status", "sources", "documents", "disagreements"],
    "properties": {
        "id": {"type": "string"}, "agency_id": {"type": "string"}, "agency": _NULLABLE_STR,
        "status": {"type": "string"}, "status_since": _NULLABLE_STR, "state": _NULLABLE_STR, "model": _NULLABLE_STR,
        "agency_type": _NULLABLE_STR, "county": _NULLABLE_STR, "signed": _NULLABLE_STR,
        "sources": {"type": "object", "additionalProperties": {"type": "string", "enum": ["ice", "document"]}},
        "listing": {"type": ["object", "null"], "description": "what ICE's lists said, across every snapshot"},
        "documents": {"type": "array", "items": {"type": "object", "required": ["sha256", "file"]}},
        "disagreements": {"type": "array", "items": {"type": "object",
                                                     "required": ["field", "ice", "document", "sha256"]}},
        "history": {"type": "array", "items": {"type": "object", "required": ["event", "published"]}},
    },
}

SCHEMAS: dict[str, dict[str, Any]] = {
    "AgreementList": {"type": "object", "required": ["total", "agreements"],
                      "properties": {"total": {"type": "integer"}, "agreements": {"type": "array",
                                                                                  "items": _AGREEMENT_ROW}}},
    "Agreement": _AGREEMENT,
    "Agency": {"type": "object", "required": ["id", "name", "agreements"],
               "properties": {"id": {"type": "string"}, "name": _NULLABLE_STR, "state": _NULLABLE_STR,
                              "spellings": {"type": "array", "items": {"type": "string"},
                                            "description": "every spelling ICE's lists gave it"},
                              "read_as": {"type": "array", "items": {"type": "string"},
                                          "description": "how its documents' text names it (OCR included)"},
                              "agreements": {"type": "array", "items": _AGREEMENT}}},
    "Error": {
        "type": "object", "required": ["error", "status", "code"],
        "properties": {
            "error": {"type": "string", "description": "one line saying what went wrong"},
            "status": {"type": "integer", "description": "the HTTP status, repeated"},
            "code": {"type": "string", "enum": ["query", "bad_request", "not_found", "unauthorized", "too_long",
                                                "timeout", "catalog", "external", "internal", "http"]},
            "message": {"type": "string", "description": "query errors: the parser's message alone"},
            "position": {"type": ["integer", "null"], "description": "query errors: 0-based offset in `query`"},
            "query": {"type": "string"},
        },
    },
    "Section": {
        "type": ["object", "null"],
        "properties": {"number": _NULLABLE_STR, "title": _NULLABLE_STR, "key": _NULLABLE_STR},
    },
    "Hit": {
        "type": "object", "required": ["sha256", "level", "score"],
        "properties": {
            "sha256": {"type": ["string", "null"], "pattern": "^[0-9a-f]{64}$",
                       "description": "the document; at level agreement the MOA we hold, null when none"},
            "agreement_id": _NULLABLE_STR, "agency_id": _NULLABLE_STR,
            "agency_read": {"type": ["string", "null"], "description": "the agency as the document's text names it "
                                                                        "(`agency` is ICE's name for it)"},
            "sources": {"type": "object", "description": "facet -> ice | document: where each value came from"},
            "file": _NULLABLE_STR, "agency": _NULLABLE_STR, "state": _NULLABLE_STR, "model": _NULLABLE_STR,
            "agency_type": _NULLABLE_STR, "signed": _NULLABLE_STR, "template_revision": _NULLABLE_STR,
            "status": _NULLABLE_STR,
            "score": {"type": "number", "description": "higher is better; comparable within one answer only"},
            "level": {"type": "string", "enum": ["document", "page", "clause", "agreement"]},
            "page": {**_NULLABLE_INT, "description": "page and clause levels: the (first) page"},
            "page_end": _NULLABLE_INT,
            "section": _ref("Section"),
            "snippet": {"type": ["string", "null"], "description": "matches wrapped in <mark>…</mark>; "
                                                                    "the rest is plain text, escape it"},
            "pages": {"type": ["array", "null"], "description": "document level: the best pages (at most 3)",
                      "items": {"type": "object", "properties": {"page": {"type": "integer"},
                                                                 "snippet": {"type": "string"},
                                                                 "score": {"type": "number"}}}},
        },
    },
    "SearchResult": {
        "type": "object", "required": ["query", "level", "total", "facets", "hits"],
        "properties": {
            "query": {"type": "string"},
            "level": {"type": "string", "enum": ["document", "page", "clause", "agreement"]},
            "total": {"type": "integer", "minimum": 0, "description": "all matches, not only these hits"},
            "facets": {"type": "object", "description": "over all matches, counting documents: "
                                                        "facet → value → count (null values count as unknown)",
                       "additionalProperties": {"type": "object", "additionalProperties": {"type": "integer"}}},
            "hits": {"type": "array", "items": _ref("Hit")},
        },
    },
    "DocumentRow": {
        "type": "object", "required": ["sha256", "file", "model", "pages"],
        "properties": {"sha256": {"type": "string"}, "file": _NULLABLE_STR, "agency": _NULLABLE_STR,
                       "state": _NULLABLE_STR, "model": _NULLABLE_STR, "signed": _NULLABLE_STR,
                       "template_revision": _NULLABLE_STR, "pages": {"type": "integer"}},
    },
    "DocumentList": {
        "type": "object", "required": ["total", "documents"],
        "properties": {"total": {"type": "integer"}, "documents": {"type": "array", "items": _ref("DocumentRow")}},
    },
    "Document": {
        "type": "object", "required": ["sha256", "file", "model", "agency", "signatories", "sections", "pages"],
        "description": "One agreement's record, as `moa show SHA256 --json` prints it: a value the extractor "
                       "was unsure of is null, with the reason beside it.",
        "additionalProperties": True,
        "properties": {
            "sha256": {"type": "string"}, "file": _NULLABLE_STR, "model": _NULLABLE_STR,
            "template_revision": _NULLABLE_STR, "page_count": _NULLABLE_INT,
            "agency": {"type": ["object", "null"], "additionalProperties": True,
                       "properties": {"name": _NULLABLE_STR, "state": _NULLABLE_STR}},
            "signatories": {"type": "array", "items": {
                "type": "object", "additionalProperties": True,
                "properties": {"party": _NULLABLE_STR, "name": _NULLABLE_STR, "title": _NULLABLE_STR,
                               "date": _NULLABLE_STR, "page": _NULLABLE_INT,
                               "confidence": {"type": ["number", "null"]},
                               "reasons": {"type": ["array", "null"], "items": {"type": "string"}}}}},
            "sections": {"type": "array", "items": {"type": "object", "additionalProperties": True}},
            "pages": {"type": "array", "items": {
                "type": "object", "required": ["number"], "additionalProperties": True,
                "properties": {"number": {"type": "integer"}, "method": _NULLABLE_STR,
                               "text": {"type": ["string", "null"], "description": "with ?text=1 only"}}}},
            "listing": {"type": ["object", "null"], "additionalProperties": True,
                        "description": "the document on ICE's published lists, when the ledger holds it"},
        },
    },
    "Cite": {
        "type": "object", "required": ["sha256"], "additionalProperties": True,
        "description": "where a clause is: agreement, model, date signed, section and page",
        "properties": {"sha256": {"type": "string"}, "file": _NULLABLE_STR, "agency": _NULLABLE_STR,
                       "state": _NULLABLE_STR, "model": _NULLABLE_STR, "template_revision": _NULLABLE_STR,
                       "date_signed": _NULLABLE_STR, "page": _NULLABLE_INT, "section": _ref("Section")},
    },
    "CompareSection": {
        "type": "object", "required": ["kind", "section", "agreements", "variants", "standards", "deviations"],
        "additionalProperties": True,
        "properties": {
            "kind": {"const": "section"}, "section": {"type": "string"}, "model": _NULLABLE_STR,
            "agreements": {"type": "integer"}, "forms": {"type": "integer"},
            "variants": {"type": "array", "items": {
                "type": "object", "required": ["variant", "agreements", "standard", "members"],
                "additionalProperties": True,
                "properties": {"variant": {"type": "integer"}, "agreements": {"type": "integer"},
                               "standard": {"type": "boolean"}, "text": {"type": "string"},
                               "groups": {"type": "array", "items": {"type": "string"}},
                               "members": {"type": "array", "items": _ref("Cite")}}}},
            "standards": {"type": "array", "items": {
                "type": "object", "additionalProperties": True,
                "properties": {"model": _NULLABLE_STR, "template_revision": _NULLABLE_STR,
                               "variant": {"type": "integer"}, "agreements": {"type": "integer"},
                               "on_standard": {"type": "integer"}, "text": {"type": "string"}}}},
            "deviations": {"type": "array", "items": {"allOf": [_ref("Cite"), {
                "type": "object", "required": ["variant", "standard_variant", "changed_words"],
                "properties": {"variant": {"type": "integer"}, "standard_variant": {"type": "integer"},
                               "changed_words": {"type": "integer"}, "similarity": {"type": "number"},
                               "kind": {"enum": ["wording", "extent"]}, "low_quality": {"type": "boolean"},
                               "redline": {"type": "string", "description": "[-struck-] {+added+}"}}}]}},
        },
    },
    "LedgerTimeline": {
        "type": "object", "required": ["list", "by", "points", "rows", "weeks"],
        "properties": {"first": _NULLABLE_STR, "last": _NULLABLE_STR,
                       "points": {"type": "array", "items": {"type": "object", "required": ["date", "agreements"]}},
                       "rows": {"type": "array", "items": {"type": "object"}},
                       "weeks": {"type": "array", "items": {"type": "object",
                                                            "required": ["week", "added", "removed", "changed"]}}},
    },
    "LedgerRows": {
        "type": "object", "required": ["total", "rows"],
        "properties": {"total": {"type": "integer"}, "rows": {"type": "array", "items": {
            "type": "object", "required": ["agreement_id", "state", "agency", "model"]}}},
    },
    "ComparePair": {
        "type": "object", "required": ["kind", "a", "b", "rows"],
        "properties": {
            "kind": {"const": "pair"}, "a": _ref("Cite"), "b": _ref("Cite"),
            "rows": {"type": "array", "items": {
                "type": "object", "required": ["section", "status"], "additionalProperties": True,
                "properties": {"section": {"type": "string"},
                               "status": {"enum": ["same", "differs", "only_a", "only_b"]},
                               "changed_words": _NULLABLE_INT,
                               "a": {"oneOf": [_ref("Cite"), {"type": "null"}]},
                               "b": {"oneOf": [_ref("Cite"), {"type": "null"}]},
                               "redline": {"type": "string"}}}},
        },
    },
}

_SHA_PARAM = {"name": "sha256", "in": "path", "required": True,
              "description": "the document's sha256 (or a unique prefix of at least 6 hex digits)",
              "schema": {"type": "string", "pattern": "^[0-9a-fA-F]{6,64}$"}}
_SEARCH = {
    "summary": "Search the agreements (the query language of `moa search`)",
    "description": "The same answer as `moa search QUERY --level LEVEL --json`. A query the parser refuses is "
                   "a 400 with the position of the problem.",
    "parameters": [
        _query("q", "the query, e.g. `model:TFM section:costs overtime`", required=True),
        _query("level", "document, page, clause or agreement", {"type": "string", "enum": ["document", "page", "clause", "agreement"],
                                                      "default": "document"}),
        _query("limit", "hits to return (0–1000)", {"type": "integer", "minimum": 0, "maximum": 1000,
                                                    "default": 20}),
        _query("offset", "hits to skip (0–100000)", {"type": "integer", "minimum": 0, "maximum": 100000,
                                                     "default": 0}),
    ],
    "responses": {"200": _json(_ref("SearchResult"), "The matches, best first"), **ERRORS},
}

_DATE = {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
_FORMAT = _query("format", "csv: the table as CSV instead of JSON", {"type": "string", "enum": ["csv"]})

PATHS: dict[str, dict] = {
    "/api/v1/search": {"get": {**_SEARCH, "operationId": "search"}},
    "/api/search": {"get": {**_SEARCH, "operationId": "searchUnversioned", "deprecated": True,
                            "summary": "The first, unversioned path of /api/v1/search (same answers)"}},
    "/api/v1/documents": {"get": {
        "operationId": "listDocuments", "summary": "Every extracted agreement, one row each",
        "responses": {"200": _json(_ref("DocumentList"), "By state, then agency"), **ERRORS}}},
    "/api/v1/documents/{sha256}": {"get": {
        "operationId": "getDocument", "summary": "One agreement's record (as `moa show SHA256 --json`)",
        "parameters": [_SHA_PARAM, _query("text", "1: include each page's text", {"type": "string",
                                                                                  "enum": ["0", "1"]})],
        "responses": {"200": _json(_ref("Document"), "The record"), **ERRORS}}},
    "/api/v1/compare/section": {"get": {
        "operationId": "compareSection",
        "summary": "One clause across agreements: variants, standard texts, deviations with redlines",
        "description": "As `moa compare --section KEY [--model M] --json`, from the readings `moa compare` "
                       "kept (the server never runs OCR).",
        "parameters": [_query("section", "clause key, e.g. `costs` (`moa compare --all` lists them)",
                              required=True),
                       _query("model", "only this model", {"type": "string", "enum": ["JEM", "WSO", "TFM"]})],
        "responses": {"200": _json(_ref("CompareSection"), "The comparison"), **ERRORS}}},
    "/api/v1/compare/pair": {"get": {
        "operationId": "comparePair", "summary": "Two agreements clause by clause (as `moa compare A B --json`)",
        "parameters": [_query("a", "sha256 of A", required=True), _query("b", "sha256 of B", required=True)],
        "responses": {"200": _json(_ref("ComparePair"), "One row per clause key"), **ERRORS}}},
    # agreements as ICE lists them, joined to the documents (web/agreement_views.py, agreements/)
    "/api/v1/agreements": {"get": {
        "operationId": "listAgreements",
        "summary": "Every agreement ICE's lists held (and every document no list names), filtered",
        "description": "As `moa agreements [--state --model --status --since --until --agency] --json`: one row "
                       "per agreement with its canonical agency, ICE's SIGNED, its dates on and off the list and "
                       "its MOA when we hold it.",
        "parameters": [_query("state", "two-letter code"),
                       _query("model", "JEM, WSO or TFM", {"type": "string", "enum": ["JEM", "WSO", "TFM"]}),
                       _query("status", "active, removed, pending, withdrawn or unlisted",
                              {"type": "string", "enum": ["active", "removed", "pending", "withdrawn", "unlisted"]}),
                       _query("since", "status began on or after (removed: first list without it)", _DATE),
                       _query("until", "status began on or before", _DATE),
                       _query("agency", "agency name contains"), _FORMAT],
        "responses": {"200": _json(_ref("AgreementList"), "By state, then agency"), **ERRORS}}},
    "/api/v1/agreements/{id}": {"get": {
        "operationId": "getAgreement",
        "summary": "One agreement: ICE's listing, its documents and what they say, disagreements, list history",
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"},
                        "description": "an agreement id, e.g. `fl-pinellas-county-sheriffs-office-tfm`"}],
        "responses": {"200": _json(_ref("Agreement"), "The agreement"), **ERRORS}}},
    "/api/v1/agencies/{id}": {"get": {
        "operationId": "getAgency", "summary": "One agency: its names and every agreement it holds",
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"},
                        "description": "an agency id, e.g. `fl-pinellas-county-sheriffs-office`"}],
        "responses": {"200": _json(_ref("Agency"), "The agency"), **ERRORS}}},
    # the program at a glance (web/program.py): the JSON of `moa ledger … --json`; `format=csv` gives its table
    "/api/v1/ledger/timeline": {"get": {
        "operationId": "ledgerTimeline", "summary": "The participating list at every snapshot date",
        "description": "As `moa ledger timeline [--by model|state] --json`: `points` (a point stands until its "
                       "`until`), `rows` (one per date and group), `weeks` (events per week).",
        "parameters": [_query("by", "model or state", {"type": "string", "enum": ["model", "state"]}), _FORMAT],
        "responses": {"200": _json(_ref("LedgerTimeline"), "The series"), **ERRORS}}},
    "/api/v1/ledger/counts": {"get": {
        "operationId": "ledgerCounts", "summary": "The list as of a date, by county, state or agreement",
        "description": "As `moa ledger counts --as-of D [--by county|state|agreement] --json`: FIPS, population "
                       "and agreements per 100,000 residents (the Census vintage under `census`); agreements "
                       "not placed under `unmatched`, each with its reason.",
        "parameters": [_query("as_of", "YYYY-MM-DD (default: the newest snapshot)", _DATE),
                       _query("by", "county, state or agreement (none: the plain counts)",
                              {"type": "string", "enum": ["county", "state", "agreement"]}), _FORMAT],
        "responses": {"200": _json({"type": "object", "required": ["as_of"]}, "The counts"), **ERRORS}}},
    "/api/v1/ledger/changes": {"get": {
        "operationId": "ledgerChanges", "summary": "Agreements added, removed and changed, newest first",
        "parameters": [_query("event", "added, removed or changed", {"type": "string",
                                                                     "enum": ["added", "removed", "changed"]}),
                       _query("model", "JEM, WSO or TFM", {"type": "string", "enum": ["JEM", "WSO", "TFM"]}),
                       _query("state", "two-letter code"), _query("since", "first date (YYYY-MM-DD)", _DATE),
                       _query("until", "last date (YYYY-MM-DD)", _DATE), _FORMAT],
        "responses": {"200": _json(_ref("LedgerRows"), "The events, each with its two snapshots"), **ERRORS}}},
    "/api/v1/ledger/cancelled": {"get": {
        "operationId": "ledgerCancelled", "summary": "Agreements on the list at a date that are no longer on it",
        "description": "As `moa ledger cancelled --since D [--until D] --json`.",
        "parameters": [_query("since", "YYYY-MM-DD", _DATE, required=True),
                       _query("until", "YYYY-MM-DD (default: the newest list)", _DATE), _FORMAT],
        "responses": {"200": _json(_ref("LedgerRows"), "The cancelled agreements"), **ERRORS}}},
    "/api/v1/ledger/figure": {"get": {
        "operationId": "ledgerFigure", "summary": "A figure's Vega-Lite specification (as `moa ledger plot` draws)",
        "parameters": [_query("kind", "growth, states or map", {"type": "string",
                                                                "enum": ["growth", "states", "map"]}, required=True),
                       _query("as_of", "YYYY-MM-DD (states, map)", _DATE),
                       _query("measure", "map: agreements or per_100k", {"type": "string",
                                                                         "enum": ["agreements", "per_100k"]})],
        "responses": {"200": _json({"type": "object", "required": ["vconcat"]}, "Vega-Lite v6"), **ERRORS}}},
    "/api/openapi.json": {"get": {
        "operationId": "openapi", "summary": "This document",
        "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {
            "schema": {"type": "object"}}}}}}},
}


def spec(base_url: str = "") -> dict:
    """The OpenAPI document, with the server's own address when it is known."""
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "moa: 287(g) Memoranda of Agreement",
            "version": VERSION,
            "description": "Read-only access to the catalog of ICE's 287(g) agreements: search, records, "
                           "clause comparison. Paths are versioned (/api/v1/); a field is never removed or "
                           "changed in meaning within v1, new fields may appear. Every answer is JSON, errors "
                           "included (schema Error). When the server was started with a token, send it as "
                           "`Authorization: Bearer TOKEN`.",
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "paths": PATHS,
        "components": {"schemas": SCHEMAS, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "description": "moa serve --token TOKEN"},
            "query": {"type": "apiKey", "in": "query", "name": "token", "description": "for browsers"}}},
        "security": [{}, {"bearer": []}, {"query": []}],
    }
    if base_url:
        doc["servers"] = [{"url": base_url}]
    return doc
