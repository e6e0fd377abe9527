//! The mails of a meeting's life: booked, rescheduled, cancelled, and the follow-up that brings the
//! Zoom link when the Zoom meeting did not exist yet. Each goes to every invitee and to the host, with
//! the time in the recipient's zone and an invitation (.ics) that keeps the meeting's UID.

use super::ics::{self, IcsEvent, Method, Person};
use super::{Notices, escape_html};
use crate::store::now_ms;
use crate::store::outbox::OutgoingMail;
use crate::timefmt::human_range_ms;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeetingEvent {
    Booked,
    Rescheduled,
    Cancelled,
    /// The Zoom meeting now exists: its link and an updated invitation.
    ZoomLinkReady,
}

impl MeetingEvent {
    /// The outbox `kind`.
    pub fn kind(self) -> &'static str {
        match self {
            MeetingEvent::Booked => "booked",
            MeetingEvent::Rescheduled => "rescheduled",
            MeetingEvent::Cancelled => "cancelled",
            MeetingEvent::ZoomLinkReady => "zoom_link",
        }
    }
}

/// The meeting as the mails describe it, after the change.
pub struct MeetingFacts<'a> {
    pub id: &'a str,
    pub topic: &'a str,
    pub start_at: i64,
    pub end_at: i64,
    /// The sequence the meeting has once the change is committed (the invitation's SEQUENCE).
    pub sequence: i64,
    pub join_url: Option<&'a str>,
    pub zoom_meeting_id: Option<i64>,
    pub passcode: Option<&'a str>,
    /// A Zoom meeting is being created: its link follows in a later mail.
    pub zoom_pending: bool,
    pub cancel_reason: Option<&'a str>,
}

/// A recipient.
#[derive(Debug, Clone)]
pub struct Party {
    pub name: String,
    pub email: String,
    /// The zone the recipient reads times in (UTC when unknown).
    pub timezone: Option<String>,
}

/// One mail to each invitee (with the manage link when the token is known: only its hash is
/// stored) and one to the host (with the meeting page).
pub fn meeting_mails(
    notices: &Notices,
    event: MeetingEvent,
    meeting: &MeetingFacts,
    host: &Party,
    invitees: &[Party],
    manage_token: Option<&str>,
) -> Vec<OutgoingMail> {
    let attendees: Vec<Person> = invitees.iter().map(|p| Person { name: &p.name, email: &p.email }).collect();
    let organizer = || Some(Person { name: &host.name, email: &host.email });
    let cancelled = event == MeetingEvent::Cancelled;
    let calendar = ics::calendar(&IcsEvent {
        meeting_id: meeting.id,
        sequence: meeting.sequence,
        start_ms: meeting.start_at,
        end_ms: meeting.end_at,
        stamp_ms: now_ms(),
        summary: meeting.topic,
        join_url: meeting.join_url.filter(|_| !cancelled),
        description: &zoom_lines(meeting, cancelled).join("\n"),
        cancelled,
        method: if cancelled { Method::Cancel } else { Method::Request },
        organizer: organizer(),
        attendees: &attendees,
    });
    let mut mails = Vec::with_capacity(invitees.len() + 1);
    for invitee in invitees {
        let link = manage_token.map(|t| ("Reschedule or cancel", notices.manage_url(t)));
        let with = format!("Host: {}", host.name);
        mails.push(mail(event, meeting, invitee, &with, link, &calendar));
    }
    let names: Vec<&str> = invitees.iter().map(|p| p.name.as_str()).collect();
    let with = if names.is_empty() { String::new() } else { format!("Invitees: {}", names.join(", ")) };
    let link = Some(("Meeting page", notices.meeting_url(meeting.id)));
    mails.push(mail(event, meeting, host, &with, link, &calendar));
    mails
}

/// What the mail and the invitation say about Zoom.
fn zoom_lines(meeting: &MeetingFacts, cancelled: bool) -> Vec<String> {
    if cancelled {
        return Vec::new();
    }
    match meeting.join_url {
        Some(url) => {
            let mut lines = vec![format!("Join Zoom meeting: {url}")];
            if let Some(id) = meeting.zoom_meeting_id {
                lines.push(format!("Meeting ID: {id}"));
            }
            if let Some(passcode) = meeting.passcode {
                lines.push(format!("Passcode: {passcode}"));
            }
            lines
        }
        None if meeting.zoom_pending => {
            vec!["The Zoom meeting is being created: its link follows in a separate mail.".to_owned()]
        }
        None => Vec::new(),
    }
}

