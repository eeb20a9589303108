-- People's names are sealed under the data key like words (the server seals names from before
-- at its next start, and marks each row it has sealed: a name could itself look like a sealed
-- value, "s3.1.x"), and a person is found by the keyed hash in sign_in_key: an index on the
-- lower-cased name has nothing left to find, and must not refuse two sealed values that
-- lower-case alike.
DROP INDEX IF EXISTS people_by_lower_name;
ALTER TABLE people ADD COLUMN names_sealed BOOLEAN NOT NULL DEFAULT FALSE;
