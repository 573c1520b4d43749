-- The ledger of roster snapshots (harvest/ledger.py): every participating / pending sheet imported, its
-- rows, the agreements traced through them, and the events between consecutive snapshots.

-- One parsed roster per distinct file content.
CREATE TABLE ledger_contents (
    id          INTEGER PRIMARY KEY,
    sha256      TEXT NOT NULL UNIQUE REFERENCES blobs(sha256),
    kind        TEXT NOT NULL,              -- 'participating' | 'pending', decided by the content
    sheet_name  TEXT,
    header      TEXT NOT NULL,              -- JSON list of header cells
    row_count   INTEGER NOT NULL,
    modified    TEXT,                       -- workbook properties (UTC)
    created     TEXT,
    warnings    TEXT NOT NULL DEFAULT '[]', -- JSON list
    parsed_at   TEXT NOT NULL
);

-- Distinct roster lines (normalized fields + raw cells as JSON), shared by every content that lists them:
-- most lines repeat unchanged across hundreds of snapshots.
CREATE TABLE ledger_lines (
    id            INTEGER PRIMARY KEY,
    digest        TEXT NOT NULL UNIQUE,     -- sha256 of the line's JSON
    state         TEXT,
    agency        TEXT NOT NULL,
    agency_key    TEXT NOT NULL,            -- comparison key (harvest.normalize.agency_key)
    agency_type   TEXT,
    county        TEXT,
    model         TEXT,
    signed        TEXT,
    signed_raw    TEXT,
    moa_url       TEXT,
    moa_file      TEXT,                     -- unquoted file name of moa_url
    moa_urls      TEXT NOT NULL DEFAULT '[]',
    addendum_urls TEXT NOT NULL DEFAULT '[]',
    raw           TEXT NOT NULL
);
CREATE INDEX ledger_lines_moa_file ON ledger_lines(moa_file COLLATE NOCASE);

-- The rows of each content: row number in the sheet (1-based, header included) → line.
CREATE TABLE ledger_rows (
    content_id  INTEGER NOT NULL REFERENCES ledger_contents(id),
    row         INTEGER NOT NULL,
    line_id     INTEGER NOT NULL REFERENCES ledger_lines(id),
    PRIMARY KEY (content_id, row)
) WITHOUT ROWID;
CREATE INDEX ledger_rows_line ON ledger_rows(line_id);

-- Every file imported (the same content under two names is two snapshots).
CREATE TABLE ledger_snapshots (
    id              INTEGER PRIMARY KEY,
    sha256          TEXT NOT NULL REFERENCES ledger_contents(sha256),
    content_id      INTEGER NOT NULL REFERENCES ledger_contents(id),
    name            TEXT NOT NULL,
    source          TEXT,
    kind            TEXT NOT NULL,          -- by content
    kind_by_name    TEXT NOT NULL,
    published       TEXT NOT NULL,          -- UTC, see harvest/snapshots.py for the rule
    published_local TEXT NOT NULL,          -- US Eastern, ISO with offset
    published_date  TEXT NOT NULL,          -- US Eastern calendar date (what "as of" compares)
    basis           TEXT NOT NULL,
    name_date       TEXT,
    note            TEXT,
    fetched_at      TEXT,
    imported_at     TEXT NOT NULL,
    -- derived by harvest.ledger.rebuild:
    seq             INTEGER,                -- order within its kind
    status          TEXT NOT NULL DEFAULT 'ok',   -- 'ok' | 'same' (content as the previous) | 'malformed'
    flags           TEXT NOT NULL DEFAULT '[]',   -- JSON list of reasons
    agreements      INTEGER,
    agencies        INTEGER,
    members         TEXT,                   -- JSON: the agreement id of each row, in row order
    UNIQUE (sha256, name)
);
CREATE INDEX ledger_snapshots_kind_pub ON ledger_snapshots(kind, published);

-- Derived (rebuilt from the snapshots): agreements traced across snapshots, their documents, events.
CREATE TABLE ledger_agreements (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL,
    state           TEXT,
    model           TEXT,
    agency          TEXT NOT NULL,
    agency_key      TEXT NOT NULL,
    agency_type     TEXT,
    county          TEXT,
    signed          TEXT,
    moa_url         TEXT,
    moa_file        TEXT,
    addendum_urls   TEXT NOT NULL DEFAULT '[]',
    first_snapshot  INTEGER REFERENCES ledger_snapshots(id),
    last_snapshot   INTEGER REFERENCES ledger_snapshots(id),
    listed          INTEGER NOT NULL DEFAULT 0   -- in the newest good snapshot of its kind
);
CREATE INDEX ledger_agreements_moa_file ON ledger_agreements(moa_file);

-- Every MOA / addendum document an agreement's rows ever linked (so a PDF finds its listing).
CREATE TABLE ledger_agreement_files (
    agreement_id  INTEGER NOT NULL REFERENCES ledger_agreements(id),
    moa_file      TEXT NOT NULL COLLATE NOCASE,
    field         TEXT NOT NULL,            -- 'moa' | 'addendum'
    PRIMARY KEY (agreement_id, moa_file, field)
) WITHOUT ROWID;
CREATE INDEX ledger_agreement_files_file ON ledger_agreement_files(moa_file COLLATE NOCASE);

CREATE TABLE ledger_events (
    id              INTEGER PRIMARY KEY,
    snapshot_id     INTEGER NOT NULL REFERENCES ledger_snapshots(id),
    prev_snapshot_id INTEGER REFERENCES ledger_snapshots(id),
    kind            TEXT NOT NULL,
    event           TEXT NOT NULL,          -- 'added' | 'removed' | 'changed'
    agreement_id    INTEGER NOT NULL REFERENCES ledger_agreements(id),
    state           TEXT,
    agency          TEXT,
    model           TEXT,
    changes         TEXT NOT NULL DEFAULT '{}'   -- JSON {field: [before, after]}, or {"relisted": true}
);
CREATE INDEX ledger_events_snapshot ON ledger_events(snapshot_id);
