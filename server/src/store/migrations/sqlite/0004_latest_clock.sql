-- The highest clock any stored write carries, kept by each push, so start-up reads one row
-- instead of every field (and field states can be stored in a compact form, see store::encode).
-- Losing values count too: a worker's kept version can carry a later clock than the winner.
CREATE TABLE latest_clock (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    ms              INTEGER NOT NULL
);
INSERT INTO latest_clock (id, ms)
SELECT 1, coalesce(max(ms), 0) FROM (
    SELECT max(json_extract(state, '$.stamp.hlc.ms')) AS ms FROM fields
    UNION ALL SELECT max(json_extract(state, '$.stamp.hlc.ms')) FROM conflicts
);
