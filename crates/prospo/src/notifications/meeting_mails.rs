//! The mails of a meeting's life: booked, rescheduled, cancelled, the follow-up that brings the
//! Zoom link when the Zoom meeting did not exist yet, and reminders. Each goes to every invitee (and,
//! but for reminders, to the host) with the time in the recipient's zone; all but reminders carry an
//! invitation (.ics) that keeps the meeting's UID.

use secrecy::ExposeSecret;

use super::Notices;
use super::compose::{Para, compose_in};
use super::ics::{self, IcsEvent, Method, Person};
use crate::app::App;
use crate::domain::lifecycle::ZoomStatus;
use crate::domain::questions::Answer;
use crate::i18n::{self, Locale, Tr};
use crate::secrets::{Binding, SecretBox};
use crate::store::Db;
use crate::store::meetings::{MeetingRow, NewMeeting};
use crate::store::outbox::{MailKind, OutgoingMail};
use crate::timefmt::human_range_ms;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeetingEvent {
    Booked,
    Rescheduled,
    Cancelled,
    /// The Zoom meeting now exists: its link and an updated invitation.
    ZoomLinkReady,
    /// A round robin booking has another host (its Zoom link follows from their account).
    Reassigned,
    /// The meeting starts in this many minutes (`None`: soon, when the reminder is late).
    Reminder(Option<i64>),
}

impl MeetingEvent {
    /// The outbox `kind`.
    pub fn kind(self) -> MailKind {
        match self {
            MeetingEvent::Booked => MailKind::Booked,
            MeetingEvent::Rescheduled | MeetingEvent::Reassigned => MailKind::Rescheduled,
            MeetingEvent::Cancelled => MailKind::Cancelled,
            MeetingEvent::ZoomLinkReady => MailKind::ZoomLink,
            MeetingEvent::Reminder(_) => MailKind::Reminder,
        }
    }
}

/// The meeting as the mails describe it, after the change.
pub struct MeetingFacts<'a> {
    pub id: &'a str,
    /// The host's title for the meeting (for a booking, "EVENT with INVITEE").
    pub topic: &'a str,
    /// A booking's event type title: invitees read "EVENT with HOST".
    pub booked_title: Option<&'a str>,
    /// What the invitee wrote when booking (the host's mail shows it).
    pub notes: Option<&'a str>,
    /// The invitee's answers to the booking questions (the host's mail shows them).
    pub answers: &'a [Answer],
    pub start_at: i64,
    pub end_at: i64,
    /// The sequence the meeting has once the change is committed (the invitation's SEQUENCE).
    pub sequence: i64,
    pub join_url: Option<&'a str>,
    pub zoom_meeting_id: Option<i64>,
    pub passcode: Option<&'a str>,
    /// Zoom's dial-in numbers, when Zoom gave them.
    pub dial_in: &'a [zoom::DialInNumber],
    /// A Zoom meeting is being created: its link follows in a later mail.
    pub zoom_pending: bool,
    pub cancel_reason: Option<&'a str>,
    /// When the mails are written (the invitation's DTSTAMP).
    pub now_ms: i64,
}

/// A recipient.
#[derive(Debug, Clone)]
pub struct Party {
    pub name: String,
    pub email: String,
    /// The zone the recipient reads times in (UTC when unknown).
    pub timezone: Option<String>,
    /// The language an invitee booked in; hosts read English (`None`).
    pub locale: Option<Locale>,
}

impl Party {
    /// Who reads what in which language: an invitee theirs, a host English.
    fn tr(&self) -> Tr {
        Tr::new(self.locale.unwrap_or(Locale::En))
    }
}

/// How long a booking's first mail waits for its Zoom meeting, so that it brings the link itself;
/// when Zoom is slower, a follow-up brings it (product.md §4).
pub const FIRST_MAIL_WAITS_FOR_ZOOM_MS: i64 = 15_000;

/// How many dial-in numbers a mail lists (Zoom may give dozens).
const DIAL_IN_SHOWN: usize = 5;

