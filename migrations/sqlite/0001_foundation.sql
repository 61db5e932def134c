-- Reference data: admin areas, stations, members, grid areas.
-- Geometries are GeoJSON geometry objects in WGS84 lon/lat degrees.
-- References between rows of one import file are checked at commit (DEFERRABLE).

CREATE TABLE admin_areas (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    level       TEXT NOT NULL CHECK (level IN ('district', 'town', 'community')),
    parent_code TEXT,
    geometry    TEXT NOT NULL
) STRICT;

CREATE TABLE stations (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('deputy_liaison_station', 'member_workstation', 'liaison_point', 'online_station')),
    level         TEXT NOT NULL CHECK (level IN ('national', 'provincial', 'city', 'district', 'township')),
    town_code     TEXT,
    address       TEXT NOT NULL DEFAULT '',
    phone         TEXT NOT NULL DEFAULT '',
    opening_hours TEXT NOT NULL DEFAULT '',
    parent_id     TEXT REFERENCES stations (id) DEFERRABLE INITIALLY DEFERRED,
    lon           REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
    lat           REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    url           TEXT NOT NULL DEFAULT '',
    -- JSON array of reception rules in their canonical text form
    reception     TEXT NOT NULL DEFAULT '[]'
) STRICT;

-- Child keys are indexed: without them each insert of a parent scans the table to settle the
-- deferred foreign-key checks, which makes large imports quadratic.
CREATE INDEX stations_parent ON stations (parent_id);

CREATE TABLE members (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    body        TEXT NOT NULL CHECK (body IN ('npc_deputy', 'cppcc_member')),
    level       TEXT NOT NULL CHECK (level IN ('national', 'provincial', 'city', 'district', 'township')),
    sector      TEXT NOT NULL DEFAULT '',
    occupation  TEXT NOT NULL DEFAULT '',
    station_id  TEXT REFERENCES stations (id) DEFERRABLE INITIALLY DEFERRED,
    term_start  TEXT,
    term_end    TEXT,
    CHECK (NOT (body = 'cppcc_member' AND level = 'township'))
) STRICT;

CREATE INDEX members_station ON members (station_id);

CREATE TABLE grids (
    id          TEXT PRIMARY KEY,
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    station_id  TEXT REFERENCES stations (id) DEFERRABLE INITIALLY DEFERRED,
    town_code   TEXT,
    geometry    TEXT NOT NULL
) STRICT;

CREATE INDEX grids_station ON grids (station_id);

CREATE TABLE grid_members (
    grid_id   TEXT NOT NULL REFERENCES grids (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    member_id TEXT NOT NULL REFERENCES members (id) DEFERRABLE INITIALLY DEFERRED,
    position  INTEGER NOT NULL,
    PRIMARY KEY (grid_id, member_id)
) STRICT;

CREATE INDEX grid_members_member ON grid_members (member_id);

-- Bumped by every write to reference data, so that running servers know to rebuild their indexes.
CREATE TABLE catalog_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
) STRICT;

INSERT INTO catalog_version (id, version) VALUES (1, 0);
