//! The `/v2` REST API: bearer-token authentication, scope checks and rate limits shared by
//! every endpoint, and the route table.

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};

use crate::errors::{ZoomError, expired_token, invalid_token};
use crate::limits::RateHeaders;
use crate::scopes::Endpoint;
use crate::{Sandbox, meetings, recordings, user_oauth, users};

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

/// What a valid token stands for.
pub(crate) struct TokenHolder {
    pub client_id: String,
    /// The account it acts in: the app's own, or that of the user who authorised a General app.
    pub account_id: String,
    /// The user a General app's token acts as; `None` for a Server-to-Server token.
    pub user_id: Option<String>,
    /// The scopes granted when the token was issued.
    pub scopes: Vec<String>,
}

/// Who is calling one endpoint.
pub(crate) struct Caller {
    pub client_id: String,
    pub account_id: String,
    /// The user `me` names for a General app's token (a Server-to-Server app's `me` is its owner).
    pub user_id: Option<String>,
    /// Set when the token may act for its own user only (a user-level scope): the `:admin` scope
    /// acting for another user of the account would take.
    admin_scope: Option<String>,
}

impl Caller {
    fn new(holder: TokenHolder, endpoint: &Endpoint) -> Caller {
        let confined = holder.user_id.is_some() && !endpoint.allows_account_wide(&holder.scopes);
        Caller {
            client_id: holder.client_id,
            account_id: holder.account_id,
            user_id: holder.user_id,
            admin_scope: confined.then(|| format!("{}:admin", endpoint.granular)),
        }
    }

    /// Whether the call may touch `user_id`'s data. A user-level token naming another user of
    /// its account is answered as Zoom answers a call that needs a higher scope: 400 code 4711
    /// listing the `:admin` scope (Zoom's exact answer here is not on record).
    pub fn may_act_for(&self, user_id: &str) -> Result<(), ZoomError> {
        match (&self.user_id, &self.admin_scope) {
            (Some(me), Some(scope)) if me != user_id => Err(ZoomError::new(
                StatusCode::BAD_REQUEST,
                4711,
                format!("Invalid access token, does not contain scopes:[{scope}]."),
            )),
            _ => Ok(()),
        }
    }
}

pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Resolves a token to its app (and user): a Server-to-Server token, a recording download token,
/// or a General app's user token. Unknown, revoked or expired tokens, a deactivated app or a user
/// who is gone are 401 code 124.
pub(crate) fn authenticate(sb: &Sandbox, token: Option<&str>) -> Result<TokenHolder, ZoomError> {
    let token = token.ok_or_else(invalid_token)?;
    sb.with_data(|data| {
        let now = data.now();
        let Some(t) = data.tokens.get(token) else {
            return user_oauth::token_holder(data, now, token);
        };
        if t.revoked {
            return Err(invalid_token());
        }
        if now >= t.expires_at {
            return Err(expired_token());
        }
        let app = data.apps.get(&t.client_id).filter(|a| a.activated).ok_or_else(invalid_token)?;
        let account_id = match &t.user_id {
            Some(user_id) => data.users.get(user_id).ok_or_else(invalid_token)?.account_id.clone(),
            None => app.account_id.clone(),
        };
        Ok(TokenHolder {
            client_id: app.client_id.clone(),
            account_id,
            user_id: t.user_id.clone(),
            scopes: t.scopes.clone(),
        })
    })
}

/// The outcome of one API call's own work.
pub(crate) type ApiResult = Result<Response, ZoomError>;

/// Runs one API call: authentication, scope check, the per-second limit, then `handler`, whose
/// answer gets the rate-limit headers (the handler may switch them to the daily limit).
pub(crate) fn call(
    sb: &Sandbox,
    headers: &HeaderMap,
    endpoint: &'static Endpoint,
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
    let holder = authenticate(sb, bearer(headers))?;
    if !endpoint.allows(&holder.scopes) {
        return Err(endpoint.missing_scope());
    }
    let caller = Caller::new(holder, endpoint);
    let (plan, now) = sb.with_data(|data| (data.apps.get(&caller.client_id).and_then(|a| a.plan), data.now()));
    sb.live().qps.take(&caller.account_id, endpoint.category, plan, now, rate)?;
    handler(&caller, rate)
}
