-- Which copy of the data this is: see the SQLite migration 0017 and store/generation.rs.
CREATE TABLE generation (id TEXT NOT NULL);
INSERT INTO generation (id) VALUES (md5(random()::text || clock_timestamp()::text));