/// One mail to each invitee (with the manage link when the meeting has one) and one to the host
/// and to each other attending member of a team meeting (with the meeting page); reminders go to
/// the invitees only.
pub fn meeting_mails(
    notices: &Notices,
    event: MeetingEvent,
    meeting: &MeetingFacts,
    (host, cohosts): (&Party, &[Party]),
    invitees: &[Party],
    manage_token: Option<&str>,
) -> Vec<OutgoingMail> {
    // Each invitee's invitation names the organiser and that invitee only (so a mail's size does not
    // grow with the meeting, nor does one invitee learn the others' addresses); the host's names all.
    let calendar = |title: &str, attendees: &[Party], t: Tr| match event {
        MeetingEvent::Reminder(_) => None,
        _ => Some(invitation(event, meeting, (title, t), host, attendees)),
    };
    let mut mails = Vec::with_capacity(invitees.len() + 1);
    for invitee in invitees {
        let t = invitee.tr();
        // Each reader sees the other party: the invitee the host, the host the invitee.
        let invitee_title = match meeting.booked_title {
            Some(title) => t.args("invitee-topic", &[("event", title.to_owned()), ("host", host.name.clone())]),
            None => meeting.topic.to_owned(),
        };
        let link = manage_token.map(|token| Para::link(t.get("mail-manage"), notices.manage_url(token)));
        let about = [Para::text(t.arg("mail-host", "host", &format!("{} <{}>", host.name, host.email)))];
        let invitation = calendar(&invitee_title, std::slice::from_ref(invitee), t);
        let mut mail = mail(event, meeting, &invitee_title, invitee, &about, link, invitation);
        mail.reply_to = Some(host.email.clone());
        mails.push(mail);
    }
    if !matches!(event, MeetingEvent::Reminder(_)) {
        let mut about: Vec<Para> =
            invitees.iter().map(|p| Para::text(format!("Invitee: {}", address_line(p)))).collect();
        if let Some(notes) = meeting.notes.filter(|n| !n.trim().is_empty()) {
            about.push(Para::text(format!("Notes: {notes}")));
        }
        about.extend(meeting.answers.iter().map(|a| Para::text(format!("{}: {}", a.label, a.value_text()))));
        if !cohosts.is_empty() {
            about.insert(0, Para::text(format!("Hosts: {}", hosts_line(host, cohosts))));
        }
        for reader in std::iter::once(host).chain(cohosts) {
            let link = Some(Para::link("Meeting page", notices.meeting_url(meeting.id)));
            let invitation = calendar(meeting.topic, invitees, Tr::EN);
            mails.push(mail(event, meeting, meeting.topic, reader, &about, link, invitation));
        }
    }
    mails
}

/// The attending members of a team meeting, its host first.
fn hosts_line(host: &Party, cohosts: &[Party]) -> String {
    std::iter::once(host).chain(cohosts).map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")
}

/// `Sam Okafor <sam@example.com>`, or the address alone when it is all the name there is.
fn address_line(party: &Party) -> String {
    if party.name.trim().is_empty() || party.name.eq_ignore_ascii_case(&party.email) {
        party.email.clone()
    } else {
        format!("{} <{}>", party.name, party.email)
    }
}

/// The invitation (.ics), its texts in `t`'s language.
fn invitation(
    event: MeetingEvent,
    meeting: &MeetingFacts,
    (title, t): (&str, Tr),
    host: &Party,
    invitees: &[Party],
) -> String {
    let attendees: Vec<Person> = invitees.iter().map(|p| Person { name: &p.name, email: &p.email }).collect();
    let cancelled = event == MeetingEvent::Cancelled;
    ics::calendar(&IcsEvent {
        meeting_id: meeting.id,
        sequence: meeting.sequence,
        start_ms: meeting.start_at,
        end_ms: meeting.end_at,
        stamp_ms: meeting.now_ms,
        summary: title,
        join_url: meeting.join_url.filter(|_| !cancelled),
        description: &zoom_lines(meeting, cancelled, t).iter().map(|l| l.text(t)).collect::<Vec<_>>().join("\n"),
        cancelled,
        method: if cancelled { Method::Cancel } else { Method::Request },
        organizer: Some(Person { name: &host.name, email: &host.email }),
        attendees: &attendees,
    })
}

