//! `…/calendars/{calendarId}/events`: list (time window, ordering, paging, incremental sync),
//! get, insert, patch and delete.
//!
//! Deleted events stay as tombstones with `status: "cancelled"`: a sync answers them, `get`
//! answers them, a second delete is 410 `deleted`. As Google documents, only their `id` is
//! guaranteed, so the sandbox answers just `kind`, `etag`, `id` and `status` for them.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::times::{parse_event_time, parse_instant, render_event_time, utc_millis, zone};
use super::{
    EVENTS_DELETE, EVENTS_GET, EVENTS_INSERT, EVENTS_LIST, EVENTS_PATCH, GoogleError, Query, call, resolve_calendar,
};
use crate::state::Data;
use crate::store::{Calendar, Event, EventTime, ShowAs, Status};
use crate::{Sandbox, ids, tokens};

/// Writable event fields the sandbox does not interpret but keeps and echoes.
const KEPT_FIELDS: [&str; 13] = [
    "attendees",
    "reminders",
    "extendedProperties",
    "visibility",
    "colorId",
    "source",
    "guestsCanModify",
    "guestsCanInviteOthers",
    "guestsCanSeeOtherGuests",
    "anyoneCanAddSelf",
    "conferenceData",
    "attachments",
    "recurrence",
];

/// Parameters that cannot be combined with `syncToken` (events.list reference).
const NOT_WITH_SYNC_TOKEN: [&str; 6] = ["iCalUID", "orderBy", "q", "timeMin", "timeMax", "updatedMin"];

#[derive(Serialize, Deserialize)]
struct PageToken {
    offset: usize,
    /// The store's change counter when the listing began: the pages show that moment.
    snapshot: u64,
    since: Option<u64>,
}

#[derive(Serialize, Deserialize)]
struct SyncToken {
    calendar: String,
    seq: u64,
    epoch: u32,
}

/// The event resource as Google answers it, times shown in `tz`.
pub(super) fn render(calendar: &Calendar, e: &Event, tz: &TimeZone) -> Value {
    let etag = format!("\"{}\"", e.etag);
    if e.deleted {
        return json!({"kind": "calendar#event", "etag": etag, "id": e.id, "status": "cancelled"});
    }
    let mut body = Map::new();
    body.insert("kind".into(), json!("calendar#event"));
    body.insert("etag".into(), json!(etag));
    body.insert("id".into(), json!(e.id));
    body.insert("status".into(), json!(e.status.as_str()));
    body.insert(
        "htmlLink".into(),
        json!(format!("https://www.google.com/calendar/event?eid={}", ids_eid(&e.id, &calendar.id))),
    );
    body.insert("created".into(), json!(utc_millis(e.created)));
    body.insert("updated".into(), json!(utc_millis(e.updated)));
    for (key, value) in [("summary", &e.summary), ("description", &e.description), ("location", &e.location)] {
        if !value.is_empty() {
            body.insert(key.into(), json!(value));
        }
    }
    let me = json!({"email": calendar.owner, "self": true});
    body.insert("creator".into(), me.clone());
    body.insert("organizer".into(), me);
    body.insert("start".into(), render_event_time(e.start, e.start_zone.as_deref(), tz));
    body.insert("end".into(), render_event_time(e.end, e.end_zone.as_deref(), tz));
    if e.show_as == ShowAs::Free {
        body.insert("transparency".into(), json!("transparent"));
    }
    body.insert("iCalUID".into(), json!(e.ical_uid));
    body.insert("sequence".into(), json!(e.sequence));
    body.insert("reminders".into(), json!({"useDefault": true}));
    body.insert("eventType".into(), json!("default"));
    for (key, value) in &e.extra {
        body.insert(key.clone(), value.clone());
    }
    Value::Object(body)
}

/// `htmlLink`'s `eid`: base64 of "eventId calendarId", as Google builds it.
fn ids_eid(event_id: &str, calendar_id: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD_NO_PAD.encode(format!("{event_id} {calendar_id}"))
}

fn response_zone(query: &Query, calendar: &Calendar) -> Result<TimeZone, GoogleError> {
    match query.get("timeZone") {
        Some(name) => zone(name).ok_or_else(|| GoogleError::invalid("Invalid time zone definition.").at("timeZone")),
        None => Ok(calendar.tz()),
    }
}

