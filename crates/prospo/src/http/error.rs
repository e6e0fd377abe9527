//! One error type for the JSON API: `{"error": {"code", "message", ...}}`.
//! Client mistakes carry their message; unexpected failures log the full chain and answer a
//! generic 500, so internals never leak.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::accounts::AccountError;
use crate::store::StoreError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// More fields for the `error` object, e.g. `missing_scopes`.
    pub extra: Map<String, Value>,
    pub retry_after_secs: Option<i64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into(), extra: Map::new(), retry_after_secs: None }
    }

    pub fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "Not found.")
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "Log in or send an API token as Authorization: Bearer.")
    }

    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> ApiError {
        self.extra.insert(key.to_owned(), value.into());
        self
    }

    /// A generic 500; the cause goes to the log only.
    pub fn internal(cause: impl std::fmt::Display + std::fmt::Debug) -> ApiError {
        tracing::error!(error = ?cause, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Something went wrong on our side. Please try again.",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = Map::new();
        error.insert("code".into(), self.code.into());
        error.insert("message".into(), self.message.into());
        error.extend(self.extra);
        let mut response = (self.status, Json(json!({ "error": error }))).into_response();
        if let Some(secs) = self.retry_after_secs
            && let Ok(value) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::internal(e)
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        ApiError::internal(e)
    }
}

impl From<AccountError> for ApiError {
    fn from(e: AccountError) -> Self {
        let message = e.to_string();
        match e {
            AccountError::Invalid(invalid) => {
                ApiError::unprocessable(invalid.code, invalid.message).with("field", invalid.field)
            }
            AccountError::EmailTaken => ApiError::new(StatusCode::CONFLICT, "email_taken", message),
            AccountError::UsernameTaken => ApiError::new(StatusCode::CONFLICT, "username_taken", message),
            AccountError::InvalidLogin => ApiError::new(StatusCode::UNAUTHORIZED, "invalid_login", message),
            AccountError::ResetLinkUnusable => ApiError::new(StatusCode::GONE, "reset_link_unusable", message),
            AccountError::Throttled { retry_after_secs } => ApiError {
                retry_after_secs: Some(retry_after_secs),
                ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", message)
            },
            AccountError::TooManyMails { retry_after_secs } => ApiError {
                retry_after_secs: Some(retry_after_secs),
                ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_mails", message)
            },
            AccountError::Store(e) => ApiError::internal(e),
            AccountError::Internal(e) => ApiError::internal(e),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
