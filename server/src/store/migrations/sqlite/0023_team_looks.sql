-- When a drop-in staff member last looked at a young person's page, as the latest change they
-- saw there (unix ms): "new since you last looked" for what is shared with the team, on every
-- device of theirs and after lending a shared tablet (which keeps nothing of theirs). Key
-- workers' looks are on their assignments (0021). Ids and a time: no words. Goes with the
-- young person (erased).
CREATE TABLE team_looks (
    staff_id        TEXT NOT NULL REFERENCES people(id),
    young_person_id TEXT NOT NULL REFERENCES people(id),
    looked_at       INTEGER NOT NULL,
    PRIMARY KEY (staff_id, young_person_id)
) WITHOUT ROWID;
CREATE INDEX team_looks_by_young_person ON team_looks(young_person_id);
