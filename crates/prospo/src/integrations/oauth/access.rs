//! A connection's access token. Refreshed when it has under 5 minutes left (or when the provider
//! refused it), with one refresh in flight per connection across instances: the refresher claims
//! the row while its `version` is unchanged, stores the new tokens (the rotated refresh token
//! first of all) before using them, and the version rises; the others wait for that and read.
//!
//! `invalid_grant` re-reads the row before giving up: another instance may have rotated the
//! refresh token meanwhile. Only when nobody did is the grant dead (Reconnect).

use std::time::Duration;

use secrecy::SecretString;

use super::token_endpoint::{self, Grant};
use super::{OAuthError, provider_name};
use crate::app::App;
use crate::secrets::Binding;
use crate::store::oauth::{SealedTokens, TokenRow};

/// A token this close to its expiry is refreshed first.
const REFRESH_MARGIN_MS: i64 = 5 * 60_000;
/// How long a refresh claim holds; a refresher that died is replaced after it.
const CLAIM_MS: i64 = 20_000;
/// How long a caller waits for another instance's refresh.
const WAIT_STEP: Duration = Duration::from_millis(50);
const WAIT_STEPS: usize = 500;

pub const ACCESS_FIELD: &str = "oauth.access";
pub const REFRESH_FIELD: &str = "oauth.refresh";

/// An access token and the version of the row it came from.
pub struct AccessToken {
    pub secret: SecretString,
    pub version: i64,
}

/// The connection's access token, refreshed if it is about to expire.
pub async fn access_token(app: &App, connection_id: &str) -> Result<AccessToken, OAuthError> {
    usable_token(app, connection_id, None).await
}

/// A token newer than `rejected` (the one the provider just refused): another instance's fresh
/// one, or a refresh now.
pub async fn replace_rejected(
    app: &App,
    connection_id: &str,
    rejected: &AccessToken,
) -> Result<AccessToken, OAuthError> {
    usable_token(app, connection_id, Some(rejected.version)).await
}

async fn usable_token(app: &App, connection_id: &str, rejected: Option<i64>) -> Result<AccessToken, OAuthError> {
    let mut provider = "The provider";
    for _ in 0..WAIT_STEPS {
        let row = read(app, connection_id).await?;
        provider = provider_name(row.provider);
        let now = app.now_ms();
        let refused = rejected.is_some_and(|v| v == row.version);
        if !refused && row.access_expires_at - now > REFRESH_MARGIN_MS {
            return open_access(app, &row);
        }
        if app.db.claim_oauth_refresh(connection_id, row.version, now, now + CLAIM_MS).await? {
            return refresh(app, &row).await;
        }
        tokio::time::sleep(WAIT_STEP).await;
    }
    Err(OAuthError::Unavailable { provider, why: "another refresh of this connection did not finish".into() })
}

async fn read(app: &App, connection_id: &str) -> Result<TokenRow, OAuthError> {
    app.db
        .oauth_token(connection_id)
        .await?
        .ok_or_else(|| OAuthError::Internal(anyhow::anyhow!("connection {connection_id} has no OAuth tokens")))
}

/// Refreshes under this instance's claim on `row.version` (public for the race tests, which play
/// an instance whose read went stale).
pub async fn refresh(app: &App, row: &TokenRow) -> Result<AccessToken, OAuthError> {
    let provider = provider_name(row.provider);
    let provider_app = app.oauth.app(row.provider).ok_or(OAuthError::NotOffered)?;
    let refresh_token = open(app, row, &row.refresh_sealed, REFRESH_FIELD)?;
    match token_endpoint::refresh(&app.oauth.http, provider_app, &refresh_token).await {
        Ok(grant) => store(app, row, &grant, &refresh_token).await,
        Err(OAuthError::Revoked(_)) => {
            // Another instance may have rotated the refresh token after our read (a claim that
            // outlived its holder): its tokens are good.
            let current = read(app, &row.connection_id).await?;
            if current.version != row.version {
                return open_access(app, &current);
            }
            app.db.release_oauth_refresh(&row.connection_id, row.version).await?;
            Err(OAuthError::Revoked(provider))
        }
        Err(e) => {
            app.db.release_oauth_refresh(&row.connection_id, row.version).await?;
            // A token that has not expired yet still works while the provider is away.
            if row.access_expires_at > app.now_ms() && !matches!(e, OAuthError::InvalidClient(_)) {
                return open_access(app, row);
            }
            Err(e)
        }
    }
}

