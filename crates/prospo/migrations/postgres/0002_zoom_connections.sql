-- One Zoom connection per user: their own Server-to-Server OAuth app.
-- Secrets are sealed by the keyring's SecretBox (version, key id, nonce, ciphertext), bound to the
-- user and the field, so they are never stored in plaintext and cannot be moved between rows.
CREATE TABLE zoom_connections (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
    account_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    client_secret_sealed BYTEA NOT NULL,
    webhook_secret_sealed BYTEA,
    zoom_user_requested TEXT,           -- the optional "Zoom user" email; NULL means `me`
    zoom_user_id TEXT NOT NULL,
    zoom_email TEXT NOT NULL,
    zoom_name TEXT,
    granted_scopes TEXT NOT NULL,       -- space-separated, from the last freshly minted token
    status TEXT NOT NULL,               -- connected | needs_attention
    error_code TEXT,                    -- why it needs attention
    error_message TEXT,
    connected_at BIGINT NOT NULL,
    last_checked_at BIGINT,
    next_check_at BIGINT NOT NULL,      -- the periodic health check's due time (jittered)
    check_claimed_until BIGINT          -- one instance claims a due check until then
);
CREATE INDEX zoom_connections_next_check ON zoom_connections(next_check_at);
