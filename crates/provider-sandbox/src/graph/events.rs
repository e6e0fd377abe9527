//! Event resources: their Graph shape, and create (`POST …/events`, 201, a repeated
//! `transactionId` answers the existing event), get, update (`PATCH /me/events/{id}`) and delete
//! (`DELETE /me/events/{id}`, 204; a deleted or unknown event is 404 `ErrorItemNotFound`).

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::times::{self, OutputZone, output_zone, utc_text};
use super::{GET_EVENT, GraphError, Query, READ_CALENDARS, WRITE_CALENDARS, apply_select, call};
use crate::state::Data;
use crate::store::{Calendar, Event, EventTime, ShowAs, Status, User};
use crate::{Sandbox, ids};

/// Properties of the event resource this sandbox answers (any may be `$select`ed).
pub(super) const PROPERTIES: [&str; 42] = [
    "id",
    "createdDateTime",
    "lastModifiedDateTime",
    "changeKey",
    "categories",
    "transactionId",
    "originalStartTimeZone",
    "originalEndTimeZone",
    "iCalUId",
    "reminderMinutesBeforeStart",
    "isReminderOn",
    "hasAttachments",
    "subject",
    "bodyPreview",
    "importance",
    "sensitivity",
    "isAllDay",
    "isCancelled",
    "isOrganizer",
    "responseRequested",
    "seriesMasterId",
    "showAs",
    "type",
    "webLink",
    "onlineMeetingUrl",
    "isOnlineMeeting",
    "onlineMeetingProvider",
    "allowNewTimeProposals",
    "isDraft",
    "hideAttendees",
    "responseStatus",
    "body",
    "start",
    "end",
    "location",
    "locations",
    "recurrence",
    "attendees",
    "organizer",
    "onlineMeeting",
    "originalStart",
    "cancelledOccurrences",
];

/// Writable properties kept as written and echoed.
const KEPT_FIELDS: [&str; 10] = [
    "categories",
    "importance",
    "sensitivity",
    "isReminderOn",
    "reminderMinutesBeforeStart",
    "isOnlineMeeting",
    "onlineMeetingProvider",
    "responseRequested",
    "allowNewTimeProposals",
    "hideAttendees",
];

/// The event resource, times in the answer's zone.
pub(super) fn render(user: &User, e: &Event, out: &OutputZone) -> Value {
    let content_type = e.extra.get("bodyContentType").and_then(Value::as_str).unwrap_or("html");
    let mut body = json!({
        "@odata.etag": format!("W/\"{}\"", e.etag),
        "id": e.id,
        "createdDateTime": utc_text(e.created),
        "lastModifiedDateTime": utc_text(e.updated),
        "changeKey": e.etag,
        "categories": [],
        "transactionId": e.transaction_id,
        "originalStartTimeZone": e.start_zone.as_deref().unwrap_or("UTC"),
        "originalEndTimeZone": e.end_zone.as_deref().unwrap_or("UTC"),
        "iCalUId": e.ical_uid,
        "reminderMinutesBeforeStart": 15,
        "isReminderOn": true,
        "hasAttachments": false,
        "subject": e.summary,
        "bodyPreview": e.description.chars().take(255).collect::<String>(),
        "importance": "normal",
        "sensitivity": "normal",
        "isAllDay": matches!(e.start, EventTime::AllDay(_)),
        "isCancelled": e.status == Status::Cancelled,
        "isOrganizer": true,
        "responseRequested": true,
        "seriesMasterId": null,
        "showAs": e.show_as.as_str(),
        "type": "singleInstance",
        "webLink": format!(
            "https://outlook.office365.com/owa/?itemid={}&exvsurl=1&path=/calendar/item",
            percent_encoding::utf8_percent_encode(&e.id, percent_encoding::NON_ALPHANUMERIC)
        ),
        "onlineMeetingUrl": null,
        "isOnlineMeeting": false,
        "onlineMeetingProvider": "unknown",
        "allowNewTimeProposals": true,
        "isDraft": false,
        "hideAttendees": false,
        "responseStatus": {"response": "organizer", "time": "0001-01-01T00:00:00Z"},
        "body": {"contentType": content_type, "content": e.description},
        "start": times::render(e.start, out),
        "end": times::render(e.end, out),
        "location": {
            "displayName": e.location,
            "locationType": "default",
            "uniqueIdType": "unknown",
            "address": {},
            "coordinates": {},
        },
        "locations": if e.location.is_empty() { json!([]) } else {
            json!([{"displayName": e.location, "locationType": "default", "uniqueIdType": "unknown", "address": {}, "coordinates": {}}])
        },
        "recurrence": null,
        "attendees": e.extra.get("attendees").cloned().unwrap_or_else(|| json!([])),
        "organizer": {"emailAddress": {"name": user.display_name, "address": user.email}},
        "onlineMeeting": null,
    });
    if let Some(obj) = body.as_object_mut() {
        for key in KEPT_FIELDS {
            if let Some(v) = e.extra.get(key) {
                obj.insert(key.into(), v.clone());
            }
        }
    }
    body
}

