-- Run from the admin console: someone deactivated (they can't sign in; their history stays), a
-- first password that must be changed at first sign-in, and who is told when a young person with
-- no key worker says they don't feel safe.
ALTER TABLE people ADD COLUMN deactivated_at BIGINT;
ALTER TABLE people ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
CREATE TABLE service_settings (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    duty_worker_id  TEXT REFERENCES people(id)       -- NULL: nobody; the app tells the young person so
);
INSERT INTO service_settings (id) VALUES (1);
