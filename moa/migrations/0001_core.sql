-- Core: every stored file (blob) and the names it was known by.
CREATE TABLE blobs (
    sha256      TEXT PRIMARY KEY,
    bytes       INTEGER NOT NULL,
    media_type  TEXT NOT NULL,          -- what the magic bytes say (moa.blobs.sniff)
    first_seen  TEXT NOT NULL
);

CREATE TABLE files (
    sha256      TEXT NOT NULL REFERENCES blobs(sha256),
    name        TEXT NOT NULL,          -- file name as published or as given on the command line
    origin      TEXT NOT NULL,          -- 'harvest' | 'local' | 'import'
    source      TEXT,                   -- URL or local path it came from
    added_at    TEXT NOT NULL,
    PRIMARY KEY (sha256, name, origin)
);
CREATE INDEX files_name ON files(name);