/// What the mail and the invitation say about Zoom: the join link first, on a line of its own.
fn zoom_lines(meeting: &MeetingFacts, cancelled: bool, t: Tr) -> Vec<ZoomLine> {
    if cancelled {
        return Vec::new();
    }
    match meeting.join_url {
        Some(url) => {
            let mut lines = vec![ZoomLine::Join(url.to_owned())];
            if let Some(id) = meeting.zoom_meeting_id {
                lines.push(ZoomLine::Text(t.arg("mail-meeting-id", "id", &spaced_meeting_id(id))));
            }
            if let Some(passcode) = meeting.passcode {
                lines.push(ZoomLine::Text(t.arg("mail-passcode", "passcode", &passcode)));
            }
            let numbers: Vec<String> =
                meeting.dial_in.iter().filter_map(|n| dial_in_line(n, t)).take(DIAL_IN_SHOWN).collect();
            if !numbers.is_empty() {
                lines.push(ZoomLine::Text(format!("{}\n{}", t.get("mail-dial-in"), numbers.join("\n"))));
            }
            lines
        }
        None if meeting.zoom_pending => vec![ZoomLine::Text(t.get("mail-zoom-pending"))],
        None => Vec::new(),
    }
}

/// A line about Zoom: the join link (a button in a mail) or text.
enum ZoomLine {
    Join(String),
    Text(String),
}

impl ZoomLine {
    fn text(&self, t: Tr) -> String {
        match self {
            ZoomLine::Join(url) => t.arg("mail-join-line", "url", url),
            ZoomLine::Text(text) => text.clone(),
        }
    }
}

/// `+1 646 558 8656 (US, New York)`, `+1 877 853 5247 (US, toll-free)`.
fn dial_in_line(n: &zoom::DialInNumber, t: Tr) -> Option<String> {
    let number = n.number.as_deref()?;
    let mut place: Vec<String> = Vec::new();
    if let Some(country) = n.country_name.as_deref().or(n.country.as_deref()) {
        place.push(country.to_owned());
    }
    if let Some(city) = n.city.as_deref() {
        place.push(city.to_owned());
    }
    if n.number_type.as_deref() == Some("tollfree") {
        place.push(t.get("mail-toll-free"));
    }
    Some(if place.is_empty() { number.to_owned() } else { format!("{number} ({})", place.join(", ")) })
}

/// Zoom writes meeting IDs in groups: `812 3456 7890`.
pub(crate) fn spaced_meeting_id(id: i64) -> String {
    let digits = id.to_string();
    if digits.len() < 10 {
        return digits;
    }
    let (a, rest) = digits.split_at(3);
    let (b, c) = rest.split_at(rest.len() - 4);
    format!("{a} {b} {c}")
}

/// One reader's mail: `topic` as this reader sees it, `about` the other party.
fn mail(
    event: MeetingEvent,
    meeting: &MeetingFacts,
    topic: &str,
    to: &Party,
    about: &[Para],
    link: Option<Para>,
    calendar: Option<String>,
) -> OutgoingMail {
    let t = to.tr();
    // Invitees read the time as their language writes it; hosts as their pages show it.
    let when = match to.locale {
        Some(locale) => i18n::when(locale, meeting.start_at, meeting.end_at, to.timezone.as_deref()),
        None => human_range_ms(meeting.start_at, meeting.end_at, to.timezone.as_deref()),
    };
    let (subject, headline) = match event {
        MeetingEvent::Booked => ("mail-booked-subject", t.get("mail-booked")),
        MeetingEvent::Rescheduled => ("mail-rescheduled-subject", t.get("mail-rescheduled")),
        MeetingEvent::Cancelled => ("mail-cancelled-subject", t.get("mail-cancelled")),
        MeetingEvent::Reassigned => ("mail-reassigned-subject", t.get("mail-reassigned")),
        MeetingEvent::ZoomLinkReady => ("mail-zoom-link-subject", t.get("mail-zoom-link")),
        MeetingEvent::Reminder(minutes) => (
            "mail-reminder-subject",
            match minutes {
                Some(minutes) => t.arg("mail-reminder-in", "span", &i18n::span(t.locale(), minutes)),
                None => t.get("mail-reminder-soon"),
            },
        ),
    };
    let subject = t.args(subject, &[("topic", topic.to_owned()), ("when", when.clone())]);
    let mut paras = vec![Para::text(headline), Para::text(topic), Para::text(t.arg("mail-when", "when", &when))];
    paras.extend(about.iter().cloned());
    if event == MeetingEvent::Cancelled
        && let Some(reason) = meeting.cancel_reason
    {
        paras.push(Para::text(t.arg("mail-reason", "reason", &reason)));
    }
    for line in zoom_lines(meeting, event == MeetingEvent::Cancelled, t) {
        paras.push(match line {
            ZoomLine::Join(url) => Para::button(t.get("mail-join"), url),
            ZoomLine::Text(text) => Para::Text(text),
        });
    }
    paras.extend(link);
    let mut mail = compose_in(t, event.kind(), &to.email, subject, &paras, calendar);
    if event == MeetingEvent::Booked && meeting.zoom_pending {
        mail.delay_ms = FIRST_MAIL_WAITS_FOR_ZOOM_MS;
    }
    mail
}

