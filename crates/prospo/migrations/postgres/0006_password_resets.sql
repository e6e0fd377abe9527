-- Password reset links: only the SHA-256 of the token is stored; a link works once (used_at) and
-- until expires_at. The mail that carries it is written to the outbox in the same transaction.
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX password_resets_user_id ON password_resets(user_id);
