//! `POST /oauth/token`: Server-to-Server OAuth (`grant_type=account_credentials`), answered here,
//! and a General app's `authorization_code` and `refresh_token` grants, handed to its
//! authorization server ([`crate::user_oauth`]); both with the `{"reason", "error"}` bodies of
//! zoom/README.md §1. The app's credentials pick which: each app type takes only its own grants,
//! another is `unsupported_grant_type`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jiff::SignedDuration;
use provider_sandbox::oauth::TokenRequest;
use serde_json::json;

use crate::state::{AppKind, Data, Token};
use crate::{Sandbox, ids, user_oauth};

const TOKEN_TTL_SECONDS: i64 = 3600;

pub(crate) fn routes() -> Router<Sandbox> {
    Router::new().route("/oauth/token", post(token))
}

/// The client id and secret of a `Basic` authorization header.
pub(crate) fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

fn oauth_error(reason: &str, error: &str) -> Response {
    (StatusCode::BAD_REQUEST, axum::Json(json!({"reason": reason, "error": error}))).into_response()
}

fn invalid_client() -> Response {
    oauth_error("Invalid client_id or client_secret", "invalid_client")
}

/// Zoom account ids are 22 characters of base64url; anything else is "Bad Request".
fn well_formed_account_id(id: &str) -> bool {
    id.len() == 22 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A request's parameters: the form body, then the query string (older docs used it), the body
/// winning when both name one.
pub(crate) struct Params {
    body: Vec<(String, String)>,
    query: Vec<(String, String)>,
}

impl Params {
    pub fn new(body: &[u8], query: &str) -> Params {
        Params {
            body: serde_urlencoded::from_bytes(body).unwrap_or_default(),
            query: serde_urlencoded::from_str(query).unwrap_or_default(),
        }
    }

    pub fn get(&self, name: &str) -> Option<String> {
        self.body.iter().chain(&self.query).find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }
}

async fn token(State(sb): State<Sandbox>, headers: HeaderMap, RawQuery(query): RawQuery, body: Bytes) -> Response {
    let query = query.unwrap_or_default();
    let params = Params::new(&body, &query);
    let Some((client_id, secret)) = basic_credentials(&headers) else {
        return invalid_client();
    };
    let base_url = sb.base_url();
    sb.with_data(|data| {
        let Some(app) = data.apps.get(&client_id).filter(|a| a.client_secret == secret) else {
            return invalid_client();
        };
        match (app.kind, params.get("grant_type").as_deref()) {
            (AppKind::ServerToServer, Some("account_credentials")) => {
                account_credentials(data, &client_id, &params, &base_url)
            }
            (AppKind::ServerToServer, _) => oauth_error("unsupported grant type", "unsupported_grant_type"),
            // Its grants, a deactivated app and a grant type it does not take alike.
            (AppKind::General, _) => {
                let request = TokenRequest { headers: &headers, query: &query, body: &body };
                user_oauth::token(data, &client_id, &params, &request, &base_url)
            }
        }
    })
}

fn account_credentials(data: &mut Data, client_id: &str, params: &Params, base_url: &str) -> Response {
    let account_id = params.get("account_id").unwrap_or_default();
    let Some(app) = data.apps.get(client_id) else {
        return invalid_client();
    };
    if !well_formed_account_id(&account_id) {
        return oauth_error("Bad Request", "invalid_request");
    }
    if data.app_of_account(&account_id).is_none() {
        return oauth_error("Account does not exist", "invalid_request");
    }
    // Another account's id, or a deactivated app: refused like a wrong secret.
    if app.account_id != account_id || !app.activated {
        return invalid_client();
    }
    let scopes = app.scopes.clone();
    let access_token = ids::access_token();
    let expires_at = data.now() + SignedDuration::from_secs(TOKEN_TTL_SECONDS);
    sweep_dead_tokens(data);
    let token =
        Token { client_id: client_id.to_owned(), user_id: None, scopes: scopes.clone(), expires_at, revoked: false };
    data.tokens.insert(access_token.clone(), token);
    axum::Json(json!({
        "access_token": access_token,
        "token_type": "bearer",
        "expires_in": TOKEN_TTL_SECONDS,
        "scope": scopes.join(" "),
        "api_url": base_url,
    }))
    .into_response()
}

/// Tokens dead for more than a day are forgotten, so the state does not grow without bound.
/// (Until then a dead token still identifies its app, for the `api_requests` counter.)
fn sweep_dead_tokens(data: &mut Data) {
    if data.tokens.len() < data.next_token_sweep {
        return;
    }
    let cutoff = data.now() - SignedDuration::from_secs(86_400);
    data.tokens.retain(|_, t| t.expires_at > cutoff);
    data.next_token_sweep = (data.tokens.len() * 2).max(1024);
}
