-- Each copy of everything held about a young person the service made (`tandem subject-access`):
-- when, and nothing else. Their "who has seen my things" shows it beside every worker's look,
-- since a copy may be asked for on their behalf. Erased with them.
CREATE TABLE copies_made (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    young_person_id TEXT NOT NULL REFERENCES people(id),
    records         INTEGER NOT NULL,
    at              INTEGER NOT NULL
);
CREATE INDEX copies_made_by_young_person ON copies_made(young_person_id);
