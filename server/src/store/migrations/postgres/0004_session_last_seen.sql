-- When each session last refreshed its token: "last seen" on the admin's devices screen.
ALTER TABLE sessions ADD COLUMN last_seen_at BIGINT;
