-- The whole schema of migrations/sqlite/0001..0012 for PostgreSQL, in one step (nothing was
-- deployed on PostgreSQL before it). Columns keep SQLite's encodings, so both backends share
-- their row readers (src/store/rows.rs): times are RFC 3339 text (opinions and accounts with
-- their +08:00 offset; the outbox in UTC with milliseconds and a Z, so that text order is time
-- order), dates YYYY-MM-DD text, lists and GeoJSON as JSON text (checked to parse as jsonb),
-- positions WGS84 lon/lat degrees in double precision, integers bigint.
-- Keys are ordered bytewise (COLLATE "C"), as SQLite orders them, whatever the database locale.
-- References between rows of one import file are checked at commit (DEFERRABLE).

CREATE TABLE admin_areas (
    code        TEXT COLLATE "C" PRIMARY KEY,
    name        TEXT NOT NULL,
    level       TEXT NOT NULL CHECK (level IN ('district', 'town', 'community')),
    parent_code TEXT,
    geometry    TEXT NOT NULL CHECK (geometry::jsonb IS NOT NULL)
);

CREATE TABLE stations (
    id            TEXT COLLATE "C" PRIMARY KEY,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('deputy_liaison_station', 'member_workstation', 'liaison_point', 'online_station')),
    level         TEXT NOT NULL CHECK (level IN ('national', 'provincial', 'city', 'district', 'township')),
    town_code     TEXT,
    address       TEXT NOT NULL DEFAULT '',
    phone         TEXT NOT NULL DEFAULT '',
    opening_hours TEXT NOT NULL DEFAULT '',
    parent_id     TEXT REFERENCES stations (id) DEFERRABLE INITIALLY DEFERRED,
    lon           DOUBLE PRECISION NOT NULL CHECK (lon BETWEEN -180 AND 180),
    lat           DOUBLE PRECISION NOT NULL CHECK (lat BETWEEN -90 AND 90),
    url           TEXT NOT NULL DEFAULT '',
    -- JSON array of reception rules in their canonical text form
    reception     TEXT NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(reception::jsonb) = 'array')
);

CREATE INDEX stations_parent ON stations (parent_id);

CREATE TABLE members (
    id          TEXT COLLATE "C" PRIMARY KEY,
    name        TEXT NOT NULL,
    body        TEXT NOT NULL CHECK (body IN ('npc_deputy', 'cppcc_member')),
    level       TEXT NOT NULL CHECK (level IN ('national', 'provincial', 'city', 'district', 'township')),
    sector      TEXT NOT NULL DEFAULT '',
    occupation  TEXT NOT NULL DEFAULT '',
    station_id  TEXT REFERENCES stations (id) DEFERRABLE INITIALLY DEFERRED,
    term_start  TEXT,
    term_end    TEXT,
    CHECK (NOT (body = 'cppcc_member' AND level = 'township'))
);

CREATE INDEX members_station ON members (station_id);

CREATE TABLE grids (
    id          TEXT COLLATE "C" PRIMARY KEY,
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    station_id  TEXT REFERENCES stations (id) DEFERRABLE INITIALLY DEFERRED,
    town_code   TEXT,
    geometry    TEXT NOT NULL CHECK (geometry::jsonb IS NOT NULL)
);

CREATE INDEX grids_station ON grids (station_id);