/// The host as mails address them: in their availability's zone, else UTC. One read.
pub async fn host_party(db: &Db, host_id: &str) -> anyhow::Result<Party> {
    let host = db.host_by_id(host_id).await?.ok_or_else(|| anyhow::anyhow!("the meeting's host is gone"))?;
    let timezone = host.availability_timezone.unwrap_or_else(|| "UTC".to_owned());
    Ok(Party { name: host.user.name, email: host.user.email, timezone: Some(timezone), locale: None })
}

/// The members attending a team meeting besides its host, as mails address them.
pub async fn cohost_parties(db: &Db, meeting_id: &str) -> anyhow::Result<Vec<Party>> {
    let mut parties = Vec::new();
    for member in db.meeting_cohosts(meeting_id).await? {
        parties.push(host_party(db, &member).await?);
    }
    Ok(parties)
}

/// A stored meeting's invitees as mails address them: in their zone, else the meeting's.
pub async fn invitee_parties(db: &Db, meeting: &MeetingRow) -> anyhow::Result<Vec<Party>> {
    Ok(db
        .invitees_of(&meeting.id)
        .await?
        .into_iter()
        .map(|i| Party {
            name: i.name,
            email: i.email,
            timezone: i.timezone.or_else(|| Some(meeting.timezone.clone())),
            locale: i.locale.as_deref().and_then(|l| l.parse().ok()),
        })
        .collect())
}

/// Zoom's dial-in numbers stored with a meeting.
pub fn dial_in_of(meeting: &MeetingRow) -> Vec<zoom::DialInNumber> {
    meeting.zoom_dial_in.as_deref().and_then(|json| serde_json::from_str(json).ok()).unwrap_or_default()
}

const MANAGE_TOKEN_FIELD: &str = "meeting.manage_token";

/// The manage token sealed for the meeting, so later mails (reminders, the host's changes) can
/// carry the invitee's link; lookups use its hash.
pub fn seal_manage_token(secrets: &SecretBox, meeting_id: &str, token: &str) -> Vec<u8> {
    secrets.seal_str(token, Binding { owner: meeting_id, field: MANAGE_TOKEN_FIELD })
}

/// The invitee's manage token of a meeting, when it has one (host-made meetings do not). A token
/// that cannot be opened (a lost key) leaves the mails without the link rather than unsent.
pub fn manage_token_of(secrets: &SecretBox, meeting: &MeetingRow) -> Option<String> {
    let sealed = meeting.manage_token_sealed.as_deref()?;
    match secrets.open_str(sealed, Binding { owner: &meeting.id, field: MANAGE_TOKEN_FIELD }) {
        Ok(token) => Some(token.expose_secret().to_owned()),
        Err(e) => {
            tracing::warn!(meeting_id = %meeting.id, error = %e, "cannot open the manage token; mail goes without the link");
            None
        }
    }
}

/// Re-seals every stored manage token with `new_box`'s current key (after `keys rotate`).
pub async fn reseal_manage_tokens(db: &Db, old_box: &SecretBox, new_box: &SecretBox) -> anyhow::Result<usize> {
    let sealed = db.sealed_manage_tokens().await?;
    for (meeting_id, token) in &sealed {
        let binding = Binding { owner: meeting_id, field: MANAGE_TOKEN_FIELD };
        let plain = old_box.open(token, binding).map_err(|e| anyhow::anyhow!("meeting {meeting_id}: {e}"))?;
        db.replace_sealed_manage_token(meeting_id, &new_box.seal(&plain, binding)).await?;
    }
    Ok(sealed.len())
}

