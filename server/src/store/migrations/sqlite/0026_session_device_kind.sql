-- What kind of device each sign-in was made on, in words ("Android phone (Chrome)"), read from
-- the browser's description of itself (auth::device_kind); the description itself is not kept.
-- NULL for sessions from before, and for anything that didn't say.
ALTER TABLE sessions ADD COLUMN device_kind TEXT;
