//! The unauthenticated `/_sandbox` control routes of the contract: apps, General apps (OAuth
//! clients), extra users, token revocation (per app or per user), stats, meetings, recordings,
//! faults and the clock. Their errors are `{"message": "..."}` (404 for an unknown app, user or
//! meeting, 400 for a bad body).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, put};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

use crate::faults::Faults;
use crate::state::{App, AppKind, DEFAULT_SCOPES, DEFAULT_USER_SCOPES, Data, MeetingState, Plan, Stats, User};
use crate::{NewApp, NewOAuthClient, OAuthClientInfo, Sandbox, app_info, ids, meetings, recordings, user_oauth};

pub(crate) fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/apps", post(post_app).get(list_apps))
        .route("/apps/{client_id}", patch(patch_app))
        .route("/apps/{client_id}/users", post(post_user))
        .route("/apps/{client_id}/revoke-tokens", post(revoke_tokens))
        .route("/apps/{client_id}/stats", get(stats))
        .route("/oauth-clients", post(post_oauth_client))
        .route("/users/{email}/revoke", post(revoke_user))
        .route("/meetings", get(list_meetings))
        .route("/meetings/{meeting_id}", patch(patch_meeting))
        .route("/meetings/{meeting_id}/recordings", post(post_recording))
        .route("/faults", put(put_faults).get(get_faults))
        .route("/clock", put(put_clock))
}

pub(crate) struct ControlError {
    status: StatusCode,
    message: String,
}

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(json!({"message": self.message}))).into_response()
    }
}

fn error(status: StatusCode, message: impl Into<String>) -> ControlError {
    ControlError { status, message: message.into() }
}

fn unknown_app() -> ControlError {
    error(StatusCode::NOT_FOUND, "no such app")
}

fn unknown_meeting() -> ControlError {
    error(StatusCode::NOT_FOUND, "no such meeting")
}

type Answer = Result<Response, ControlError>;

/// Control bodies are optional when every field is: an empty body reads as `{}`.
fn body<T: DeserializeOwned + Default>(bytes: &[u8]) -> Result<T, ControlError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(bytes).map_err(|e| error(StatusCode::BAD_REQUEST, e.to_string()))
}

fn parse_plan(plan: Option<&str>) -> Result<Option<Plan>, String> {
    match plan {
        None => Ok(None),
        Some(name) => {
            Plan::parse(name).map(Some).ok_or_else(|| format!("unknown plan {name:?}: free, pro or business"))
        }
    }
}

pub(crate) fn new_user(
    data: &Data,
    account_id: &str,
    email: Option<String>,
    owner: bool,
    timezone: Option<String>,
) -> User {
    let id = ids::account_or_user_id();
    let email = email.unwrap_or_else(|| format!("user-{}@sandbox.example.com", ids::digits(8)));
    let local = email.split('@').next().unwrap_or("user").to_string();
    User {
        id,
        account_id: account_id.to_string(),
        email,
        first_name: if owner { "Sandbox".into() } else { local },
        last_name: if owner { "Owner".into() } else { "User".into() },
        pmi: ids::pmi(),
        timezone: timezone.unwrap_or_else(|| "UTC".into()),
        created_at: data.now(),
        owner,
    }
}

/// A new account with its owner user and one app. An unknown plan is ignored here (the HTTP route
/// refuses it first).
pub(crate) fn create_app(data: &mut Data, req: NewApp) -> crate::AppInfo {
    let account_id = ids::account_or_user_id();
    let owner = new_user(data, &account_id, req.email, true, req.timezone);
    let app = App {
        kind: AppKind::ServerToServer,
        account_id,
        client_id: ids::client_id(),
        client_secret: ids::client_secret(),
        owner_id: owner.id.clone(),
        scopes: req.scopes.unwrap_or_else(|| DEFAULT_SCOPES.map(String::from).to_vec()),
        activated: req.activated.unwrap_or(true),
        plan: parse_plan(req.plan.as_deref()).ok().flatten(),
        daily_cap: req.daily_cap,
        webhook_url: None,
        webhook_secret: None,
        me_missing: false,
        redirect_uris: Vec::new(),
        stats: Stats::default(),
        created_at: jiff::Timestamp::now(),
    };
    data.users.insert(owner.id.clone(), owner);
    let info = app_info(data, &app);
    data.apps.insert(app.client_id.clone(), app);
    info
}

/// A General app in a developer account of its own, which no user belongs to: users join it by
/// authorising it (see [`user_oauth`]). Its credentials are those of its client with the
/// authorization server.
pub(crate) fn create_oauth_client(data: &mut Data, req: NewOAuthClient) -> OAuthClientInfo {
    let redirect_uris = req.redirect_uris.unwrap_or_default();
    let client = data.auth.create_client(redirect_uris.clone());
    let app = App {
        kind: AppKind::General,
        account_id: ids::account_or_user_id(),
        client_id: client.client_id.clone(),
        client_secret: client.client_secret.clone(),
        owner_id: String::new(),
        scopes: req.scopes.unwrap_or_else(|| DEFAULT_USER_SCOPES.map(String::from).to_vec()),
        activated: req.activated.unwrap_or(true),
        plan: None,
        daily_cap: None,
        webhook_url: None,
        webhook_secret: None,
        me_missing: false,
        redirect_uris,
        stats: Stats::default(),
        created_at: jiff::Timestamp::now(),
    };
    data.apps.insert(app.client_id.clone(), app);
    user_oauth::sync_client(data, &client.client_id);
    OAuthClientInfo { client_id: client.client_id, client_secret: client.client_secret }
}

