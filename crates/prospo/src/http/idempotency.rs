//! Idempotent public writes (contract: `Idempotency-Key`). A retry of `POST …/bookings` or
//! `POST /api/v1/meetings` after a lost answer, with the same key and body, gets the first answer
//! again instead of `409 slot_taken` for the booking it made; the same key with another body is
//! `422 idempotency_key_reused`. The booking page carries a fresh key in each form it renders (a
//! form cannot send headers), so a resubmitted form lands on the booking it made.
//!
//! The key is claimed before the handler runs and the answer recorded after; answers a retry should
//! not repeat (5xx, rate limits, timeouts) release the claim. Answers are sealed with the keyring:
//! a booking's answer holds its manage link.

use std::time::Duration;

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{MatchedPath, OptionalFromRequestParts, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::error::ApiError;
use super::extract::ApiUser;
use super::pages::PageError;
use super::{AppState, BODY_LIMIT};
use crate::secrets::Binding;
use crate::store::idempotency::Claim;

pub const HEADER: &str = "idempotency-key";
/// The booking form's field carrying its key.
pub const FORM_FIELD: &str = "idempotency_key";
/// Set on an answer that repeats an earlier one.
const REPLAYED: &str = "idempotent-replayed";

/// How long a key is remembered.
pub const KEEP_MS: i64 = 24 * 3600 * 1000;
/// A claim without an answer this old belongs to a request whose instance died.
const ABANDONED_AFTER_MS: i64 = 60_000;
/// How long a retry waits for the first request with its key to answer.
const WAIT_FOR_FIRST: Duration = Duration::from_secs(5);
const ANSWER_LIMIT: usize = 1024 * 1024;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A JSON route: the key comes as a header; refusals are in the API's envelope.
    Api,
    /// The booking page's form: the key is a form field; only a booking made is replayed, and a
    /// form sent again with other contents (back, edit, send) is simply a new request.
    Page,
}

/// The POST routes that honour a key, as the router names them.
const ROUTES: [(&str, Kind); 5] = [
    ("/api/v1/public/{username}/{slug}/bookings", Kind::Api),
    ("/api/v1/public/team/{team_slug}/{slug}/bookings", Kind::Api),
    ("/api/v1/meetings", Kind::Api),
    ("/{username}/{slug}", Kind::Page),
    ("/team/{team_slug}/{slug}", Kind::Page),
];

/// What is kept of an answer.
#[derive(Serialize, Deserialize)]
struct Stored {
    status: u16,
    content_type: Option<String>,
    location: Option<String>,
    body: String,
}

