-- A young person's data has an end: when they ask (after a cooling-off) or after their case is
-- closed (after the organisation's retention period). Both are times; the due date is worked out
-- from the settings of the day, so a changed retention period applies to cases already closed.
ALTER TABLE people ADD COLUMN case_closed_at BIGINT;         -- unix ms; NULL: open
ALTER TABLE people ADD COLUMN erasure_asked_at BIGINT;       -- unix ms; NULL: not asked
-- Set inside the erasing transaction only: lets that transaction remove their access log.
ALTER TABLE people ADD COLUMN erasing BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX people_erasure_due ON people(role) WHERE case_closed_at IS NOT NULL OR erasure_asked_at IS NOT NULL;

-- Records erased with their owner: only the random id and a change number, so the devices that
-- held them drop them at their next pull. No owner, no content.
CREATE TABLE erased_records (
    record_id       TEXT PRIMARY KEY,
    changed_seq     BIGINT NOT NULL
);
CREATE INDEX erased_records_by_change ON erased_records(changed_seq);

-- What admins did, and what the server erased: who, what, when; never anyone's words or a young
-- person's name. Append-only, like the access log.
CREATE TABLE audit_log (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at              BIGINT NOT NULL,
    actor_id        TEXT,                            -- NULL: the server itself (the retention job)
    action          TEXT NOT NULL,
    subject_id      TEXT,
    detail          TEXT NOT NULL
);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit log is append-only';
END
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- The access log stays append-only, except that erasing a young person removes theirs.
CREATE OR REPLACE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM people WHERE id = OLD.young_person_id AND erasing) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'access log is append-only';
END
$$;
