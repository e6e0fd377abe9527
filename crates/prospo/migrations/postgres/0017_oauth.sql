-- OAuth connections (product.md §9): Google Calendar and Microsoft 365 calendars, and Connect with
-- Zoom. Their tokens live in one table whatever the provider; a calendar connection of an OAuth
-- provider has no secret of its own.

-- One authorization in flight: the state's hash (the state itself travels only in the consent
-- URL), the session and provider it is bound to, and the PKCE verifier (sealed). A callback takes
-- the row (it is deleted), so a state is used once; rows older than 10 minutes are refused.
CREATE TABLE oauth_states (
    state_hash TEXT PRIMARY KEY,
    session_hash TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    provider TEXT NOT NULL CHECK (provider IN ('google', 'microsoft', 'zoom')),
    verifier_sealed BYTEA NOT NULL,
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
    access_sealed BYTEA NOT NULL,
    access_expires_at BIGINT NOT NULL,
    refresh_sealed BYTEA NOT NULL,
    scopes TEXT NOT NULL,               -- space-separated, as the provider granted them
    version BIGINT NOT NULL DEFAULT 0,
    refreshing_until BIGINT,
    refreshed_at BIGINT
);

ALTER TABLE calendar_connections DROP CONSTRAINT calendar_connections_provider_check;
ALTER TABLE calendar_connections ADD CONSTRAINT calendar_connections_provider_check
    CHECK (provider IN ('caldav', 'ics', 'google', 'microsoft'));
-- The CalDAV password or feed URL; NULL for OAuth providers.
ALTER TABLE calendar_connections ALTER COLUMN secret_sealed DROP NOT NULL;

-- Connect with Zoom: a connection is either the user's own Server-to-Server app (its client secret
-- sealed here) or user-authorised through the operator's General app (`oauth`: its tokens in
-- oauth_tokens, no secret of its own; client_id names the operator's app).
ALTER TABLE zoom_connections ADD COLUMN kind TEXT NOT NULL DEFAULT 'server_to_server'
    CHECK (kind IN ('server_to_server', 'oauth'));
ALTER TABLE zoom_connections ALTER COLUMN client_secret_sealed DROP NOT NULL;
-- A user-authorised grant that Zoom no longer honours.
ALTER TABLE zoom_connections DROP CONSTRAINT zoom_connections_error_code;
ALTER TABLE zoom_connections ADD CONSTRAINT zoom_connections_error_code CHECK (error_code IN ('invalid_account_id',
    'invalid_credentials', 'missing_scopes', 'zoom_user_required', 'zoom_user_not_found', 'reconnect_required'));
