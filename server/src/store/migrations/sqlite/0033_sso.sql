-- Staff signing in with their organisation's own account (OpenID Connect). A link is the
-- provider's subject for one staff member, made by that staff member while signed in; the
-- subject is the provider's opaque id for them (no email or name is kept).
CREATE TABLE sso_links (
    person_id TEXT PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
    issuer    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    linked_at INTEGER NOT NULL,
    UNIQUE (issuer, subject)
);
-- A sign-in (or link) under way at the provider, for ten minutes at most. Only hashes of the
-- two secrets that finish it are kept: the `state` sent through the provider, and the one the
-- starting browser kept, so a link sent to someone else can't finish for them.
CREATE TABLE sso_attempts (
    state_hash    TEXT PRIMARY KEY,
    attempt_hash  TEXT NOT NULL UNIQUE,
    nonce         TEXT NOT NULL,
    verifier      TEXT NOT NULL,
    redirect_uri  TEXT NOT NULL,
    link_person   TEXT REFERENCES people(id) ON DELETE CASCADE,
    started_at    INTEGER NOT NULL,
    handoff_hash  TEXT UNIQUE,
    subject       TEXT
);
CREATE INDEX sso_attempts_started ON sso_attempts (started_at);
-- A session signed in through the organisation's sign-in: the provider asks for its own second
-- step, so Tandem's two-step requirement is not asked of it again.
ALTER TABLE sessions ADD COLUMN sso BOOLEAN NOT NULL DEFAULT FALSE;
-- A service may ask staff who have linked their organisation account to sign in only with it:
-- their Tandem password then no longer signs them in, so disabling their account there (they
-- left) is enough.
ALTER TABLE service_settings ADD COLUMN staff_sso_only BOOLEAN NOT NULL DEFAULT FALSE;