CREATE TABLE grid_members (
    grid_id   TEXT NOT NULL REFERENCES grids (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    member_id TEXT NOT NULL REFERENCES members (id) DEFERRABLE INITIALLY DEFERRED,
    position  BIGINT NOT NULL,
    PRIMARY KEY (grid_id, member_id)
);

CREATE INDEX grid_members_member ON grid_members (member_id);

-- Bumped by every write to reference data, so that running servers know to rebuild their indexes.
CREATE TABLE catalog_version (
    id      BIGINT PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);

INSERT INTO catalog_version (id, version) VALUES (1, 0);

-- The opinion loop.
CREATE TABLE opinions (
    id             BIGSERIAL PRIMARY KEY,
    tracking_code  TEXT NOT NULL UNIQUE,
    category       TEXT NOT NULL CHECK (category IN ('property', 'garbage', 'parking', 'roads', 'noise', 'water',
                       'elderly', 'education', 'health', 'safety', 'business', 'environment', 'other')),
    title          TEXT NOT NULL,
    body           TEXT NOT NULL,
    lon            DOUBLE PRECISION NOT NULL CHECK (lon BETWEEN -180 AND 180),
    lat            DOUBLE PRECISION NOT NULL CHECK (lat BETWEEN -90 AND 90),
    channel        TEXT NOT NULL CHECK (channel IN ('visit', 'online', 'qr', 'hotline', 'open311')),
    anonymous      BIGINT NOT NULL CHECK (anonymous IN (0, 1)),
    contact_name   TEXT,
    contact_phone  TEXT,
    status         TEXT NOT NULL CHECK (status IN ('submitted', 'registered', 'assigned', 'in_progress', 'replied',
                       'closed', 'rejected')),
    version        BIGINT NOT NULL,
    town_code      TEXT,
    grid_id        TEXT,
    station_id     TEXT,
    -- JSON array of the responsible members' ids at routing time
    members        TEXT NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(members::jsonb) = 'array'),
    department     TEXT,
    due_date       TEXT,
    reply_route    TEXT CHECK (reply_route IN ('explain', 'direct_answer', 'after_consultation', 'referred_to_government')),
    reply          TEXT,
    rating         BIGINT CHECK (rating BETWEEN 1 AND 5),
    rating_comment TEXT,
    created_at     TEXT NOT NULL,
    registered_at  TEXT,
    replied_at     TEXT,
    closed_at      TEXT,
    -- The change number of the last write (see counters).
    seq            BIGINT NOT NULL DEFAULT 0,
    -- The id an imported opinion has in the system it came from; importing it again updates it.
    external_id    TEXT
);

CREATE INDEX opinions_status ON opinions (status);
CREATE INDEX opinions_station ON opinions (station_id);
CREATE INDEX opinions_grid ON opinions (grid_id);
CREATE INDEX opinions_category_place ON opinions (category, lat, lon);
CREATE INDEX opinions_seq ON opinions (seq);
CREATE UNIQUE INDEX opinions_external_id ON opinions (external_id) WHERE external_id IS NOT NULL;

CREATE TABLE opinion_events (
    id          BIGSERIAL PRIMARY KEY,
    opinion_id  BIGINT NOT NULL REFERENCES opinions (id),
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    event       TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT ''
);

CREATE INDEX opinion_events_opinion ON opinion_events (opinion_id, id);

-- Every write to `opinions` first takes numbers from this counter (its row lock makes the writers
-- of opinions take turns, so they commit in the order of their numbers) and stamps the rows it
-- writes with them in `seq`, so a reader can fetch exactly the rows changed since the number it
-- last saw, whichever process wrote them.
CREATE TABLE counters (
    name  TEXT COLLATE "C" PRIMARY KEY,
    value BIGINT NOT NULL
);

INSERT INTO counters (name, value) VALUES ('opinions', 0);

CREATE TABLE users (
    id                 BIGSERIAL PRIMARY KEY,
    username           TEXT NOT NULL UNIQUE,
    password_hash      TEXT NOT NULL,
    role               TEXT NOT NULL CHECK (role IN ('member', 'staff', 'leader', 'admin')),
    station_id         TEXT,
    member_id          TEXT,
    created_at         TEXT NOT NULL,
    disabled_at        TEXT,
    -- grows whenever the password changes or the login is disabled
    credential_version BIGINT NOT NULL DEFAULT 1
);

-- Bearer tokens for integrations, stored as SHA-256 hashes (the token itself is shown once).
CREATE TABLE api_tokens (
    id         BIGSERIAL PRIMARY KEY,
    name       TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL CHECK (role IN ('staff', 'leader', 'admin', 'integrator')),
    station_id TEXT,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

-- Map layers imported from files, each replaced whole by name: a JSON array of GeoJSON Features.
CREATE TABLE map_layers (
    name     TEXT COLLATE "C" PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 40),
    title    TEXT NOT NULL,
    features TEXT NOT NULL CHECK (jsonb_typeof(features::jsonb) = 'array')
);

