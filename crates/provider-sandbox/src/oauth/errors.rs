//! What each provider answers when a request fails: the token endpoint's error bodies and the
//! authorization endpoint's error pages. Each failure is named once; its words are each
//! provider's.
//!
//! Token endpoint bodies:
//! - Google: `{"error", "error_description"}` (400, or 401 for `invalid_client`).
//! - Microsoft: `{"error", "error_description": "AADSTSnnnn: … Trace ID … Correlation ID …
//!   Timestamp …", "error_codes": [nnnn], "timestamp", "trace_id", "correlation_id",
//!   "error_uri"}`.
//! - Zoom: `{"reason", "error"}`, always 400.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde_json::{Value, json};

use super::Flavour;
use crate::ids;

/// Why a token request failed.
pub(super) enum TokenError {
    MissingClientId,
    UnknownClient(String),
    DisabledClient(String),
    /// No secret with the client id (Google reads it as a wrong one).
    MissingSecret,
    WrongSecret(String),
    MissingGrantType,
    UnsupportedGrantType(String),
    MissingCode,
    /// Unknown, or issued to another client.
    InvalidCode(String),
    UsedCode(String),
    ExpiredCode(String),
    RedirectMismatch {
        given: String,
        expected: String,
    },
    MissingVerifier,
    WrongVerifier,
    MissingRefreshToken,
    /// Unknown, or (rotating) used already.
    InvalidRefreshToken,
    OtherClientsRefreshToken,
    RevokedRefreshToken,
    ExpiredRefreshToken,
}

