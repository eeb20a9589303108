-- The form a sign-in name is matched in (compatibility-normalised, then lower-cased by the server,
-- the same on every database whatever its locale: lower() follows the cluster's). Filled by the
-- server on start for names from before.
ALTER TABLE people ADD COLUMN sign_in_key TEXT;
CREATE UNIQUE INDEX people_by_sign_in_key ON people (sign_in_key);
