-- Whether the organisation's sign-in asked for a second step (its ID token's `amr`, or the
-- service trusts it to): only then does it stand in for Tandem's own two-step sign-in. Kept with
-- the sign-in under way, then with the session it opened. Sessions signed in through it before
-- keep the standing they were given.
ALTER TABLE sso_attempts ADD COLUMN second_step BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE sessions ADD COLUMN provider_second_step BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE sessions SET provider_second_step = sso WHERE sso;
