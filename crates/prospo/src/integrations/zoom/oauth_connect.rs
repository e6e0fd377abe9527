//! Connect with Zoom (product.md §9): a Zoom connection authorised by its user through the
//! operator's General app, beside the Server-to-Server one. After the consent the grant's scopes
//! get the same check as Save & Connect, `/users/me` names the account on the card, and the
//! connection is stored with its tokens in one transaction. From then on every Zoom call of the
//! connection takes its access token from the OAuth core (refreshed there, one refresh in flight
//! across instances), so meetings, recordings, health checks and limits work unchanged.

use std::sync::Arc;

use futures::future::BoxFuture;
use secrecy::ExposeSecret;
use zoom::{AccessToken, Auth, UserAuth, UserTokens, ZoomError};

use super::{ConnectProblem, wake_work_of};
use crate::app::{App, AppRef};
use crate::integrations::oauth::access::{self, seal_grant};
use crate::integrations::oauth::flow::Completed;
use crate::integrations::oauth::{OAuthError, OAuthProvider};
use crate::store::new_id;
use crate::store::oauth::SealedTokens;
use crate::store::zoom_connections::{VerifiedAuth, VerifiedConnection};

/// Where a user-authorised connection's Zoom calls get their token.
pub struct ConnectionTokens {
    pub app: AppRef,
    pub connection_id: String,
}

impl ConnectionTokens {
    async fn current(&self, rejected: Option<&AccessToken>) -> zoom::Result<AccessToken> {
        let app = &*self.app;
        let token = match rejected {
            None => access::access_token(app, &self.connection_id).await,
            Some(rejected) => {
                // The version of the refused token: the row's, if it still holds that token.
                let row = app.db.oauth_token(&self.connection_id).await.map_err(unavailable)?;
                let current = row.as_ref().map(|r| access::AccessToken {
                    secret: access::open_access_secret(app, r).unwrap_or_else(|_| String::new().into()),
                    version: r.version,
                });
                match current {
                    Some(c) if c.secret.expose_secret() == rejected.secret().expose_secret() => {
                        access::replace_rejected(app, &self.connection_id, &c).await
                    }
                    _ => access::access_token(app, &self.connection_id).await,
                }
            }
        };
        let token = token.map_err(zoom_error)?;
        let row = app.db.oauth_token(&self.connection_id).await.map_err(unavailable)?;
        let (expires_at, scopes) = row.map(|r| (r.access_expires_at, r.scopes)).unwrap_or_default();
        let expires_at = jiff::Timestamp::from_millisecond(expires_at).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        Ok(AccessToken::new(token.secret, expires_at, &scopes))
    }
}

impl UserTokens for ConnectionTokens {
    fn token(&self) -> BoxFuture<'_, zoom::Result<AccessToken>> {
        Box::pin(self.current(None))
    }

    fn rejected<'a>(&'a self, rejected: &'a AccessToken) -> BoxFuture<'a, zoom::Result<AccessToken>> {
        Box::pin(self.current(Some(rejected)))
    }
}

fn unavailable(e: impl std::fmt::Display) -> ZoomError {
    ZoomError::Unavailable { status: None, detail: e.to_string() }
}

/// A grant the OAuth core cannot use any more is Zoom's `invalid_grant` to the caller.
fn zoom_error(e: OAuthError) -> ZoomError {
    match e {
        OAuthError::Revoked(_) | OAuthError::NotOffered => ZoomError::InvalidGrant { reason: e.to_string() },
        OAuthError::InvalidClient(_) => ZoomError::InvalidCredentials { error: "invalid_client".into() },
        e => unavailable(e),
    }
}

/// The one token of a consent just completed, before anything is stored.
struct GrantToken(AccessToken);

impl UserTokens for GrantToken {
    fn token(&self) -> BoxFuture<'_, zoom::Result<AccessToken>> {
        Box::pin(async { Ok(self.0.clone()) })
    }

    fn rejected<'a>(&'a self, _: &'a AccessToken) -> BoxFuture<'a, zoom::Result<AccessToken>> {
        Box::pin(async { Err(ZoomError::InvalidToken) })
    }
}

/// Stores a Connect with Zoom connection; the message for the settings page.
pub async fn connect(app: &App, completed: Completed) -> Result<String, OAuthError> {
    let grant = &completed.grant;
    let refused = |problem: ConnectProblem| OAuthError::Refused { provider: "Zoom", code: problem.code().into() };
    let scopes = zoom::Scopes::parse(&grant.scopes);
    let missing = scopes.missing_required();
    if !missing.is_empty() {
        return Err(OAuthError::MissingScopes { provider: "Zoom", missing: missing.join(", ") });
    }
    let expires_at = app.now_ms() + grant.expires_in_seconds * 1000;
    let token = AccessToken::new(
        grant.access_token.clone(),
        jiff::Timestamp::from_millisecond(expires_at).map_err(|e| OAuthError::Internal(e.into()))?,
        &grant.scopes,
    );
    let auth = Auth::User(UserAuth::new("connecting", Arc::new(GrantToken(token))));
    let profile =
        app.zoom.client.get_user(&auth, "me").await.map_err(|e| match ConnectProblem::from_zoom_error(&e) {
            Some(problem) => refused(problem),
            None => OAuthError::Unavailable { provider: "Zoom", why: e.to_string() },
        })?;
    let account_id = profile.account_id.clone().unwrap_or_default();
    let email = profile.email.clone().unwrap_or_default();
    let name = super::connect::display_name(&profile);
    let client_id = app.oauth.app(OAuthProvider::Zoom).map(|a| a.client_id.clone()).ok_or(OAuthError::NotOffered)?;
    let user_id = completed.user_id.as_str();
    let (access_sealed, refresh_sealed, access_expires_at) = seal_grant(app, user_id, grant);
    let tokens = SealedTokens {
        access_sealed: &access_sealed,
        access_expires_at,
        refresh_sealed: &refresh_sealed,
        scopes: &grant.scopes,
    };
    let again = app.db.zoom_connection_of(user_id).await?.is_some();
    let granted: Vec<&str> = scopes.iter().collect();
    let granted = granted.join(" ");
    let id = new_id();
    let now = app.now_ms();
    app.db
        .save_zoom_connection(
            VerifiedConnection {
                id: &id,
                user_id,
                account_id: &account_id,
                client_id: &client_id,
                auth: VerifiedAuth::Tokens(&tokens),
                zoom_user_requested: None,
                zoom_user_id: &profile.id,
                zoom_email: &email,
                zoom_name: name.as_deref(),
                granted_scopes: &granted,
                next_check_at: now + app.zoom.jittered_interval_ms(),
            },
            now,
        )
        .await?;
    wake_work_of(app, user_id).await?;
    tracing::info!(user_id, zoom_user_id = %profile.id, "zoom connected by OAuth");
    Ok(if again { format!("Zoom ({email}) is connected again.") } else { format!("Zoom ({email}) is connected.") })
}
