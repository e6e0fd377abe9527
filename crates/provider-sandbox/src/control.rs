//! The unauthenticated `/_sandbox` control routes (contract.md, "OAuth in the sandboxes"), plus
//! a few of the sandbox's own: secondary calendars, stale sync tokens and the clock. Errors are
//! `{"message": "..."}` with 400.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use jiff::Timestamp;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::store::{EventTime, ShowAs, Status};
use crate::{Provider, Sandbox, ids};

pub(crate) fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/oauth-clients", post(post_client))
        .route("/calendars/{email}/events", post(post_event).get(list_events))
        .route("/calendars/{email}/sync-reset", post(sync_reset))
        .route("/users/{email}/calendars", post(post_calendar))
        .route("/users/{email}/revoke", post(revoke))
        .route("/stats", get(stats))
        .route("/clock", put(put_clock))
}

struct ControlError(String);

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        (StatusCode::BAD_REQUEST, axum::Json(json!({"message": self.0}))).into_response()
    }
}

type Answer = Result<Response, ControlError>;

/// Bodies are optional where every field is: an empty body reads as `{}`.
fn body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ControlError> {
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) { b"{}" } else { bytes };
    serde_json::from_slice(bytes).map_err(|e| ControlError(e.to_string()))
}

fn valid_email(email: &str) -> Result<String, ControlError> {
    let email = email.trim().to_ascii_lowercase();
    match email.split_once('@') {
        Some((local, domain)) if !local.is_empty() && !domain.is_empty() => Ok(email),
        _ => Err(ControlError(format!("{email:?} is not an email address"))),
    }
}

#[derive(Deserialize)]
struct NewClient {
    #[serde(default)]
    redirect_uris: Vec<String>,
}

async fn post_client(State(sb): State<Sandbox>, bytes: Bytes) -> Answer {
    let req: NewClient = body(&bytes)?;
    let client = sb.with_data(|data| data.auth.create_client(req.redirect_uris));
    Ok((StatusCode::CREATED, axum::Json(client)).into_response())
}

#[derive(Deserialize)]
struct NewEvent {
    start: String,
    end: String,
    summary: Option<String>,
    description: Option<String>,
    #[serde(default)]
    free: bool,
}

fn parse_time(field: &str, value: &str) -> Result<Timestamp, ControlError> {
    value.parse().map_err(|_| ControlError(format!("{field} must be an RFC 3339 time with an offset")))
}

async fn post_event(State(sb): State<Sandbox>, Path(email): Path<String>, bytes: Bytes) -> Answer {
    let email = valid_email(&email)?;
    let req: NewEvent = body(&bytes)?;
    let (start, end) = (parse_time("start", &req.start)?, parse_time("end", &req.end)?);
    if end <= start {
        return Err(ControlError("end must be after start".into()));
    }
    let id = sb.with_data(|data| {
        let provider = data.provider;
        let now = data.now();
        let store = &mut data.store;
        let calendar_id = store.ensure_user(provider, &email).calendars[0].clone();
        let id = match provider {
            Provider::Google => ids::google_event_id(),
            Provider::Microsoft => ids::graph_item_id(),
        };
        let mut event = store.new_event(id.clone(), EventTime::At(start), EventTime::At(end), now);
        event.summary = req.summary.unwrap_or_default();
        event.description = req.description.unwrap_or_default();
        event.show_as = if req.free { ShowAs::Free } else { ShowAs::Busy };
        event.ical_uid = match provider {
            Provider::Google => format!("{id}@google.com"),
            Provider::Microsoft => ids::graph_ical_uid(),
        };
        if let Some(calendar) = store.calendars.get_mut(&calendar_id) {
            calendar.events.insert(id.clone(), event);
        }
        id
    });
    Ok((StatusCode::CREATED, axum::Json(json!({"id": id}))).into_response())
}

fn rfc3339(t: EventTime) -> String {
    match t {
        EventTime::At(ts) => ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        EventTime::AllDay(date) => date.to_string(),
    }
}

/// Every event of the user's primary calendar that is not deleted, whoever wrote it; `start` and
/// `end` in UTC (a date for all-day events).
async fn list_events(State(sb): State<Sandbox>, Path(email): Path<String>) -> Answer {
    let email = valid_email(&email)?;
    let events = sb.with_data(|data| {
        let Some(calendar) = data.store.primary_calendar_id(&email).and_then(|id| data.store.calendars.get(&id)) else {
            return Vec::new();
        };
        let mut events: Vec<_> = calendar.events.values().filter(|e| !e.deleted).collect();
        events.sort_by_key(|e| (e.start.instant(&calendar.tz()), e.id.clone()));
        events
            .into_iter()
            .map(|e| {
                json!({
                    "id": e.id,
                    "start": rfc3339(e.start),
                    "end": rfc3339(e.end),
                    "summary": e.summary,
                    "description": e.description,
                    "location": e.location,
                    "free": e.show_as == ShowAs::Free,
                    "cancelled": e.status == Status::Cancelled,
                })
            })
            .collect::<Vec<_>>()
    });
    Ok(axum::Json(events).into_response())
}

#[derive(Deserialize)]
struct NewCalendar {
    name: String,
}

/// A secondary calendar for the user (created if unknown) → 201 `{"id"}`.
async fn post_calendar(State(sb): State<Sandbox>, Path(email): Path<String>, bytes: Bytes) -> Answer {
    let email = valid_email(&email)?;
    let req: NewCalendar = body(&bytes)?;
    let id = sb.with_data(|data| data.store.add_calendar(data.provider, &email, &req.name));
    Ok((StatusCode::CREATED, axum::Json(json!({"id": id}))).into_response())
}

/// Every sync token (Google) and delta/skip token (Graph) issued so far for this user's calendars
/// becomes stale: the next use answers 410, as when the provider expires them → 204.
async fn sync_reset(State(sb): State<Sandbox>, Path(email): Path<String>) -> Answer {
    let email = valid_email(&email)?;
    sb.with_data(|data| {
        for calendar in data.store.calendars.values_mut().filter(|c| c.owner == email) {
            calendar.sync_epoch += 1;
        }
    });
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn revoke(State(sb): State<Sandbox>, Path(email): Path<String>) -> Answer {
    let email = valid_email(&email)?;
    sb.with_data(|data| data.auth.revoke_user(&email));
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn stats(State(sb): State<Sandbox>) -> Answer {
    let (auth, api) = sb.with_data(|data| (data.auth.stats(), data.api_requests));
    Ok(axum::Json(json!({
        "token_requests": auth.token_requests,
        "refreshes": auth.refreshes,
        "api_requests": api,
    }))
    .into_response())
}

#[derive(Deserialize)]
struct Clock {
    offset_seconds: i64,
}

async fn put_clock(State(sb): State<Sandbox>, bytes: Bytes) -> Answer {
    let req: Clock = body(&bytes)?;
    sb.with_data(|data| data.clock_offset_seconds = req.offset_seconds);
    Ok(axum::Json(json!({"offset_seconds": req.offset_seconds})).into_response())
}
