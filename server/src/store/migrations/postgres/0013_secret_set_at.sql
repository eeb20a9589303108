-- When a password or PIN was set: see the SQLite migration 0018.
ALTER TABLE people ADD COLUMN secret_set_at BIGINT;
