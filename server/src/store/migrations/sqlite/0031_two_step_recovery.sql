-- One-time recovery codes for two-step sign-in: a staff member whose phone is lost, broken or
-- left at home signs in with one instead of the app's code, without waiting for an admin. Kept
-- only as hashes (each is random, 59 bits, so a fast hash is enough); one used is deleted.
CREATE TABLE two_step_recovery (
    person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    PRIMARY KEY (person_id, code_hash)
);
