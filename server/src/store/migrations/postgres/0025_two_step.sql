-- Two-step sign-in for staff: the authenticator app's secret (sealed under the data key, as names
-- are), one being set up and not yet confirmed, and the last 30-second step whose code was used
-- (each code signs in once).
ALTER TABLE people ADD COLUMN two_step TEXT;
ALTER TABLE people ADD COLUMN two_step_pending TEXT;
ALTER TABLE people ADD COLUMN two_step_used BIGINT;
-- A service may ask every staff member for it: a staff sign-in without it then makes a session
-- that can do nothing but set it up (sessions from before go on as they were).
ALTER TABLE service_settings ADD COLUMN staff_two_step BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE sessions ADD COLUMN needs_two_step BOOLEAN NOT NULL DEFAULT FALSE;
