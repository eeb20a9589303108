-- A key worker no longer assigned to a young person. Their devices still hold what was shared
-- with them; the next pull sends those records back as removals (see store::sync::pull).
CREATE TABLE former_assignments (
    worker_id       TEXT NOT NULL REFERENCES people(id),
    young_person_id TEXT NOT NULL REFERENCES people(id),
    ended_at        INTEGER NOT NULL,
    PRIMARY KEY (worker_id, young_person_id)
);
