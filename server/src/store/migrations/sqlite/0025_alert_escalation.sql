-- An alert nobody has seen for a while is told to the duty worker too, if the service asks for
-- it (after how many minutes; NULL: never). When that happened (unix ms): once per alert, by
-- whichever replica's round gets there first.
ALTER TABLE service_settings ADD COLUMN escalate_after_minutes INTEGER;
ALTER TABLE alerts ADD COLUMN escalated_at INTEGER;
CREATE INDEX alerts_unseen ON alerts(received_at) WHERE seen_at IS NULL AND escalated_at IS NULL;
