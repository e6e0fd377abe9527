//! The authorization-code flow of a Zoom General app ("Connect with Zoom"): the consent URL, the
//! code exchange and refreshes. Zoom rotates the refresh token on every refresh and refuses a
//! used one, so whoever keeps a [`UserGrant`] must store its new refresh token before using its
//! access token. Nothing here keeps state; a [`crate::UserTokens`] source does.

use std::time::Duration;

use jiff::Timestamp;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::client::{ZoomClient, decode_error, encode_query_value};
use crate::error::{Result, ZoomError, classify_grant};
use crate::scopes::Scopes;

/// Zoom's consent page for `client_id`, asking to send the user back to `redirect_uri` with a
/// code and `state`. PKCE is S256: `code_challenge` is the unpadded base64url SHA-256 of the
/// verifier later given to [`ZoomClient::exchange_code`]. The scopes are the app's own (Zoom
/// takes them from the app's settings, not from the URL). Zoom's page ignores parameters it does
/// not know, so a caller may append `&login_hint=EMAIL`, which the sandbox reads.
pub fn authorize_url(
    oauth_base: &str,
    client_id: &str,
    redirect_uri: &str,
    state: &str,
    code_challenge: &str,
) -> String {
    let params = [
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", redirect_uri),
        ("state", state),
        ("code_challenge", code_challenge),
        ("code_challenge_method", "S256"),
    ];
    let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", encode_query_value(v))).collect();
    format!("{}/oauth/authorize?{}", oauth_base.trim_end_matches('/'), query.join("&"))
}

/// What Zoom grants for one user: an access token, the refresh token that replaces the one used
/// (if any), and the scopes the user granted. `Debug` shows neither token.
#[derive(Debug, Clone)]
pub struct UserGrant {
    pub access_token: SecretString,
    pub refresh_token: SecretString,
    /// The access token's lifetime from the moment of the answer (Zoom: about an hour).
    pub expires_in: Duration,
    pub scopes: Scopes,
}

#[derive(Deserialize)]
struct GrantResponse {
    access_token: SecretString,
    refresh_token: SecretString,
    expires_in: i64,
    #[serde(default)]
    scope: String,
}

impl ZoomClient {
    /// `POST {oauth_base}/oauth/token` with `grant_type=authorization_code`: the code Zoom sent
    /// to `redirect_uri` (the same URI the consent URL named) and the PKCE verifier. A code that
    /// is unknown, used, expired, or whose verifier or redirect URI does not match is
    /// [`ZoomError::InvalidGrant`]; a wrong client id or secret is
    /// [`ZoomError::InvalidCredentials`].
    pub async fn exchange_code(
        &self,
        client_id: &str,
        client_secret: &SecretString,
        code: &str,
        redirect_uri: &str,
        code_verifier: &str,
    ) -> Result<UserGrant> {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", code_verifier),
        ];
        self.grant(client_id, client_secret, &form).await
    }

    /// `POST {oauth_base}/oauth/token` with `grant_type=refresh_token`. The answer carries a new
    /// refresh token and the one given stops working. A refresh token that is used, revoked or
    /// expired is [`ZoomError::InvalidGrant`] (another holder may have rotated it: re-read
    /// before giving up); Zoom unavailable or rate limiting is transient, and the refresh token
    /// is then still good.
    pub async fn refresh(
        &self,
        client_id: &str,
        client_secret: &SecretString,
        refresh_token: &SecretString,
    ) -> Result<UserGrant> {
        let form = [("grant_type", "refresh_token"), ("refresh_token", refresh_token.expose_secret())];
        self.grant(client_id, client_secret, &form).await
    }

    async fn grant(&self, client_id: &str, client_secret: &SecretString, form: &[(&str, &str)]) -> Result<UserGrant> {
        let response = self
            .http()
            .post(self.token_url())
            .basic_auth(client_id, Some(client_secret.expose_secret()))
            .form(form)
            .send()
            .await
            .map_err(ZoomError::transport)?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(ZoomError::transport)?;
        if !status.is_success() {
            return Err(classify_grant(status, &headers, &body, Timestamp::now()));
        }
        let parsed: GrantResponse = serde_json::from_slice(&body).map_err(|e| decode_error(status, &e))?;
        Ok(UserGrant {
            access_token: parsed.access_token,
            refresh_token: parsed.refresh_token,
            expires_in: Duration::from_secs(parsed.expires_in.max(0).unsigned_abs()),
            scopes: Scopes::parse(&parsed.scope),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorize_url_carries_zoom_parameters_encoded() {
        let url = authorize_url("https://zoom.us/", "cid", "https://app.example/cb?x=1", "s t+", "ch_-");
        assert_eq!(
            url,
            "https://zoom.us/oauth/authorize?response_type=code&client_id=cid\
             &redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3Fx%3D1&state=s%20t%2B&code_challenge=ch_-\
             &code_challenge_method=S256"
        );
    }
}
