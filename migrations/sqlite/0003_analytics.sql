-- Change tracking for the in-memory analytics, and bulk imports of opinions.

-- Every write to `opinions` first takes numbers from this counter (which also makes it the one
-- writer) and stamps the rows it writes with them in `seq`, so a reader can fetch exactly the rows
-- changed since the number it last saw, whichever process wrote them.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) STRICT;

INSERT INTO counters (name, value) SELECT 'opinions', coalesce(max(id), 0) FROM opinions;

ALTER TABLE opinions ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE opinions SET seq = id;
CREATE INDEX opinions_seq ON opinions (seq);

-- The id an imported opinion has in the system it came from; importing it again updates it.
ALTER TABLE opinions ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX opinions_external_id ON opinions (external_id) WHERE external_id IS NOT NULL;
