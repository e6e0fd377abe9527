//! Graph's error answers: `{"error": {"code", "message", "innerError": {"date", "request-id",
//! "client-request-id"}}}`.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde_json::json;

use crate::ids;
use crate::oauth::BearerProblem;

pub(crate) struct GraphError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl GraphError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> GraphError {
        GraphError { status, code, message: message.into() }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> GraphError {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found() -> GraphError {
        Self::new(StatusCode::NOT_FOUND, "ErrorItemNotFound", "The specified object was not found in the store.")
    }

    pub fn unauthenticated(problem: BearerProblem) -> GraphError {
        let message = match problem {
            BearerProblem::Missing => "Access token is empty.",
            BearerProblem::Unknown => "IDX14100: JWT is not well formed, there are no dots (.).",
            BearerProblem::Expired => "Lifetime validation failed, the token is expired.",
            BearerProblem::Revoked => "Access token has expired or is not yet valid.",
        };
        Self::new(StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken", message)
    }

    /// Outlook resources (calendars, events) refuse a token without a calendar scope like this.
    pub fn access_denied() -> GraphError {
        Self::new(StatusCode::FORBIDDEN, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
    }

    /// Directory resources (`/me`) refuse a token without a user scope like this.
    pub fn insufficient_privileges() -> GraphError {
        Self::new(
            StatusCode::FORBIDDEN,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        )
    }

    pub fn sync_state_not_found() -> GraphError {
        Self::new(
            StatusCode::GONE,
            "SyncStateNotFound",
            "The sync state is not valid any more. Restart the sync without $deltatoken or $skiptoken.",
        )
    }
}

impl IntoResponse for GraphError {
    fn into_response(self) -> Response {
        let request_id = ids::guid();
        let body = json!({"error": {
            "code": self.code,
            "message": self.message,
            "innerError": {
                "date": Timestamp::now().strftime("%Y-%m-%dT%H:%M:%S").to_string(),
                "request-id": request_id,
                "client-request-id": request_id,
            },
        }});
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            let value = "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"";
            response.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static(value));
        }
        response
    }
}
