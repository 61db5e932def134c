-- The opinion loop: opinions, their history, and who may work on them.
-- Times are RFC 3339 text with the +08:00 offset; positions WGS84 lon/lat degrees.

CREATE TABLE opinions (
    id             INTEGER PRIMARY KEY,
    tracking_code  TEXT NOT NULL UNIQUE,
    category       TEXT NOT NULL CHECK (category IN ('property', 'garbage', 'parking', 'roads', 'noise', 'water',
                       'elderly', 'education', 'health', 'safety', 'business', 'environment', 'other')),
    title          TEXT NOT NULL,
    body           TEXT NOT NULL,
    lon            REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
    lat            REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    channel        TEXT NOT NULL CHECK (channel IN ('visit', 'online', 'qr', 'hotline', 'open311')),
    anonymous      INTEGER NOT NULL CHECK (anonymous IN (0, 1)),
    contact_name   TEXT,
    contact_phone  TEXT,
    status         TEXT NOT NULL CHECK (status IN ('submitted', 'registered', 'assigned', 'in_progress', 'replied',
                       'closed', 'rejected')),
    version        INTEGER NOT NULL,
    town_code      TEXT,
    grid_id        TEXT,
    station_id     TEXT,
    -- JSON array of the responsible members' ids at routing time
    members        TEXT NOT NULL DEFAULT '[]',
    department     TEXT,
    due_date       TEXT,
    reply_route    TEXT CHECK (reply_route IN ('explain', 'direct_answer', 'after_consultation', 'referred_to_government')),
    reply          TEXT,
    rating         INTEGER CHECK (rating BETWEEN 1 AND 5),
    rating_comment TEXT,
    created_at     TEXT NOT NULL,
    registered_at  TEXT,
    replied_at     TEXT,
    closed_at      TEXT
) STRICT;

CREATE INDEX opinions_status ON opinions (status);
CREATE INDEX opinions_station ON opinions (station_id);
CREATE INDEX opinions_grid ON opinions (grid_id);
CREATE INDEX opinions_category_place ON opinions (category, lat, lon);

CREATE TABLE opinion_events (
    id          INTEGER PRIMARY KEY,
    opinion_id  INTEGER NOT NULL REFERENCES opinions (id),
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    event       TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX opinion_events_opinion ON opinion_events (opinion_id, id);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('member', 'staff', 'leader', 'admin')),
    station_id    TEXT,
    member_id     TEXT,
    created_at    TEXT NOT NULL
) STRICT;

-- Bearer tokens for integrations, stored as SHA-256 hashes (the token itself is shown once).
CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL CHECK (role IN ('staff', 'leader', 'admin', 'integrator')),
    station_id TEXT,
    created_at TEXT NOT NULL,
    revoked_at TEXT
) STRICT;
