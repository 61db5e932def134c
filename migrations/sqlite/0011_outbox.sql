-- Webhooks and the transactional outbox. An event of the opinion loop is written to `outbox` in
-- the transaction of the change that causes it, one row per webhook that wants it; a worker in
-- `serve` delivers due rows and logs each attempt in `outbox_attempts`. Times are UTC RFC 3339
-- text with milliseconds and a Z (e.g. 2026-11-12T01:02:03.456Z), so that text order is time order.

CREATE TABLE webhooks (
    id          INTEGER PRIMARY KEY,
    url         TEXT NOT NULL,
    -- JSON array of event types, e.g. ["opinion.created","opinion.replied"]
    events      TEXT NOT NULL CHECK (json_valid(events)),
    -- the HMAC key of Liaison-Signature
    secret      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    -- set when removed; its undelivered rows are no longer attempted
    deleted_at  TEXT
) STRICT;

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('webhook', 'notice')),
    -- 32 random hex digits, the same on every attempt (Liaison-Delivery): receivers deduplicate on it
    event_id        TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    payload         TEXT NOT NULL CHECK (json_valid(payload)),
    -- kind webhook: the webhook's id
    target          TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    -- NULL once delivered or given up
    next_attempt_at TEXT,
    delivered_at    TEXT,
    last_error      TEXT
) STRICT;

CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE delivered_at IS NULL AND next_attempt_at IS NOT NULL;
CREATE INDEX outbox_target ON outbox (kind, target, id);

CREATE TABLE outbox_attempts (
    id          INTEGER PRIMARY KEY,
    outbox_id   INTEGER NOT NULL REFERENCES outbox (id),
    at          TEXT NOT NULL,
    -- the receiver's HTTP status, if it answered
    status_code INTEGER,
    error       TEXT,
    duration_ms INTEGER NOT NULL
) STRICT;

CREATE INDEX outbox_attempts_row ON outbox_attempts (outbox_id, id);
