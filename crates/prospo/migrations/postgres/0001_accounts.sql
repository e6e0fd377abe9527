-- Accounts, browser sessions and personal API tokens.
-- Instants are BIGINT unix milliseconds so that both backends compare them the same way.
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,         -- normalised: trimmed, lower case
    username TEXT NOT NULL UNIQUE,      -- URL-safe slug, part of public booking links
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,        -- argon2 PHC string
    timezone TEXT,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,                -- failed log-ins slow an account down until then
    created_at BIGINT NOT NULL
);

-- Only a SHA-256 of the cookie value is stored: a database leak does not hand out sessions.
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user_id ON sessions(user_id);

-- Tokens are shown once; only their SHA-256 is kept.
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX api_tokens_user_id ON api_tokens(user_id);
