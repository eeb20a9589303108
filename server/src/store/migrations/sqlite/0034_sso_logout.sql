-- The organisation's sign-in can end Tandem sessions it signed in (back-channel logout): it
-- names its own session (`sid`) or the person (`sub`). The provider's session is kept with
-- the sign-in under way and then with the Tandem session it opened.
ALTER TABLE sso_attempts ADD COLUMN provider_session TEXT;
ALTER TABLE sessions ADD COLUMN provider_session TEXT;
CREATE INDEX sessions_provider_session ON sessions (provider_session) WHERE provider_session IS NOT NULL;