/// The mails of a meeting being created (booked by an invitee, or scheduled by the host).
pub fn new_meeting_mails(
    app: &App,
    meeting: &NewMeeting,
    hosts: (&Party, &[Party]),
    manage_token: Option<&str>,
) -> Vec<OutgoingMail> {
    let invitees: Vec<Party> = meeting
        .invitees
        .iter()
        .map(|i| Party {
            name: i.name.clone(),
            email: i.email.clone(),
            timezone: i.timezone.clone().or_else(|| Some(meeting.timezone.clone())),
            locale: i.locale,
        })
        .collect();
    let facts = MeetingFacts {
        id: &meeting.id,
        topic: &meeting.topic,
        booked_title: meeting.booked_title.as_deref(),
        notes: meeting.notes.as_deref(),
        answers: &meeting.answers.0,
        start_at: meeting.start_at,
        end_at: meeting.end_at,
        sequence: 0,
        join_url: None,
        zoom_meeting_id: None,
        passcode: None,
        dial_in: &[],
        zoom_pending: meeting.zoom,
        cancel_reason: None,
        now_ms: app.now_ms(),
    };
    meeting_mails(&app.mail, MeetingEvent::Booked, &facts, hosts, &invitees, manage_token)
}

/// What a changed (or reminded) meeting's mails say: `meeting` as read before the change, with the
/// change applied.
pub struct Change<'a> {
    pub event: MeetingEvent,
    pub start_at: i64,
    pub end_at: i64,
    pub topic: &'a str,
    pub cancel_reason: Option<&'a str>,
}