async fn post_oauth_client(State(sb): State<Sandbox>, bytes: Bytes) -> Answer {
    let req: NewOAuthClient = body(&bytes)?;
    Ok((StatusCode::CREATED, axum::Json(sb.create_oauth_client(req))).into_response())
}

async fn post_app(State(sb): State<Sandbox>, bytes: Bytes) -> Answer {
    let req: NewApp = body(&bytes)?;
    parse_plan(req.plan.as_deref()).map_err(|message| error(StatusCode::BAD_REQUEST, message))?;
    if let Some(zone) = &req.timezone
        && jiff::tz::TimeZone::get(zone).is_err()
    {
        return Err(error(StatusCode::BAD_REQUEST, format!("unknown time zone {zone:?}")));
    }
    Ok((StatusCode::CREATED, axum::Json(sb.create_app(req))).into_response())
}

async fn list_apps(State(sb): State<Sandbox>) -> Response {
    axum::Json(sb.apps()).into_response()
}

/// Distinguishes an absent field (keep) from `null` (clear).
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Default, Deserialize)]
struct AppPatch {
    scopes: Option<Vec<String>>,
    activated: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    plan: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    daily_cap: Option<Option<u32>>,
    #[serde(default, deserialize_with = "nullable")]
    webhook_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    webhook_secret: Option<Option<String>>,
    me_missing: Option<bool>,
}

fn app_view(data: &Data, app: &App) -> Value {
    let mut v = match app.kind {
        AppKind::ServerToServer => json!(app_info(data, app)),
        AppKind::General => json!({
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "scopes": app.scopes,
            "redirect_uris": app.redirect_uris,
        }),
    };
    v["kind"] = json!(app.kind);
    v["activated"] = json!(app.activated);
    v["plan"] = json!(app.plan);
    v["daily_cap"] = json!(app.daily_cap());
    v["webhook_url"] = json!(app.webhook_url);
    v["webhook_secret"] = json!(app.webhook_secret);
    v["me_missing"] = json!(app.me_missing);
    v
}

/// Deactivating an app kills every token issued so far (reactivating does not revive them).
async fn patch_app(State(sb): State<Sandbox>, Path(client_id): Path<String>, bytes: Bytes) -> Answer {
    let patch: AppPatch = body(&bytes)?;
    let plan = parse_plan(patch.plan.clone().flatten().as_deref())
        .map_err(|message| error(StatusCode::BAD_REQUEST, message))?;
    sb.with_data(|data| {
        let app = data.apps.get_mut(&client_id).ok_or_else(unknown_app)?;
        if let Some(scopes) = patch.scopes {
            app.scopes = scopes;
        }
        if patch.plan.is_some() {
            app.plan = plan;
        }
        if let Some(cap) = patch.daily_cap {
            app.daily_cap = cap;
        }
        if let Some(url) = patch.webhook_url {
            app.webhook_url = url;
        }
        if let Some(secret) = patch.webhook_secret {
            app.webhook_secret = secret;
        }
        if let Some(missing) = patch.me_missing {
            app.me_missing = missing;
        }
        if let Some(activated) = patch.activated {
            app.activated = activated;
            if !activated {
                revoke(data, &client_id);
            }
        }
        user_oauth::sync_client(data, &client_id);
        let app = data.apps.get(&client_id).ok_or_else(unknown_app)?;
        Ok(axum::Json(app_view(data, app)).into_response())
    })
}

/// Every access token, refresh token and code issued to the app so far stops working (a General
/// app's grants with its authorization server).
fn revoke(data: &mut Data, client_id: &str) {
    data.tokens.values_mut().filter(|t| t.client_id == client_id).for_each(|t| t.revoked = true);
    data.auth.revoke_client(client_id);
}

/// Every grant of the users with this email (to any General app) ends: access and refresh tokens.
async fn revoke_user(State(sb): State<Sandbox>, Path(email): Path<String>) -> Answer {
    sb.with_data(|data| {
        if !user_oauth::revoke_user(data, &email) {
            return Err(error(StatusCode::NOT_FOUND, "no such user"));
        }
        Ok(StatusCode::NO_CONTENT.into_response())
    })
}

#[derive(Default, Deserialize)]
struct NewUser {
    email: Option<String>,
}

