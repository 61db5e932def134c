-- References to a river patrol's photos (http(s) URLs or paths on this server), as a JSON array of
-- strings; '[]' for every other activity.
ALTER TABLE activities ADD COLUMN photos TEXT NOT NULL DEFAULT '[]';
