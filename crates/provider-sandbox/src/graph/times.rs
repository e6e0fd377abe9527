//! Graph's times: `dateTimeTimeZone` (`{"dateTime": "2026-12-02T10:00:00.0000000", "timeZone"}`),
//! the `Prefer: outlook.timezone="…"` header (default UTC), and ISO 8601 query bounds.
//!
//! Time zones may be IANA names or Windows names; the sandbox knows the Windows names of the
//! commonest zones (below) and answers 400 `TimeZoneNotSupportedException` for others.

use axum::http::HeaderMap;
use jiff::Timestamp;
use jiff::civil::{DateTime, Time};
use jiff::tz::TimeZone;
use serde_json::{Value, json};

use super::GraphError;
use crate::store::EventTime;

const WINDOWS_ZONES: [(&str, &str); 19] = [
    ("Coordinated Universal Time", "UTC"),
    ("UTC", "UTC"),
    ("GMT Standard Time", "Europe/London"),
    ("Greenwich Standard Time", "Atlantic/Reykjavik"),
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("Romance Standard Time", "Europe/Paris"),
    ("Central Europe Standard Time", "Europe/Budapest"),
    ("Central European Standard Time", "Europe/Warsaw"),
    ("E. Europe Standard Time", "Europe/Chisinau"),
    ("FLE Standard Time", "Europe/Kyiv"),
    ("Eastern Standard Time", "America/New_York"),
    ("Central Standard Time", "America/Chicago"),
    ("Mountain Standard Time", "America/Denver"),
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("India Standard Time", "Asia/Kolkata"),
    ("China Standard Time", "Asia/Shanghai"),
    ("Tokyo Standard Time", "Asia/Tokyo"),
    ("AUS Eastern Standard Time", "Australia/Sydney"),
    ("New Zealand Standard Time", "Pacific/Auckland"),
];

/// A zone by IANA or Windows name.
pub(crate) fn zone(name: &str) -> Option<TimeZone> {
    let iana = WINDOWS_ZONES.iter().find(|(w, _)| w.eq_ignore_ascii_case(name)).map_or(name, |(_, i)| *i);
    TimeZone::get(iana).ok()
}

/// The answer's zone from `Prefer: outlook.timezone="…"`: its name and zone, and whether the
/// preference was applied (an unknown zone falls back to UTC, not applied).
pub(crate) struct OutputZone {
    pub name: String,
    pub tz: TimeZone,
    pub applied: bool,
}

/// The `Prefer` preferences, `name=value` with quotes removed, across every `Prefer` header.
pub(crate) fn preferences(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|p| {
            let (k, v) = p.split_once('=')?;
            Some((k.trim().to_ascii_lowercase(), v.trim().trim_matches('"').to_string()))
        })
        .collect()
}

pub(crate) fn output_zone(headers: &HeaderMap) -> OutputZone {
    let preferred = preferences(headers).into_iter().find(|(k, _)| k == "outlook.timezone").map(|(_, v)| v);
    match preferred.and_then(|name| zone(&name).map(|tz| (name, tz))) {
        Some((name, tz)) => OutputZone { name, tz, applied: true },
        None => OutputZone { name: "UTC".into(), tz: TimeZone::UTC, applied: false },
    }
}

/// `2026-12-02T10:00:00.0000000`: seven fractional digits, no offset.
fn civil_text(dt: DateTime) -> String {
    format!("{}.{:07}", dt.strftime("%Y-%m-%dT%H:%M:%S"), dt.subsec_nanosecond() / 100)
}

/// `createdDateTime` and the like: UTC with seven fractional digits and `Z`.
pub(crate) fn utc_text(ts: Timestamp) -> String {
    format!("{}Z", civil_text(ts.to_zoned(TimeZone::UTC).datetime()))
}

pub(crate) fn render(time: EventTime, out: &OutputZone) -> Value {
    let dt = match time {
        EventTime::At(ts) => ts.to_zoned(out.tz.clone()).datetime(),
        EventTime::AllDay(date) => date.to_datetime(Time::midnight()),
    };
    json!({"dateTime": civil_text(dt), "timeZone": out.name})
}

fn unsupported_zone(name: &str) -> GraphError {
    GraphError::bad_request(
        "TimeZoneNotSupportedException",
        format!("A valid TimeZone value must be specified. The following TimeZone value is not supported: '{name}'."),
    )
}

/// Reads a `dateTimeTimeZone` (an absent `timeZone` reads as UTC); for an all-day event the time
/// must be midnight and the day is kept.
pub(crate) fn parse(value: &Value, all_day: bool) -> Result<(EventTime, String), GraphError> {
    let invalid = || GraphError::bad_request("RequestBodyRead", "Cannot read a dateTimeTimeZone value.");
    let obj = value.as_object().ok_or_else(invalid)?;
    let zone_name = obj.get("timeZone").and_then(Value::as_str).unwrap_or("UTC").to_string();
    let tz = zone(&zone_name).ok_or_else(|| unsupported_zone(&zone_name))?;
    let text = obj.get("dateTime").and_then(Value::as_str).ok_or_else(invalid)?;
    let civil = match text.parse::<Timestamp>() {
        Ok(ts) => ts.to_zoned(tz.clone()).datetime(),
        Err(_) => text.parse::<DateTime>().map_err(|_| invalid())?,
    };
    if all_day {
        if civil.time() != Time::midnight() {
            return Err(GraphError::bad_request(
                "ErrorInvalidRequest",
                "Your request can't be completed. If the event is an all-day event, its start and end times must be set to midnight.",
            ));
        }
        return Ok((EventTime::AllDay(civil.date()), zone_name));
    }
    let ts = civil.to_zoned(tz).map_err(|_| invalid())?.timestamp();
    Ok((EventTime::At(ts), zone_name))
}

/// `startDateTime`/`endDateTime`: ISO 8601, with an offset or read as UTC.
pub(crate) fn parse_bound(value: &str) -> Option<Timestamp> {
    value
        .parse::<Timestamp>()
        .ok()
        .or_else(|| value.parse::<DateTime>().ok()?.to_zoned(TimeZone::UTC).ok().map(|z| z.timestamp()))
}
