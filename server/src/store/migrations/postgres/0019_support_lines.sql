-- Who a young person can talk to now (a helpline's name, number and hours), set by the service
-- and shown beside "I don't feel safe right now": an alert waits for a key worker to look, and a
-- helpline answers at night. A JSON list; no one's words or names.
ALTER TABLE service_settings ADD COLUMN support_lines TEXT NOT NULL DEFAULT '[]';
