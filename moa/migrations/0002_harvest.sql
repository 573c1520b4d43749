-- Harvest: provenance of every HTTP fetch, and the download state of every URL the harvester knows.

-- One row per response the harvester acted on (a 304 included: it proves the copy was still current).
CREATE TABLE fetches (
    id              INTEGER PRIMARY KEY,
    url             TEXT NOT NULL,          -- the ICE URL asked for (before --base-url rebasing)
    requested_url   TEXT NOT NULL,          -- the URL actually requested (rebased onto the mirror/base)
    final_url       TEXT,                   -- after redirects
    kind            TEXT NOT NULL,          -- 'page' | 'sheet' | 'pdf'
    status          INTEGER,                -- HTTP status; NULL when no response (timeout, refused)
    etag            TEXT,
    last_modified   TEXT,
    fetched_at      TEXT NOT NULL,
    bytes           INTEGER,
    sha256          TEXT REFERENCES blobs(sha256),  -- NULL unless the body was stored
    declared_type   TEXT,                   -- Content-Type as the server declared it
    sniffed_type    TEXT,                   -- what the magic bytes say (moa.blobs.sniff)
    outcome         TEXT NOT NULL,          -- 'stored' | 'not_modified' | 'error'
    error           TEXT
);
CREATE INDEX fetches_url ON fetches(url);
CREATE INDEX fetches_sha ON fetches(sha256);

-- One row per URL: what the next run should do with it.
CREATE TABLE downloads (
    url             TEXT PRIMARY KEY,       -- the ICE URL (canonical, https://www.ice.gov/...)
    kind            TEXT NOT NULL,          -- 'page' | 'sheet' | 'pdf'
    state           TEXT NOT NULL,          -- 'done' | 'failed'
    sha256          TEXT REFERENCES blobs(sha256),
    etag            TEXT,
    last_modified   TEXT,
    failures        INTEGER NOT NULL DEFAULT 0,  -- consecutive failures
    last_status     INTEGER,
    last_error      TEXT,
    permanent       INTEGER NOT NULL DEFAULT 0,  -- 1 when the last failure looks permanent (404/410, not a PDF)
    first_seen      TEXT NOT NULL,
    last_attempt    TEXT,
    retry_after     TEXT                    -- ISO time before which a failed URL is not asked again
);
CREATE INDEX downloads_state ON downloads(state);

-- What the harvester read from each sheet it fetched (by content), so a run that gets 304 for a sheet
-- need not parse it again, and a sheet whose ledger import failed is imported on the next run.
CREATE TABLE harvest_sheets (
    sha256          TEXT PRIMARY KEY REFERENCES blobs(sha256),
    name            TEXT NOT NULL,
    kind            TEXT,                   -- as the sheet reader decided from the content
    rows            INTEGER,
    parsed_at       TEXT NOT NULL,
    imported_at     TEXT                    -- when harvest.ledger.import_snapshot accepted it; NULL = retry
);

CREATE TABLE harvest_links (
    sha256          TEXT NOT NULL REFERENCES harvest_sheets(sha256),
    url             TEXT NOT NULL,          -- repaired absolute ICE URL of an MOA or addendum
    field           TEXT NOT NULL,          -- 'moa' | 'addendum'
    PRIMARY KEY (sha256, url, field)
);
