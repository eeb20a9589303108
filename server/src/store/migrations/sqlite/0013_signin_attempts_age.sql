-- When a name last failed to sign in, so a count nobody has added to for a day can be forgotten
-- (retention::forget_old_sign_in_failures). Rows from before are as if they failed at time 0.
ALTER TABLE signin_attempts ADD COLUMN last_failure_at INTEGER NOT NULL DEFAULT 0;
