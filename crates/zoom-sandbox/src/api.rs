//! The `/v2` REST API: bearer-token authentication, scope checks and rate limits shared by
//! every endpoint, and the route table.

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};

use crate::errors::{ZoomError, invalid_token};
use crate::limits::RateHeaders;
use crate::scopes::Endpoint;
use crate::{Sandbox, meetings, recordings, users};

pub(crate) fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/users/{user_id}", get(users::get_user))
        .route("/users/{user_id}/meetings", get(meetings::list).post(meetings::create))
        .route("/meetings/{meeting_id}", get(meetings::get).patch(meetings::update).delete(meetings::delete))
        .route("/users/{user_id}/recordings", get(recordings::list_user))
        .route("/meetings/{meeting_id}/recordings", get(recordings::list_meeting).delete(recordings::delete_all))
        .route("/meetings/{meeting_id}/recordings/{file_id}", delete(recordings::delete_file))
        .layer(axum::middleware::from_fn(refuse_query_tokens))
}

/// Since February 2023 Zoom refuses an `access_token` query parameter on API calls.
async fn refuse_query_tokens(req: Request, next: Next) -> Response {
    let in_query = req.uri().query().is_some_and(|q| {
        serde_urlencoded::from_str::<Vec<(String, String)>>(q)
            .is_ok_and(|pairs| pairs.iter().any(|(k, _)| k == "access_token"))
    });
    if in_query && bearer(req.headers()).is_none() {
        let message = "Invalid access token, this access token is not supported as query parameter string.";
        return ZoomError::new(StatusCode::UNAUTHORIZED, 124, message).into_response();
    }
    next.run(req).await
}

/// Who is calling: the app behind a valid token.
pub(crate) struct Caller {
    pub client_id: String,
    pub account_id: String,
}

pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Resolves a token to its app: unknown, revoked or expired tokens (or a deactivated app) are
/// 401 code 124. Returns the scopes granted when the token was minted.
pub(crate) fn authenticate(sb: &Sandbox, token: Option<&str>) -> Result<(Caller, Vec<String>), ZoomError> {
    let token = token.ok_or_else(invalid_token)?;
    sb.with_data(|data| {
        let now = data.now();
        let t = data.tokens.get(token).filter(|t| !t.revoked).ok_or_else(invalid_token)?;
        if now >= t.expires_at {
            return Err(ZoomError::new(StatusCode::UNAUTHORIZED, 124, "Access token is expired."));
        }
        let app = data.apps.get(&t.client_id).filter(|a| a.activated).ok_or_else(invalid_token)?;
        let caller = Caller { client_id: app.client_id.clone(), account_id: app.account_id.clone() };
        Ok((caller, t.scopes.clone()))
    })
}

/// The outcome of one API call's own work.
pub(crate) type ApiResult = Result<Response, ZoomError>;

/// Runs one API call: authentication, scope check, the per-second limit, then `handler`, whose
/// answer gets the rate-limit headers (the handler may switch them to the daily limit).
pub(crate) fn call(
    sb: &Sandbox,
    headers: &HeaderMap,
    endpoint: &Endpoint,
    handler: impl FnOnce(&Caller, &mut RateHeaders) -> ApiResult,
) -> Response {
    let mut rate = RateHeaders::new(endpoint.category);
    let mut response = run(sb, headers, endpoint, &mut rate, handler).unwrap_or_else(IntoResponse::into_response);
    rate.apply(response.headers_mut());
    // Zoom's tracking header, which clients log to correlate calls with Zoom support.
    let tracking = format!("v=2.0;clid=us06;rid=WEB_{}", hex::encode(rand::random::<[u8; 16]>()));
    if let Ok(value) = HeaderValue::from_str(&tracking) {
        response.headers_mut().insert("x-zm-trackingid", value);
    }
    response
}

fn run(
    sb: &Sandbox,
    headers: &HeaderMap,
    endpoint: &Endpoint,
    rate: &mut RateHeaders,
    handler: impl FnOnce(&Caller, &mut RateHeaders) -> ApiResult,
) -> ApiResult {
    let (caller, scopes) = authenticate(sb, bearer(headers))?;
    if !endpoint.allows(&scopes) {
        return Err(endpoint.missing_scope());
    }
    let (plan, now) = sb.with_data(|data| (data.apps.get(&caller.client_id).and_then(|a| a.plan), data.now()));
    sb.live().qps.take(&caller.account_id, endpoint.category, plan, now, rate)?;
    handler(&caller, rate)
}