/// A route layer: only POSTs to [`ROUTES`] that carry a key are touched.
pub async fn guard(
    State(state): State<AppState>,
    matched: Option<MatchedPath>,
    request: Request,
    next: Next,
) -> Response {
    let kind = matched
        .filter(|_| request.method() == Method::POST)
        .and_then(|matched| ROUTES.iter().find(|(path, _)| *path == matched.as_str()).map(|(_, kind)| *kind));
    let Some(kind) = kind else { return next.run(request).await };
    let (mut parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, BODY_LIMIT).await else {
        return ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", "The request body is too large.")
            .into_response();
    };
    let key = match kind {
        Kind::Api => parts.headers.get(HEADER).map(|v| v.to_str().unwrap_or("\u{0}").to_owned()),
        Kind::Page => form_key(&bytes),
    };
    let Some(key) = key else { return next.run(Request::from_parts(parts, Body::from(bytes))).await };
    if !is_valid_key(&key) {
        return match kind {
            Kind::Api => ApiError::unprocessable(
                "invalid_idempotency_key",
                "Idempotency-Key is 1 to 255 visible ASCII characters (a UUID, say).",
            )
            .into_response(),
            Kind::Page => next.run(Request::from_parts(parts, Body::from(bytes))).await,
        };
    }
    // Keys are the caller's own: the same key from two accounts names two requests.
    let caller = match ApiUser::from_request_parts(&mut parts, &state).await {
        Ok(user) => user.map(|u| u.user.id).unwrap_or_default(),
        Err(refusal) => return refusal.into_response(),
    };
    let key_hash = hex::encode(Sha256::digest(format!("{caller}\n{}\n{key}", parts.uri.path())));
    let request_hash = hex::encode(Sha256::digest(&bytes));

    let deadline = tokio::time::Instant::now() + WAIT_FOR_FIRST;
    loop {
        let claim =
            match state.db.claim_idempotency_key(&key_hash, &request_hash, ABANDONED_AFTER_MS, state.now_ms()).await {
                Ok(claim) => claim,
                Err(e) => return ApiError::internal(e).into_response(),
            };
        match claim {
            Claim::Fresh => break,
            Claim::Answered { answer_sealed, .. } => return replay(&state, &key_hash, &answer_sealed),
            Claim::Reused if kind == Kind::Page => {
                return next.run(Request::from_parts(parts, Body::from(bytes))).await;
            }
            Claim::Reused => {
                return ApiError::unprocessable(
                    "idempotency_key_reused",
                    "This Idempotency-Key was already used with another request body; use a new key.",
                )
                .into_response();
            }
            Claim::InFlight if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Claim::InFlight => {
                return match kind {
                    Kind::Api => ApiError {
                        retry_after_secs: Some(1),
                        ..ApiError::new(
                            StatusCode::CONFLICT,
                            "idempotency_key_in_use",
                            "The first request with this Idempotency-Key is still being answered; retry in a moment.",
                        )
                    }
                    .into_response(),
                    Kind::Page => PageError::StillWorking.into_response(),
                };
            }
        }
    }

    let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    let status = response.status();
    let repeatable = match kind {
        Kind::Api => {
            status.is_success()
                || (status.is_client_error()
                    && status != StatusCode::TOO_MANY_REQUESTS
                    && status != StatusCode::REQUEST_TIMEOUT)
        }
        Kind::Page => status.is_redirection(),
    };
    if !repeatable {
        if let Err(e) = state.db.release_idempotency_key(&key_hash).await {
            tracing::warn!(error = %e, "cannot release an idempotency key");
        }
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(body) = to_bytes(body, ANSWER_LIMIT).await else {
        let _ = state.db.release_idempotency_key(&key_hash).await;
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if let Ok(text) = std::str::from_utf8(&body) {
        let header_text = |name| parts.headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok()).map(str::to_owned);
        let stored = Stored {
            status: status.as_u16(),
            content_type: header_text(header::CONTENT_TYPE),
            location: header_text(header::LOCATION),
            body: text.to_owned(),
        };
        let json = serde_json::to_vec(&stored).unwrap_or_default();
        let sealed = state.secrets.seal(&json, binding(&key_hash));
        if let Err(e) = state.db.finish_idempotency_key(&key_hash, status.as_u16(), &sealed).await {
            tracing::warn!(error = %e, "cannot record an idempotent answer");
        }
    }
    Response::from_parts(parts, Body::from(body))
}

fn binding(key_hash: &str) -> Binding<'_> {
    Binding { owner: key_hash, field: "idempotency.answer" }
}

fn replay(state: &AppState, key_hash: &str, sealed: &[u8]) -> Response {
    let stored = state
        .secrets
        .open(sealed, binding(key_hash))
        .ok()
        .and_then(|json| serde_json::from_slice::<Stored>(&json).ok());
    let Some(stored) = stored else {
        return ApiError::internal("an idempotent answer cannot be opened").into_response();
    };
    let mut response = Response::new(Body::from(Bytes::from(stored.body)));
    *response.status_mut() = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let headers = response.headers_mut();
    for (name, value) in [(header::CONTENT_TYPE, stored.content_type), (header::LOCATION, stored.location)] {
        if let Some(value) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
            headers.insert(name, value);
        }
    }
    headers.insert(REPLAYED, HeaderValue::from_static("true"));
    response
}

fn form_key(body: &[u8]) -> Option<String> {
    url::form_urlencoded::parse(body).find(|(name, _)| name == FORM_FIELD).map(|(_, value)| value.into_owned())
}

fn is_valid_key(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_short_visible_ascii() {
        assert!(is_valid_key("6f1c2a8e-1d9b-4c53-9a55-0d2f5f1e7b3c"));
        for bad in ["", " ", "a b", "é", &"k".repeat(256), "\u{0}"] {
            assert!(!is_valid_key(bad), "{bad:?}");
        }
    }

    #[test]
    fn the_form_key_is_read_from_the_form() {
        assert_eq!(form_key(b"name=Sam&idempotency_key=abc-1&email=x"), Some("abc-1".to_owned()));
        assert_eq!(form_key(b"name=Sam"), None);
    }
}
