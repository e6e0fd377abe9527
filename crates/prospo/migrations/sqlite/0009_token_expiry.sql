-- API tokens end: a token from log-in (or sign-up) lapses 30 days after its last use; a named token
-- from the Tokens page or POST /api/v1/tokens lasts until its own end, if it was given one.
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
ALTER TABLE api_tokens ADD COLUMN idle_days BIGINT;
UPDATE api_tokens SET idle_days = 30 WHERE name IN ('API log-in', 'Sign-up');
