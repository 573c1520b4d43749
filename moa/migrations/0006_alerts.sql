-- Alerts (issue 17): subscriptions, the ledger events and search matches they fired for, and the delivery log
-- that makes a delivery exactly-once once a receiver has acknowledged it.

CREATE TABLE alert_subscriptions (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL CHECK (kind IN ('events', 'search')),
    events         TEXT NOT NULL DEFAULT '["added","removed","changed"]',  -- JSON list (ledger events)
    model          TEXT,                    -- filters of a ledger-events subscription
    state          TEXT,
    agency         TEXT,                    -- a case-insensitive substring of the agency's name
    query          TEXT,                    -- a saved search (the `moa search` language) and its level
    level          TEXT,
    webhook_url    TEXT,
    webhook_secret TEXT,
    email          TEXT,
    digest_over    INTEGER NOT NULL DEFAULT 20,  -- more new alerts than this in one run: one digest
    since          TEXT,                    -- also catch up on events published from this date
    from_seq       INTEGER NOT NULL DEFAULT 0,   -- fire for events recorded after this one
    created_at     TEXT NOT NULL
);

-- Every ledger event alerts has taken in, under a key that survives ledger rebuilds (which renumber events).
CREATE TABLE alert_events (
    seq            INTEGER PRIMARY KEY,     -- the order moa learned of them
    key            TEXT NOT NULL UNIQUE,
    event          TEXT NOT NULL,           -- 'added' | 'removed' | 'changed'
    published      TEXT NOT NULL,           -- the snapshot's publication time (US Eastern, ISO)
    published_date TEXT NOT NULL,
    baseline       INTEGER NOT NULL DEFAULT 0,   -- known before watching began: never alerted
    item           TEXT NOT NULL,           -- JSON: the event with its evidence
    recorded_at    TEXT NOT NULL
);

-- What fired for each subscription (a ledger event's key, or a search hit's key), so nothing fires twice.
CREATE TABLE alert_matches (
    subscription_id INTEGER NOT NULL REFERENCES alert_subscriptions(id) ON DELETE CASCADE,
    key             TEXT NOT NULL,
    baseline        INTEGER NOT NULL DEFAULT 0,  -- matched when the subscription was made: never alerted
    item            TEXT NOT NULL,
    matched_at      TEXT NOT NULL,
    PRIMARY KEY (subscription_id, key)
);

-- One row per message to a receiver (one alert, or a digest of many); `id` is sent with it (X-Moa-Delivery,
-- Message-ID) so a receiver can recognise a repeat.
CREATE TABLE alert_deliveries (
    id              TEXT PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES alert_subscriptions(id) ON DELETE CASCADE,
    channel         TEXT NOT NULL CHECK (channel IN ('webhook', 'email')),
    keys            TEXT NOT NULL,          -- JSON list of the match keys it carries
    digest          INTEGER NOT NULL DEFAULT 0,
    state           TEXT NOT NULL DEFAULT 'pending',   -- 'pending' | 'sent' | 'failed' (gave up)
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT
);
CREATE INDEX alert_deliveries_state ON alert_deliveries(state);

CREATE TABLE alert_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
