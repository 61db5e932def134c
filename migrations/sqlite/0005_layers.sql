-- Map layers imported from files (rivers, public services, livelihood projects), each replaced
-- whole by name. `features` is a JSON array of GeoJSON Features, positions in WGS84 lon/lat.

CREATE TABLE map_layers (
    name     TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 40),
    title    TEXT NOT NULL,
    features TEXT NOT NULL
) STRICT;
