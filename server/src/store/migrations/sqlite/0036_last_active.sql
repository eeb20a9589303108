-- When someone last used Tandem (signed in, or renewed a sign-in), kept on the person: their
-- sessions are forgotten once over, and an admin reviewing who still needs access asks about
-- staff who haven't used it for months. Filled from the sessions still known.
ALTER TABLE people ADD COLUMN last_active_at INTEGER;
UPDATE people SET last_active_at = (SELECT max(coalesce(s.last_seen_at, s.created_at)) FROM sessions s WHERE s.person_id = people.id);