-- Planning: the stored demand, replaced whole on import, and saved siting scenarios.
CREATE TABLE demand_points (
    id     TEXT COLLATE "C" PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
    lon    DOUBLE PRECISION NOT NULL CHECK (lon BETWEEN -180 AND 180),
    lat    DOUBLE PRECISION NOT NULL CHECK (lat BETWEEN -90 AND 90),
    weight DOUBLE PRECISION NOT NULL CHECK (weight >= 0)
);

CREATE TABLE planning_scenarios (
    name       TEXT COLLATE "C" PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 80),
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    plan       TEXT NOT NULL
);

-- Members' duty activities from the stations' ledgers; a patrol's path is GeoJSON LineString text.
CREATE TABLE activities (
    id           BIGSERIAL PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('reception', 'consultation', 'research', 'inspection', 'river_patrol')),
    station_id   TEXT NOT NULL REFERENCES stations (id),
    date         TEXT NOT NULL,
    start_time   TEXT,
    end_time     TEXT,
    visitors     BIGINT NOT NULL CHECK (visitors >= 0),
    title        TEXT NOT NULL CHECK (length(trim(title)) > 0),
    notes        TEXT NOT NULL DEFAULT '',
    river        TEXT,
    path         TEXT,
    observations TEXT,
    water_class  TEXT CHECK (water_class IN ('I', 'II', 'III', 'IV', 'V')),
    recorded_at  TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    -- references to a river patrol's photos as a JSON array of strings; '[]' for every other activity
    photos       TEXT NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(photos::jsonb) = 'array'),
    CHECK ((kind = 'river_patrol') = (river IS NOT NULL AND path IS NOT NULL)),
    CHECK (kind = 'river_patrol' OR (observations IS NULL AND water_class IS NULL))
);

CREATE INDEX activities_station_date ON activities (station_id, date);
CREATE INDEX activities_date ON activities (date);

CREATE TABLE activity_members (
    activity_id BIGINT NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    member_id   TEXT NOT NULL REFERENCES members (id),
    position    BIGINT NOT NULL,
    PRIMARY KEY (activity_id, member_id)
);

CREATE INDEX activity_members_member ON activity_members (member_id);

CREATE TABLE activity_opinions (
    activity_id BIGINT NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    opinion_id  BIGINT NOT NULL REFERENCES opinions (id),
    position    BIGINT NOT NULL,
    PRIMARY KEY (activity_id, opinion_id)
);

CREATE INDEX activity_opinions_opinion ON activity_opinions (opinion_id);

-- Published information: livelihood projects and service notices.
CREATE TABLE projects (
    id           BIGSERIAL PRIMARY KEY,
    title        TEXT NOT NULL CHECK (length(trim(title)) > 0),
    department   TEXT NOT NULL CHECK (length(trim(department)) > 0),
    description  TEXT NOT NULL DEFAULT '',
    budget_yuan  BIGINT CHECK (budget_yuan >= 0),
    progress     BIGINT NOT NULL CHECK (progress BETWEEN 0 AND 100),
    status       TEXT NOT NULL CHECK (status IN ('planned', 'under_way', 'completed')),
    year         BIGINT NOT NULL,
    lon          DOUBLE PRECISION CHECK (lon BETWEEN -180 AND 180),
    lat          DOUBLE PRECISION CHECK (lat BETWEEN -90 AND 90),
    town_code    TEXT REFERENCES admin_areas (code),
    grid_id      TEXT REFERENCES grids (id),
    published_at TEXT NOT NULL,
    published_by TEXT NOT NULL,
    CHECK ((lon IS NULL) = (lat IS NULL)),
    CHECK (lon IS NOT NULL OR town_code IS NOT NULL OR grid_id IS NOT NULL)
);

CREATE INDEX projects_town ON projects (town_code);
CREATE INDEX projects_year ON projects (year);

CREATE TABLE project_members (
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    member_id  TEXT NOT NULL REFERENCES members (id),
    position   BIGINT NOT NULL,
    PRIMARY KEY (project_id, member_id)
);

