//! Presentation helpers the scheduling pages share: errors under fields, Zoom status badges, the
//! time zone list, and the `datetime-local` inputs hosts type times into.

use std::sync::OnceLock;

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

use crate::domain::accounts::Invalid;
use crate::domain::lifecycle::{MeetingStatus, ZoomStatus};
use crate::scheduling::booking::{self, BookingError};
use crate::scheduling::meetings::MeetingView;

/// An error shown under one field (or above the form when `field` names none); typed values stay.
#[derive(Debug, Clone)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> FieldError {
        FieldError { field, message: message.into() }
    }
}

impl From<Invalid> for FieldError {
    fn from(invalid: Invalid) -> Self {
        FieldError { field: invalid.field, message: invalid.message }
    }
}

/// The message for `field`, if the error is about it.
pub fn error_for<'a>(error: &'a Option<FieldError>, field: &str) -> Option<&'a str> {
    error.as_ref().filter(|e| e.field == field).map(|e| e.message.as_str())
}

/// A status badge: colour class and words (the words alone carry the meaning).
#[derive(Debug, Clone)]
pub struct Badge {
    /// `badge-green`, `badge-amber`, `badge-red` or `badge-grey`.
    pub class: &'static str,
    pub text: String,
}

/// The state of a meeting's Zoom meeting as the host and invitee read it; `None` for a meeting that is
/// not on Zoom.
pub fn zoom_badge(meeting: &MeetingView) -> Option<Badge> {
    zoom_state(meeting).map(ZoomState::host_badge)
}

/// What a meeting's Zoom side shows: one decision for the host's badge and the invitee's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZoomState {
    Cancelled,
    /// Held back (the host's Zoom is rate-limited) until this UTC time, `HH:MM`.
    HeldUntil(String),
    /// Zoom refused, with its reason (for the host only).
    Failed(String),
    Deleted,
    ChangePending,
    Ready,
    Creating,
}

/// `None` for a meeting that is not on Zoom.
pub fn zoom_state(meeting: &MeetingView) -> Option<ZoomState> {
    if meeting.status == MeetingStatus::Cancelled {
        return Some(ZoomState::Cancelled);
    }
    let zoom = meeting.zoom.as_ref()?;
    if let Some(until) = zoom.held_until.as_deref().and_then(|t| t.parse::<Timestamp>().ok()) {
        return Some(ZoomState::HeldUntil(until.to_zoned(TimeZone::UTC).strftime("%H:%M").to_string()));
    }
    Some(match (zoom.status, zoom.pending_change) {
        (ZoomStatus::Failed, _) => {
            ZoomState::Failed(zoom.error.as_ref().map_or("unknown reason", |e| e.message.as_str()).to_owned())
        }
        (ZoomStatus::Deleted, _) => ZoomState::Deleted,
        (ZoomStatus::Created, Some(_)) => ZoomState::ChangePending,
        (ZoomStatus::Created, None) => ZoomState::Ready,
        (ZoomStatus::Pending | ZoomStatus::None, _) => ZoomState::Creating,
    })
}

impl ZoomState {
    pub fn class(&self) -> &'static str {
        match self {
            ZoomState::Cancelled => "badge-grey",
            ZoomState::Failed(_) | ZoomState::Deleted => "badge-red",
            ZoomState::Ready => "badge-green",
            ZoomState::HeldUntil(_) | ZoomState::ChangePending | ZoomState::Creating => "badge-amber",
        }
    }

    /// The host's words (host pages stay English).
    fn host_badge(self) -> Badge {
        let text = match &self {
            ZoomState::Cancelled => "Cancelled".to_owned(),
            ZoomState::HeldUntil(time) => format!("Held until {time} UTC"),
            ZoomState::Failed(reason) => format!("Zoom failed: {reason}"),
            ZoomState::Deleted => "Deleted in Zoom".to_owned(),
            ZoomState::ChangePending => "Change pending".to_owned(),
            ZoomState::Ready => "Zoom link ready".to_owned(),
            ZoomState::Creating => "Creating Zoom meeting…".to_owned(),
        };
        Badge { class: self.class(), text }
    }
}

/// Every current IANA time zone jiff knows, sorted, for the zone pickers: the Area/Location names
/// people pick from, plus UTC. Deprecated aliases (`Africa/Asmera`, `Asia/Calcutta`) are left out:
/// ICU4X's CLDR data names each zone's canonical id, and only names that are their own canonical
/// id stay. (Stored zones that are aliases still work everywhere; pickers list them when chosen.)
pub fn time_zones() -> &'static [String] {
    static ZONES: OnceLock<Vec<String>> = OnceLock::new();
    ZONES.get_or_init(|| {
        let canonical = icu_time::zone::iana::IanaParserExtended::new();
        let mut zones: Vec<String> = jiff::tz::db()
            .available()
            .map(|name| name.as_str().to_owned())
            .filter(|name| name == "UTC" || (name.contains('/') && !name.starts_with("Etc/")))
            .filter(|name| name.chars().next().is_some_and(|c| c.is_ascii_uppercase()))
            .filter(|name| name == "UTC" || canonical.parse(name).canonical == name)
            .collect();
        zones.sort();
        zones.dedup();
        zones
    })
}

