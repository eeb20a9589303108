-- When someone was last reactivated: see the SQLite migration 0020.
ALTER TABLE people ADD COLUMN reactivated_at BIGINT;
