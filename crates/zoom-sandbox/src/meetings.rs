//! Meetings: create, get, update (PATCH, 204), delete (204), list with paging (zoom/README.md §4),
//! plus the join and start links the meeting objects point at.
//!
//! Decisions where Zoom's record is silent: a `start_time` with an explicit offset is honoured;
//! without `timezone` a local time is read in the host's timezone (sandbox users are on UTC);
//! `topic` defaults to "Zoom Meeting", `duration` to 60; an unknown `timezone` or an unparsable
//! `start_time` is 400 code 300. Deleting a meeting marked started is 400 code 3002, one marked
//! finished 400 code 3007 (only the control route marks them); updating a started one is 400 code
//! 3000. A `timezone` missing from Zoom's documented list (`zoom/data/time-zones.txt`) is accepted,
//! as Zoom has been seen to, and recorded in the app's stats.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::api::{Caller, call};
use crate::errors::{ZoomError, meeting_not_found, validation_failed};
use crate::limits::take_daily;
use crate::state::{Data, Meeting, MeetingState, zoom_time};
use crate::users::resolve_user;
use crate::webhooks::{self, Delivery};
use crate::{Sandbox, ids, scopes};

pub(crate) fn link_routes() -> Router<Sandbox> {
    Router::new()
        .route("/j/{meeting_id}", axum::routing::get(join_page))
        .route("/s/{meeting_id}", axum::routing::get(start_page))
}

async fn join_page(Path(id): Path<String>) -> Html<String> {
    Html(format!("<!doctype html><title>Zoom sandbox</title><p>Joining meeting {id} (sandbox).</p>"))
}

async fn start_page(Path(id): Path<String>) -> Html<String> {
    Html(format!("<!doctype html><title>Zoom sandbox</title><p>Starting meeting {id} (sandbox).</p>"))
}

/// Zoom's full meeting object (create and get answers, `GET /_sandbox/meetings`).
pub(crate) fn render(data: &Data, m: &Meeting, base: &str) -> Value {
    let host_email = data.users.get(&m.host_id).map(|u| u.email.clone()).unwrap_or_default();
    let mut v = json!({
        "uuid": m.uuid,
        "id": m.id,
        "host_id": m.host_id,
        "host_email": host_email,
        "topic": m.topic,
        "type": m.kind,
        "status": if m.state == MeetingState::Started { "started" } else { "waiting" },
        "duration": m.duration,
        "timezone": m.timezone,
        "agenda": m.agenda,
        "created_at": zoom_time(m.created_at),
        // Zoom re-issues the start link (with a fresh key) on every read.
        "start_url": format!("{base}/s/{}?zak={}", m.id, ids::access_token()),
        "join_url": join_url(m, base),
        "password": m.password,
        "h323_password": m.h323_password,
        "pstn_password": m.h323_password,
        "encrypted_password": m.encrypted_password,
        "pre_schedule": false,
        "creation_source": "open_api",
        "settings": m.settings,
    });
    // Instant meetings have no start time.
    if m.kind != 1 {
        v["start_time"] = json!(zoom_time(m.start_time));
    }
    v
}

fn join_url(m: &Meeting, base: &str) -> String {
    format!("{base}/j/{}?pwd={}", m.id, m.encrypted_password)
}

