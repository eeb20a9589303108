-- People: young people, key workers, drop-in staff, admins. One organisation per server.
CREATE TABLE people (
    id              TEXT PRIMARY KEY,
    role            TEXT NOT NULL CHECK (role IN ('young_person', 'key_worker', 'drop_in_staff', 'admin')),
    name            TEXT UNIQUE COLLATE NOCASE,      -- NULL for a young person who has not joined yet
    display_name    TEXT NOT NULL,
    secret_hash     TEXT,                            -- argon2 PHC string of password / PIN
    token_version   INTEGER NOT NULL DEFAULT 0,      -- bumped to end every session at once
    failed_signins  INTEGER NOT NULL DEFAULT 0,
    locked_until    INTEGER NOT NULL DEFAULT 0,      -- unix ms
    created_at      INTEGER NOT NULL
);

CREATE TABLE assignments (
    worker_id       TEXT NOT NULL REFERENCES people(id),
    young_person_id TEXT NOT NULL REFERENCES people(id),
    since           INTEGER NOT NULL,
    PRIMARY KEY (worker_id, young_person_id)
);
CREATE INDEX assignments_by_young_person ON assignments(young_person_id);

CREATE TABLE invites (
    code_hash       TEXT PRIMARY KEY,                -- sha256 of the code; the code itself is never stored
    young_person_id TEXT NOT NULL REFERENCES people(id),
    created_by      TEXT NOT NULL REFERENCES people(id),
    expires_at      INTEGER NOT NULL,
    used_at         INTEGER
);

-- A session is one signed-in device; its refresh tokens rotate within a family.
CREATE TABLE sessions (
    id              TEXT PRIMARY KEY,
    person_id       TEXT NOT NULL REFERENCES people(id),
    device_id       TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    revoked_at      INTEGER
);
CREATE TABLE refresh_tokens (
    token_hash      TEXT PRIMARY KEY,
    session_id      TEXT NOT NULL REFERENCES sessions(id),
    expires_at      INTEGER NOT NULL,
    used_at         INTEGER
);
CREATE INDEX refresh_tokens_by_session ON refresh_tokens(session_id);

-- Each device numbers its operations; the last applied number moves in the same transaction
-- as the changes, so a retried batch is applied once.
CREATE TABLE devices (
    id              TEXT PRIMARY KEY,
    person_id       TEXT NOT NULL REFERENCES people(id),
    last_seq        INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE applied_ops (
    device_id       TEXT NOT NULL REFERENCES devices(id),
    seq             INTEGER NOT NULL,
    result          TEXT NOT NULL,                   -- the answer given, repeated on retry
    PRIMARY KEY (device_id, seq)
) WITHOUT ROWID;

-- The change feed: every write to a record takes the next number.
CREATE TABLE change_seq (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    value           INTEGER NOT NULL
);
INSERT INTO change_seq (id, value) VALUES (1, 0);

CREATE TABLE records (
    id              TEXT PRIMARY KEY,
    owner_id        TEXT NOT NULL REFERENCES people(id),
    kind            TEXT NOT NULL,
    created_by      TEXT NOT NULL,                   -- JSON Author
    created_stamp   TEXT NOT NULL,                   -- JSON Stamp
    owner_touched   INTEGER NOT NULL,
    visibility      TEXT NOT NULL,                   -- denormalised from the field, for access queries
    widest_visibility TEXT NOT NULL,                 -- widest it has ever been: who may need a removal
    deleted         INTEGER NOT NULL,
    changed_seq     INTEGER NOT NULL
);
CREATE INDEX records_by_owner_change ON records(owner_id, changed_seq);
CREATE INDEX records_by_change ON records(changed_seq);

-- Records by field: each field's value with its version (stamp), base and last writer.
CREATE TABLE fields (
    record_id       TEXT NOT NULL REFERENCES records(id),
    name            TEXT NOT NULL,
    state           TEXT NOT NULL,                   -- JSON FieldState
    PRIMARY KEY (record_id, name)
) WITHOUT ROWID;

-- Losing values, kept and shown to both sides.
CREATE TABLE conflicts (
    record_id       TEXT NOT NULL REFERENCES records(id),
    field           TEXT NOT NULL,
    stamp           TEXT NOT NULL,
    state           TEXT NOT NULL,                   -- JSON FieldState
    PRIMARY KEY (record_id, field, stamp)
) WITHOUT ROWID;

-- Who read or changed a young person's records. Append-only: no API updates or deletes it.
CREATE TABLE access_log (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    young_person_id TEXT NOT NULL REFERENCES people(id),
    actor_id        TEXT NOT NULL REFERENCES people(id),
    action          TEXT NOT NULL CHECK (action IN ('read', 'change')),
    records         INTEGER NOT NULL,
    at              INTEGER NOT NULL
);
CREATE INDEX access_log_by_young_person ON access_log(young_person_id, id);
CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log BEGIN SELECT RAISE(ABORT, 'access log is append-only'); END;
CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log BEGIN SELECT RAISE(ABORT, 'access log is append-only'); END;
