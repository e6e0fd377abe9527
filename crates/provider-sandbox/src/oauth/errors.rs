//! The token endpoint's error answers in each provider's shape.
//!
//! Google: `{"error", "error_description"}` (400, or 401 for `invalid_client`).
//! Microsoft: `{"error", "error_description": "AADSTSnnnn: … Trace ID … Correlation ID …
//! Timestamp …", "error_codes": [nnnn], "timestamp", "trace_id", "correlation_id", "error_uri"}`.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde_json::{Value, json};

use super::Flavour;
use crate::ids;

/// One token-endpoint failure, before it takes the flavour's shape.
pub(super) struct TokenError {
    pub status: StatusCode,
    pub error: &'static str,
    /// Google's `error_description`.
    pub google: String,
    /// Microsoft's AADSTS code and message.
    pub aadsts: (u32, String),
}

impl TokenError {
    pub fn new(
        status: StatusCode,
        error: &'static str,
        google: impl Into<String>,
        code: u32,
        ms: impl Into<String>,
    ) -> Self {
        TokenError { status, error, google: google.into(), aadsts: (code, ms.into()) }
    }

    /// `invalid_grant` with Google's bare "Bad Request".
    pub fn invalid_grant(code: u32, ms: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_grant", "Bad Request", code, ms)
    }

    /// A missing parameter: Google's `invalid_request` wording and Microsoft's AADSTS900144.
    pub fn missing(name: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            format!("Missing required parameter: {name}"),
            900144,
            format!("The request body must contain the following parameter: '{name}'."),
        )
    }

    pub fn into_response(self, flavour: Flavour, now: Timestamp) -> Response {
        let body = match flavour {
            Flavour::Google => json!({"error": self.error, "error_description": self.google}),
            Flavour::Microsoft => microsoft_body(self.error, self.aadsts.0, &self.aadsts.1, now),
        };
        (self.status, [(header::CACHE_CONTROL, "no-store"), (header::PRAGMA, "no-cache")], Json(body)).into_response()
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