/// Attendees come back with a `status` (none yet) and a `type` (required by default).
fn with_status(attendees: &Value) -> Value {
    let mut attendees = attendees.clone();
    for a in attendees.as_array_mut().into_iter().flatten() {
        if let Some(obj) = a.as_object_mut() {
            obj.entry("type").or_insert_with(|| json!("required"));
            obj.entry("status").or_insert_with(|| json!({"response": "none", "time": "0001-01-01T00:00:00Z"}));
        }
    }
    attendees
}

fn json_object(bytes: &[u8]) -> Result<Map<String, Value>, GraphError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(GraphError::bad_request(
            "BadRequest",
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
        )),
    }
}

/// Applies the writable properties present in `body`; start and end are checked together.
fn apply(event: &mut Event, body: &Map<String, Value>) -> Result<(), GraphError> {
    let all_day = match body.get("isAllDay") {
        Some(v) => v.as_bool().unwrap_or(false),
        None => matches!(event.start, EventTime::AllDay(_)),
    };
    let times_touched = body.contains_key("start") || body.contains_key("end") || body.contains_key("isAllDay");
    if let Some(v) = body.get("start") {
        let (time, zone) = times::parse(v, all_day)?;
        (event.start, event.start_zone) = (time, Some(zone));
    }
    if let Some(v) = body.get("end") {
        let (time, zone) = times::parse(v, all_day)?;
        (event.end, event.end_zone) = (time, Some(zone));
    }
    if times_touched {
        let ordered = match (event.start, event.end) {
            (EventTime::At(s), EventTime::At(e)) => e >= s,
            (EventTime::AllDay(s), EventTime::AllDay(e)) => e > s,
            _ => false,
        };
        if !ordered {
            return Err(GraphError::bad_request(
                "ErrorInvalidRequest",
                "Your request can't be completed. The end of the event must be after its start, and an all-day event must start and end at midnight.",
            ));
        }
        event.sequence += 1;
    }
    if let Some(v) = body.get("subject") {
        event.summary = v.as_str().unwrap_or_default().to_string();
    }
    if let Some(b) = body.get("body").and_then(Value::as_object) {
        event.description = b.get("content").and_then(Value::as_str).unwrap_or_default().to_string();
        if let Some(ct) = b.get("contentType").and_then(Value::as_str) {
            event.extra.insert("bodyContentType".into(), json!(ct.to_ascii_lowercase()));
        }
    }
    if let Some(v) = body.get("location") {
        event.location = v.get("displayName").and_then(Value::as_str).unwrap_or_default().to_string();
    }
    if let Some(v) = body.get("showAs") {
        event.show_as = v.as_str().and_then(ShowAs::parse).ok_or_else(|| {
            GraphError::bad_request(
                "RequestBodyRead",
                format!("Cannot convert the literal '{}' to the expected type 'microsoft.graph.freeBusyStatus'.", v),
            )
        })?;
    }
    if let Some(v) = body.get("attendees") {
        event.extra.insert("attendees".into(), with_status(v));
    }
    for key in KEPT_FIELDS {
        match body.get(key) {
            Some(Value::Null) => {
                event.extra.remove(key);
            }
            Some(v) => {
                event.extra.insert(key.into(), v.clone());
            }
            None => {}
        }
    }
    Ok(())
}

/// The caller's event by id, in any of their calendars.
pub(super) fn locate(data: &Data, user: &User, event_id: &str) -> Result<String, GraphError> {
    user.calendars
        .iter()
        .find(|c| data.store.calendars.get(*c).is_some_and(|cal| cal.events.get(event_id).is_some_and(|e| !e.deleted)))
        .cloned()
        .ok_or_else(GraphError::not_found)
}

/// One event as an answer, `@odata.context` and `Preference-Applied` included.
fn single(
    base: &str,
    user: &User,
    calendar: &Calendar,
    event_id: &str,
    out: &OutputZone,
    status: StatusCode,
    select: Option<&[String]>,
) -> Response {
    let mut v = render(user, &calendar.events[event_id], out);
    apply_select(&mut v, select);
    v["@odata.context"] = json!(format!("{base}/v1.0/$metadata#users('{}')/events/$entity", user.id));
    let mut response = (status, axum::Json(v)).into_response();
    if out.applied
        && let Ok(value) = HeaderValue::from_str(&format!("outlook.timezone=\"{}\"", out.name))
    {
        response.headers_mut().insert("preference-applied", value);
    }
    response
}