fn default_settings() -> Map<String, Value> {
    let v = json!({
        "host_video": false,
        "participant_video": false,
        "join_before_host": false,
        "jbh_time": 0,
        "mute_upon_entry": false,
        "watermark": false,
        "use_pmi": false,
        "approval_type": 2,
        "audio": "both",
        "auto_recording": "none",
        "waiting_room": false,
        "meeting_authentication": false,
        "encryption_type": "enhanced_encryption",
        "alternative_hosts": "",
        "alternative_hosts_email_notification": true,
        "email_notification": true,
        "registrants_email_notification": true,
        "private_meeting": false,
        "focus_mode": false,
        "show_share_button": false,
        "allow_multiple_devices": false,
        "close_registration": false,
        "global_dial_in_countries": ["US"],
        "global_dial_in_numbers": [
            {"country": "US", "country_name": "US", "city": "New York", "number": "+1 646 558 8656", "type": "toll"},
            {"country": "US", "country_name": "US", "city": "San Jose", "number": "+1 669 900 6833", "type": "toll"},
            {"country": "US", "country_name": "US", "number": "+1 877 853 5247", "type": "tollfree"}
        ],
    });
    match v {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The meeting fields a create or update body may set; all optional.
#[derive(Default)]
struct Changes {
    topic: Option<String>,
    kind: Option<i64>,
    start_time: Option<String>,
    duration: Option<i64>,
    timezone: Option<String>,
    agenda: Option<String>,
    password: Option<String>,
    settings: Option<Map<String, Value>>,
}

/// Reads a JSON object body, answering Zoom's code 300 errors for what it cannot use.
fn parse_changes(body: &[u8]) -> Result<Changes, ZoomError> {
    let value: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        serde_json::from_slice(body).map_err(|_| not_json())?
    };
    let Value::Object(obj) = value else {
        return Err(not_json());
    };
    let string = |name: &str| -> Result<Option<String>, ZoomError> {
        match obj.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(validation_failed(name)),
        }
    };
    let int = |name: &str| -> Result<Option<i64>, ZoomError> {
        match obj.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_i64().map(Some).ok_or_else(|| validation_failed(name)),
        }
    };
    let changes = Changes {
        topic: string("topic")?,
        kind: int("type")?,
        start_time: string("start_time")?,
        duration: int("duration")?,
        timezone: string("timezone")?,
        agenda: string("agenda")?,
        password: string("password")?,
        settings: match obj.get("settings") {
            None | Some(Value::Null) => None,
            Some(Value::Object(s)) => Some(s.clone()),
            Some(_) => return Err(validation_failed("settings")),
        },
    };
    if changes.topic.as_ref().is_some_and(|t| t.chars().count() > 200) {
        return Err(validation_failed("topic"));
    }
    if changes.agenda.as_ref().is_some_and(|a| a.chars().count() > 2000) {
        return Err(validation_failed("agenda"));
    }
    if changes.kind.is_some_and(|k| ![1, 2, 3, 8].contains(&k)) {
        return Err(validation_failed("type"));
    }
    if changes.duration.is_some_and(|d| d < 0) {
        return Err(validation_failed("duration"));
    }
    if changes
        .password
        .as_ref()
        .is_some_and(|p| p.chars().count() > 10 || !p.chars().all(|c| c.is_ascii_alphanumeric() || "@-_*".contains(c)))
    {
        return Err(validation_failed("password"));
    }
    if changes.timezone.as_ref().is_some_and(|tz| TimeZone::get(tz).is_err()) {
        return Err(validation_failed("timezone"));
    }
    Ok(changes)
}

/// Zoom's documented meeting time zones.
fn is_listed(timezone: &str) -> bool {
    include_str!("../../zoom/data/time-zones.txt").lines().map(str::trim).any(|line| line == timezone)
}

fn note_unlisted_timezone(data: &mut Data, caller: &Caller, timezone: Option<&str>) {
    let Some(timezone) = timezone.filter(|tz| !is_listed(tz)) else { return };
    if let Some(app) = data.apps.get_mut(&caller.client_id)
        && !app.stats.unlisted_timezones.iter().any(|seen| seen == timezone)
    {
        app.stats.unlisted_timezones.push(timezone.to_owned());
    }
}

fn not_json() -> ZoomError {
    ZoomError::new(StatusCode::BAD_REQUEST, 300, "Request Body should be a valid JSON object.")
}

/// Zoom's rule: a trailing `Z` (or an explicit offset) is an instant; otherwise the wall-clock
/// time is local to `timezone`.
fn parse_start(s: &str, timezone: &str) -> Option<Timestamp> {
    if let Ok(ts) = s.parse::<Timestamp>() {
        return Timestamp::from_second(ts.as_second()).ok();
    }
    let local: jiff::civil::DateTime = s.parse().ok()?;
    let ts = local.to_zoned(TimeZone::get(timezone).ok()?).ok()?.timestamp();
    Timestamp::from_second(ts.as_second()).ok()
}

fn new_encrypted_password() -> String {
    format!("{}.1", ids::alnum(30))
}

