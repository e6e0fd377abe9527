//! Google's times: RFC 3339 with an offset in queries and answers, and the event resource's
//! `EventDateTime` (`{"dateTime", "timeZone"}` or all-day `{"date"}`).

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use serde_json::{Value, json};

use super::GoogleError;
use crate::store::EventTime;

/// A query time: RFC 3339 with a mandatory offset (milliseconds accepted and ignored).
pub(crate) fn parse_instant(value: &str) -> Option<Timestamp> {
    value.parse::<Timestamp>().ok()
}

pub(crate) fn zone(name: &str) -> Option<TimeZone> {
    TimeZone::get(name).ok()
}

/// An instant as Google writes it in `tz`: `2026-12-02T10:00:00Z` in UTC, else with the offset.
pub(crate) fn rfc3339(ts: Timestamp, tz: &TimeZone) -> String {
    let zoned = ts.to_zoned(tz.clone());
    if tz.iana_name() == Some("UTC") || tz == &TimeZone::UTC {
        zoned.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        zoned.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
    }
}

/// `created`, `updated` and `timeMin` echoes: UTC with milliseconds.
pub(crate) fn utc_millis(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Reads an `EventDateTime`; `which` is "start" or "end" (it names the field in messages).
pub(crate) fn parse_event_time(value: &Value, which: &str) -> Result<(EventTime, Option<String>), GoogleError> {
    let obj = value.as_object().ok_or_else(|| GoogleError::required(&format!("Missing {which} time.")))?;
    let zone_name = obj.get("timeZone").and_then(Value::as_str).map(str::to_string);
    let tz = match &zone_name {
        Some(name) => Some(
            zone(name)
                .ok_or_else(|| GoogleError::invalid(&format!("Invalid time zone definition for {which} time.")))?,
        ),
        None => None,
    };
    match (obj.get("date").and_then(Value::as_str), obj.get("dateTime").and_then(Value::as_str)) {
        (Some(_), Some(_)) => {
            Err(GoogleError::invalid("Start and end times must either both be date or both be dateTime."))
        }
        (Some(date), None) => {
            let date: Date = date.parse().map_err(|_| GoogleError::invalid(&format!("Invalid {which} time.")))?;
            Ok((EventTime::AllDay(date), zone_name))
        }
        (None, Some(dt)) => {
            if let Some(ts) = parse_instant(dt) {
                return Ok((EventTime::At(ts), zone_name));
            }
            let civil: DateTime = dt.parse().map_err(|_| GoogleError::invalid(&format!("Invalid {which} time.")))?;
            let tz =
                tz.ok_or_else(|| GoogleError::bad_request(&format!("Missing time zone definition for {which} time.")))?;
            let ts =
                civil.to_zoned(tz).map_err(|_| GoogleError::invalid(&format!("Invalid {which} time.")))?.timestamp();
            Ok((EventTime::At(ts), zone_name))
        }
        (None, None) => Err(GoogleError::required(&format!("Missing {which} time."))),
    }
}

/// Writes an `EventDateTime`, the instant shown in `tz`, the writer's zone name kept.
pub(crate) fn render_event_time(time: EventTime, zone_name: Option<&str>, tz: &TimeZone) -> Value {
    match time {
        EventTime::AllDay(date) => json!({"date": date.to_string()}),
        EventTime::At(ts) => match zone_name {
            Some(name) => json!({"dateTime": rfc3339(ts, tz), "timeZone": name}),
            None => json!({"dateTime": rfc3339(ts, tz)}),
        },
    }
}
