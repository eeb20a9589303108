-- Shared tablets an admin registered by name. A tablet proves it is one with a key it keeps (its
-- hash is here); sessions signed in on it say so, for "last seen" and for ending them all when
-- a tablet is lost.
CREATE TABLE tablets (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    key_hash        TEXT NOT NULL UNIQUE,
    registered_at   INTEGER NOT NULL,
    registered_by   TEXT REFERENCES people(id)
);
ALTER TABLE sessions ADD COLUMN tablet_id TEXT REFERENCES tablets(id);