pub(crate) async fn create(
    State(sb): State<Sandbox>,
    Path(user_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let base = sb.base_url();
    let mut delivery = None;
    let response = call(&sb, &headers, &scopes::CREATE_MEETING, |caller, rate| {
        sb.with_data(|data| {
            let host = resolve_user(data, caller, &user_id)?;
            let (host_id, host_tz) = (host.id.clone(), host.timezone.clone());
            let changes = parse_changes(&body)?;
            let now = data.now();
            let timezone = changes.timezone.clone().unwrap_or(host_tz);
            let start_time = match &changes.start_time {
                Some(s) => parse_start(s, &timezone).ok_or_else(|| validation_failed("start_time"))?,
                None => now,
            };
            // Only a create that would succeed counts against the daily cap.
            let cap = data.apps.get(&caller.client_id).map(|a| a.daily_cap()).unwrap_or_default();
            take_daily(data, &host_id, cap, rate)?;
            note_unlisted_timezone(data, caller, changes.timezone.as_deref());
            let mut settings = default_settings();
            settings.extend(changes.settings.unwrap_or_default());
            let id = loop {
                let id = ids::meeting_id();
                if !data.meetings.contains_key(&id) {
                    break id;
                }
            };
            let meeting = Meeting {
                id,
                uuid: ids::meeting_uuid(),
                host_id,
                account_id: caller.account_id.clone(),
                topic: changes.topic.unwrap_or_else(|| "Zoom Meeting".into()),
                kind: changes.kind.unwrap_or(2),
                start_time,
                duration: changes.duration.unwrap_or(60),
                timezone,
                agenda: changes.agenda.unwrap_or_default(),
                created_at: now,
                password: changes.password.unwrap_or_else(|| ids::alnum(6)),
                h323_password: ids::digits(6),
                encrypted_password: new_encrypted_password(),
                settings,
                state: MeetingState::Waiting,
                deleted: false,
                recording_files: Vec::new(),
                recording_passcode: ids::alnum(8),
            };
            let rendered = render(data, &meeting, &base);
            data.meetings.insert(id, meeting);
            if let Some(app) = data.apps.get_mut(&caller.client_id) {
                app.stats.meetings_created += 1;
            }
            let mut object = rendered.as_object().cloned().unwrap_or_default();
            object.remove("start_url");
            delivery = event(data, &caller.account_id, "meeting.created", object, Map::new());
            Ok((StatusCode::CREATED, axum::Json(rendered)).into_response())
        })
    });
    webhooks::dispatch(&sb, delivery);
    response
}

fn event(
    data: &Data,
    account_id: &str,
    name: &str,
    object: Map<String, Value>,
    mut extra: Map<String, Value>,
) -> Option<Delivery> {
    extra.insert("object".into(), Value::Object(object));
    webhooks::prepare(data, account_id, name, extra, Map::new())
}

/// The caller's live meeting with this id, else 404 code 3001 (4711 for another user's meeting
/// with a user-level token).
fn find<'a>(data: &'a Data, caller: &Caller, id: &str) -> Result<&'a Meeting, ZoomError> {
    let m = id
        .parse::<i64>()
        .ok()
        .and_then(|n| data.meetings.get(&n))
        .filter(|m| !m.deleted && m.account_id == caller.account_id)
        .ok_or_else(|| meeting_not_found(id))?;
    caller.may_act_for(&m.host_id)?;
    Ok(m)
}

pub(crate) async fn get(State(sb): State<Sandbox>, Path(meeting_id): Path<String>, headers: HeaderMap) -> Response {
    let base = sb.base_url();
    call(&sb, &headers, &scopes::GET_MEETING, |caller, _| {
        sb.with_data(|data| {
            let m = find(data, caller, &meeting_id)?;
            Ok(axum::Json(render(data, m, &base)).into_response())
        })
    })
}

