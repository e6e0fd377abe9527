//! Mail to a host about Zoom and calendar trouble: a connection that needs attention, a meeting whose Zoom work
//! failed, a meeting deleted in Zoom. Each is written in the transaction that records the trouble,
//! and only when the trouble is new (see the store), so a lasting problem mails once.

use super::Notices;
use super::compose::{Para, compose};
use super::meeting_mails::Party;
use crate::store::outbox::{MailKind, OutgoingMail};
use crate::timefmt::human_range_ms;

/// The meeting an alert is about.
pub struct AlertMeeting<'a> {
    pub id: &'a str,
    pub topic: &'a str,
    pub start_at: i64,
    pub end_at: i64,
}

pub fn connection_needs_attention(notices: &Notices, host: &Party, problem: &str) -> OutgoingMail {
    compose(
        MailKind::AlertConnection,
        &host.email,
        "Your Zoom connection needs attention".to_owned(),
        &[
            Para::text(format!("Hello {},", host.name)),
            Para::text(
                "Prospo cannot work with your Zoom account right now, so new Zoom meetings wait until this is fixed.",
            ),
            Para::text(format!("What Zoom said: {problem}")),
            Para::link("Fix it in Settings → Integrations", notices.integrations_url()),
        ],
        None,
    )
}

/// A connected calendar cannot be read: its last known busy times keep blocking meanwhile.
pub fn calendar_needs_attention(notices: &Notices, host: &Party, calendar: &str, problem: &str) -> OutgoingMail {
    compose(
        MailKind::AlertConnection,
        &host.email,
        format!("Your calendar needs attention: {calendar}"),
        &[
            Para::text(format!("Hello {},", host.name)),
            Para::text(format!(
                "Prospo cannot read your calendar {calendar} right now. Until it can, the busy times it last read \
                 keep blocking your booking pages; after 15 minutes without a reading, bookings are refused rather \
                 than risk a double booking."
            )),
            Para::text(format!("What went wrong: {problem}")),
            Para::link("Fix it in Settings → Calendars", notices.calendars_url()),
        ],
        None,
    )
}

pub fn zoom_work_failed(notices: &Notices, host: &Party, meeting: &AlertMeeting, problem: &str) -> OutgoingMail {
    let when = human_range_ms(meeting.start_at, meeting.end_at, host.timezone.as_deref());
    compose(
        MailKind::AlertZoomFailed,
        &host.email,
        format!("Zoom could not be updated: {} — {when}", meeting.topic),
        &[
            Para::text(format!("Prospo could not bring the Zoom meeting of “{}” ({when}) up to date.", meeting.topic)),
            Para::text(format!("What went wrong: {problem}")),
            Para::link("Retry from the meeting page", notices.meeting_url(meeting.id)),
        ],
        None,
    )
}

pub fn deleted_in_zoom(notices: &Notices, host: &Party, meeting: &AlertMeeting) -> OutgoingMail {
    let when = human_range_ms(meeting.start_at, meeting.end_at, host.timezone.as_deref());
    compose(
        MailKind::AlertDeletedInZoom,
        &host.email,
        format!("Deleted in Zoom: {} — {when}", meeting.topic),
        &[
            Para::text(format!(
                "The Zoom meeting of “{}” ({when}) was deleted in Zoom. The booking still stands in Prospo, \
                 without a Zoom link; Prospo did not create another Zoom meeting.",
                meeting.topic
            )),
            Para::link("Meeting page", notices.meeting_url(meeting.id)),
        ],
        None,
    )
}
