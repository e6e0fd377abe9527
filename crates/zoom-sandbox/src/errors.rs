//! Zoom's error answers: `{"code", "message"}` (plus `errors` for validation failures).
//! Kept as data until they become a response, so that `Result<_, ZoomError>` stays small.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub(crate) struct ZoomError {
    status: StatusCode,
    body: Value,
}

impl ZoomError {
    pub fn new(status: StatusCode, code: i64, message: impl Into<String>) -> ZoomError {
        ZoomError { status, body: json!({"code": code, "message": message.into()}) }
    }
}

impl IntoResponse for ZoomError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body)).into_response()
    }
}

pub(crate) fn invalid_token() -> ZoomError {
    ZoomError::new(StatusCode::UNAUTHORIZED, 124, "Invalid access token.")
}

pub(crate) fn expired_token() -> ZoomError {
    ZoomError::new(StatusCode::UNAUTHORIZED, 124, "Access token is expired.")
}

pub(crate) fn user_not_found(user: &str) -> ZoomError {
    ZoomError::new(StatusCode::NOT_FOUND, 1001, format!("User does not exist: {user}."))
}

pub(crate) fn meeting_not_found(id: &str) -> ZoomError {
    ZoomError::new(StatusCode::NOT_FOUND, 3001, format!("Meeting does not exist: {id}."))
}

pub(crate) fn recording_not_found() -> ZoomError {
    ZoomError::new(StatusCode::NOT_FOUND, 3301, "This recording does not exist.")
}

/// Zoom's generic validation failure (code 300) naming the offending field.
pub(crate) fn validation_failed(field: &str) -> ZoomError {
    ZoomError {
        status: StatusCode::BAD_REQUEST,
        body: json!({
            "code": 300,
            "message": "Validation Failed.",
            "errors": [{"field": field, "message": "Invalid field."}],
        }),
    }
}
