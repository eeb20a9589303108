-- When someone was last reactivated (unix ms), so that the ledger's earlier note of their
-- deactivation is not made again at a start if the reactivation's own note failed to be written.
ALTER TABLE people ADD COLUMN reactivated_at INTEGER;
