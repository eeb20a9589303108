-- When a password or PIN was set (unix ms), so that a database restored from a copy can tell
-- one replaced since the copy was made (the ledger notes each new one) and stop it working.
ALTER TABLE people ADD COLUMN secret_set_at INTEGER;
