-- When a drop-in staff member last looked at a young person's page: see the SQLite migration 0023.
CREATE TABLE team_looks (
    staff_id        TEXT NOT NULL REFERENCES people(id),
    young_person_id TEXT NOT NULL REFERENCES people(id),
    looked_at       BIGINT NOT NULL,
    PRIMARY KEY (staff_id, young_person_id)
);
CREATE INDEX team_looks_by_young_person ON team_looks(young_person_id);
