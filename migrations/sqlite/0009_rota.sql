-- Accepted reception rotas (接待排班): the members staff chose for one coming session of a
-- station, in place of the members its calendar rule names. One row per station and session
-- start; removing the row returns the session to the rule. Times are RFC 3339 in +08:00
-- (Asia/Shanghai); members is a JSON array of member ids in the order chosen.

CREATE TABLE rota_acceptances (
    station_id    TEXT NOT NULL REFERENCES stations (id),
    session_start TEXT NOT NULL,
    members       TEXT NOT NULL CHECK (json_valid(members) AND json_type(members) = 'array' AND json_array_length(members) > 0),
    decided_by    TEXT NOT NULL,
    decided_at    TEXT NOT NULL,
    PRIMARY KEY (station_id, session_start)
) STRICT;
