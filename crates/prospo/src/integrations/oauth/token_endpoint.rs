//! The provider's token endpoint: the authorization code exchanged (with the PKCE verifier), and a
//! refresh token traded for new tokens. Errors are classified by the OAuth `error` field (RFC 6749
//! §5.2), which Google, Microsoft and Zoom all send, never by their description.

use futures::StreamExt;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::{ClientAuth, OAuthError, ProviderApp, provider_name};

/// Token answers are small; anything larger is not one.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// What a token endpoint grants.
pub struct Grant {
    pub access_token: SecretString,
    /// Absent when the provider keeps the old one (Google's refreshes).
    pub refresh_token: Option<SecretString>,
    pub expires_in_seconds: i64,
    /// Space-separated, as granted (the request's scopes when the answer names none).
    pub scopes: String,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: Option<i64>,
    #[serde(default)]
    scope: Option<String>,
}

#[derive(Deserialize)]
struct ErrorAnswer {
    error: String,
}

/// Trades an authorization code (and its PKCE verifier) for tokens.
pub async fn exchange_code(
    http: &reqwest::Client,
    app: &ProviderApp,
    code: &str,
    redirect_uri: &str,
    verifier: &str,
) -> Result<Grant, OAuthError> {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("code_verifier", verifier),
    ];
    call(http, app, &form).await
}

/// Trades a refresh token for new tokens.
pub async fn refresh(
    http: &reqwest::Client,
    app: &ProviderApp,
    refresh_token: &SecretString,
) -> Result<Grant, OAuthError> {
    let form = [("grant_type", "refresh_token"), ("refresh_token", refresh_token.expose_secret())];
    call(http, app, &form).await
}

async fn call(http: &reqwest::Client, app: &ProviderApp, form: &[(&str, &str)]) -> Result<Grant, OAuthError> {
    let provider = provider_name(app.provider);
    let unavailable = |why: String| OAuthError::Unavailable { provider, why };
    let mut body: Vec<(&str, &str)> = form.to_vec();
    let mut request = http.post(app.token_url.clone()).header(reqwest::header::ACCEPT, "application/json");
    match app.client_auth {
        ClientAuth::Body => {
            body.push(("client_id", &app.client_id));
            body.push(("client_secret", app.client_secret.expose_secret()));
        }
        ClientAuth::Basic => request = request.basic_auth(&app.client_id, Some(app.client_secret.expose_secret())),
    }
    // Transport errors name no URL: the form holds the code or the refresh token, never the URL.
    let response = request.form(&body).send().await.map_err(|e| {
        unavailable(if e.is_timeout() { "no answer in time".into() } else { "the connection failed".into() })
    })?;
    let status = response.status();
    let bytes = read_bounded(response).await.map_err(unavailable)?;
    if status.is_success() {
        let answer: TokenAnswer =
            serde_json::from_slice(&bytes).map_err(|_| unavailable("an answer Prospo could not read".into()))?;
        return Ok(Grant {
            access_token: answer.access_token.into(),
            refresh_token: answer.refresh_token.map(SecretString::from),
            expires_in_seconds: answer.expires_in.unwrap_or(3600),
            scopes: answer.scope.unwrap_or_else(|| app.scopes.join(" ")),
        });
    }
    if status.is_server_error() {
        return Err(unavailable(format!("HTTP {}", status.as_u16())));
    }
    let code = serde_json::from_slice::<ErrorAnswer>(&bytes).map(|e| e.error).unwrap_or_default();
    Err(match code.as_str() {
        "invalid_grant" => OAuthError::Revoked(provider),
        "invalid_client" | "unauthorized_client" => OAuthError::InvalidClient(provider),
        "" => unavailable(format!("HTTP {}", status.as_u16())),
        other => OAuthError::Refused {
            provider,
            code: other.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(64).collect(),
        },
    })
}

/// The answer's body, refused past [`MAX_ANSWER_BYTES`].
async fn read_bounded(response: reqwest::Response) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| "the answer broke off".to_owned())?;
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err("an answer too large to be a token".into());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
