-- The audit log is never pruned (admins can read it, not edit it), so reading one person's
-- entries (done by them or to them) goes through these, not along every entry there is.
CREATE INDEX audit_log_by_subject ON audit_log (subject_id, id);
CREATE INDEX audit_log_by_actor ON audit_log (actor_id, id);