fn query_time(query: &Query, name: &str) -> Result<Option<Timestamp>, GoogleError> {
    match query.get(name) {
        None => Ok(None),
        Some(v) => parse_instant(v).map(Some).ok_or_else(|| GoogleError::bad_request("Bad Request").at(name)),
    }
}

pub(super) async fn list(
    State(sb): State<Sandbox>,
    Path(calendar_id): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let query = Query::parse(raw.as_deref(), &EVENTS_LIST);
    call(&sb, &headers, &EVENTS_LIST, |data, email| {
        let calendar_id = resolve_calendar(data, email, &calendar_id)?;
        let max = query.int("maxResults", 1, 2500)?.unwrap_or(250) as usize;
        let order = query.get("orderBy");
        if let Some(o) = order
            && !matches!(o, "startTime" | "updated")
        {
            return Err(GoogleError::invalid(&format!("Invalid value for orderBy: {o}")).at("orderBy"));
        }
        if order == Some("startTime") && query.flag("singleEvents") != Some(true) {
            return Err(GoogleError::bad_request("The requested ordering is not available for the particular query."));
        }
        let (time_min, time_max) = (query_time(&query, "timeMin")?, query_time(&query, "timeMax")?);
        if let (Some(min), Some(max)) = (time_min, time_max)
            && max <= min
        {
            return Err(GoogleError::time_range_empty().at("timeMax"));
        }
        let updated_min = query_time(&query, "updatedMin")?;
        let calendar = &data.store.calendars[&calendar_id];
        let tz = response_zone(&query, calendar)?;
        let page: Option<PageToken> = match query.get("pageToken") {
            Some(t) => Some(
                tokens::decode(t).ok_or_else(|| GoogleError::invalid("Invalid page token value.").at("pageToken"))?,
            ),
            None => None,
        };
        let since = match (&page, query.get("syncToken")) {
            (Some(page), _) => page.since,
            (None, Some(token)) => {
                if NOT_WITH_SYNC_TOKEN.iter().any(|p| query.get(p).is_some())
                    || query.flag("showDeleted") == Some(false)
                {
                    return Err(GoogleError::bad_request(
                        "syncToken cannot be combined with iCalUID, orderBy, q, timeMin, timeMax, updatedMin or showDeleted=false.",
                    ));
                }
                let token: SyncToken = tokens::decode(token).ok_or_else(GoogleError::full_sync_required)?;
                if token.calendar != calendar.id || token.epoch != calendar.sync_epoch || token.seq > data.store.seq {
                    return Err(GoogleError::full_sync_required());
                }
                Some(token.seq)
            }
            (None, None) => None,
        };
        let snapshot = page.as_ref().map_or(data.store.seq, |p| p.snapshot);
        let show_deleted = since.is_some() || query.flag("showDeleted") == Some(true);
        let text = query.get("q").map(str::to_lowercase);
        let mut events: Vec<&Event> = calendar
            .events
            .values()
            .filter(|e| e.changed <= snapshot && since.is_none_or(|s| e.changed > s))
            .filter(|e| {
                let gone = e.deleted || e.status == Status::Cancelled;
                !gone || show_deleted || updated_min.is_some_and(|u| e.updated >= u)
            })
            .filter(|e| since.is_some() || e.overlaps(time_min, time_max, &tz))
            .filter(|e| updated_min.is_none_or(|u| e.updated >= u))
            .filter(|e| query.get("iCalUID").is_none_or(|uid| e.ical_uid == uid))
            .filter(|e| {
                text.as_ref().is_none_or(|t| {
                    [&e.summary, &e.description, &e.location].iter().any(|f| f.to_lowercase().contains(t))
                })
            })
            .collect();
        if order == Some("updated") {
            events.sort_by(|a, b| (a.updated, &a.id).cmp(&(b.updated, &b.id)));
        } else {
            events.sort_by(|a, b| (a.start.instant(&tz), &a.id).cmp(&(b.start.instant(&tz), &b.id)));
        }
        let offset = page.as_ref().map_or(0, |p| p.offset);
        let items: Vec<Value> = events.iter().skip(offset).take(max).map(|e| render(calendar, e, &tz)).collect();
        let updated = calendar.events.values().map(|e| e.updated).max().unwrap_or_else(|| data.now());
        let mut body = json!({
            "kind": "calendar#events",
            "etag": format!("\"p{snapshot}\""),
            "summary": calendar.name,
            "description": "",
            "updated": utc_millis(updated),
            "timeZone": calendar.time_zone,
            "accessRole": "owner",
            "defaultReminders": if calendar.primary { json!([{"method": "popup", "minutes": 10}]) } else { json!([]) },
        });
        if offset + items.len() < events.len() {
            body["nextPageToken"] = json!(tokens::encode(&PageToken { offset: offset + items.len(), snapshot, since }));
        } else {
            let token = SyncToken { calendar: calendar.id.clone(), seq: snapshot, epoch: calendar.sync_epoch };
            body["nextSyncToken"] = json!(tokens::encode(&token));
        }
        body["items"] = json!(items);
        Ok(axum::Json(body).into_response())
    })
}

