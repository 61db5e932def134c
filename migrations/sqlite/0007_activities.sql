-- Members' duty activities (履职活动) from the stations' ledgers: receptions, consultations,
-- research visits, inspections and river patrols. Dates are YYYY-MM-DD and times HH:MM:SS
-- (Asia/Shanghai); a patrol's path is a GeoJSON LineString in WGS84 lon/lat degrees.

CREATE TABLE activities (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('reception', 'consultation', 'research', 'inspection', 'river_patrol')),
    station_id   TEXT NOT NULL REFERENCES stations (id),
    date         TEXT NOT NULL,
    start_time   TEXT,
    end_time     TEXT,
    visitors     INTEGER NOT NULL CHECK (visitors >= 0),
    title        TEXT NOT NULL CHECK (length(trim(title)) > 0),
    notes        TEXT NOT NULL DEFAULT '',
    river        TEXT,
    path         TEXT,
    observations TEXT,
    water_class  TEXT CHECK (water_class IN ('I', 'II', 'III', 'IV', 'V')),
    recorded_at  TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    -- A patrol (river and path) exactly for a river patrol.
    CHECK ((kind = 'river_patrol') = (river IS NOT NULL AND path IS NOT NULL)),
    CHECK (kind = 'river_patrol' OR (observations IS NULL AND water_class IS NULL))
) STRICT;

CREATE INDEX activities_station_date ON activities (station_id, date);
CREATE INDEX activities_date ON activities (date);

-- The members present, in the ledger's order.
CREATE TABLE activity_members (
    activity_id INTEGER NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    member_id   TEXT NOT NULL REFERENCES members (id),
    position    INTEGER NOT NULL,
    PRIMARY KEY (activity_id, member_id)
) STRICT;

CREATE INDEX activity_members_member ON activity_members (member_id);

-- The opinions taken down at an activity.
CREATE TABLE activity_opinions (
    activity_id INTEGER NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    opinion_id  INTEGER NOT NULL REFERENCES opinions (id),
    position    INTEGER NOT NULL,
    PRIMARY KEY (activity_id, opinion_id)
) STRICT;

CREATE INDEX activity_opinions_opinion ON activity_opinions (opinion_id);
