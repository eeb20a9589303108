-- Whether a staff session must set up two-step sign-in first is worked out on each request from
-- the service's setting and the person, not stamped on the session at sign-in: sessions from
-- before the setting was turned on are asked too, and none stays asked once it is turned off.
ALTER TABLE sessions DROP COLUMN needs_two_step;
