-- When the key worker last looked at the young person's page, as the latest change they saw
-- there (unix ms): "new since you last looked" on every device of theirs, not only the one they
-- looked on. Goes with the assignment (ended, handed over, erased).
ALTER TABLE assignments ADD COLUMN looked_at INTEGER;