fn find_event<'a>(data: &'a Data, calendar_id: &str, event_id: &str) -> Result<(&'a Calendar, &'a Event), GoogleError> {
    let calendar = &data.store.calendars[calendar_id];
    calendar.events.get(event_id).map(|e| (calendar, e)).ok_or_else(GoogleError::not_found)
}

/// One event as an answer, times in the `timeZone` parameter's zone if the method has one, else
/// in the calendar's.
fn answer(data: &Data, calendar_id: &str, event_id: &str, query: Option<&Query>) -> Result<Response, GoogleError> {
    let (calendar, event) = find_event(data, calendar_id, event_id)?;
    let tz = match query {
        Some(query) => response_zone(query, calendar)?,
        None => calendar.tz(),
    };
    Ok(axum::Json(render(calendar, event, &tz)).into_response())
}

pub(super) async fn get(
    State(sb): State<Sandbox>,
    Path((calendar_id, event_id)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let query = Query::parse(raw.as_deref(), &EVENTS_GET);
    call(&sb, &headers, &EVENTS_GET, |data, email| {
        let calendar_id = resolve_calendar(data, email, &calendar_id)?;
        answer(data, &calendar_id, &event_id, Some(&query))
    })
}

fn json_object(bytes: &[u8]) -> Result<Map<String, Value>, GoogleError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(GoogleError::new(StatusCode::BAD_REQUEST, "global", "parseError", "Parse Error")),
    }
}

/// Client-chosen ids: base32hex characters (a–v, 0–9), 5 to 1024 of them.
fn valid_event_id(id: &str) -> bool {
    (5..=1024).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'v').contains(&b))
}

fn text_field(body: &Map<String, Value>, name: &str) -> Option<String> {
    body.get(name).map(|v| v.as_str().unwrap_or_default().to_string())
}

/// Attendees come back with `responseStatus: needsAction` until they answer.
fn with_response_status(attendees: &Value) -> Value {
    let mut attendees = attendees.clone();
    for a in attendees.as_array_mut().into_iter().flatten() {
        if let Some(obj) = a.as_object_mut() {
            obj.entry("responseStatus").or_insert_with(|| json!("needsAction"));
        }
    }
    attendees
}