impl<'a> Change<'a> {
    /// The meeting as it is, told about as `event`.
    pub fn of(event: MeetingEvent, meeting: &'a MeetingRow) -> Change<'a> {
        Change { event, start_at: meeting.start_at, end_at: meeting.end_at, topic: &meeting.topic, cancel_reason: None }
    }
}

/// The mails of a change to an existing meeting, to its invitees (with their manage link) and its host.
pub async fn change_mails(app: &App, meeting: &MeetingRow, change: Change<'_>) -> anyhow::Result<Vec<OutgoingMail>> {
    let host = host_party(&app.db, &meeting.host_id).await?;
    let cohosts = cohost_parties(&app.db, &meeting.id).await?;
    let invitees = invitee_parties(&app.db, meeting).await?;
    let dial_in = dial_in_of(meeting);
    let facts = MeetingFacts {
        id: &meeting.id,
        topic: change.topic,
        booked_title: meeting.booked_title.as_deref(),
        notes: meeting.notes.as_deref(),
        answers: &meeting.answers.0,
        start_at: change.start_at,
        end_at: change.end_at,
        // A change's store write raises the sequence in the transaction that queues these mails; a
        // follow-up for a created Zoom meeting is written after the raise, and a reminder changes nothing.
        sequence: match change.event {
            // (A Booked mail rewritten with the Zoom link is written after the raise too.)
            MeetingEvent::ZoomLinkReady | MeetingEvent::Booked | MeetingEvent::Reminder(_) => meeting.sequence,
            _ => meeting.sequence + 1,
        },
        join_url: meeting.zoom_join_url.as_deref(),
        zoom_meeting_id: meeting.zoom_meeting_id,
        passcode: meeting.zoom_passcode.as_deref(),
        dial_in: &dial_in,
        zoom_pending: meeting.zoom_join_url.is_none()
            && matches!(meeting.zoom_status, ZoomStatus::Pending | ZoomStatus::Failed),
        cancel_reason: change.cancel_reason,
        now_ms: app.now_ms(),
    };
    let manage_token = manage_token_of(&app.secrets, meeting);
    Ok(meeting_mails(&app.mail, change.event, &facts, (&host, &cohosts), &invitees, manage_token.as_deref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts<'a>(dial_in: &'a [zoom::DialInNumber]) -> MeetingFacts<'a> {
        MeetingFacts {
            id: "m1",
            topic: "Intro",
            booked_title: None,
            notes: None,
            answers: &[],
            start_at: 1_795_875_200_000,
            end_at: 1_795_877_000_000,
            sequence: 0,
            join_url: Some("https://zoom.example/j/1"),
            zoom_meeting_id: Some(81_234_567_890),
            passcode: Some("abc"),
            dial_in,
            zoom_pending: false,
            cancel_reason: None,
            now_ms: 1_795_870_000_000,
        }
    }

    #[test]
    fn each_recipient_reads_their_zone_and_their_link() {
        let notices = Notices::new(&url::Url::parse("https://book.example").unwrap());
        let dial_in = [zoom::DialInNumber {
            country: Some("US".into()),
            country_name: Some("US".into()),
            city: Some("New York".into()),
            number: Some("+1 646 558 8656".into()),
            number_type: Some("toll".into()),
        }];
        let host = Party { name: "Grace".into(), email: "g@example.com".into(), timezone: None, locale: None };
        let ada = Party {
            name: "Ada".into(),
            email: "a@example.com".into(),
            timezone: Some("Europe/Berlin".into()),
            locale: None,
        };
        let mails = meeting_mails(&notices, MeetingEvent::Booked, &facts(&dial_in), (&host, &[]), &[ada], Some("tok"));
        assert_eq!(mails.len(), 2);
        assert!(mails[0].text_body.contains("(Europe/Berlin)"));
        assert!(mails[0].text_body.contains("https://book.example/booking/tok"));
        assert!(mails[0].text_body.contains("Meeting ID: 812 3456 7890"));
        assert!(mails[0].text_body.contains("Passcode: abc"));
        assert!(mails[0].text_body.contains("Dial in by phone:\n+1 646 558 8656 (US, New York)"));
        assert!(mails[1].text_body.contains("UTC"));
        assert!(mails[1].text_body.contains("https://book.example/meetings/m1"));
        assert!(mails[1].html_body.contains("<a href=\"https://zoom.example/j/1\""));
    }

    #[test]
    fn each_reader_sees_the_other_party() {
        let notices = Notices::new(&url::Url::parse("https://book.example").unwrap());
        let host = Party { name: "Jane Rivera".into(), email: "jane@example.com".into(), timezone: None, locale: None };
        let sam = Party { name: "Sam Okafor".into(), email: "sam@example.com".into(), timezone: None, locale: None };
        let bare = Party { name: "x@example.com".into(), email: "x@example.com".into(), timezone: None, locale: None };
        let facts = MeetingFacts {
            topic: "Portfolio review with Sam Okafor",
            booked_title: Some("Portfolio review"),
            notes: Some("About the Q3 deck"),
            ..facts(&[])
        };
        let mails = meeting_mails(&notices, MeetingEvent::Booked, &facts, (&host, &[]), &[sam, bare], Some("tok"));
        let (to_sam, to_host) = (&mails[0], &mails[2]);
        assert!(to_sam.subject.starts_with("Booked: Portfolio review with Jane Rivera"), "{}", to_sam.subject);
        assert!(!to_sam.text_body.contains("Sam Okafor") && !to_sam.text_body.contains("About the Q3"));
        assert!(to_sam.ics.as_deref().unwrap().contains("SUMMARY:Portfolio review with Jane Rivera"));
        assert_eq!(to_sam.reply_to.as_deref(), Some("jane@example.com"));
        assert!(to_host.subject.starts_with("Booked: Portfolio review with Sam Okafor"), "{}", to_host.subject);
        assert!(to_host.text_body.contains("Invitee: Sam Okafor <sam@example.com>"), "{}", to_host.text_body);
        assert!(to_host.text_body.contains("Invitee: x@example.com\n"), "the address once: {}", to_host.text_body);
        assert!(to_host.text_body.contains("Notes: About the Q3 deck"));
        assert_eq!(to_host.reply_to, None);
    }

    #[test]
    fn reminders_go_to_invitees_without_an_invitation() {
        let notices = Notices::new(&url::Url::parse("https://book.example").unwrap());
        let host = Party { name: "Grace".into(), email: "g@example.com".into(), timezone: None, locale: None };
        let ada = Party { name: "Ada".into(), email: "a@example.com".into(), timezone: None, locale: None };
        let mails =
            meeting_mails(&notices, MeetingEvent::Reminder(Some(60)), &facts(&[]), (&host, &[]), &[ada], Some("tok"));
        assert_eq!(mails.len(), 1);
        assert_eq!(mails[0].recipient, "a@example.com");
        assert!(mails[0].subject.starts_with("Reminder: Intro"));
        assert!(mails[0].text_body.starts_with("Your meeting starts in 1 hour."));
        assert!(mails[0].ics.is_none());
    }
}
