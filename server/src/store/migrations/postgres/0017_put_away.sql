-- Notices someone has put away, for all their devices: see the SQLite migration 0022.
CREATE TABLE put_away (
    person_id       TEXT NOT NULL REFERENCES people(id),
    record_id       TEXT NOT NULL REFERENCES records(id),
    notice          TEXT NOT NULL,
    PRIMARY KEY (person_id, record_id, notice)
);
CREATE INDEX put_away_by_record ON put_away(record_id);
