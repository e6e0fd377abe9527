//! A minimal RFC 5545 calendar with one VEVENT: the invitation attached to meeting mails and the
//! invitee's **Add to calendar** file. Hand-written: CRLF line ends, TEXT escaping and 75-octet line
//! folding are what calendars need.

/// What a calendar file asks of the calendar that opens it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// A file to import (Add to calendar): no scheduling semantics.
    Publish,
    /// An invitation or its update (booked, rescheduled, Zoom link added).
    Request,
    /// The meeting is off.
    Cancel,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Publish => "PUBLISH",
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
        }
    }
}

/// A person on the invitation.
pub struct Person<'a> {
    pub name: &'a str,
    pub email: &'a str,
}

/// What the one event says.
pub struct IcsEvent<'a> {
    /// The meeting id; the UID is `{id}@prospo`, the same across changes.
    pub meeting_id: &'a str,
    /// Rises with every change, so calendars replace the old copy.
    pub sequence: i64,
    pub start_ms: i64,
    pub end_ms: i64,
    /// When this file was made (DTSTAMP).
    pub stamp_ms: i64,
    pub summary: &'a str,
    /// The Zoom join link, when known.
    pub join_url: Option<&'a str>,
    pub description: &'a str,
    pub cancelled: bool,
    pub method: Method,
    /// The host; written only with the invitees (an invitation names both sides).
    pub organizer: Option<Person<'a>>,
    pub attendees: &'a [Person<'a>],
}

/// `YYYYMMDDTHHMMSSZ`.
fn utc(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).strftime("%Y%m%dT%H%M%SZ").to_string())
        .unwrap_or_default()
}

/// TEXT values escape backslash, semicolon, comma and line breaks.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// A parameter value (CN): quoted, with the characters a quoted value cannot hold dropped.
fn param(text: &str) -> String {
    let clean: String = text.chars().filter(|c| !matches!(c, '"' | '\r' | '\n')).collect();
    format!("\"{clean}\"")
}

/// Folds a content line at 75 octets (never inside a UTF-8 character) and ends it with CRLF.
fn push_line(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            // The leading space of a continuation line counts towards its 75 octets.
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

/// The file mails attach and **Add to calendar** downloads.
pub fn calendar(event: &IcsEvent) -> String {
    write(event, false)
}

/// The event as stored in a host's own calendar over CalDAV (RFC 4791 §4.1): no METHOD, and
/// `SCHEDULE-AGENT=CLIENT` on every person so the server does not send invitations of its own.
pub fn resource(event: &IcsEvent) -> String {
    write(event, true)
}

fn write(event: &IcsEvent, resource: bool) -> String {
    let agent = if resource { ";SCHEDULE-AGENT=CLIENT" } else { "" };
    let mut out = String::new();
    let mut line = |l: String| push_line(&mut out, &l);
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line("PRODID:-//Prospo//Prospo//EN".into());
    line("CALSCALE:GREGORIAN".into());
    if !resource {
        line(format!("METHOD:{}", event.method.as_str()));
    }
    line("BEGIN:VEVENT".into());
    line(format!("UID:{}@prospo", escape(event.meeting_id)));
    line(format!("SEQUENCE:{}", event.sequence));
    line(format!("DTSTAMP:{}", utc(event.stamp_ms)));
    line(format!("DTSTART:{}", utc(event.start_ms)));
    line(format!("DTEND:{}", utc(event.end_ms)));
    line(format!("SUMMARY:{}", escape(event.summary)));
    if let Some(url) = event.join_url {
        line(format!("LOCATION:{}", escape(url)));
        // URL is a URI value, not TEXT: it is written as is.
        line(format!("URL:{url}"));
    }
    line(format!("DESCRIPTION:{}", escape(event.description)));
    if let Some(organizer) = &event.organizer {
        line(format!("ORGANIZER;CN={}{agent}:mailto:{}", param(organizer.name), organizer.email));
    }
    for attendee in event.attendees {
        let partstat = if event.cancelled { "DECLINED" } else { "ACCEPTED" };
        line(format!(
            "ATTENDEE;CN={};ROLE=REQ-PARTICIPANT;PARTSTAT={partstat}{agent}:mailto:{}",
            param(attendee.name),
            attendee.email
        ));
    }
    line(format!("STATUS:{}", if event.cancelled { "CANCELLED" } else { "CONFIRMED" }));
    line("END:VEVENT".into());
    line("END:VCALENDAR".into());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_valid_event_with_crlf_escaping_and_folding() {
        let description =
            format!("Manage: https://prospo.example/booking/{}\nSee you; bring notes, please", "x".repeat(40));
        let ics = calendar(&IcsEvent {
            meeting_id: "m1",
            sequence: 2,
            start_ms: 1_795_875_200_000,
            end_ms: 1_795_877_000_000,
            stamp_ms: 1_795_875_200_000,
            summary: "Intro call, with Ada",
            join_url: Some("https://zoom.example/j/123?pwd=a,b"),
            description: &description,
            cancelled: false,
            method: Method::Request,
            organizer: Some(Person { name: "Grace \"G\" Host", email: "grace@example.com" }),
            attendees: &[Person { name: "Ada", email: "ada@example.com" }],
        });
        assert!(ics.contains("\r\nMETHOD:REQUEST\r\n"));
        assert!(ics.contains("\r\nORGANIZER;CN=\"Grace G Host\":mailto:grace@example.com\r\n"));
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        assert!(ics.contains("\r\nUID:m1@prospo\r\n"));
        assert!(ics.contains("\r\nDTSTART:20261128T141320Z\r\n"));
        assert!(ics.contains("\r\nSUMMARY:Intro call\\, with Ada\r\n"));
        assert!(ics.contains("\r\nURL:https://zoom.example/j/123?pwd=a,b\r\n"));
        assert!(ics.lines().all(|l| l.len() <= 76), "lines are folded at 75 octets (plus the CR)");
        assert!(!ics.replace("\r\n", "").contains('\n'), "no bare LF");
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains("See you\\; bring notes\\, please"));
        assert!(unfolded.contains("\\nSee you"));
    }

    #[test]
    fn folding_never_splits_a_character() {
        let mut out = String::new();
        push_line(&mut out, &"é".repeat(80));
        for line in out.split("\r\n") {
            assert!(line.len() <= 75);
        }
    }
}
