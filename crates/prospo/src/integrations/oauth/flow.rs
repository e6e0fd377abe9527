//! The authorization code flow with PKCE (RFC 7636, S256). `begin` stores the state's hash with
//! the session, the provider and the sealed verifier, and gives the consent URL; `complete` takes
//! that row (once), checks it belongs to this session and provider and is under 10 minutes old,
//! and exchanges the code. Neither the code nor the state is ever logged.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

use super::token_endpoint::{self, Grant};
use super::{OAuthError, OAuthProvider, provider_name};
use crate::accounts::hash_token;
use crate::app::App;
use crate::secrets::Binding;
use crate::store::oauth::StateRow;

/// How long a consent may take.
pub const STATE_TTL_MS: i64 = 10 * 60_000;
const VERIFIER_FIELD: &str = "oauth.verifier";

/// `{public URL}/oauth/{provider}/callback`: where the provider sends the user back.
pub fn redirect_uri(app: &App, provider: OAuthProvider) -> String {
    let mut url = app.public_url.clone();
    url.set_path(&format!("/oauth/{provider}/callback"));
    url.set_query(None);
    url.to_string()
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Starts a connection: the provider's consent URL, with a fresh state and PKCE challenge.
/// `session` is the session cookie's value; `login_hint` the email the consent page starts with.
pub async fn begin(
    app: &App,
    provider: OAuthProvider,
    user_id: &str,
    session: &str,
    login_hint: &str,
) -> Result<url::Url, OAuthError> {
    let provider_app = app.oauth.app(provider).ok_or(OAuthError::NotOffered)?;
    let state = random_token();
    let verifier = random_token();
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let now = app.now_ms();
    let row = StateRow {
        session_hash: hash_token(session),
        user_id: user_id.to_owned(),
        provider,
        verifier_sealed: app.secrets.seal_str(&verifier, Binding { owner: user_id, field: VERIFIER_FIELD }),
        created_at: now,
    };
    app.db.insert_oauth_state(&hash_token(&state), &row, now - STATE_TTL_MS).await?;
    let mut url = provider_app.authorize_url.clone();
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("response_type", "code")
            .append_pair("client_id", &provider_app.client_id)
            .append_pair("redirect_uri", &redirect_uri(app, provider))
            .append_pair("state", &state)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256")
            .append_pair("login_hint", login_hint);
        if !provider_app.scopes.is_empty() {
            query.append_pair("scope", &provider_app.scopes.join(" "));
        }
        for (name, value) in provider_app.extra_params {
            query.append_pair(name, value);
        }
    }
    Ok(url)
}

/// What the provider sent back to the callback.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

/// A completed consent: who it was for and what the provider granted.
pub struct Completed {
    pub user_id: String,
    pub grant: Grant,
}

/// Finishes a connection. The state is taken first, so a replayed or forged callback finds
/// nothing, and a denied consent still uses up its state.
pub async fn complete(
    app: &App,
    provider: OAuthProvider,
    session: &str,
    callback: &Callback,
) -> Result<Completed, OAuthError> {
    let provider_app = app.oauth.app(provider).ok_or(OAuthError::NotOffered)?;
    let state = callback.state.as_deref().filter(|s| !s.is_empty()).ok_or(OAuthError::InvalidState)?;
    let row = app.db.take_oauth_state(&hash_token(state)).await?.ok_or(OAuthError::InvalidState)?;
    let fresh = app.now_ms() - row.created_at <= STATE_TTL_MS;
    if row.provider != provider || row.session_hash != hash_token(session) || !fresh {
        return Err(OAuthError::InvalidState);
    }
    if callback.error.is_some() {
        return Err(OAuthError::Denied(super::product_name(provider)));
    }
    let code = callback.code.as_deref().filter(|c| !c.is_empty()).ok_or(OAuthError::InvalidState)?;
    let verifier = app
        .secrets
        .open_str(&row.verifier_sealed, Binding { owner: &row.user_id, field: VERIFIER_FIELD })
        .map_err(|e| anyhow::anyhow!("oauth state: {e}"))?;
    let grant = token_endpoint::exchange_code(
        &app.oauth.http,
        provider_app,
        code,
        &redirect_uri(app, provider),
        verifier.expose_secret(),
    )
    .await?;
    if grant.refresh_token.is_none() {
        // Without one the connection would die within the hour.
        return Err(OAuthError::Refused { provider: provider_name(provider), code: "no_refresh_token".into() });
    }
    let granted: Vec<String> = grant.scopes.split_whitespace().map(normal_scope).collect();
    let missing: Vec<&str> = provider_app
        .scopes
        .iter()
        .copied()
        .filter(|s| !is_implicit(s) && !granted.contains(&normal_scope(s)))
        .collect();
    if !missing.is_empty() {
        return Err(OAuthError::MissingScopes { provider: provider_name(provider), missing: missing.join(", ") });
    }
    Ok(Completed { user_id: row.user_id, grant })
}

/// Scopes a provider does not echo back in the token answer (Microsoft leaves out
/// `offline_access`; its effect is the refresh token itself).
fn is_implicit(scope: &str) -> bool {
    scope == "offline_access"
}

/// Microsoft may answer `https://graph.microsoft.com/Calendars.ReadWrite` for `Calendars.ReadWrite`,
/// in any case.
fn normal_scope(scope: &str) -> String {
    scope.strip_prefix("https://graph.microsoft.com/").unwrap_or(scope).to_ascii_lowercase()
}
