-- API tokens end: a token from log-in (or sign-up) lapses 30 days after its last use; a named token
-- from the Tokens page or POST /api/v1/tokens lasts until its own end, if it was given one.
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
ALTER TABLE api_tokens ADD COLUMN idle_days BIGINT;
UPDATE api_tokens SET idle_days = 30 WHERE name IN ('API log-in', 'Sign-up');

-- Failed log-ins counted before the password is checked, per client address and per account from
-- that address, in 15-minute windows (a correct password gives its count back).
CREATE TABLE login_attempts (
    key TEXT PRIMARY KEY,                 -- address:IP or account:EMAIL|IP
    window_start BIGINT NOT NULL,
    failures BIGINT NOT NULL
);

-- Changes made through a meeting's manage link (at most 5 in 24 hours per meeting).
CREATE TABLE manage_changes (
    meeting_id TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    changed_at BIGINT NOT NULL
);
CREATE INDEX manage_changes_meeting ON manage_changes (meeting_id, changed_at);
