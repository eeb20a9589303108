-- Answers kept for exactly-once retries: one row per push (the run of operations it applied),
-- not one per operation. A push of 20 operations wrote 20 rows here, more than it wrote records.
-- A retried operation's answer is read from the row whose run holds it.
CREATE TABLE applied_batches (
    device_id       TEXT NOT NULL REFERENCES devices(id),
    first_seq       INTEGER NOT NULL,
    last_seq        INTEGER NOT NULL,
    results         TEXT NOT NULL,                   -- JSON array: the answers to first_seq..last_seq
    PRIMARY KEY (device_id, first_seq)
) WITHOUT ROWID;
INSERT INTO applied_batches (device_id, first_seq, last_seq, results)
SELECT device_id, seq, seq, '[' || result || ']' FROM applied_ops;
DROP TABLE applied_ops;
