"""The embedded backend: SQLite FTS5 tables inside the catalog (migration 0005_search.sql).

Per level there are two FTS5 tables over the same text: `search_stem_<level>` (porter) for words and
`search_exact_<level>` (unicode61, no stemming) for quoted phrases and prefixes. A query tree is compiled to
one FTS5 MATCH where it can be (the usual case), else to SQL set conditions over several MATCHes; metadata
filters become conditions on `search_docs` (per document) or `search_units` (section:, page:).
Unit ids are (doc_no << 16) | n, so `id >> 16` is the document, which keeps facets and roll-ups join-free.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable

from moa.catalog import transaction
from moa.errors import UserError

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
from .index_docs import AGREEMENT_KEY, LEVELS, IndexDoc, join_pages
from .query import And, Field, Near, Node, Not, Or, Phrase, QueryTooExpensive, Term, text_leaves

SHIFT = 16
MAX_UNITS = 1 << SHIFT
STEM, EXACT = "stem", "exact"

_DOC_COLUMNS = {"model": "model", "state": "state", "status": "status", "type": "agency_type",
                "revision": "template_revision"}
PROGRESS_STEPS = 200  # SQLite VM steps between two looks at the clock (one FTS5 snippet() is one step)
# What SQLite or FTS5 says when a query is beyond what they compile (fixed parser stacks, expression depth).
_TOO_COMPLEX = ("parser stack overflow", "expression tree is too large", "too many sql variables",
                "too many terms", "fts5: ", "string or blob too big")
_FACET_COLUMNS = {"model": "model", "state": "state", "agency_type": "agency_type", "year": "year",
                  "template_revision": "template_revision", "status": "status"}


# ---------------------------------------------------------------------------------------------- FTS5 text


def _quote(words: Iterable[str]) -> str:
    return '"' + " ".join(w.replace('"', '""') for w in words) + '"'


def _leaf_table(node: Term | Phrase | Near) -> str:
    if isinstance(node, Term):
        return EXACT if node.prefix else STEM
    if isinstance(node, Phrase):
        return EXACT if node.exact else STEM
    exact = all((isinstance(i, Phrase) and i.exact) or (isinstance(i, Term) and i.prefix) for i in node.items)
    return EXACT if exact else STEM


def _leaf_fts(node: Term | Phrase | Near) -> str:
    if isinstance(node, Term):
        return _quote([node.text]) + ("*" if node.prefix else "")
    if isinstance(node, Phrase):
        return _quote(node.words)
    return f"NEAR({' '.join(_leaf_fts(i) for i in node.items)}, {node.distance})"


def _table_of(node: Node) -> str | None:
    """The one FTS table a text-only subtree can be matched in as a single expression, else None."""
    if isinstance(node, Term | Phrase | Near):
        return _leaf_table(node)
    if isinstance(node, Field):
        return None
    if isinstance(node, Not):
        return None  # FTS5 has only binary NOT; handled inside And
    children = node.children
    if isinstance(node, Or) and any(isinstance(c, Not) for c in children):
        return None
    if isinstance(node, And) and all(isinstance(c, Not) for c in children):
        return None
    tables = {_table_of(c.child if isinstance(c, Not) else c) for c in children}
    return tables.pop() if len(tables) == 1 and None not in tables else None


def _fts(node: Node) -> str:
    """The FTS5 expression of a subtree for which _table_of is not None (or a Not's child)."""
    if isinstance(node, Term | Phrase | Near):
        return _leaf_fts(node)
    if isinstance(node, Or):
        return "(" + " OR ".join(_fts(c) for c in node.children) + ")"
    if isinstance(node, And):
        pos = [_fts(c) for c in node.children if not isinstance(c, Not)]
        neg = [_fts(c.child) for c in node.children if isinstance(c, Not)]
        expr = "(" + " AND ".join(pos) + ")"
        for n in neg:
            expr = f"({expr} NOT {n})"
        return expr
    raise TypeError(node)


# ---------------------------------------------------------------------------------------------- filters


def _doc_condition(f: Field) -> tuple[str, list]:
    """A condition on search_docs (alias d) for a document-level field."""
    if f.name in _DOC_COLUMNS:
        return f"d.{_DOC_COLUMNS[f.name]} = ?", [f.value]
    if f.name == "agency":
        return "instr(d.agency_lc, ?) > 0", [f.value.lower()]
    if f.name == "file":
        return "instr(lower(d.file), ?) > 0", [f.value.lower()]
    if f.name == "signer":
        return "instr(d.signers_lc, ?) > 0", [f.value.lower()]
    if f.name == "sha":
        return "substr(d.sha256, 1, ?) = ?", [len(f.value), f.value]
    if f.name == "signed":
        if f.op == "range":
            return "d.signed BETWEEN ? AND ?", [f.value, f.value2]
        return f"d.signed {f.op} ?", [f.value]
    raise UserError(f"field {f.name}: is not supported by the sqlite backend")


def _unit_condition(f: Field) -> tuple[str, list]:
    if f.name == "page":
        lo, hi = (int(f.value), int(f.value2)) if f.op == "range" else (int(f.value), int(f.value))
        if f.op in (">", ">="):
            lo, hi = lo + (f.op == ">"), 1 << 30
        elif f.op in ("<", "<="):
            lo, hi = -1, hi - (f.op == "<")
        return "(u.page <= ? AND coalesce(u.page_end, u.page) >= ?)", [hi, lo]
    raise TypeError(f.name)


def _field_condition(f: Field, col: str) -> tuple[str, list]:
    if f.name == "section":
        return f"{col} IN (SELECT id FROM search_sections WHERE key = ?)", [f.value]
    if f.name == "page":
        cond, params = _unit_condition(f)
        return f"{col} IN (SELECT u.id FROM search_units u WHERE {cond})", params
    cond, params = _doc_condition(f)
    return f"({col} >> {SHIFT}) IN (SELECT d.doc_no FROM search_docs d WHERE {cond})", params


# ---------------------------------------------------------------------------------------------- compiler


class _Compiler:
    """Query tree → SQL selecting (id, score) of the matching units of one level."""

    def __init__(self, level: str) -> None:
        self.level = level

    def table(self, kind: str) -> str:
        return f"search_{kind}_{self.level}"

    def condition(self, node: Node, col: str) -> tuple[str, list]:
        t = _table_of(node)
        if t is not None:
            table = self.table(t)
            return f"{col} IN (SELECT rowid FROM {table} WHERE {table} MATCH ?)", [_fts(node)]
        if isinstance(node, Field):
            return _field_condition(node, col)
        if isinstance(node, Not):
            c, p = self.condition(node.child, col)
            return f"NOT ({c})", p
        parts = [self.condition(c, col) for c in node.children]  # type: ignore[union-attr]
        joiner = " AND " if isinstance(node, And) else " OR "
        return "(" + joiner.join(c for c, _ in parts) + ")", [x for _, p in parts for x in p]

    def select(self, tree: Node | None) -> tuple[str, list]:
        """SQL yielding (id, score) rows; score is higher-is-better."""
        if tree is None:
            return f"SELECT id, 0.0 AS score FROM search_units WHERE level = '{self.level}'", []
        children = list(tree.children) if isinstance(tree, And) else [tree]
        # The driving FTS expression: the text children that fit one table (the larger group if two).
        groups: dict[str, list[Node]] = {STEM: [], EXACT: []}
        rest: list[Node] = []
        for c in children:
            t = _table_of(c)
            (groups[t] if t else rest).append(c)
        negs = [c for c in rest if isinstance(c, Not) and _table_of(c.child) is not None]
        drive_kind = max(groups, key=lambda k: len(groups[k]))
        drive = groups[drive_kind]
        if drive:
            other = EXACT if drive_kind == STEM else STEM
            rest = [c for c in rest if c not in negs or _table_of(c.child) != drive_kind]  # type: ignore[union-attr]
            rest += groups[other]
            own_negs = [c for c in negs if _table_of(c.child) == drive_kind]  # type: ignore[union-attr]
            node = drive[0] if len(drive) == 1 and not own_negs else And(tuple(drive + own_negs))
            table = self.table(drive_kind)
            where, params = [f"{table} MATCH ?"], [_fts(node)]
            for c in rest:
                # "+rowid": keep SQLite from pushing `rowid IN (…)` into FTS5 as one MATCH per candidate row
                cond, p = self.condition(c, "+rowid")
                where.append(cond)
                params += p
            score = f"-bm25({table})"
            return (f"SELECT rowid AS id, {score} AS score FROM {table} WHERE " + " AND ".join(where),
                    params)
        # No positive text to drive from: filters, NOTs or mixed ORs over every unit of the level.
        cond, params = self.condition(tree, "u.id")
        score_sql, score_params = self.score_joins(tree)
        sql = (f"SELECT u.id AS id, {score_sql['expr']} AS score FROM search_units u {score_sql['joins']} "
               f"WHERE u.level = '{self.level}' AND {cond}")
        return sql, score_params + params

    def score_joins(self, tree: Node) -> tuple[dict, list]:
        """LEFT JOINs scoring units by every positive text leaf (per table), for trees matched by conditions."""
        joins, exprs, params = [], [], []
        for kind in (STEM, EXACT):
            leaves = [leaf for leaf in text_leaves(tree) if _leaf_table(leaf) == kind]
            if not leaves:
                continue
            table = self.table(kind)
            alias = f"s_{kind}"
            joins.append(f"LEFT JOIN (SELECT rowid AS id, -bm25({table}) AS score FROM {table} "
                         f"WHERE {table} MATCH ?) {alias} ON {alias}.id = u.id")
            params.append(" OR ".join(_leaf_fts(leaf) for leaf in leaves))
            exprs.append(f"coalesce({alias}.score, 0)")
        return {"joins": " ".join(joins), "expr": " + ".join(exprs) or "0.0"}, params


def highlight_query(tree: Node | None) -> tuple[str, str] | None:
    """(kind, FTS expression) matching any positive text leaf, for snippets and best pages: stem first."""
    if tree is None:
        return None
    leaves = text_leaves(tree)
    for kind in (STEM, EXACT):
        mine = [leaf for leaf in leaves if _leaf_table(leaf) == kind]
        if mine:
            return kind, " OR ".join(_leaf_fts(leaf) for leaf in mine)
    return None


# ---------------------------------------------------------------------------------------------- backend


class SqliteBackend(Backend):
    name = "sqlite"

    def __init__(self, conn: sqlite3.Connection, budget_s: float | None = None) -> None:
        self.conn = conn
        self.budget_s = query_budget(budget_s)
        ok = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'search_units'").fetchone()
        if not ok:
            raise UserError("this catalog has no search tables; open it read-write once to migrate it")

    def target(self) -> str:
        return "sqlite"

    # ---- writing

    def _doc_no(self, sha: str) -> int | None:
        row = self.conn.execute("SELECT doc_no FROM search_docs WHERE sha256 = ?", (sha,)).fetchone()
        return row[0] if row else None

    def _delete_units(self, doc_no: int) -> None:
        lo, hi = doc_no << SHIFT, ((doc_no + 1) << SHIFT) - 1
        rows = self.conn.execute("SELECT id, level, body FROM search_units WHERE id BETWEEN ? AND ? ORDER BY id",
                                 (lo, hi)).fetchall()
        # The document unit's text is not stored: it is its pages' text joined as documents.py joins it.
        doc_text = join_pages([r[2] for r in rows if r[1] == "page"])
        for r in rows:
            body = doc_text if r[1] == "document" else r[2]
            for kind in (STEM, EXACT):
                t = f"search_{kind}_{r[1]}"
                self.conn.execute(f"INSERT INTO {t}({t}, rowid, body) VALUES('delete', ?, ?)", (r[0], body))
        self.conn.execute("DELETE FROM search_units WHERE id BETWEEN ? AND ?", (lo, hi))
        self.conn.execute("DELETE FROM search_sections WHERE id BETWEEN ? AND ?", (lo, hi))

    def _write(self, doc: IndexDoc) -> int:
        if not doc.units:
            return 0
        if len(doc.units) >= MAX_UNITS:
            raise UserError(f"{doc.sha256}: too many units ({len(doc.units)}) to index")
        m = doc.units[0]
        doc_no = self._doc_no(doc.sha256)
        if doc_no is not None:
            self._delete_units(doc_no)
        values = (m.file, m.agency, (m.agency or "").lower(), m.state, m.model, m.agency_type, m.signed,
                  m.signed_lea, m.signed_ice, m.year, m.template_revision, m.status,
                  json.dumps(m.signers, ensure_ascii=False), "\n".join(m.signers).lower(), m.agency_read,
                  m.agreement_id, m.agency_id, json.dumps(m.sources, sort_keys=True), m.moa_sha256)
        cols = ("file", "agency", "agency_lc", "state", "model", "agency_type", "signed", "signed_lea", "signed_ice",
                "year", "template_revision", "status", "signers", "signers_lc", "agency_read", "agreement_id",
                "agency_id", "sources", "moa_sha256")
        if doc_no is None:
            cur = self.conn.execute(f"INSERT INTO search_docs(sha256, {', '.join(cols)}) "
                                    f"VALUES ({','.join('?' * (len(cols) + 1))})", (doc.sha256, *values))
            doc_no = cur.lastrowid
        else:
            self.conn.execute(f"UPDATE search_docs SET {', '.join(c + '=?' for c in cols)} WHERE doc_no = ?",
                              (*values, doc_no))
        for n, u in enumerate(doc.units):
            uid = (doc_no << SHIFT) | n
            keys = "|" + "|".join(k.lower() for k in u.section_keys) + "|"
            self.conn.execute(
                "INSERT INTO search_units(id, uid, level, page, page_end, section_number, section_title, "
                "section_key, section_keys, body) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (uid, u.uid, u.level, u.page, u.page_end, u.section_number, u.section_title, u.section_key,
                 keys, "" if u.level == "document" else u.text))
            self.conn.executemany("INSERT OR IGNORE INTO search_sections(key, id) VALUES (?, ?)",
                                  [(k.lower(), uid) for k in u.section_keys])
            for kind in (STEM, EXACT):
                self.conn.execute(f"INSERT INTO search_{kind}_{u.level}(rowid, body) VALUES (?, ?)", (uid, u.text))
        return len(doc.units)

    def index(self, docs: Iterable[IndexDoc]) -> int:
        written = 0
        with transaction(self.conn):
            for doc in docs:
                written += self._write(doc)
        return written

    def delete(self, shas: Iterable[str]) -> int:
        n = 0
        with transaction(self.conn):
            for sha in shas:
                doc_no = self._doc_no(sha)
                if doc_no is None:
                    continue
                self._delete_units(doc_no)
                self.conn.execute("DELETE FROM search_docs WHERE doc_no = ?", (doc_no,))
                n += 1
        return n

    def reset(self) -> None:
        with transaction(self.conn):
            self.conn.execute("DELETE FROM search_units")
            self.conn.execute("DELETE FROM search_sections")
            self.conn.execute("DELETE FROM search_docs")
            for level in LEVELS:
                for kind in (STEM, EXACT):
                    t = f"search_{kind}_{level}"
                    self.conn.execute(f"INSERT INTO {t}({t}) VALUES('delete-all')")

    def optimize(self) -> None:
        """Merge FTS5 segments (after a large index run)."""
        for level in LEVELS:
            for kind in (STEM, EXACT):
                t = f"search_{kind}_{level}"
                self.conn.execute(f"INSERT INTO {t}({t}) VALUES('optimize')")
        self.conn.commit()

    def stats(self) -> dict:
        units = dict(self.conn.execute("SELECT level, count(*) FROM search_units GROUP BY level").fetchall())
        docs = self.conn.execute("SELECT count(*) FROM search_docs WHERE sha256 NOT LIKE ?",
                                 (AGREEMENT_KEY + "%",)).fetchone()[0]
        return {"backend": self.name, "documents": docs, "agreements": units.get("agreement", 0),
                "units": {lv: units.get(lv, 0) for lv in LEVELS}}

    # ---- reading

    def search(self, query: Node | None, level: str = "document", limit: int = 20, offset: int = 0) -> dict:
        check_level(level)
        unit_level = rollup_level(query, level)
        compiler = _Compiler(unit_level)
        sql, params = compiler.select(query)
        deadline = time.monotonic() + self.budget_s
        # every statement of this search looks at the clock as it runs and stops when the budget is spent
        self.conn.set_progress_handler(lambda: time.monotonic() > deadline, PROGRESS_STEPS)
        try:
            return self._answer(query, level, unit_level, (sql, params), limit, offset)
        except sqlite3.OperationalError as e:
            if "interrupted" in str(e) and time.monotonic() > deadline:
                raise QueryTooExpensive(f"query too expensive: it ran past its {self.budget_s:g} s budget on the "
                                        "sqlite index; narrow it (a filter, a phrase, fewer prefix* or OR terms)"
                                        ) from None
            if any(m in str(e).lower() for m in _TOO_COMPLEX):
                raise QueryTooExpensive(f"query too complex for the sqlite index ({e}); "
                                        "use fewer nested parentheses, terms or filters") from None
            raise
        finally:
            self.conn.set_progress_handler(None, 0)

    def _answer(self, query: Node | None, level: str, unit_level: str, ranked_sql: tuple[str, list],
                limit: int, offset: int) -> dict:
        """One statement ranks the hits, counts them, builds the facets and (documents) ranks each hit's pages,
        so the MATCH runs once, not once per part; then the snippets and the hits' metadata, one statement each."""
        sql, params = ranked_sql
        by_doc = level == "document"
        no_text = query is None or not text_leaves(query)
        hl = highlight_query(query)
        pages, page_params = "", []
        if by_doc and hl is not None:
            # The pages matching the query's words: each document's best pages, and (when documents are the
            # units) a score by its best page, since words every agreement uses ("costs and expenditures") have
            # no weight across documents (FTS5's bm25 floors their idf) but do on the page where they are rare.
            table = f"search_{hl[0]}_page"
            pages = (f", pp AS MATERIALIZED (SELECT rowid AS id, -bm25({table}) AS score FROM {table} WHERE "
                     f"{table} MATCH ?)")
            page_params = [hl[1]]
        if by_doc:
            ranked = (f"SELECT (m.id >> {SHIFT}) AS doc, max(m.score) AS score, min(m.id) AS id FROM m "
                      "GROUP BY doc")
            if pages and unit_level == "document":
                ranked = (f"SELECT r0.doc, r0.score + coalesce(p.score, 0) AS score, r0.id FROM ({ranked}) r0 "
                          f"LEFT JOIN (SELECT (id >> {SHIFT}) AS doc, max(score) AS score FROM pp GROUP BY 1) p "
                          "ON p.doc = r0.doc")
        else:
            ranked = f"SELECT (m.id >> {SHIFT}) AS doc, m.score, m.id FROM m"
        order = "d.signed DESC NULLS LAST, d.doc_no" if no_text else "r.score DESC, r.id"
        parts = ["SELECT 'hit', top.id, top.score, top.rank FROM top",
                 f"SELECT '#total', NULL, count(*), NULL FROM {'docs' if by_doc else 'm'}"]
        for facet in FACETS:
            parts.append(f"SELECT '{facet}', coalesce(d.{_FACET_COLUMNS[facet]}, 'unknown'), count(*), NULL "
                         "FROM docs JOIN search_docs d ON d.doc_no = docs.doc GROUP BY 2")
        if pages:
            parts.append("SELECT 'page', pp.id, pp.score, u.page FROM pp JOIN search_units u ON u.id = pp.id "
                         f"WHERE (pp.id >> {SHIFT}) IN (SELECT top.id >> {SHIFT} FROM top)")
        statement = (f"WITH m AS MATERIALIZED ({sql}){pages}, r AS ({ranked}), "
                     f"top AS MATERIALIZED (SELECT r.id, r.score, row_number() OVER (ORDER BY {order}) AS rank "
                     f"FROM r JOIN search_docs d ON d.doc_no = r.doc ORDER BY {order} LIMIT ? OFFSET ?), "
                     f"docs AS MATERIALIZED (SELECT DISTINCT (id >> {SHIFT}) AS doc FROM m) "
                     + " UNION ALL ".join(parts))
        facets = empty_facets()
        total = 0
        rows: list[tuple[int, int, float]] = []
        page_rows: list[tuple[int, float, int]] = []
        for kind, unit_id, value, extra in self.conn.execute(statement, [*params, *page_params, limit, offset]):
            if kind == "hit":
                rows.append((extra, unit_id, value))
            elif kind == "page":
                page_rows.append((unit_id, value, extra))
            elif kind == "#total":
                total = value
            else:
                facets[kind][str(unit_id)] = value
        rows.sort()
        ids = [unit_id for _, unit_id, _ in rows]
        best = self._best_pages(page_rows, hl) if by_doc else {}
        snippets = {} if by_doc else self._snippets(ids, unit_level, hl)
        metas = self._metas(ids)
        hits = []
        for _, unit_id, score in rows:
            if by_doc:
                found = best.get(unit_id >> SHIFT, [])
                snippet = found[0]["snippet"] if found else ""
                hits.append(make_hit(metas[unit_id], level, score, snippet, found))
            else:
                hits.append(make_hit(metas[unit_id], level, score, snippets.get(unit_id, "")))
        return {"total": total, "facets": sort_facets(facets), "hits": hits}

    def _metas(self, unit_ids: list[int]) -> dict[int, dict]:
        if not unit_ids:
            return {}
        cur = self.conn.execute(
            "SELECT u.id AS unit_id, d.*, u.level, u.page, u.page_end, u.section_number, u.section_title, "
            f"u.section_key FROM search_units u JOIN search_docs d ON d.doc_no = (u.id >> {SHIFT}) "
            f"WHERE u.id IN ({','.join('?' * len(unit_ids))})", unit_ids)
        # zip with the column names once: a Row looked up by name compares every name, for every column
        names = [c[0] for c in cur.description]
        return {r[0]: dict(zip(names, r, strict=True)) for r in cur.fetchall()}

    def _snippets(self, unit_ids: list[int], level: str, hl: tuple[str, str] | None) -> dict[int, str]:
        """Highlighted snippets of these units in one statement (FTS5 builds them only for these rows)."""
        out: dict[int, str] = {}
        if hl is not None and unit_ids:
            table = f"search_{hl[0]}_{level}"
            # "+rowid": one pass over the matches, filtered here; a bare `rowid IN` makes FTS5 run the MATCH
            # again for each id (60 ids on a page of documents: 0.3 to 1.4 ms more per search on the corpus)
            out = dict(self.conn.execute(
                f"SELECT rowid, snippet({table}, 0, ?, ?, '…', {SNIPPET_TOKENS}) FROM {table} "
                f"WHERE {table} MATCH ? AND +rowid IN ({','.join('?' * len(unit_ids))})",
                (HIGHLIGHT_PRE, HIGHLIGHT_POST, hl[1], *unit_ids)).fetchall())
        for unit_id in unit_ids:
            if not out.get(unit_id):  # no text query, or its words are not in this unit (a NOT-only match)
                out[unit_id] = self._plain_snippet(unit_id)
        return out

    def _plain_snippet(self, unit_id: int) -> str:
        row = self.conn.execute("SELECT body FROM search_units WHERE id = ?", (unit_id,)).fetchone()
        words = (row[0] if row else "").split()
        return " ".join(words[:SNIPPET_TOKENS]) + (" …" if len(words) > SNIPPET_TOKENS else "")

    def _best_pages(self, page_rows: list[tuple[int, float, int]],
                    hl: tuple[str, str] | None) -> dict[int, list[dict]]:
        """The best pages (≤ BEST_PAGES) of each document from its matching pages (unit id, score, page number)
        as the search statement ranked them, with snippets for the chosen ones."""
        if hl is None or not page_rows:
            return {}
        chosen: dict[int, list[tuple[int, float, int]]] = {}
        for unit_id, score, page in sorted(page_rows, key=lambda r: (-r[1], r[0])):
            best = chosen.setdefault(unit_id >> SHIFT, [])
            if len(best) < BEST_PAGES:
                best.append((unit_id, score, page))
        # Snippets cost a pass over the page's text each (a page of hits: 20 documents, 60 pages at most).
        snippets = self._snippets([unit_id for units in chosen.values() for unit_id, _, _ in units], "page", hl)
        return {doc: [{"page": page, "score": round(score, 4), "snippet": snippets.get(unit_id, "")}
                      for unit_id, score, page in units] for doc, units in chosen.items()}
