-- Tandem on PostgreSQL: the same tables as SQLite's migrations 0001-0006 reach, in one step.
-- Ids are text (UUIDs) and times unix milliseconds, as there, so the statements in store/ run
-- unchanged on both.

CREATE TABLE people (
    id              TEXT PRIMARY KEY,
    role            TEXT NOT NULL CHECK (role IN ('young_person', 'key_worker', 'drop_in_staff', 'admin')),
    name            TEXT,                            -- NULL for a young person who has not joined yet
    display_name    TEXT NOT NULL,
    secret_hash     TEXT,                            -- argon2 PHC string of password / PIN
    token_version   BIGINT NOT NULL DEFAULT 0,       -- bumped to end every session at once
    failed_signins  BIGINT NOT NULL DEFAULT 0,
    locked_until    BIGINT NOT NULL DEFAULT 0,       -- unix ms
    created_at      BIGINT NOT NULL
);
-- Names are unique without regard to case, and looked up by lower(name).
CREATE UNIQUE INDEX people_by_lower_name ON people (lower(name));

CREATE TABLE assignments (
    worker_id       TEXT NOT NULL REFERENCES people(id),
    young_person_id TEXT NOT NULL REFERENCES people(id),
    since           BIGINT NOT NULL,
    PRIMARY KEY (worker_id, young_person_id)
);
CREATE INDEX assignments_by_young_person ON assignments(young_person_id);

CREATE TABLE former_assignments (
    worker_id       TEXT NOT NULL REFERENCES people(id),
    young_person_id TEXT NOT NULL REFERENCES people(id),
    ended_at        BIGINT NOT NULL,
    PRIMARY KEY (worker_id, young_person_id)
);

CREATE TABLE invites (
    code_hash       TEXT PRIMARY KEY,                -- sha256 of the code; the code itself is never stored
    young_person_id TEXT NOT NULL REFERENCES people(id),
    created_by      TEXT NOT NULL REFERENCES people(id),
    expires_at      BIGINT NOT NULL,
    used_at         BIGINT
);

CREATE TABLE sessions (
    id              TEXT PRIMARY KEY,
    person_id       TEXT NOT NULL REFERENCES people(id),
    device_id       TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    revoked_at      BIGINT
);
CREATE INDEX sessions_by_person ON sessions(person_id);
CREATE TABLE refresh_tokens (
    token_hash      TEXT PRIMARY KEY,
    session_id      TEXT NOT NULL REFERENCES sessions(id),
    expires_at      BIGINT NOT NULL,
    used_at         BIGINT
);
CREATE INDEX refresh_tokens_by_session ON refresh_tokens(session_id);

-- Failed sign-ins per network address: shared by every replica.
CREATE TABLE signin_failures (
    address         TEXT PRIMARY KEY,
    failures        BIGINT NOT NULL,
    window_start    BIGINT NOT NULL
);

-- Each device's last applied operation number moves in the same transaction as the changes;
-- a push locks its device's row, so a retry on another replica waits for the first attempt.
CREATE TABLE devices (
    id              TEXT PRIMARY KEY,
    person_id       TEXT NOT NULL REFERENCES people(id),
    last_seq        BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE applied_ops (
    device_id       TEXT NOT NULL REFERENCES devices(id),
    seq             BIGINT NOT NULL,
    result          TEXT NOT NULL,
    PRIMARY KEY (device_id, seq)
);

-- The change feed's counter: one row, locked by whoever takes numbers until they commit, so
-- changes commit in the order of their numbers and a pull never skips one.
CREATE TABLE change_seq (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    value           BIGINT NOT NULL
);
INSERT INTO change_seq (id, value) VALUES (1, 0);

CREATE TABLE latest_clock (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    ms              BIGINT NOT NULL
);
INSERT INTO latest_clock (id, ms) VALUES (1, 0);

CREATE TABLE records (
    id              TEXT PRIMARY KEY,
    owner_id        TEXT NOT NULL REFERENCES people(id),
    kind            TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    created_stamp   TEXT NOT NULL,
    owner_touched   BOOLEAN NOT NULL,
    visibility      TEXT NOT NULL,
    widest_visibility TEXT NOT NULL,
    deleted         BOOLEAN NOT NULL,
    changed_seq     BIGINT NOT NULL
);
CREATE INDEX records_by_owner_change ON records(owner_id, changed_seq);
CREATE INDEX records_team_by_change ON records(changed_seq) WHERE widest_visibility = 'team';

CREATE TABLE fields (
    record_id       TEXT NOT NULL REFERENCES records(id),
    name            TEXT NOT NULL,
    state           TEXT NOT NULL,
    PRIMARY KEY (record_id, name)
);

CREATE TABLE conflicts (
    record_id       TEXT NOT NULL REFERENCES records(id),
    field           TEXT NOT NULL,
    stamp           TEXT NOT NULL,
    state           TEXT NOT NULL,
    PRIMARY KEY (record_id, field, stamp)
);

-- Append-only: no API updates or deletes it, and the database refuses to.
CREATE TABLE access_log (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    young_person_id TEXT NOT NULL REFERENCES people(id),
    actor_id        TEXT NOT NULL REFERENCES people(id),
    action          TEXT NOT NULL CHECK (action IN ('read', 'change')),
    records         BIGINT NOT NULL,
    at              BIGINT NOT NULL
);
CREATE INDEX access_log_by_young_person ON access_log(young_person_id, id);
CREATE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'access log is append-only';
END
$$;
CREATE TRIGGER access_log_no_change BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION access_log_append_only();

CREATE TABLE alerts (
    id              TEXT PRIMARY KEY,
    young_person_id TEXT NOT NULL REFERENCES people(id),
    raised_at       BIGINT NOT NULL,
    received_at     BIGINT NOT NULL,
    seen_by         TEXT REFERENCES people(id),
    seen_at         BIGINT
);
CREATE INDEX alerts_by_young_person ON alerts(young_person_id, received_at);
