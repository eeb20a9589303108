-- When the service's workers are at work (JSON: days, start and end minute, time zone), so a
-- young person pressing "I don't feel safe" out of hours is told their worker may not see it yet.
ALTER TABLE service_settings ADD COLUMN working_hours TEXT;
