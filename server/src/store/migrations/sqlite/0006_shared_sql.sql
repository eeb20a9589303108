-- Names are matched with lower(name) = lower(?), the spelling PostgreSQL shares; this index
-- serves it (the column's NOCASE unique constraint still refuses a second "Ash" for "ash").
CREATE INDEX people_by_lower_name ON people(lower(name));
-- Failed sign-ins per network address, in the database so the limit survives a restart and,
-- on PostgreSQL, holds across replicas.
CREATE TABLE signin_failures (
    address         TEXT PRIMARY KEY,
    failures        INTEGER NOT NULL,
    window_start    INTEGER NOT NULL                 -- unix ms
);