pub(crate) async fn update(
    State(sb): State<Sandbox>,
    Path(meeting_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut delivery = None;
    let response = call(&sb, &headers, &scopes::UPDATE_MEETING, |caller, rate| {
        sb.with_data(|data| {
            // The change is worked out on a copy, so that an invalid one neither applies nor counts.
            let mut updated = find(data, caller, &meeting_id)?.clone();
            if updated.state == MeetingState::Started {
                let message = "Sorry, you cannot update or delete meetings that have started.";
                return Err(ZoomError::new(StatusCode::BAD_REQUEST, 3000, message));
            }
            let changes = parse_changes(&body)?;
            let timezone = changes.timezone.clone();
            let (old, new) = apply(&mut updated, changes)?;
            let cap = data.apps.get(&caller.client_id).map(|a| a.daily_cap()).unwrap_or_default();
            take_daily(data, &updated.host_id, cap, rate)?;
            note_unlisted_timezone(data, caller, timezone.as_deref());
            data.meetings.insert(updated.id, updated);
            if let Some(app) = data.apps.get_mut(&caller.client_id) {
                app.stats.meetings_updated += 1;
            }
            let mut extra = Map::new();
            extra.insert("old_object".into(), Value::Object(old));
            extra.insert("time_stamp".into(), json!(data.now().as_millisecond()));
            extra.insert("scope".into(), json!("single"));
            delivery = event(data, &caller.account_id, "meeting.updated", new, extra);
            Ok(StatusCode::NO_CONTENT.into_response())
        })
    });
    webhooks::dispatch(&sb, delivery);
    response
}

/// Applies a PATCH; returns the changed fields before and after (each with `id` and `uuid`), as
/// `meeting.updated` reports them.
type Diff = (Map<String, Value>, Map<String, Value>);

fn apply(m: &mut Meeting, c: Changes) -> Result<Diff, ZoomError> {
    let mut old = Map::new();
    let mut new = Map::new();
    for map in [&mut old, &mut new] {
        map.insert("id".into(), json!(m.id));
        map.insert("uuid".into(), json!(m.uuid));
    }
    let mut record = |name: &str, before: Value, after: Value| {
        if before != after {
            old.insert(name.into(), before);
            new.insert(name.into(), after);
        }
    };
    let timezone = c.timezone.clone().unwrap_or_else(|| m.timezone.clone());
    if let Some(s) = &c.start_time {
        let ts = parse_start(s, &timezone).ok_or_else(|| validation_failed("start_time"))?;
        record("start_time", json!(zoom_time(m.start_time)), json!(zoom_time(ts)));
        m.start_time = ts;
    }
    if let Some(tz) = c.timezone {
        record("timezone", json!(m.timezone), json!(tz));
        m.timezone = tz;
    }
    if let Some(topic) = c.topic {
        record("topic", json!(m.topic), json!(topic));
        m.topic = topic;
    }
    if let Some(kind) = c.kind {
        record("type", json!(m.kind), json!(kind));
        m.kind = kind;
    }
    if let Some(duration) = c.duration {
        record("duration", json!(m.duration), json!(duration));
        m.duration = duration;
    }
    if let Some(agenda) = c.agenda {
        record("agenda", json!(m.agenda), json!(agenda));
        m.agenda = agenda;
    }
    if let Some(password) = c.password
        && password != m.password
    {
        record("password", json!(m.password), json!(password));
        m.password = password;
        m.encrypted_password = new_encrypted_password();
    }
    if let Some(settings) = c.settings {
        let mut before = Map::new();
        let mut after = Map::new();
        for (k, v) in settings {
            let prev = m.settings.get(&k).cloned().unwrap_or(Value::Null);
            if prev != v {
                before.insert(k.clone(), prev);
                after.insert(k.clone(), v.clone());
                m.settings.insert(k, v);
            }
        }
        if !after.is_empty() {
            record("settings", Value::Object(before), Value::Object(after));
        }
    }
    Ok((old, new))
}

/// `schedule_for_reminder` and `cancel_meeting_reminder` are accepted and ignored: the sandbox
/// sends no mail.
pub(crate) async fn delete(State(sb): State<Sandbox>, Path(meeting_id): Path<String>, headers: HeaderMap) -> Response {
    let mut delivery = None;
    let response = call(&sb, &headers, &scopes::DELETE_MEETING, |caller, _| {
        sb.with_data(|data| {
            let found = find(data, caller, &meeting_id)?;
            let id = found.id;
            match found.state {
                MeetingState::Started => {
                    let message = "Sorry, you cannot delete this meeting since it is in progress.";
                    return Err(ZoomError::new(StatusCode::BAD_REQUEST, 3002, message));
                }
                MeetingState::Finished => {
                    let message = "Sorry, you cannot delete this meeting since it has ended.";
                    return Err(ZoomError::new(StatusCode::BAD_REQUEST, 3007, message));
                }
                MeetingState::Waiting => {}
            }
            let m = data.meetings.get_mut(&id).ok_or_else(|| meeting_not_found(&meeting_id))?;
            m.deleted = true;
            let object = json!({
                "uuid": m.uuid, "id": m.id, "host_id": m.host_id, "topic": m.topic, "type": m.kind,
                "start_time": zoom_time(m.start_time), "duration": m.duration, "timezone": m.timezone,
            });
            if let Some(app) = data.apps.get_mut(&caller.client_id) {
                app.stats.meetings_deleted += 1;
            }
            let mut extra = Map::new();
            extra.insert("operation".into(), json!("all"));
            let object = object.as_object().cloned().unwrap_or_default();
            delivery = event(data, &caller.account_id, "meeting.deleted", object, extra);
            Ok(StatusCode::NO_CONTENT.into_response())
        })
    });
    webhooks::dispatch(&sb, delivery);
    response
}

#[derive(Deserialize)]
pub(crate) struct ListParams {
    #[serde(rename = "type")]
    kind: Option<String>,
    page_size: Option<String>,
    next_page_token: Option<String>,
}

pub(crate) async fn list(
    State(sb): State<Sandbox>,
    Path(user_id): Path<String>,
    Query(params): Query<ListParams>,
    headers: HeaderMap,
) -> Response {
    let base = sb.base_url();
    call(&sb, &headers, &scopes::LIST_MEETINGS, |caller, _| {
        sb.with_data(|data| {
            let host_id = resolve_user(data, caller, &user_id)?.id.clone();
            let now = data.now();
            let ends = |m: &Meeting| m.start_time + SignedDuration::from_mins(m.duration);
            let keep: Box<dyn Fn(&Meeting) -> bool> = match params.kind.as_deref() {
                None | Some("scheduled") => Box::new(|m| m.kind != 1),
                Some("live") => Box::new(|m| m.state == MeetingState::Started),
                Some("upcoming" | "upcoming_meetings") => {
                    Box::new(|m| m.state != MeetingState::Finished && ends(m) > now)
                }
                Some("previous_meetings") => Box::new(|m| m.state == MeetingState::Finished || ends(m) <= now),
                Some(_) => return Err(validation_failed("type")),
            };
            let mut meetings: Vec<&Meeting> =
                data.meetings.values().filter(|m| !m.deleted && m.host_id == host_id && keep(m)).collect();
            meetings.sort_by_key(|m| (m.start_time, m.id));
            let page =
                Page::from_params(params.page_size.as_deref(), params.next_page_token.as_deref(), meetings.len())?;
            let items: Vec<Value> = meetings[page.range()].iter().map(|m| list_item(m, &base)).collect();
            let mut body = page.fields();
            body.insert("meetings".into(), Value::Array(items));
            Ok(axum::Json(Value::Object(body)).into_response())
        })
    })
}

/// A list entry: a subset of the meeting, `agenda` cut to 250 characters as Zoom does.
fn list_item(m: &Meeting, base: &str) -> Value {
    let mut v = json!({
        "uuid": m.uuid,
        "id": m.id,
        "host_id": m.host_id,
        "topic": m.topic,
        "type": m.kind,
        "duration": m.duration,
        "timezone": m.timezone,
        "agenda": m.agenda.chars().take(250).collect::<String>(),
        "created_at": zoom_time(m.created_at),
        "join_url": join_url(m, base),
    });
    if m.kind != 1 {
        v["start_time"] = json!(zoom_time(m.start_time));
    }
    v
}

/// Paging as Zoom does it: `page_size` (default 30, at most 300) and an opaque
/// `next_page_token` (here the base64url of the offset; an invalid token is 400 code 300).
pub(crate) struct Page {
    offset: usize,
    size: usize,
    total: usize,
}

impl Page {
    pub fn from_params(size: Option<&str>, token: Option<&str>, total: usize) -> Result<Page, ZoomError> {
        use base64::Engine;
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let size = match size.filter(|s| !s.is_empty()) {
            None => 30,
            Some(s) => s.parse::<usize>().map_err(|_| validation_failed("page_size"))?.clamp(1, 300),
        };
        let offset = match token.filter(|t| !t.is_empty()) {
            None => 0,
            Some(t) => URL_SAFE_NO_PAD
                .decode(t)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|s| s.strip_prefix("offset:").and_then(|n| n.parse().ok()))
                .ok_or_else(|| {
                    ZoomError::new(StatusCode::BAD_REQUEST, 300, "The next page token is invalid or expired.")
                })?,
        };
        Ok(Page { offset: offset.min(total), size, total })
    }

    pub fn range(&self) -> std::ops::Range<usize> {
        self.offset..(self.offset + self.size).min(self.total)
    }

    /// `page_size`, `total_records`, `page_count` and `next_page_token` ("" on the last page).
    pub fn fields(&self) -> Map<String, Value> {
        use base64::Engine;
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let end = self.range().end;
        let next = if end < self.total { URL_SAFE_NO_PAD.encode(format!("offset:{end}")) } else { String::new() };
        let mut map = Map::new();
        map.insert("page_size".into(), json!(self.size));
        map.insert("total_records".into(), json!(self.total));
        map.insert("page_count".into(), json!(self.total.div_ceil(self.size)));
        map.insert("next_page_token".into(), json!(next));
        map
    }
}
