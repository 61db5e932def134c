-- Planning: the stored demand (residents by community, imported or from the sample), replaced
-- whole on import, and saved siting scenarios. Positions are WGS84 lon/lat degrees.

CREATE TABLE demand_points (
    id     TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
    lon    REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
    lat    REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    weight REAL NOT NULL CHECK (weight >= 0)
) STRICT;

-- A saved plan under a planner's name for it: the answer as JSON, with the inputs it echoes.
CREATE TABLE planning_scenarios (
    name       TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 80),
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    plan       TEXT NOT NULL
) STRICT;
