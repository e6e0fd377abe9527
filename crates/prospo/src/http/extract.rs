//! Extractors: JSON bodies whose rejections use the API's error envelope, and the signed-in user of
//! an API request (by `Authorization: Bearer` or the session cookie). Pages have their own
//! (`pages::PageUser`), whose refusal is a page.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRef, FromRequest, FromRequestParts, OptionalFromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum_extra::extract::CookieJar;
use serde::de::DeserializeOwned;

use super::AppState;
use super::error::ApiError;
use crate::accounts;
use crate::store::accounts::UserRow;

pub const SESSION_COOKIE: &str = "prospo_session";

/// `axum::Json`, but malformed, mistyped, incomplete or oversized bodies answer in our envelope.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        // Every body of the API is an object: serde would also read a struct from an array of its
        // fields in order (`[null, null]`), which the document does not allow.
        let value = match axum::Json::<serde_json::Value>::from_request(req, state).await {
            Ok(axum::Json(value)) => value,
            Err(rejection) => return Err(json_rejection(rejection)),
        };
        if !value.is_object() {
            return Err(ApiError::unprocessable("invalid_body", "The request body must be a JSON object."));
        }
        serde_json::from_value(value)
            .map(ApiJson)
            .map_err(|e| ApiError::unprocessable("invalid_body", format!("The request body does not fit: {e}")))
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    let status = rejection.status();
    let (code, message) = match &rejection {
        JsonRejection::JsonDataError(e) => {
            ("invalid_body", format!("The request body does not fit: {}", e.body_text()))
        }
        JsonRejection::JsonSyntaxError(_) => ("malformed_json", "The request body is not valid JSON.".to_owned()),
        JsonRejection::MissingJsonContentType(_) => {
            ("unsupported_media_type", "Send the body as JSON with Content-Type: application/json.".to_owned())
        }
        _ if status == StatusCode::PAYLOAD_TOO_LARGE => ("body_too_large", "The request body is too large.".to_owned()),
        _ => ("invalid_body", "The request body could not be read.".to_owned()),
    };
    ApiError::new(status, code, message)
}

/// `axum::extract::Query`, but a query that does not fit answers 422 in our envelope.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(ApiError::unprocessable(
                "invalid_query",
                format!("The query string does not fit: {}", rejection.body_text()),
            )),
        }
    }
}

/// How the current request proved who it is.
#[derive(Debug, Clone)]
pub enum Credential {
    Session(String),
    ApiToken { id: String },
}

/// The signed-in user of an API request; 401 in the envelope otherwise.
#[derive(Debug, Clone)]
pub struct ApiUser {
    pub user: UserRow,
    pub credential: Credential,
}

impl<S> FromRequestParts<S> for ApiUser
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        if let Some(value) = bearer_token(parts) {
            return match accounts::user_for_api_token(&state, value).await? {
                Some((user, token)) => Ok(ApiUser { user, credential: Credential::ApiToken { id: token.id } }),
                None => Err(ApiError::new(StatusCode::UNAUTHORIZED, "invalid_token", "This API token is not valid.")),
            };
        }
        let jar = CookieJar::from_headers(&parts.headers);
        if let Some(cookie) = jar.get(SESSION_COOKIE)
            && let Some(user) = accounts::user_for_session(&state, cookie.value()).await?
        {
            return Ok(ApiUser { user, credential: Credential::Session(cookie.value().to_owned()) });
        }
        Err(ApiError::unauthorized())
    }
}

impl<S> OptionalFromRequestParts<S> for ApiUser
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    /// `None` only when the request carries no credential at all; a bad one is still refused.
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Option<Self>, Self::Rejection> {
        match <ApiUser as FromRequestParts<S>>::from_request_parts(parts, state).await {
            Ok(user) => Ok(Some(user)),
            Err(e) if e.code == "unauthorized" => Ok(None),
            Err(e) => Err(e),
        }
    }
}

fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}