fn mail(
    event: MeetingEvent,
    meeting: &MeetingFacts,
    to: &Party,
    with: &str,
    link: Option<(&str, String)>,
    calendar: &str,
) -> OutgoingMail {
    let when = human_range_ms(meeting.start_at, meeting.end_at, to.timezone.as_deref());
    let (subject, headline) = match event {
        MeetingEvent::Booked => (format!("Booked: {} — {when}", meeting.topic), "Your meeting is booked."),
        MeetingEvent::Rescheduled => {
            (format!("Rescheduled: {} — {when}", meeting.topic), "Your meeting has a new time.")
        }
        MeetingEvent::Cancelled => (format!("Cancelled: {} — {when}", meeting.topic), "This meeting is cancelled."),
        MeetingEvent::ZoomLinkReady => {
            (format!("Zoom link: {} — {when}", meeting.topic), "The Zoom meeting is ready. Here is its link.")
        }
    };
    let mut lines: Vec<(String, Option<String>)> =
        vec![(headline.to_owned(), None), (meeting.topic.to_owned(), None), (format!("When: {when}"), None)];
    if !with.is_empty() {
        lines.push((with.to_owned(), None));
    }
    if event == MeetingEvent::Cancelled
        && let Some(reason) = meeting.cancel_reason
    {
        lines.push((format!("Reason: {reason}"), None));
    }
    for line in zoom_lines(meeting, event == MeetingEvent::Cancelled) {
        let href = line.strip_prefix("Join Zoom meeting: ").map(str::to_owned);
        lines.push((line, href));
    }
    if let Some((label, url)) = link {
        lines.push((format!("{label}: {url}"), Some(url)));
    }
    let text_body = lines.iter().map(|(l, _)| l.as_str()).collect::<Vec<_>>().join("\n\n") + "\n";
    let html_lines: String = lines
        .iter()
        .map(|(line, href)| match href {
            // The link is shown as its own text, so a reader sees where it goes.
            Some(href) => {
                let label = line.split(": ").next().unwrap_or_default();
                format!("<p>{}: <a href=\"{}\">{}</a></p>\n", escape_html(label), escape_html(href), escape_html(href))
            }
            None => format!("<p>{}</p>\n", escape_html(line)),
        })
        .collect();
    let html_body = format!("<!DOCTYPE html>\n<html><body>\n{html_lines}</body></html>\n");
    OutgoingMail {
        kind: event.kind().to_owned(),
        recipient: to.email.clone(),
        subject,
        text_body,
        html_body,
        ics: Some(calendar.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_recipient_reads_their_zone_and_their_link() {
        let notices = Notices::new(&url::Url::parse("https://book.example").unwrap());
        let meeting = MeetingFacts {
            id: "m1",
            topic: "Intro",
            start_at: 1_795_875_200_000,
            end_at: 1_795_877_000_000,
            sequence: 0,
            join_url: Some("https://zoom.example/j/1"),
            zoom_meeting_id: Some(1),
            passcode: Some("abc"),
            zoom_pending: false,
            cancel_reason: None,
        };
        let host = Party { name: "Grace".into(), email: "g@example.com".into(), timezone: None };
        let ada = Party { name: "Ada".into(), email: "a@example.com".into(), timezone: Some("Europe/Berlin".into()) };
        let mails = meeting_mails(&notices, MeetingEvent::Booked, &meeting, &host, &[ada], Some("tok"));
        assert_eq!(mails.len(), 2);
        assert!(mails[0].text_body.contains("(Europe/Berlin)"));
        assert!(mails[0].text_body.contains("https://book.example/booking/tok"));
        assert!(mails[0].text_body.contains("Passcode: abc"));
        assert!(mails[1].text_body.contains("UTC"));
        assert!(mails[1].text_body.contains("https://book.example/meetings/m1"));
        assert!(mails[1].html_body.contains("<a href=\"https://zoom.example/j/1\">"));
    }
}
