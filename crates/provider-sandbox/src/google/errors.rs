//! Google's error answers: `{"error": {"errors": [{"domain", "reason", "message"}], "code",
//! "message"}}`, plus `status` and `details` on the authentication and permission errors, as the
//! Calendar API answers them today.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub(crate) struct GoogleError {
    status: StatusCode,
    body: Value,
    www_authenticate: Option<String>,
}

impl GoogleError {
    pub fn new(status: StatusCode, domain: &str, reason: &str, message: &str) -> GoogleError {
        GoogleError {
            status,
            body: json!({"error": {
                "errors": [{"domain": domain, "reason": reason, "message": message}],
                "code": status.as_u16(),
                "message": message,
            }}),
            www_authenticate: None,
        }
    }

    /// Names the offending parameter, as Google does for query parameters.
    pub fn at(mut self, location: &str) -> GoogleError {
        if let Some(first) = self.body["error"]["errors"].get_mut(0).and_then(Value::as_object_mut) {
            first.insert("locationType".into(), json!("parameter"));
            first.insert("location".into(), json!(location));
        }
        self
    }

    pub fn bad_request(message: &str) -> GoogleError {
        Self::new(StatusCode::BAD_REQUEST, "global", "badRequest", message)
    }

    pub fn invalid(message: &str) -> GoogleError {
        Self::new(StatusCode::BAD_REQUEST, "global", "invalid", message)
    }

    pub fn required(message: &str) -> GoogleError {
        Self::new(StatusCode::BAD_REQUEST, "global", "required", message)
    }

    pub fn time_range_empty() -> GoogleError {
        Self::new(StatusCode::BAD_REQUEST, "calendar", "timeRangeEmpty", "The specified time range is empty.")
    }

    pub fn not_found() -> GoogleError {
        Self::new(StatusCode::NOT_FOUND, "global", "notFound", "Not Found")
    }

    pub fn deleted() -> GoogleError {
        Self::new(StatusCode::GONE, "global", "deleted", "Resource has been deleted")
    }

    pub fn duplicate() -> GoogleError {
        Self::new(StatusCode::CONFLICT, "global", "duplicate", "The requested identifier already exists.")
    }

    pub fn full_sync_required() -> GoogleError {
        Self::new(
            StatusCode::GONE,
            "calendar",
            "fullSyncRequired",
            "Sync token is no longer valid, a full sync is required.",
        )
    }

    pub fn unauthenticated() -> GoogleError {
        let message = "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.";
        GoogleError {
            status: StatusCode::UNAUTHORIZED,
            body: json!({"error": {
                "code": 401,
                "message": message,
                "errors": [{
                    "message": "Invalid Credentials",
                    "domain": "global",
                    "reason": "authError",
                    "location": "Authorization",
                    "locationType": "header",
                }],
                "status": "UNAUTHENTICATED",
            }}),
            www_authenticate: Some("Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\"".into()),
        }
    }

    /// The token is good but none of the method's scopes was granted.
    pub fn insufficient_scope(method: &str, accepted: &[&str]) -> GoogleError {
        GoogleError {
            status: StatusCode::FORBIDDEN,
            body: json!({"error": {
                "code": 403,
                "message": "Request had insufficient authentication scopes.",
                "errors": [{
                    "message": "Insufficient Permission",
                    "domain": "global",
                    "reason": "insufficientPermissions",
                }],
                "status": "PERMISSION_DENIED",
                "details": [{
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                    "domain": "googleapis.com",
                    "metadata": {"service": "calendar-json.googleapis.com", "method": method},
                }],
            }}),
            www_authenticate: Some(format!(
                "Bearer realm=\"https://accounts.google.com/\", error=\"insufficient_scope\", scope=\"{}\"",
                accepted.join(" ")
            )),
        }
    }
}

impl IntoResponse for GoogleError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        if let Some(value) = self.www_authenticate.and_then(|v| v.parse().ok()) {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }
}