/// A `datetime-local` value ("2026-12-01T15:00") read in `zone`, as the RFC 3339 instant the
/// scheduling functions take.
pub fn local_to_rfc3339(local: &str, zone: &str) -> Result<String, BookingError> {
    let tz = booking::parse_time_zone(zone)?;
    let invalid = || {
        BookingError::Invalid(Invalid {
            field: "start",
            code: "invalid_start",
            message: "Give the date and time, e.g. 2026-12-01 15:00.".to_owned(),
        })
    };
    let civil: DateTime = local.trim().parse().map_err(|_| invalid())?;
    let instant = civil.to_zoned(tz).map_err(|_| invalid())?.timestamp();
    Ok(instant.to_string())
}

/// The `datetime-local` value of `ms` in `zone` (UTC if unknown).
pub fn local_input_value(ms: i64, zone: &str) -> String {
    let tz = TimeZone::get(zone).unwrap_or(TimeZone::UTC);
    Timestamp::from_millisecond(ms).map(|t| t.to_zoned(tz).strftime("%Y-%m-%dT%H:%M").to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_read_in_their_zone() {
        assert_eq!(local_to_rfc3339("2026-12-01T15:00", "Europe/Berlin").unwrap(), "2026-12-01T14:00:00Z");
        assert!(local_to_rfc3339("tomorrow", "Europe/Berlin").is_err());
        assert!(local_to_rfc3339("2026-12-01T15:00", "Mars/Base").is_err());
        assert_eq!(local_input_value(1_795_875_295_400, "Europe/Berlin"), "2026-11-28T15:14");
    }

    fn meeting(status: &str, zoom_status: &str, pending: Option<&str>) -> MeetingView {
        use crate::scheduling::meetings::ZoomView;
        MeetingView {
            id: "m".into(),
            topic: "t".into(),
            start: String::new(),
            end: String::new(),
            timezone: "UTC".into(),
            status: status.parse().unwrap(),
            event_type_id: None,
            location: "zoom".into(),
            location_detail: None,
            invitees: Vec::new(),
            notes: None,
            answers: Vec::new(),
            cancel_reason: None,
            zoom: Some(ZoomView {
                status: zoom_status.parse().unwrap(),
                meeting_id: None,
                join_url: None,
                passcode: None,
                pending_change: pending.map(|p| p.parse().unwrap()),
                held_until: None,
                error: None,
            }),
            invitations_held: false,
            calendar: crate::scheduling::meetings::CalendarView {
                status: crate::domain::lifecycle::CalendarStatus::None,
                error: None,
            },
            hosts: None,
        }
    }

    #[test]
    fn zoom_badges_name_each_state() {
        let text = |m: &MeetingView| zoom_badge(m).map(|b| b.text).unwrap_or_default();
        assert_eq!(text(&meeting("scheduled", "created", None)), "Zoom link ready");
        assert_eq!(text(&meeting("scheduled", "pending", Some("create"))), "Creating Zoom meeting…");
        assert_eq!(text(&meeting("scheduled", "created", Some("update"))), "Change pending");
        assert_eq!(text(&meeting("scheduled", "deleted", None)), "Deleted in Zoom");
        assert_eq!(text(&meeting("cancelled", "deleted", None)), "Cancelled");
        let mut held = meeting("scheduled", "pending", Some("create"));
        held.zoom.as_mut().unwrap().held_until = Some("2026-12-01T00:00:00Z".into());
        assert_eq!(text(&held), "Held until 00:00 UTC");
        let mut failed = meeting("scheduled", "failed", None);
        failed.zoom.as_mut().unwrap().error = Some(crate::scheduling::meetings::ZoomErrorView {
            code: crate::domain::lifecycle::ZoomProblemCode::ZoomUnconfirmed,
            message: "Zoom did not confirm the meeting.".into(),
        });
        assert_eq!(text(&failed), "Zoom failed: Zoom did not confirm the meeting.");
        let mut phone = meeting("scheduled", "none", None);
        phone.zoom = None;
        assert!(zoom_badge(&phone).is_none());
    }

    #[test]
    fn zones_are_sorted_iana_names() {
        let zones = time_zones();
        assert!(zones.iter().any(|z| z == "Europe/Berlin"));
        assert!(zones.iter().any(|z| z == "America/New_York"));
        assert!(zones.windows(2).all(|w| w[0] < w[1]));
        for alias in ["Africa/Asmera", "Asia/Calcutta", "Europe/Kiev", "Asia/Saigon", "US/Eastern"] {
            assert!(!zones.iter().any(|z| z == alias), "{alias} is a deprecated alias");
        }
        for current in [
            "Africa/Asmara",
            "Asia/Kolkata",
            "Europe/Kyiv",
            "Asia/Ho_Chi_Minh",
            "America/Argentina/Buenos_Aires",
            "UTC",
        ] {
            assert!(zones.iter().any(|z| z == current), "{current} is listed");
        }
        assert!(zones.len() > 300, "{} zones", zones.len());
    }
}
