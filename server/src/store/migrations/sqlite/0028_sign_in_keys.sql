-- The form a sign-in name is matched in (compatibility-normalised, then lower-cased by the server,
-- which knows every alphabet's capitals: SQLite's lower() and NOCASE know only A-Z, so "Émile"
-- could not sign in as "émile"). Filled by the server on start for names from before.
ALTER TABLE people ADD COLUMN sign_in_key TEXT;
CREATE UNIQUE INDEX people_by_sign_in_key ON people(sign_in_key);