/// Another user in the app's account; an email already used in that account is 409.
async fn post_user(State(sb): State<Sandbox>, Path(client_id): Path<String>, bytes: Bytes) -> Answer {
    let req: NewUser = body(&bytes)?;
    sb.with_data(|data| {
        let app = data.apps.get(&client_id).ok_or_else(unknown_app)?;
        if app.kind == AppKind::General {
            let message = "a General app has no users of its own: a user joins it by authorising it";
            return Err(error(StatusCode::BAD_REQUEST, message));
        }
        let account_id = app.account_id.clone();
        if let Some(email) = &req.email
            && data.find_user(&account_id, email).is_some()
        {
            return Err(error(StatusCode::CONFLICT, "a user with this email exists in the account"));
        }
        let timezone = data.users.values().find(|u| u.account_id == account_id && u.owner).map(|u| u.timezone.clone());
        let user = new_user(data, &account_id, req.email, false, timezone);
        let answer = json!({"user_id": user.id, "email": user.email});
        data.users.insert(user.id.clone(), user);
        Ok((StatusCode::CREATED, axum::Json(answer)).into_response())
    })
}

async fn revoke_tokens(State(sb): State<Sandbox>, Path(client_id): Path<String>) -> Answer {
    sb.with_data(|data| {
        data.apps.get(&client_id).ok_or_else(unknown_app)?;
        revoke(data, &client_id);
        Ok(StatusCode::NO_CONTENT.into_response())
    })
}

async fn stats(State(sb): State<Sandbox>, Path(client_id): Path<String>) -> Answer {
    sb.with_data(|data| {
        let stats = &data.apps.get(&client_id).ok_or_else(unknown_app)?.stats;
        Ok(axum::Json(json!({
            "token_requests": stats.token_requests,
            "refreshes": stats.refreshes,
            "api_requests": stats.api_requests,
            "meetings_created": stats.meetings_created,
            "meetings_updated": stats.meetings_updated,
            "meetings_deleted": stats.meetings_deleted,
            "recording_files_deleted": stats.recording_files_deleted,
            "webhooks_finished": stats.webhooks_finished,
            "unlisted_timezones": stats.unlisted_timezones,
        }))
        .into_response())
    })
}

#[derive(Deserialize)]
struct MeetingsQuery {
    user_id: Option<String>,
}

/// A user's meetings that are not deleted, whatever their time (every user's without `user_id`),
/// oldest start first.
async fn list_meetings(State(sb): State<Sandbox>, Query(q): Query<MeetingsQuery>) -> Response {
    let base = sb.base_url();
    sb.with_data(|data| {
        let mut found: Vec<_> = data
            .meetings
            .values()
            .filter(|m| !m.deleted && q.user_id.as_ref().is_none_or(|u| *u == m.host_id))
            .collect();
        found.sort_by_key(|m| (m.start_time, m.id));
        let answer: Vec<Value> = found.iter().map(|m| meetings::render(data, m, &base)).collect();
        axum::Json(answer).into_response()
    })
}

#[derive(Default, Deserialize)]
struct MeetingPatch {
    status: Option<MeetingState>,
}

/// Marks a meeting `waiting`, `started` (DELETE answers 3002) or `finished` (DELETE answers 3007).
async fn patch_meeting(State(sb): State<Sandbox>, Path(meeting_id): Path<i64>, bytes: Bytes) -> Answer {
    let patch: MeetingPatch = body(&bytes)?;
    let base = sb.base_url();
    sb.with_data(|data| {
        let m = data.meetings.get_mut(&meeting_id).filter(|m| !m.deleted).ok_or_else(unknown_meeting)?;
        if let Some(status) = patch.status {
            m.state = status;
        }
        let m = data.meetings.get(&meeting_id).ok_or_else(unknown_meeting)?;
        Ok(axum::Json(meetings::render(data, m, &base)).into_response())
    })
}

#[derive(Default, Deserialize)]
struct RecordingRequest {
    processing: Option<bool>,
}

async fn post_recording(State(sb): State<Sandbox>, Path(meeting_id): Path<i64>, bytes: Bytes) -> Answer {
    let req: RecordingRequest = body(&bytes)?;
    let answer = recordings::record(&sb, meeting_id, req.processing.unwrap_or(false)).ok_or_else(unknown_meeting)?;
    Ok((StatusCode::CREATED, axum::Json(answer)).into_response())
}

async fn put_faults(State(sb): State<Sandbox>, bytes: Bytes) -> Answer {
    let faults: Faults = body(&bytes)?;
    sb.live().faults = faults.clone();
    Ok(axum::Json(faults).into_response())
}

async fn get_faults(State(sb): State<Sandbox>) -> Response {
    axum::Json(sb.live().faults.clone()).into_response()
}

#[derive(Default, Deserialize)]
struct Clock {
    #[serde(default)]
    offset_seconds: i64,
}

/// Sets (not adds to) the offset of the sandbox clock from the wall clock.
async fn put_clock(State(sb): State<Sandbox>, bytes: Bytes) -> Answer {
    let clock: Clock = body(&bytes)?;
    sb.with_data(|data| {
        data.clock_offset_seconds = clock.offset_seconds;
        Ok(axum::Json(json!({
            "offset_seconds": data.clock_offset_seconds,
            "now": crate::state::zoom_time(data.now()),
        }))
        .into_response())
    })
}