/// Stores the refreshed tokens, then hands out the access token.
async fn store(app: &App, row: &TokenRow, grant: &Grant, used: &SecretString) -> Result<AccessToken, OAuthError> {
    use secrecy::ExposeSecret;
    let binding = |field| Binding { owner: &row.user_id, field };
    let refresh = grant.refresh_token.as_ref().unwrap_or(used);
    let access_sealed = app.secrets.seal_str(grant.access_token.expose_secret(), binding(ACCESS_FIELD));
    let refresh_sealed = app.secrets.seal_str(refresh.expose_secret(), binding(REFRESH_FIELD));
    let tokens = SealedTokens {
        access_sealed: &access_sealed,
        access_expires_at: app.now_ms() + grant.expires_in_seconds * 1000,
        refresh_sealed: &refresh_sealed,
        scopes: &grant.scopes,
    };
    if !app.db.store_refreshed_oauth_tokens(&row.connection_id, row.version, &tokens, app.now_ms()).await? {
        // Our claim ran out and someone else refreshed: theirs is the row now.
        return open_access(app, &read(app, &row.connection_id).await?);
    }
    tracing::info!(connection_id = %row.connection_id, provider = %row.provider, "refreshed an OAuth access token");
    Ok(AccessToken { secret: grant.access_token.clone(), version: row.version + 1 })
}

/// Seals a fresh grant's tokens for a new connection.
pub fn seal_grant(app: &App, user_id: &str, grant: &Grant) -> (Vec<u8>, Vec<u8>, i64) {
    use secrecy::ExposeSecret;
    let binding = |field| Binding { owner: user_id, field };
    let refresh = grant.refresh_token.as_ref().map(|r| r.expose_secret()).unwrap_or_default();
    (
        app.secrets.seal_str(grant.access_token.expose_secret(), binding(ACCESS_FIELD)),
        app.secrets.seal_str(refresh, binding(REFRESH_FIELD)),
        app.now_ms() + grant.expires_in_seconds * 1000,
    )
}

/// The row's access token as it stands (whatever its expiry).
pub fn open_access_secret(app: &App, row: &TokenRow) -> Result<SecretString, OAuthError> {
    open(app, row, &row.access_sealed, ACCESS_FIELD)
}

fn open_access(app: &App, row: &TokenRow) -> Result<AccessToken, OAuthError> {
    Ok(AccessToken { secret: open(app, row, &row.access_sealed, ACCESS_FIELD)?, version: row.version })
}

fn open(app: &App, row: &TokenRow, sealed: &[u8], field: &'static str) -> Result<SecretString, OAuthError> {
    app.secrets
        .open_str(sealed, Binding { owner: &row.user_id, field })
        .map_err(|e| OAuthError::Internal(anyhow::anyhow!("oauth tokens of {}: {e}", row.connection_id)))
}

/// Re-seals every OAuth token with `new_box`'s current key (after `keys rotate`).
pub async fn reseal_all(
    db: &crate::store::Db,
    old_box: &crate::secrets::SecretBox,
    new_box: &crate::secrets::SecretBox,
) -> anyhow::Result<usize> {
    let mut count = 0;
    for (connection_id, owner, access, refresh) in db.sealed_oauth_tokens().await? {
        let reseal = |sealed: &[u8], field| -> anyhow::Result<Vec<u8>> {
            let binding = Binding { owner: &owner, field };
            let plain =
                old_box.open(sealed, binding).map_err(|e| anyhow::anyhow!("oauth tokens of {connection_id}: {e}"))?;
            Ok(new_box.seal(&plain, binding))
        };
        db.replace_sealed_oauth_tokens(
            &connection_id,
            &reseal(&access, ACCESS_FIELD)?,
            &reseal(&refresh, REFRESH_FIELD)?,
        )
        .await?;
        count += 1;
    }
    Ok(count)
}