fn create_event(
    data: &mut Data,
    user: &User,
    calendar_id: &str,
    body: &Map<String, Value>,
    base: &str,
    out: &OutputZone,
) -> Result<Response, GraphError> {
    let transaction_id = body.get("transactionId").and_then(Value::as_str).map(str::to_string);
    if let Some(tid) = &transaction_id {
        let calendar = &data.store.calendars[calendar_id];
        if let Some(existing) = calendar.events.values().find(|e| !e.deleted && e.transaction_id.as_ref() == Some(tid))
        {
            return Ok(single(base, user, calendar, &existing.id.clone(), out, StatusCode::CREATED, None));
        }
    }
    if !body.contains_key("start") || !body.contains_key("end") {
        return Err(GraphError::bad_request(
            "ErrorInvalidRequest",
            "Your request can't be completed. The event needs a start and an end.",
        ));
    }
    let now = data.now();
    let id = ids::graph_item_id();
    let placeholder = EventTime::At(now);
    let mut event = data.store.new_event(id.clone(), placeholder, placeholder, now);
    apply(&mut event, body)?;
    event.sequence = 0;
    event.transaction_id = transaction_id;
    event.ical_uid = ids::graph_ical_uid();
    let calendar = data.store.calendars.get_mut(calendar_id).ok_or_else(GraphError::not_found)?;
    calendar.events.insert(id.clone(), event);
    Ok(single(base, user, &data.store.calendars[calendar_id], &id, out, StatusCode::CREATED, None))
}

pub(super) async fn create(
    State(sb): State<Sandbox>,
    Path(calendar_id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let base = sb.base_url();
    let out = output_zone(&headers);
    call(&sb, &headers, &WRITE_CALENDARS, |data, user| {
        if data.store.calendars.get(&calendar_id).is_none_or(|c| c.owner != user.email) {
            return Err(GraphError::not_found());
        }
        let body = json_object(&bytes)?;
        create_event(data, user, &calendar_id, &body, &base, &out)
    })
}

pub(super) async fn create_in_default(State(sb): State<Sandbox>, headers: HeaderMap, bytes: Bytes) -> Response {
    let base = sb.base_url();
    let out = output_zone(&headers);
    call(&sb, &headers, &WRITE_CALENDARS, |data, user| {
        let body = json_object(&bytes)?;
        create_event(data, user, &user.calendars[0], &body, &base, &out)
    })
}

pub(super) async fn get(
    State(sb): State<Sandbox>,
    Path(event_id): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let base = sb.base_url();
    let out = output_zone(&headers);
    let query = Query::parse(raw.as_deref(), &GET_EVENT);
    call(&sb, &headers, &READ_CALENDARS, |data, user| {
        let select = query.select(&PROPERTIES, "event")?;
        let calendar_id = locate(data, user, &event_id)?;
        Ok(single(&base, user, &data.store.calendars[&calendar_id], &event_id, &out, StatusCode::OK, select.as_deref()))
    })
}

pub(super) async fn patch(
    State(sb): State<Sandbox>,
    Path(event_id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let base = sb.base_url();
    let out = output_zone(&headers);
    call(&sb, &headers, &WRITE_CALENDARS, |data, user| {
        let calendar_id = locate(data, user, &event_id)?;
        let body = json_object(&bytes)?;
        let mut event = data.store.calendars[&calendar_id].events[&event_id].clone();
        apply(&mut event, &body)?;
        if let Some(calendar) = data.store.calendars.get_mut(&calendar_id) {
            calendar.events.insert(event_id.clone(), event);
        }
        let now = data.now();
        data.store.touch(&calendar_id, &event_id, now);
        Ok(single(&base, user, &data.store.calendars[&calendar_id], &event_id, &out, StatusCode::OK, None))
    })
}

pub(super) async fn delete(State(sb): State<Sandbox>, Path(event_id): Path<String>, headers: HeaderMap) -> Response {
    call(&sb, &headers, &WRITE_CALENDARS, |data, user| {
        let calendar_id = locate(data, user, &event_id)?;
        if let Some(e) = data.store.calendars.get_mut(&calendar_id).and_then(|c| c.events.get_mut(&event_id)) {
            e.deleted = true;
        }
        let now = data.now();
        data.store.touch(&calendar_id, &event_id, now);
        Ok(StatusCode::NO_CONTENT.into_response())
    })
}