CREATE INDEX project_members_member ON project_members (member_id);

CREATE TABLE project_updates (
    id          BIGSERIAL PRIMARY KEY,
    project_id  BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    date        TEXT NOT NULL,
    text        TEXT NOT NULL CHECK (length(trim(text)) > 0),
    progress    BIGINT NOT NULL CHECK (progress BETWEEN 0 AND 100),
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL
);

CREATE INDEX project_updates_project ON project_updates (project_id, date);

CREATE TABLE notices (
    id           BIGSERIAL PRIMARY KEY,
    title        TEXT NOT NULL CHECK (length(trim(title)) > 0),
    body         TEXT NOT NULL CHECK (length(trim(body)) > 0),
    published    TEXT NOT NULL,
    expires      TEXT CHECK (expires IS NULL OR expires >= published),
    scope        TEXT NOT NULL CHECK (scope IN ('district', 'town', 'stations')),
    town_code    TEXT REFERENCES admin_areas (code),
    recorded_at  TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    CHECK ((scope = 'town') = (town_code IS NOT NULL))
);

CREATE INDEX notices_published ON notices (published);

CREATE TABLE notice_stations (
    notice_id  BIGINT NOT NULL REFERENCES notices (id) ON DELETE CASCADE,
    station_id TEXT NOT NULL REFERENCES stations (id),
    position   BIGINT NOT NULL,
    PRIMARY KEY (notice_id, station_id)
);

CREATE INDEX notice_stations_station ON notice_stations (station_id);

-- Accepted reception rotas: one row per station and session start (RFC 3339 in +08:00).
CREATE TABLE rota_acceptances (
    station_id    TEXT NOT NULL REFERENCES stations (id),
    session_start TEXT NOT NULL,
    members       TEXT NOT NULL CHECK (jsonb_typeof(members::jsonb) = 'array' AND jsonb_array_length(members::jsonb) > 0),
    decided_by    TEXT NOT NULL,
    decided_at    TEXT NOT NULL,
    PRIMARY KEY (station_id, session_start)
);

-- Citizens' photos of an opinion; the image is a file named by its SHA-256 in the photo directory.
CREATE TABLE photos (
    id          BIGSERIAL PRIMARY KEY,
    opinion_id  BIGINT NOT NULL REFERENCES opinions (id),
    hash        TEXT NOT NULL CHECK (length(hash) = 64),
    width       BIGINT NOT NULL CHECK (width > 0),
    height      BIGINT NOT NULL CHECK (height > 0),
    bytes       BIGINT NOT NULL CHECK (bytes > 0),
    uploaded_at TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_by  TEXT,
    decided_at  TEXT,
    UNIQUE (opinion_id, hash)
);

CREATE INDEX photos_hash ON photos (hash);
CREATE INDEX photos_approved ON photos (opinion_id, id) WHERE status = 'approved';

-- Webhooks and the transactional outbox (times UTC RFC 3339 with milliseconds and a Z).
CREATE TABLE webhooks (
    id          BIGSERIAL PRIMARY KEY,
    url         TEXT NOT NULL,
    events      TEXT NOT NULL CHECK (events::jsonb IS NOT NULL),
    secret      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    deleted_at  TEXT
);

CREATE TABLE outbox (
    id              BIGSERIAL PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('webhook', 'notice')),
    event_id        TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    payload         TEXT NOT NULL CHECK (payload::jsonb IS NOT NULL),
    -- kind webhook: the webhook's id
    target          TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    delivered_at    TEXT,
    last_error      TEXT
);

CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE delivered_at IS NULL AND next_attempt_at IS NOT NULL;
CREATE INDEX outbox_target ON outbox (kind, target, id);

CREATE TABLE outbox_attempts (
    id          BIGSERIAL PRIMARY KEY,
    outbox_id   BIGINT NOT NULL REFERENCES outbox (id),
    at          TEXT NOT NULL,
    status_code BIGINT,
    error       TEXT,
    duration_ms BIGINT NOT NULL
);

CREATE INDEX outbox_attempts_row ON outbox_attempts (outbox_id, id);
