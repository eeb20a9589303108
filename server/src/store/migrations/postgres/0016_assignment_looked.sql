-- When the key worker last looked at the young person's page: see the SQLite migration 0021.
ALTER TABLE assignments ADD COLUMN looked_at BIGINT;
