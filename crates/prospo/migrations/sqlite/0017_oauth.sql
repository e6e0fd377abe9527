-- no-transaction
-- OAuth connections (product.md §9): Google Calendar and Microsoft 365 calendars, and Connect with
-- Zoom. Their tokens live in one table whatever the provider; a calendar connection of an OAuth
-- provider has no secret of its own. SQLite changes a CHECK or a NOT NULL only by rebuilding the
-- table, with foreign keys off so that dropping the old table does not cascade to its calendars.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

-- One authorization in flight: the state's hash (the state itself travels only in the consent
-- URL), the session and provider it is bound to, and the PKCE verifier (sealed). A callback takes
-- the row (it is deleted), so a state is used once; rows older than 10 minutes are refused.
CREATE TABLE oauth_states (
    state_hash TEXT PRIMARY KEY,
    session_hash TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    provider TEXT NOT NULL CHECK (provider IN ('google', 'microsoft', 'zoom')),
    verifier_sealed BLOB NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX oauth_states_created ON oauth_states(created_at);

-- The tokens of one OAuth connection (a calendar_connections or zoom_connections row, same id).
-- `version` rises with every refresh: a refresh is claimed by moving `refreshing_until` while the
-- version is unchanged, and stored only if it still is, so one refresh is in flight per
-- connection across instances.
CREATE TABLE oauth_tokens (
    connection_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    provider TEXT NOT NULL CHECK (provider IN ('google', 'microsoft', 'zoom')),
    access_sealed BLOB NOT NULL,
    access_expires_at BIGINT NOT NULL,
    refresh_sealed BLOB NOT NULL,
    scopes TEXT NOT NULL,               -- space-separated, as the provider granted them
    version BIGINT NOT NULL DEFAULT 0,
    refreshing_until BIGINT,
    refreshed_at BIGINT
);

CREATE TABLE calendar_connections_new (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    provider TEXT NOT NULL CHECK (provider IN ('caldav', 'ics', 'google', 'microsoft')),
    account TEXT NOT NULL,              -- the CalDAV username, the feed's host, or the account's email
    url TEXT,                           -- the CalDAV URL as given (never the feed URL: that is sealed)
    secret_sealed BLOB,                 -- the CalDAV password or feed URL; NULL for OAuth providers
    status TEXT NOT NULL CHECK (status IN ('connected', 'needs_attention')),
    error_code TEXT,
    error_message TEXT,
    alerted BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    last_synced_at BIGINT
);
INSERT INTO calendar_connections_new (id, user_id, provider, account, url, secret_sealed, status, error_code,
        error_message, alerted, created_at, last_synced_at)
    SELECT id, user_id, provider, account, url, secret_sealed, status, error_code, error_message, alerted,
        created_at, last_synced_at
    FROM calendar_connections;
DROP TABLE calendar_connections;
ALTER TABLE calendar_connections_new RENAME TO calendar_connections;
CREATE INDEX calendar_connections_user ON calendar_connections(user_id);

-- Connect with Zoom: a connection is either the user's own Server-to-Server app (its client secret
-- sealed here) or user-authorised through the operator's General app (`oauth`: its tokens in
-- oauth_tokens, no secret of its own; client_id names the operator's app).
CREATE TABLE zoom_connections_new (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL DEFAULT 'server_to_server' CHECK (kind IN ('server_to_server', 'oauth')),
    account_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    client_secret_sealed BLOB,
    webhook_secret_sealed BLOB,
    zoom_user_requested TEXT,
    zoom_user_id TEXT NOT NULL,
    zoom_email TEXT NOT NULL,
    zoom_name TEXT,
    granted_scopes TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('connected', 'needs_attention')),
    error_code TEXT CHECK (error_code IN ('invalid_account_id', 'invalid_credentials', 'missing_scopes',
        'zoom_user_required', 'zoom_user_not_found', 'reconnect_required')),
    error_message TEXT,
    connected_at BIGINT NOT NULL,
    last_checked_at BIGINT
);
INSERT INTO zoom_connections_new (id, user_id, account_id, client_id, client_secret_sealed, webhook_secret_sealed,
        zoom_user_requested, zoom_user_id, zoom_email, zoom_name, granted_scopes, status, error_code, error_message,
        connected_at, last_checked_at)
    SELECT id, user_id, account_id, client_id, client_secret_sealed, webhook_secret_sealed, zoom_user_requested,
        zoom_user_id, zoom_email, zoom_name, granted_scopes, status, error_code, error_message, connected_at,
        last_checked_at
    FROM zoom_connections;
DROP TABLE zoom_connections;
ALTER TABLE zoom_connections_new RENAME TO zoom_connections;

PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys = ON;
