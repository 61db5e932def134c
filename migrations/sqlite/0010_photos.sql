-- Citizens' photos of an opinion. The image itself is a file named by its SHA-256 in the photo
-- directory (`--photo-dir`); a row is written only after its file. Times are RFC 3339 text.

CREATE TABLE photos (
    id          INTEGER PRIMARY KEY,
    opinion_id  INTEGER NOT NULL REFERENCES opinions (id),
    -- SHA-256 of the stored JPEG, 64 lowercase hex digits
    hash        TEXT NOT NULL CHECK (length(hash) = 64),
    width       INTEGER NOT NULL CHECK (width > 0),
    height      INTEGER NOT NULL CHECK (height > 0),
    bytes       INTEGER NOT NULL CHECK (bytes > 0),
    uploaded_at TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    -- the actor of the last decision, and when
    decided_by  TEXT,
    decided_at  TEXT,
    UNIQUE (opinion_id, hash)
) STRICT;

CREATE INDEX photos_hash ON photos (hash);
CREATE INDEX photos_approved ON photos (opinion_id, id) WHERE status = 'approved';
