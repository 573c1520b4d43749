-- Search (issue 4): the embedded SQLite FTS5 index, and what each backend's index holds.

-- One row per indexed document: the metadata filters and facets read.
CREATE TABLE search_docs (
    doc_no            INTEGER PRIMARY KEY,   -- unit ids are (doc_no << 16) | n, so a match maps to its document without a lookup
    sha256            TEXT NOT NULL UNIQUE,
    file              TEXT NOT NULL,
    agency            TEXT,
    agency_lc         TEXT NOT NULL DEFAULT '',
    state             TEXT,
    model             TEXT,
    agency_type       TEXT,
    signed            TEXT,                  -- execution date: the latest signature date
    signed_lea        TEXT,
    signed_ice        TEXT,
    year              TEXT,
    template_revision TEXT,
    status            TEXT NOT NULL DEFAULT 'unknown',
    signers           TEXT NOT NULL DEFAULT '[]',   -- JSON list of "Name, Title"
    signers_lc        TEXT NOT NULL DEFAULT ''
);

-- One row per unit (document, page, clause); the FTS tables below index `body` from here.
CREATE TABLE search_units (
    id             INTEGER PRIMARY KEY,
    uid            TEXT NOT NULL UNIQUE,
    level          TEXT NOT NULL,
    page           INTEGER,
    page_end       INTEGER,
    section_number TEXT,
    section_title  TEXT,
    section_key    TEXT,
    section_keys   TEXT NOT NULL DEFAULT '|',   -- '|costs|iv.e|' for section: filters
    body           TEXT NOT NULL          -- '' for document units (see below)
);
CREATE INDEX search_units_level ON search_units(level);
CREATE INDEX search_units_page ON search_units(page, page_end);

-- section: filters — every section key and number a unit lies in ('costs', 'iv.e'), kept narrow for speed.
CREATE TABLE search_sections (
    key TEXT NOT NULL,
    id  INTEGER NOT NULL,
    PRIMARY KEY (key, id)
) WITHOUT ROWID;

-- Per level, a porter-stemmed table and an exact (unstemmed) one. Page and clause tables are external-content
-- on search_units (snippets read the text there); document tables are contentless: a document's text is its
-- pages' text, so storing it again would only double the catalog (deleting re-joins the pages' text).
CREATE VIRTUAL TABLE search_stem_document USING fts5(body, content='', tokenize='porter unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE search_stem_page     USING fts5(body, content='search_units', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE search_stem_clause   USING fts5(body, content='search_units', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE search_exact_document USING fts5(body, content='', tokenize='unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE search_exact_page     USING fts5(body, content='search_units', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE search_exact_clause   USING fts5(body, content='search_units', content_rowid='id', tokenize='unicode61 remove_diacritics 2');

-- What each index (the sqlite one, an Elasticsearch index) holds, so `moa index` only redoes changed records.
CREATE TABLE search_indexed (
    target      TEXT NOT NULL,               -- 'sqlite' or 'elasticsearch <url> <index>'
    sha256      TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    indexed_at  TEXT NOT NULL,
    PRIMARY KEY (target, sha256)
);
