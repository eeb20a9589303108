-- Which copy of the data this is. A backup gets a new one as it is taken (`tandem backup`), and
-- any other restored copy when `tandem restored` is run on it, so a device whose sign-in is
-- unknown here can tell a server gone back in time from a session ended on purpose, and keep
-- the words it holds to give back (see store/generation.rs).
CREATE TABLE generation (id TEXT NOT NULL);
INSERT INTO generation (id) VALUES (lower(hex(randomblob(16))));
