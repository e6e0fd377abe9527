//! Booking, rescheduling and cancelling: the public booking page's flow, the invitee's manage link,
//! and the host's own changes. Slot rules are decided by `domain::slots` inside the host's lock.

use std::str::FromStr;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use secrecy::ExposeSecret;

use super::availability;
use super::event_types::Location;
use crate::accounts::hash_token;
use crate::domain::accounts::{Email, Invalid, PersonName};
use crate::domain::slots::{self, Bookability, Busy, SlotRules};
use crate::integrations::zoom::ZoomIntegration;
use crate::notifications::meeting_mails::{MeetingEvent, MeetingFacts, Party, meeting_mails};
use crate::secrets::{Binding, SecretBox};
use crate::store::accounts::UserRow;
use crate::store::event_types::EventTypeRow;
use crate::store::meetings::{BusyRow, LockedChangeError, MeetingRow, NewInvitee, NewMeeting};
use crate::store::outbox::OutgoingMail;
use crate::store::{Db, StoreError, new_id};

#[derive(Debug, thiserror::Error)]
pub enum BookingError {
    #[error("{}", .0.message)]
    Invalid(Invalid),
    #[error("This time was just taken. Please pick another one.")]
    SlotTaken,
    #[error("This time cannot be booked. Please pick one of the offered times.")]
    NotAvailable,
    #[error("This host has not connected Zoom yet, so this Zoom meeting cannot be booked.")]
    ZoomNotConnected,
    #[error("This meeting was cancelled.")]
    Cancelled,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<Invalid> for BookingError {
    fn from(value: Invalid) -> Self {
        BookingError::Invalid(value)
    }
}

fn invalid(field: &'static str, code: &'static str, message: &str) -> BookingError {
    BookingError::Invalid(Invalid { field, code, message: message.to_owned() })
}

/// An event type with its host, as the public booking page finds it.
pub struct PublicEvent {
    pub host: UserRow,
    pub event: EventTypeRow,
}

pub async fn find_public_event(db: &Db, username: &str, slug: &str) -> Result<Option<PublicEvent>, StoreError> {
    let Some(host) = db.user_by_username(&username.to_lowercase()).await? else { return Ok(None) };
    let Some(event) = db.event_type_by_slug(&host.id, &slug.to_lowercase()).await? else { return Ok(None) };
    Ok(Some(PublicEvent { host, event }))
}

pub fn rules_of(event: &EventTypeRow) -> SlotRules {
    SlotRules {
        duration: SignedDuration::from_mins(event.duration_minutes),
        step: SignedDuration::from_mins(event.slot_step_minutes.max(1)),
        buffer_before: SignedDuration::from_mins(event.buffer_before_minutes),
        buffer_after: SignedDuration::from_mins(event.buffer_after_minutes),
        minimum_notice: SignedDuration::from_mins(event.minimum_notice_minutes),
        booking_window_days: u32::try_from(event.booking_window_days).unwrap_or(60),
        max_per_day: event.max_per_day.and_then(|n| u32::try_from(n).ok()),
    }
}

fn busy_of(rows: &[BusyRow], event_type_id: &str) -> Vec<Busy> {
    rows.iter()
        .filter_map(|row| {
            let busy = Busy::new(
                Timestamp::from_millisecond(row.start_at).ok()?,
                Timestamp::from_millisecond(row.end_at).ok()?,
            )
            .with_buffers(
                SignedDuration::from_millis(row.buffer_before_ms),
                SignedDuration::from_millis(row.buffer_after_ms),
            );
            Some(if row.event_type_id.as_deref() == Some(event_type_id) { busy.counting() } else { busy })
        })
        .collect()
}

/// Whether the host can take this event type's bookings at all.
pub async fn zoom_ready(db: &Db, event: &PublicEvent) -> Result<bool, StoreError> {
    Ok(event.event.location != Location::Zoom.as_str() || db.zoom_connection_of(&event.host.id).await?.is_some())
}

/// Longest range the slots route answers in one request.
pub const MAX_RANGE_DAYS: i32 = 62;

/// Free starts whose date in `viewer_tz` lies in `from..=to`.
pub async fn public_slots(
    db: &Db,
    event: &PublicEvent,
    from: jiff::civil::Date,
    to: jiff::civil::Date,
    viewer_tz: &TimeZone,
    now: Timestamp,
) -> Result<Vec<Timestamp>, BookingError> {
    if to < from || (to - from).get_days() > MAX_RANGE_DAYS {
        return Err(invalid("to", "invalid_range", "Ask for at most 62 days, with `to` on or after `from`."));
    }
    let avail = availability::load(db, &event.host.id).await.map_err(|e| anyhow::anyhow!(e))?;
    let day_ms = 24 * 3600 * 1000;
    let lo = viewer_tz.to_timestamp(from.into()).map(|t| t.as_millisecond()).unwrap_or(0) - 2 * day_ms;
    let hi = viewer_tz.to_timestamp(to.into()).map(|t| t.as_millisecond()).unwrap_or(0) + 3 * day_ms;
    let rows = db.busy_meetings(&event.host.id, lo, hi).await?;
    let busy = busy_of(&rows, &event.event.id);
    Ok(slots::slots(&avail, &rules_of(&event.event), &busy, now, from, to, viewer_tz))
}

/// What an invitee sends to book.
pub struct BookingInput {
    pub start: String,
    pub name: String,
    pub email: String,
    pub timezone: String,
    pub notes: Option<String>,
}

pub fn parse_start(raw: &str) -> Result<Timestamp, BookingError> {
    Timestamp::from_str(raw.trim()).map_err(|_| {
        invalid("start", "invalid_start", "Give the start as an RFC 3339 time, e.g. 2026-12-01T15:00:00+01:00.")
    })
}

pub fn parse_time_zone(raw: &str) -> Result<TimeZone, BookingError> {
    TimeZone::get(raw.trim())
        .map_err(|_| invalid("timezone", "unknown_time_zone", "Use an IANA time zone such as Europe/Berlin."))
}

/// Books a slot: one meeting (and one Zoom job) or `SlotTaken` / `NotAvailable`. Returns the meeting
/// and the invitee's manage token (shown once; only its hash is stored).
pub async fn book(
    db: &Db,
    zoom: &ZoomIntegration,
    event: &PublicEvent,
    input: BookingInput,
    now: Timestamp,
) -> Result<(MeetingRow, String), BookingError> {
    let name = PersonName::parse(&input.name)?;
    let email = Email::parse(&input.email)?;
    let timezone = parse_time_zone(&input.timezone)?;
    let start = parse_start(&input.start)?;
    let notes = input.notes.map(|n| n.trim().chars().take(2000).collect::<String>()).filter(|n| !n.is_empty());
    if !zoom_ready(db, event).await? {
        return Err(BookingError::ZoomNotConnected);
    }
    let avail = availability::load(db, &event.host.id).await.map_err(|e| anyhow::anyhow!(e))?;
    let rules = rules_of(&event.event);
    let end = start + rules.duration;
    let manage_token = crate::accounts::random_token();
    let id = new_id();
    let e = &event.event;
    let meeting = NewMeeting {
        zoom_reference: reference_of(&id),
        id: id.clone(),
        host_id: event.host.id.clone(),
        event_type_id: Some(e.id.clone()),
        topic: format!("{} with {}", e.title, name.as_str()),
        start_at: start.as_millisecond(),
        end_at: end.as_millisecond(),
        buffer_before_ms: e.buffer_before_minutes * 60_000,
        buffer_after_ms: e.buffer_after_minutes * 60_000,
        timezone: timezone.iana_name().unwrap_or("UTC").to_owned(),
        location: e.location.clone(),
        location_detail: e.location_detail.clone(),
        notes,
        manage_token_hash: Some(hash_token(&manage_token)),
        manage_token_sealed: Some(seal_manage_token(&zoom.secrets, &id, &manage_token)),
        reminder_minutes: super::event_types::reminder_minutes(e),
        zoom: e.location == Location::Zoom.as_str(),
        zoom_waiting_room: e.zoom_waiting_room,
        zoom_join_before_host: e.zoom_join_before_host,
        zoom_mute_upon_entry: e.zoom_mute_upon_entry,
        zoom_auto_recording: e.zoom_auto_recording.clone(),
        invitees: vec![NewInvitee {
            name: name.as_str().to_owned(),
            email: email.as_str().to_owned(),
            timezone: timezone.iana_name().map(str::to_owned),
        }],
    };
    let mails = new_meeting_mails(zoom, &meeting, Some(&manage_token)).await?;
    db.book(meeting, &mails, |rows| decide(&avail, &rules, rows, &e.id, now, start)).await.map_err(refusal)?;
    zoom.wake_worker();
    zoom.notices.wake_sender();
    let row = db.meeting(&id).await?.ok_or_else(|| anyhow::anyhow!("booked meeting vanished"))?;
    Ok((row, manage_token))
}

fn decide(
    avail: &slots::Availability,
    rules: &SlotRules,
    rows: &[BusyRow],
    event_type_id: &str,
    now: Timestamp,
    start: Timestamp,
) -> Result<(), BookingError> {
    match slots::is_bookable(avail, rules, &busy_of(rows, event_type_id), now, start) {
        Bookability::Bookable => Ok(()),
        Bookability::Taken => Err(BookingError::SlotTaken),
        Bookability::NotAvailable => Err(BookingError::NotAvailable),
    }
}

fn refusal(e: LockedChangeError<BookingError>) -> BookingError {
    match e {
        LockedChangeError::Refused(e) => e,
        LockedChangeError::Store(e) => BookingError::Store(e),
    }
}

/// A short reference for the Zoom agenda, unique per meeting.
fn reference_of(meeting_id: &str) -> String {
    meeting_id.replace('-', "").chars().take(12).collect()
}

/// The meeting behind an invitee's manage token.
pub async fn by_manage_token(db: &Db, token: &str) -> Result<Option<MeetingRow>, StoreError> {
    db.meeting_by_manage_hash(&hash_token(token)).await
}

const MANAGE_TOKEN_FIELD: &str = "meeting.manage_token";

/// The manage token sealed for the meeting, so later mails (reminders, the host's changes) can
/// carry the invitee's link; lookups use its hash.
fn seal_manage_token(secrets: &SecretBox, meeting_id: &str, token: &str) -> Vec<u8> {
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

/// The host as mails address them: their availability's zone, else UTC.
pub async fn host_party(db: &Db, host_id: &str) -> Result<Party, BookingError> {
    let host = db.user_by_id(host_id).await?.ok_or_else(|| anyhow::anyhow!("the meeting's host is gone"))?;
    let timezone = availability::load_input(db, host_id).await?.timezone;
    Ok(Party { name: host.name, email: host.email, timezone: Some(timezone) })
}

/// A stored meeting's invitees as mails address them: their zone, else the meeting's.
pub async fn invitee_parties(db: &Db, meeting: &MeetingRow) -> Result<Vec<Party>, BookingError> {
    Ok(db
        .invitees_of(&meeting.id)
        .await?
        .into_iter()
        .map(|i| Party {
            name: i.name,
            email: i.email,
            timezone: i.timezone.or_else(|| Some(meeting.timezone.clone())),
        })
        .collect())
}

/// Zoom's dial-in numbers stored with a meeting.
pub fn dial_in_of(meeting: &MeetingRow) -> Vec<zoom::DialInNumber> {
    meeting.zoom_dial_in.as_deref().and_then(|json| serde_json::from_str(json).ok()).unwrap_or_default()
}

/// The mails of a meeting being created (booked by an invitee, or scheduled by the host).
async fn new_meeting_mails(
    zoom: &ZoomIntegration,
    meeting: &NewMeeting,
    manage_token: Option<&str>,
) -> Result<Vec<OutgoingMail>, BookingError> {
    let host = host_party(&zoom.db, &meeting.host_id).await?;
    let invitees: Vec<Party> = meeting
        .invitees
        .iter()
        .map(|i| Party {
            name: i.name.clone(),
            email: i.email.clone(),
            timezone: i.timezone.clone().or_else(|| Some(meeting.timezone.clone())),
        })
        .collect();
    let facts = MeetingFacts {
        id: &meeting.id,
        topic: &meeting.topic,
        start_at: meeting.start_at,
        end_at: meeting.end_at,
        sequence: 0,
        join_url: None,
        zoom_meeting_id: None,
        passcode: None,
        dial_in: &[],
        zoom_pending: meeting.zoom,
        cancel_reason: None,
    };
    Ok(meeting_mails(&zoom.notices, MeetingEvent::Booked, &facts, &host, &invitees, manage_token))
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

/// The mails of a change to an existing meeting, to its invitees (with their manage link) and its host.
pub async fn change_mails(
    zoom: &ZoomIntegration,
    meeting: &MeetingRow,
    change: Change<'_>,
) -> Result<Vec<OutgoingMail>, BookingError> {
    let host = host_party(&zoom.db, &meeting.host_id).await?;
    let invitees = invitee_parties(&zoom.db, meeting).await?;
    let dial_in = dial_in_of(meeting);
    let facts = MeetingFacts {
        id: &meeting.id,
        topic: change.topic,
        start_at: change.start_at,
        end_at: change.end_at,
        // A change's store write raises the sequence in the transaction that queues these mails; a
        // follow-up for a created Zoom meeting is written after the raise, and a reminder changes nothing.
        sequence: match change.event {
            MeetingEvent::ZoomLinkReady | MeetingEvent::Reminder(_) => meeting.sequence,
            _ => meeting.sequence + 1,
        },
        join_url: meeting.zoom_join_url.as_deref(),
        zoom_meeting_id: meeting.zoom_meeting_id,
        passcode: meeting.zoom_passcode.as_deref(),
        dial_in: &dial_in,
        zoom_pending: meeting.zoom_join_url.is_none() && matches!(meeting.zoom_status.as_str(), "pending" | "failed"),
        cancel_reason: change.cancel_reason,
    };
    let manage_token = manage_token_of(&zoom.secrets, meeting);
    Ok(meeting_mails(&zoom.notices, change.event, &facts, &host, &invitees, manage_token.as_deref()))
}

/// The invitee moves their booking: same rules as booking, the meeting's own time excluded.
pub async fn reschedule_by_invitee(
    db: &Db,
    zoom: &ZoomIntegration,
    meeting: &MeetingRow,
    start: &str,
    now: Timestamp,
) -> Result<MeetingRow, BookingError> {
    if meeting.status != "scheduled" {
        return Err(BookingError::Cancelled);
    }
    let start = parse_start(start)?;
    let event = match &meeting.event_type_id {
        Some(id) => db.event_type_of(&meeting.host_id, id).await?,
        None => None,
    };
    let Some(event) = event else { return Err(BookingError::NotAvailable) };
    let avail = availability::load(db, &meeting.host_id).await.map_err(|e| anyhow::anyhow!(e))?;
    let rules = rules_of(&event);
    let end = start + rules.duration;
    let (start_at, end_at) = (start.as_millisecond(), end.as_millisecond());
    let change =
        Change { event: MeetingEvent::Rescheduled, start_at, end_at, topic: &meeting.topic, cancel_reason: None };
    let mails = change_mails(zoom, meeting, change).await?;
    db.reschedule(meeting, start_at, end_at, &meeting.topic, &mails, |rows| {
        decide(&avail, &rules, rows, &event.id, now, start)
    })
    .await
    .map_err(refusal)?;
    zoom.wake_worker();
    zoom.notices.wake_sender();
    Ok(db.meeting(&meeting.id).await?.unwrap_or_else(|| meeting.clone()))
}

/// The host changes time, length or topic of a meeting (hosts may place meetings outside their hours).
pub async fn change_by_host(
    db: &Db,
    zoom: &ZoomIntegration,
    meeting: &MeetingRow,
    start: Option<&str>,
    duration_minutes: Option<i64>,
    topic: Option<&str>,
) -> Result<MeetingRow, BookingError> {
    if meeting.status != "scheduled" {
        return Err(BookingError::Cancelled);
    }
    let start = match start {
        Some(raw) => parse_start(raw)?.as_millisecond(),
        None => meeting.start_at,
    };
    let duration_ms = match duration_minutes {
        Some(minutes) if (5..=720).contains(&minutes) => minutes * 60_000,
        Some(_) => {
            return Err(invalid("duration_minutes", "invalid_duration", "The duration must be 5 to 720 minutes."));
        }
        None => meeting.end_at - meeting.start_at,
    };
    let topic = match topic.map(str::trim) {
        Some("") => return Err(invalid("topic", "invalid_topic", "Give the meeting a topic.")),
        Some(t) => t.chars().take(200).collect::<String>(),
        None => meeting.topic.clone(),
    };
    let change = Change {
        event: MeetingEvent::Rescheduled,
        start_at: start,
        end_at: start + duration_ms,
        topic: &topic,
        cancel_reason: None,
    };
    let mails = change_mails(zoom, meeting, change).await?;
    db.reschedule(meeting, start, start + duration_ms, &topic, &mails, |_| Ok::<(), BookingError>(()))
        .await
        .map_err(refusal)?;
    zoom.wake_worker();
    zoom.notices.wake_sender();
    Ok(db.meeting(&meeting.id).await?.unwrap_or_else(|| meeting.clone()))
}

/// Cancels (invitee or host). Cancelling twice is harmless and mails once.
pub async fn cancel(
    db: &Db,
    zoom: &ZoomIntegration,
    meeting: &MeetingRow,
    reason: Option<&str>,
) -> Result<MeetingRow, BookingError> {
    let reason = reason.map(|r| r.trim().chars().take(1000).collect::<String>()).filter(|r| !r.is_empty());
    let mails = if meeting.status == "scheduled" {
        let change = Change {
            event: MeetingEvent::Cancelled,
            start_at: meeting.start_at,
            end_at: meeting.end_at,
            topic: &meeting.topic,
            cancel_reason: reason.as_deref(),
        };
        change_mails(zoom, meeting, change).await?
    } else {
        Vec::new()
    };
    db.cancel_meeting(meeting, reason.as_deref(), &mails).await?;
    zoom.wake_worker();
    zoom.notices.wake_sender();
    Ok(db.meeting(&meeting.id).await?.unwrap_or_else(|| meeting.clone()))
}

/// What the host sends to schedule a meeting directly.
pub struct DirectMeetingInput {
    pub topic: String,
    pub start: String,
    pub duration_minutes: i64,
    pub timezone: String,
    pub invitees: Vec<(Option<String>, String)>,
    pub waiting_room: bool,
    pub join_before_host: bool,
    pub mute_upon_entry: bool,
    pub auto_recording: String,
}

/// New meeting: a Zoom meeting scheduled by the host with invitees, without a booking page.
pub async fn create_direct(
    db: &Db,
    zoom: &ZoomIntegration,
    host: &UserRow,
    input: DirectMeetingInput,
) -> Result<MeetingRow, BookingError> {
    let topic = input.topic.trim();
    if topic.is_empty() || topic.chars().count() > 200 {
        return Err(invalid("topic", "invalid_topic", "Give the meeting a topic (up to 200 characters)."));
    }
    if !(5..=720).contains(&input.duration_minutes) {
        return Err(invalid("duration_minutes", "invalid_duration", "The duration must be 5 to 720 minutes."));
    }
    let timezone = parse_time_zone(&input.timezone)?;
    let start = parse_start(&input.start)?;
    let mut invitees = Vec::new();
    for (name, email) in input.invitees {
        let email = Email::parse(&email)?;
        let name =
            name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()).unwrap_or_else(|| email.as_str().to_owned());
        invitees.push(NewInvitee { name, email: email.as_str().to_owned(), timezone: None });
    }
    if db.zoom_connection_of(&host.id).await?.is_none() {
        return Err(BookingError::ZoomNotConnected);
    }
    let id = new_id();
    let meeting = NewMeeting {
        zoom_reference: reference_of(&id),
        id: id.clone(),
        host_id: host.id.clone(),
        event_type_id: None,
        topic: topic.to_owned(),
        start_at: start.as_millisecond(),
        end_at: start.as_millisecond() + input.duration_minutes * 60_000,
        buffer_before_ms: 0,
        buffer_after_ms: 0,
        timezone: timezone.iana_name().unwrap_or("UTC").to_owned(),
        location: Location::Zoom.as_str().to_owned(),
        location_detail: None,
        notes: None,
        manage_token_hash: None,
        manage_token_sealed: None,
        reminder_minutes: super::event_types::DEFAULT_REMINDER_MINUTES.to_vec(),
        zoom: true,
        zoom_waiting_room: input.waiting_room,
        zoom_join_before_host: input.join_before_host,
        zoom_mute_upon_entry: input.mute_upon_entry,
        zoom_auto_recording: input.auto_recording,
        invitees,
    };
    let mails = new_meeting_mails(zoom, &meeting, None).await?;
    db.book(meeting, &mails, |_| Ok::<(), BookingError>(())).await.map_err(refusal)?;
    zoom.wake_worker();
    zoom.notices.wake_sender();
    Ok(db.meeting(&id).await?.ok_or_else(|| anyhow::anyhow!("meeting vanished"))?)
}
