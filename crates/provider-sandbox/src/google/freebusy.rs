//! `POST /freeBusy`: merged busy periods of events that are neither transparent nor cancelled,
//! clipped to the window. Google's limits: a window of at most 90 days, at most 50 calendars per
//! query (`calendarExpansionMax`); calendars past the limit, and unknown ones, get a per-calendar
//! `errors` entry instead of `busy` periods. Any sandbox user's calendars can be queried, as
//! colleagues' can within a Google Workspace domain.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::times::{parse_instant, rfc3339, utc_millis, zone};
use super::{FREEBUSY_QUERY, GoogleError, call};
use crate::Sandbox;
use crate::state::Data;

const MAX_CALENDARS: i64 = 50;
const MAX_WINDOW_DAYS: i64 = 90;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FreeBusyRequest {
    time_min: Option<String>,
    time_max: Option<String>,
    time_zone: Option<String>,
    calendar_expansion_max: Option<i64>,
    #[serde(default)]
    items: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    id: String,
}

fn bound(value: Option<&str>, name: &str) -> Result<Timestamp, GoogleError> {
    let value = value.ok_or_else(|| GoogleError::required(&format!("Missing {name} parameter.")).at(name))?;
    parse_instant(value).ok_or_else(|| GoogleError::bad_request("Bad Request").at(name))
}

/// Busy periods of one calendar within `[min, max)`, sorted and merged.
fn busy(data: &Data, calendar_id: &str, min: Timestamp, max: Timestamp) -> Vec<(Timestamp, Timestamp)> {
    let calendar = &data.store.calendars[calendar_id];
    let tz = calendar.tz();
    let mut periods: Vec<(Timestamp, Timestamp)> = calendar
        .events
        .values()
        .filter(|e| e.busy() && e.overlaps(Some(min), Some(max), &tz))
        .map(|e| (e.start.instant(&tz).max(min), e.end.instant(&tz).min(max)))
        .collect();
    periods.sort();
    let mut merged: Vec<(Timestamp, Timestamp)> = Vec::new();
    for (start, end) in periods {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

pub(super) async fn query(State(sb): State<Sandbox>, headers: HeaderMap, bytes: Bytes) -> Response {
    call(&sb, &headers, &FREEBUSY_QUERY, |data, email| {
        let req: FreeBusyRequest = serde_json::from_slice(&bytes)
            .map_err(|_| GoogleError::new(StatusCode::BAD_REQUEST, "global", "parseError", "Parse Error"))?;
        let min = bound(req.time_min.as_deref(), "timeMin")?;
        let max = bound(req.time_max.as_deref(), "timeMax")?;
        if max <= min {
            return Err(GoogleError::time_range_empty().at("timeMax"));
        }
        if max.duration_since(min) > SignedDuration::from_hours(24 * MAX_WINDOW_DAYS) {
            return Err(GoogleError::new(
                StatusCode::BAD_REQUEST,
                "calendar",
                "timeRangeTooLong",
                "The requested time range is too long.",
            ));
        }
        let tz = match req.time_zone.as_deref() {
            Some(name) => {
                zone(name).ok_or_else(|| GoogleError::invalid("Invalid time zone definition.").at("timeZone"))?
            }
            None => jiff::tz::TimeZone::UTC,
        };
        let limit = match req.calendar_expansion_max {
            Some(n) if !(1..=MAX_CALENDARS).contains(&n) => {
                return Err(GoogleError::invalid(&format!(
                    "Invalid value '{n}'. Values must be within the range: [1, {MAX_CALENDARS}]"
                ))
                .at("calendarExpansionMax"));
            }
            Some(n) => n as usize,
            None => MAX_CALENDARS as usize,
        };
        let mut calendars = Map::new();
        for (i, item) in req.items.iter().enumerate() {
            let id = if item.id == "primary" { email } else { item.id.as_str() };
            let entry = if i >= limit {
                json!({"errors": [{"domain": "calendar", "reason": "tooManyCalendarsRequested"}], "busy": []})
            } else if data.store.calendars.contains_key(id) {
                let periods: Vec<Value> = busy(data, id, min, max)
                    .into_iter()
                    .map(|(s, e)| json!({"start": rfc3339(s, &tz), "end": rfc3339(e, &tz)}))
                    .collect();
                json!({"busy": periods})
            } else {
                json!({"errors": [{"domain": "global", "reason": "notFound"}], "busy": []})
            };
            calendars.insert(item.id.clone(), entry);
        }
        Ok(axum::Json(json!({
            "kind": "calendar#freeBusy",
            "timeMin": utc_millis(min),
            "timeMax": utc_millis(max),
            "calendars": calendars,
        }))
        .into_response())
    })
}
