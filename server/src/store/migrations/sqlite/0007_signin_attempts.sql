-- Failed sign-ins are counted per name typed, whether or not anyone has that name, so an unknown
-- name is slowed and locked exactly as a known one is and nobody can learn which names exist.
-- Keyed by a hash of the lower-cased name: the names people tried are not kept as typed.
CREATE TABLE signin_attempts (
    name_hash       TEXT PRIMARY KEY,
    failures        INTEGER NOT NULL,
    locked_until    INTEGER NOT NULL                 -- unix ms
);
ALTER TABLE people DROP COLUMN failed_signins;
ALTER TABLE people DROP COLUMN locked_until;