/// One failure in Google's words: status, `error`, `error_description`.
type GoogleWords = (StatusCode, &'static str, String);
/// One failure in Microsoft's words: status, `error`, AADSTS code and message.
type MicrosoftWords = (StatusCode, &'static str, u32, String);
/// One failure in Zoom's words: `error`, `reason`.
type ZoomWords = (&'static str, String);

const UNKNOWN_REFRESH: &str = "The provided value for the input parameter 'refresh_token' or 'assertion' is not valid.";

impl TokenError {
    pub fn into_response(self, flavour: Flavour, now: Timestamp) -> Response {
        let (status, body) = match flavour {
            Flavour::Google => {
                let (status, error, description) = self.google();
                (status, json!({"error": error, "error_description": description}))
            }
            Flavour::Microsoft => {
                let (status, error, code, message) = self.microsoft();
                (status, microsoft_body(error, code, &message, now))
            }
            Flavour::Zoom => {
                let (error, reason) = self.zoom();
                (StatusCode::BAD_REQUEST, json!({"reason": reason, "error": error}))
            }
        };
        (status, [(header::CACHE_CONTROL, "no-store"), (header::PRAGMA, "no-cache")], Json(body)).into_response()
    }

    fn google(&self) -> GoogleWords {
        let bad = StatusCode::BAD_REQUEST;
        let unauthorized = StatusCode::UNAUTHORIZED;
        let expired_or_revoked = "Token has been expired or revoked.".to_owned();
        match self {
            TokenError::MissingClientId => {
                (bad, "invalid_request", "Could not determine client ID from request.".into())
            }
            TokenError::UnknownClient(_) => (unauthorized, "invalid_client", "The OAuth client was not found.".into()),
            TokenError::DisabledClient(_) => (unauthorized, "invalid_client", "The OAuth client was disabled.".into()),
            TokenError::MissingSecret | TokenError::WrongSecret(_) => {
                (unauthorized, "invalid_client", "Unauthorized".into())
            }
            TokenError::MissingGrantType => (bad, "unsupported_grant_type", "Invalid grant_type: ".into()),
            TokenError::UnsupportedGrantType(grant) => {
                (bad, "unsupported_grant_type", format!("Invalid grant_type: {grant}"))
            }
            TokenError::MissingCode => (bad, "invalid_request", "Missing required parameter: code".into()),
            TokenError::MissingRefreshToken => {
                (bad, "invalid_request", "Missing required parameter: refresh_token".into())
            }
            TokenError::InvalidCode(_)
            | TokenError::UsedCode(_)
            | TokenError::ExpiredCode(_)
            | TokenError::WrongVerifier
            | TokenError::OtherClientsRefreshToken => (bad, "invalid_grant", "Bad Request".into()),
            TokenError::RedirectMismatch { .. } => (bad, "redirect_uri_mismatch", "Bad Request".into()),
            TokenError::MissingVerifier => (bad, "invalid_grant", "Missing code verifier.".into()),
            TokenError::InvalidRefreshToken | TokenError::RevokedRefreshToken | TokenError::ExpiredRefreshToken => {
                (bad, "invalid_grant", expired_or_revoked)
            }
        }
    }

    fn microsoft(&self) -> MicrosoftWords {
        let bad = StatusCode::BAD_REQUEST;
        let unauthorized = StatusCode::UNAUTHORIZED;
        let missing = |name: &str| format!("The request body must contain the following parameter: '{name}'.");
        let grant = |code: u32, message: &str| (bad, "invalid_grant", code, message.to_owned());
        let pkce = "The Code_Verifier does not match the code_challenge supplied in the authorization request.";
        match self {
            TokenError::MissingClientId => (bad, "invalid_request", 900144, missing("client_id")),
            TokenError::UnknownClient(id) => (
                bad,
                "unauthorized_client",
                700016,
                format!("Application with identifier '{id}' was not found in the directory 'Sandbox'."),
            ),
            TokenError::DisabledClient(id) => {
                (bad, "unauthorized_client", 7000112, format!("Application '{id}' is disabled."))
            }
            TokenError::MissingSecret => (
                unauthorized,
                "invalid_client",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.".into(),
            ),
            TokenError::WrongSecret(id) => (
                unauthorized,
                "invalid_client",
                7000215,
                format!(
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{id}'."
                ),
            ),
            TokenError::MissingGrantType => (bad, "invalid_request", 900144, missing("grant_type")),
            TokenError::UnsupportedGrantType(other) => (
                bad,
                "unsupported_grant_type",
                70003,
                format!("The app requested an unsupported grant type '{other}'."),
            ),
            TokenError::MissingCode => (bad, "invalid_request", 900144, missing("code")),
            TokenError::MissingRefreshToken => (bad, "invalid_request", 900144, missing("refresh_token")),
            TokenError::InvalidCode(_) => grant(70000, "The provided value for the 'code' parameter is not valid."),
            TokenError::UsedCode(_) => grant(
                54005,
                "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
            ),
            TokenError::ExpiredCode(_) => grant(
                70008,
                "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
            ),
            TokenError::RedirectMismatch { given, expected } => grant(
                500112,
                &format!(
                    "The reply address '{given}' does not match the reply address '{expected}' provided when requesting Authorization code."
                ),
            ),
            TokenError::MissingVerifier | TokenError::WrongVerifier => grant(501481, pkce),
            TokenError::InvalidRefreshToken | TokenError::OtherClientsRefreshToken => grant(70000, UNKNOWN_REFRESH),
            TokenError::RevokedRefreshToken => grant(
                50173,
                "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.",
            ),
            TokenError::ExpiredRefreshToken => grant(
                700082,
                "The refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
            ),
        }
    }

    fn zoom(&self) -> ZoomWords {
        match self {
            TokenError::MissingClientId
            | TokenError::UnknownClient(_)
            | TokenError::DisabledClient(_)
            | TokenError::MissingSecret
            | TokenError::WrongSecret(_) => ("invalid_client", "Invalid client_id or client_secret".into()),
            TokenError::MissingGrantType | TokenError::UnsupportedGrantType(_) => {
                ("unsupported_grant_type", "unsupported grant type".into())
            }
            TokenError::MissingCode => ("invalid_request", "Invalid authorization code ".into()),
            TokenError::InvalidCode(code) | TokenError::UsedCode(code) | TokenError::ExpiredCode(code) => {
                ("invalid_request", format!("Invalid authorization code {code}"))
            }
            TokenError::RedirectMismatch { .. } => ("invalid_request", "Redirect URI mismatch.".into()),
            // Zoom's body for a verifier that does not match is not on record.
            TokenError::MissingVerifier | TokenError::WrongVerifier => {
                ("invalid_grant", "Invalid code_verifier.".into())
            }
            // As seen live, for a used, revoked, expired or unknown refresh token alike.
            TokenError::MissingRefreshToken
            | TokenError::InvalidRefreshToken
            | TokenError::OtherClientsRefreshToken
            | TokenError::RevokedRefreshToken
            | TokenError::ExpiredRefreshToken => ("invalid_grant", "Invalid Token!".into()),
        }
    }
}

pub(super) fn microsoft_body(error: &str, code: u32, message: &str, now: Timestamp) -> Value {
    let trace_id = ids::guid();
    let correlation_id = ids::guid();
    let timestamp = now.strftime("%Y-%m-%d %H:%M:%SZ").to_string();
    json!({
        "error": error,
        "error_description": format!(
            "AADSTS{code}: {message}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {timestamp}"
        ),
        "error_codes": [code],
        "timestamp": timestamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
    })
}

/// Why an authorization request is refused with an error page (never a redirect).
pub(super) enum AuthorizeError {
    Missing(&'static str),
    UnknownClient(String),
    DisabledClient(String),
    BadRedirect { client_id: String, redirect_uri: String },
    UnsupportedResponseType(String),
    UnsupportedResponseMode(String),
    InvalidScope(String),
    BadChallenge,
    ChallengeMethodNotS256,
}

/// An error page's title line (the provider's error code) and its explanation.
pub(super) struct ErrorPage {
    pub code: String,
    pub message: String,
}

impl AuthorizeError {
    pub fn page(&self, flavour: Flavour) -> ErrorPage {
        match flavour {
            Flavour::Google => self.google(),
            Flavour::Microsoft => self.microsoft(),
            Flavour::Zoom => self.zoom(),
        }
    }

    fn google(&self) -> ErrorPage {
        let page = |error: &str, message: String| ErrorPage { code: format!("Error 400: {error}"), message };
        match self {
            AuthorizeError::Missing(name) => page("invalid_request", format!("Missing required parameter: {name}")),
            AuthorizeError::UnknownClient(_) => ErrorPage {
                code: "Error 401: invalid_client".into(),
                message: "The OAuth client was not found.".into(),
            },
            AuthorizeError::DisabledClient(_) => ErrorPage {
                code: "Error 401: disabled_client".into(),
                message: "The OAuth client was disabled.".into(),
            },
            AuthorizeError::BadRedirect { redirect_uri, .. } => page(
                "redirect_uri_mismatch",
                format!("You can't sign in because this app sent an invalid request. redirect_uri={redirect_uri}"),
            ),
            AuthorizeError::UnsupportedResponseType(rt) => {
                page("unsupported_response_type", format!("Invalid response_type: {rt}"))
            }
            // Google has no response_mode of its own: the sandbox never checks it.
            AuthorizeError::UnsupportedResponseMode(mode) => {
                page("invalid_request", format!("Invalid response_mode: {mode}"))
            }
            AuthorizeError::InvalidScope(bad) => {
                page("invalid_scope", format!("Some requested scopes were invalid. {{invalid=[{bad}]}}"))
            }
            AuthorizeError::BadChallenge => page("invalid_request", "Invalid code_challenge.".into()),
            AuthorizeError::ChallengeMethodNotS256 => {
                page("invalid_request", "This sandbox requires code_challenge_method=S256 (PKCE).".into())
            }
        }
    }

    fn microsoft(&self) -> ErrorPage {
        let page = |code: u32, message: String| ErrorPage { code: format!("AADSTS{code}"), message };
        match self {
            AuthorizeError::Missing(name) => {
                page(900144, format!("The request body must contain the following parameter: '{name}'."))
            }
            AuthorizeError::UnknownClient(id) => {
                page(700016, format!("Application with identifier '{id}' was not found in the directory 'Sandbox'."))
            }
            AuthorizeError::DisabledClient(id) => page(7000112, format!("Application '{id}' is disabled.")),
            AuthorizeError::BadRedirect { client_id, redirect_uri } => page(
                50011,
                format!(
                    "The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured for the application '{client_id}'."
                ),
            ),
            AuthorizeError::UnsupportedResponseType(rt) => {
                page(700054, format!("response_type '{rt}' is not enabled for the application."))
            }
            AuthorizeError::UnsupportedResponseMode(mode) => {
                page(900144, format!("response_mode '{mode}' is not served by this sandbox; use response_mode=query."))
            }
            AuthorizeError::InvalidScope(bad) => page(
                70011,
                format!(
                    "The provided value for the input parameter 'scope' is not valid. The scope '{bad}' does not exist."
                ),
            ),
            AuthorizeError::BadChallenge => page(501491, "Invalid size of Code_Challenge parameter.".into()),
            AuthorizeError::ChallengeMethodNotS256 => {
                page(501481, "This sandbox requires code_challenge_method=S256 (PKCE).".into())
            }
        }
    }

    /// Zoom's page names the problem and its error number (4,7xx).
    fn zoom(&self) -> ErrorPage {
        let page = |code: &str, message: String| ErrorPage { code: format!("Error {code}"), message };
        match self {
            AuthorizeError::Missing("client_id") => page("4,702", "Invalid client_id: ".into()),
            AuthorizeError::UnknownClient(id) => page("4,702", format!("Invalid client_id: {id}")),
            AuthorizeError::DisabledClient(_) => page("4,717", "The app has been disabled".into()),
            AuthorizeError::Missing("redirect_uri") => page("4,709", "Invalid redirect: ".into()),
            AuthorizeError::BadRedirect { redirect_uri, .. } => {
                page("4,709", format!("Invalid redirect: {redirect_uri}"))
            }
            AuthorizeError::Missing("response_type") | AuthorizeError::UnsupportedResponseType(_) => {
                page("4,700", "Unsupported response_type; use response_type=code".into())
            }
            AuthorizeError::Missing(name) => page("4,700", format!("Missing parameter: {name}")),
            AuthorizeError::UnsupportedResponseMode(mode) => {
                page("4,700", format!("Unsupported response_mode: {mode}"))
            }
            AuthorizeError::InvalidScope(bad) => page("4,700", format!("Invalid scope: {bad}")),
            AuthorizeError::BadChallenge => page("4,700", "Invalid code_challenge".into()),
            AuthorizeError::ChallengeMethodNotS256 => {
                page("4,700", "Unsupported code_challenge_method; use S256".into())
            }
        }
    }
}
