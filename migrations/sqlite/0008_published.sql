-- Information the district publishes once for every station and the map (一次发布、全区同步):
-- livelihood projects (民生实事) with their supervising members and public updates, and service
-- notices (服务信息) for the district, a town or a list of stations. Dates are YYYY-MM-DD
-- (Asia/Shanghai); a project's point is WGS84 lon/lat degrees; budgets are whole yuan.

CREATE TABLE projects (
    id           INTEGER PRIMARY KEY,
    title        TEXT NOT NULL CHECK (length(trim(title)) > 0),
    department   TEXT NOT NULL CHECK (length(trim(department)) > 0),
    description  TEXT NOT NULL DEFAULT '',
    budget_yuan  INTEGER CHECK (budget_yuan >= 0),
    progress     INTEGER NOT NULL CHECK (progress BETWEEN 0 AND 100),
    status       TEXT NOT NULL CHECK (status IN ('planned', 'under_way', 'completed')),
    year         INTEGER NOT NULL,
    lon          REAL CHECK (lon BETWEEN -180 AND 180),
    lat          REAL CHECK (lat BETWEEN -90 AND 90),
    town_code    TEXT REFERENCES admin_areas (code),
    grid_id      TEXT REFERENCES grids (id),
    published_at TEXT NOT NULL,
    published_by TEXT NOT NULL,
    CHECK ((lon IS NULL) = (lat IS NULL)),
    -- A place: a point, a town or a grid area.
    CHECK (lon IS NOT NULL OR town_code IS NOT NULL OR grid_id IS NOT NULL)
) STRICT;

CREATE INDEX projects_town ON projects (town_code);
CREATE INDEX projects_year ON projects (year);

-- The members supervising a project, in the publisher's order.
CREATE TABLE project_members (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    member_id  TEXT NOT NULL REFERENCES members (id),
    position   INTEGER NOT NULL,
    PRIMARY KEY (project_id, member_id)
) STRICT;

CREATE INDEX project_members_member ON project_members (member_id);

-- Public progress updates, oldest first by date then id.
CREATE TABLE project_updates (
    id          INTEGER PRIMARY KEY,
    project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    date        TEXT NOT NULL,
    text        TEXT NOT NULL CHECK (length(trim(text)) > 0),
    progress    INTEGER NOT NULL CHECK (progress BETWEEN 0 AND 100),
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL
) STRICT;

CREATE INDEX project_updates_project ON project_updates (project_id, date);

CREATE TABLE notices (
    id           INTEGER PRIMARY KEY,
    title        TEXT NOT NULL CHECK (length(trim(title)) > 0),
    body         TEXT NOT NULL CHECK (length(trim(body)) > 0),
    published    TEXT NOT NULL,
    expires      TEXT CHECK (expires IS NULL OR expires >= published),
    scope        TEXT NOT NULL CHECK (scope IN ('district', 'town', 'stations')),
    town_code    TEXT REFERENCES admin_areas (code),
    recorded_at  TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    CHECK ((scope = 'town') = (town_code IS NOT NULL))
) STRICT;

CREATE INDEX notices_published ON notices (published);

-- The stations a notice of scope 'stations' lists.
CREATE TABLE notice_stations (
    notice_id  INTEGER NOT NULL REFERENCES notices (id) ON DELETE CASCADE,
    station_id TEXT NOT NULL REFERENCES stations (id),
    position   INTEGER NOT NULL,
    PRIMARY KEY (notice_id, station_id)
) STRICT;

CREATE INDEX notice_stations_station ON notice_stations (station_id);
