-- Two-step sign-in for staff: the authenticator app's secret (sealed under the data key, as names
-- are), one being set up and not yet confirmed, and the last 30-second step whose code was used
-- (each code signs in once).
ALTER TABLE people ADD COLUMN two_step TEXT;
ALTER TABLE people ADD COLUMN two_step_pending TEXT;
ALTER TABLE people ADD COLUMN two_step_used BIGINT;