/// Applies the writable fields present in `body` to `event`; start and end are checked together.
fn apply(event: &mut Event, body: &Map<String, Value>) -> Result<(), GoogleError> {
    let mut times_changed = false;
    if let Some(v) = body.get("start") {
        (event.start, event.start_zone) = parse_event_time(v, "start")?;
        times_changed = true;
    }
    if let Some(v) = body.get("end") {
        (event.end, event.end_zone) = parse_event_time(v, "end")?;
        times_changed = true;
    }
    if times_changed {
        match (event.start, event.end) {
            (EventTime::At(s), EventTime::At(e)) if e < s => return Err(GoogleError::time_range_empty()),
            (EventTime::AllDay(s), EventTime::AllDay(e)) if e <= s => return Err(GoogleError::time_range_empty()),
            (EventTime::At(_), EventTime::AllDay(_)) | (EventTime::AllDay(_), EventTime::At(_)) => {
                return Err(GoogleError::invalid("Start and end times must either both be date or both be dateTime."));
            }
            _ => {}
        }
        event.sequence += 1;
    }
    if let Some(s) = text_field(body, "summary") {
        event.summary = s;
    }
    if let Some(s) = text_field(body, "description") {
        event.description = s;
    }
    if let Some(s) = text_field(body, "location") {
        event.location = s;
    }
    if let Some(v) = body.get("status") {
        let status =
            v.as_str().and_then(Status::parse).ok_or_else(|| GoogleError::invalid("Invalid value for status."))?;
        event.status = status;
        event.deleted = event.deleted && status == Status::Cancelled;
    }
    if let Some(v) = body.get("transparency") {
        event.show_as = match v.as_str() {
            Some("transparent") => ShowAs::Free,
            Some("opaque") | None => ShowAs::Busy,
            Some(_) => return Err(GoogleError::invalid("Invalid value for transparency.")),
        };
    }
    for key in KEPT_FIELDS {
        match body.get(key) {
            Some(Value::Null) => {
                event.extra.remove(key);
            }
            Some(v) if key == "attendees" => {
                event.extra.insert(key.into(), with_response_status(v));
            }
            Some(v) => {
                event.extra.insert(key.into(), v.clone());
            }
            None => {}
        }
    }
    Ok(())
}

pub(super) async fn insert(
    State(sb): State<Sandbox>,
    Path(calendar_id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    call(&sb, &headers, &EVENTS_INSERT, |data, email| {
        let calendar_id = resolve_calendar(data, email, &calendar_id)?;
        let body = json_object(&bytes)?;
        let id = match body.get("id") {
            Some(v) => {
                let id = v
                    .as_str()
                    .filter(|id| valid_event_id(id))
                    .ok_or_else(|| GoogleError::invalid("Invalid resource id value."))?;
                if data.store.calendars[&calendar_id].events.contains_key(id) {
                    return Err(GoogleError::duplicate());
                }
                id.to_string()
            }
            None => ids::google_event_id(),
        };
        if !body.contains_key("start") {
            return Err(GoogleError::required("Missing start time."));
        }
        if !body.contains_key("end") {
            return Err(GoogleError::required("Missing end time."));
        }
        let now = data.now();
        let placeholder = EventTime::At(now);
        let mut event = data.store.new_event(id.clone(), placeholder, placeholder, now);
        apply(&mut event, &body)?;
        event.sequence = 0;
        event.ical_uid =
            text_field(&body, "iCalUID").filter(|u| !u.is_empty()).unwrap_or_else(|| format!("{id}@google.com"));
        if let Some(calendar) = data.store.calendars.get_mut(&calendar_id) {
            calendar.events.insert(id.clone(), event);
        }
        answer(data, &calendar_id, &id, None)
    })
}

pub(super) async fn patch(
    State(sb): State<Sandbox>,
    Path((calendar_id, event_id)): Path<(String, String)>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    call(&sb, &headers, &EVENTS_PATCH, |data, email| {
        let calendar_id = resolve_calendar(data, email, &calendar_id)?;
        let body = json_object(&bytes)?;
        let mut event = find_event(data, &calendar_id, &event_id)?.1.clone();
        apply(&mut event, &body)?;
        if let Some(calendar) = data.store.calendars.get_mut(&calendar_id) {
            calendar.events.insert(event_id.clone(), event);
        }
        data.store.touch(&calendar_id, &event_id, data.now());
        answer(data, &calendar_id, &event_id, None)
    })
}

pub(super) async fn delete(
    State(sb): State<Sandbox>,
    Path((calendar_id, event_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    call(&sb, &headers, &EVENTS_DELETE, |data, email| {
        let calendar_id = resolve_calendar(data, email, &calendar_id)?;
        if find_event(data, &calendar_id, &event_id)?.1.deleted {
            return Err(GoogleError::deleted());
        }
        if let Some(e) = data.store.calendars.get_mut(&calendar_id).and_then(|c| c.events.get_mut(&event_id)) {
            e.deleted = true;
            e.status = Status::Cancelled;
        }
        data.store.touch(&calendar_id, &event_id, data.now());
        Ok(StatusCode::NO_CONTENT.into_response())
    })
}
