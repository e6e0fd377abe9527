//! Connect with Zoom: a General (user-managed) app's authorization-code flow.
//!
//! The authorization server is [`provider_sandbox::oauth`] playing [`Flavour::Zoom`]: the consent
//! page at `GET|POST /oauth/authorize`, codes, PKCE, rotating refresh tokens and Zoom's
//! `{"reason", "error"}` bodies (Zoom's record and the sandbox's choices are told there). Its state
//! is `Data::auth`; `POST /oauth/token` hands it every General app's request. What is Zoom's own
//! lives here:
//! - A General app is a client of that server with the app's scopes, which its grants carry
//!   from the moment each token is issued (`PATCH /_sandbox/apps` changes them); a deactivated
//!   app is a disabled client, and its tokens stop working.
//! - The user who consents is the oldest Zoom user with that email in any account, else a new
//!   user who owns a new account of its own; the grant's tokens act as that user (`me`).
//! - Revoking a user (by email) or an app ends its grants.
//! - An app's `refreshes` counts its successful refresh grants.

use axum::response::Response;
use jiff::Timestamp;
use provider_sandbox::oauth::{AuthHost, AuthServer, BearerProblem, Flavour, OAuthClient, TokenRequest};
use serde_json::json;

use crate::api::TokenHolder;
use crate::errors::{ZoomError, expired_token, invalid_token};
use crate::oauth::Params;
use crate::state::{AppKind, Data};
use crate::{Sandbox, control, ids};

impl AuthHost for Sandbox {
    fn with_auth<R>(&self, f: impl FnOnce(&mut AuthServer, Timestamp) -> R) -> R {
        self.with_data(|data| {
            let now = data.now();
            f(&mut data.auth, now)
        })
    }

    // A page naming a user creates nothing: Zoom's user appears when they allow the app.

    fn user_consented(&self, email: &str) {
        self.with_data(|data| act_as_user_for(data, email));
    }
}

/// The grants of this email act as the oldest user with it, else a new user who owns a new
/// account.
fn act_as_user_for(data: &mut Data, email: &str) {
    let user_id = match data.users_by_email(email).first() {
        Some(user) => user.id.clone(),
        None => {
            let user = control::new_user(data, &ids::account_or_user_id(), Some(email.to_owned()), true, None);
            let id = user.id.clone();
            data.users.insert(id.clone(), user);
            id
        }
    };
    data.oauth_users.insert(email.to_ascii_lowercase(), user_id);
}

/// Brings a General app's registration with the authorization server in line with the app:
/// registered (an app from a state file written before the server kept them), its scopes, and
/// whether it is active.
pub(crate) fn sync_client(data: &mut Data, client_id: &str) {
    let Some(app) = data.apps.get(client_id).filter(|app| app.kind == AppKind::General) else { return };
    let client = OAuthClient { client_id: app.client_id.clone(), client_secret: app.client_secret.clone() };
    let (redirect_uris, scopes, activated) = (app.redirect_uris.clone(), app.scopes.clone(), app.activated);
    data.auth.register_client(&client, redirect_uris);
    data.auth.set_client_scopes(client_id, scopes);
    data.auth.set_client_enabled(client_id, activated);
}

/// Every General app registered with the authorization server (after loading a state file).
pub(crate) fn sync_clients(data: &mut Data) {
    let general: Vec<String> =
        data.apps.values().filter(|app| app.kind == AppKind::General).map(|app| app.client_id.clone()).collect();
    for client_id in general {
        sync_client(data, &client_id);
    }
}

/// A General app's request to `POST /oauth/token` (its client credentials checked already):
/// answered by the authorization server, with Zoom's `api_url` in every grant.
pub(crate) fn token(
    data: &mut Data,
    client_id: &str,
    params: &Params,
    request: &TokenRequest,
    base_url: &str,
) -> Response {
    let now = data.now();
    let response = data.auth.answer_token_request(now, request, &[("api_url", json!(base_url))]);
    if params.get("grant_type").as_deref() == Some("refresh_token")
        && response.status().is_success()
        && let Some(app) = data.apps.get_mut(client_id)
    {
        app.stats.refreshes += 1;
    }
    response
}

/// Who a General app's access token acts for: its app (while active) and the user whose grant
/// it is.
pub(crate) fn token_holder(data: &Data, now: Timestamp, token: &str) -> Result<TokenHolder, ZoomError> {
    let grant = data.auth.authenticate(now, Some(token)).map_err(|problem| match problem {
        BearerProblem::Expired => expired_token(),
        BearerProblem::Missing | BearerProblem::Unknown | BearerProblem::Revoked => invalid_token(),
    })?;
    let app = data.apps.get(&grant.client_id).filter(|a| a.activated).ok_or_else(invalid_token)?;
    let user = data.oauth_users.get(&grant.email).and_then(|id| data.users.get(id)).ok_or_else(invalid_token)?;
    Ok(TokenHolder {
        client_id: app.client_id.clone(),
        account_id: user.account_id.clone(),
        user_id: Some(user.id.clone()),
        scopes: grant.scopes,
    })
}

/// Every grant of the users with this email, to any General app, ends, and so do the download
/// tokens they were given. False when no user has that email.
pub(crate) fn revoke_user(data: &mut Data, email: &str) -> bool {
    let users: Vec<String> = data.users_by_email(email).iter().map(|u| u.id.clone()).collect();
    if users.is_empty() {
        return false;
    }
    let listed = |u: &str| users.iter().any(|id| id == u);
    data.tokens.values_mut().filter(|t| t.user_id.as_deref().is_some_and(listed)).for_each(|t| t.revoked = true);
    data.auth.revoke_user(email);
    true
}

/// The authorization server of a new sandbox (or of a state file written before it kept one).
pub(crate) fn new_auth_server() -> AuthServer {
    AuthServer::new(Flavour::Zoom)
}
