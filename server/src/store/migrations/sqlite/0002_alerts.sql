-- "I don't feel safe right now": raised by a young person, seen by one of their key workers.
CREATE TABLE alerts (
    id              TEXT PRIMARY KEY,                -- made on the phone, so a resend is the same alert
    young_person_id TEXT NOT NULL REFERENCES people(id),
    raised_at       INTEGER NOT NULL,                -- when the young person pressed it (their clock)
    received_at     INTEGER NOT NULL,
    seen_by         TEXT REFERENCES people(id),
    seen_at         INTEGER
);
CREATE INDEX alerts_by_young_person ON alerts(young_person_id, received_at);
