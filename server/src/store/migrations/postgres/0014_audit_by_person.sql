-- Reading one person's audit entries: see the SQLite migration 0019.
CREATE INDEX audit_log_by_subject ON audit_log (subject_id, id);
CREATE INDEX audit_log_by_actor ON audit_log (actor_id, id);
