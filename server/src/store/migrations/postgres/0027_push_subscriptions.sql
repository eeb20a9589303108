-- A staff device that asked to be told when a young person asks for help (Web Push). One per
-- session, so signing out, a lost phone ended by an admin, or a session ending any other way
-- stops the pushes with it. Only the push service's endpoint is kept: pushes carry no payload,
-- so the browser's encryption keys are never needed.
CREATE TABLE push_subscriptions (
    session_id TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
    endpoint   TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
