//! Booking, rescheduling and cancelling: the public booking page's flow, the invitee's manage link,
//! and the host's own changes. Slot rules are decided by `domain::slots` inside the host's lock.

use std::collections::BTreeMap;
use std::str::FromStr;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::availability;
use super::event_types::Location;
use crate::accounts::hash_token;
use crate::app::App;
use crate::domain::accounts::{Email, Invalid, PersonName};
use crate::domain::lifecycle::{Event, Refused};
use crate::domain::questions::{AnswerProblem, Answers, check_answers};
use crate::domain::slots::AvailabilityInput;
use crate::domain::slots::{self, Bookability, Busy, SlotRules};
use crate::integrations::webhooks::events as webhooks;
use crate::jobs::Queue;
use crate::notifications::meeting_mails::{
    Change, MeetingEvent, Party, change_mails, host_party, new_meeting_mails, seal_manage_token,
};
use crate::store::accounts::{HostRow, UserRow};
use crate::store::event_types::EventTypeRow;
use crate::store::meetings::{
    BusyRow, ChangeError, Details, MeetingRow, NEIGHBOURHOOD_MS, NewInvitee, NewMeeting, ZoomJob,
};
use crate::store::outbox::{Cause, MailsOf, OutgoingMail, Queued};
use crate::store::outgoing_webhooks::EventType;
use crate::store::{Db, StoreError, Tx, new_id};

/// What a host is told when a meeting of theirs needs Zoom and it is not connected.
pub const HOST_NEEDS_ZOOM: &str =
    "Connect Zoom under Settings → Integrations first: this meeting needs a Zoom meeting.";

#[derive(Debug, thiserror::Error)]
pub enum BookingError {
    #[error("{}", .0.message)]
    Invalid(Invalid),
    /// Answers to the booking questions refused: every problem, in question order.
    #[error("{}", .0.first().map(|p| p.message.as_str()).unwrap_or("An answer was refused."))]
    Answers(Vec<AnswerProblem>),
    #[error("This time was just taken. Please pick another one.")]
    SlotTaken,
    #[error("This time cannot be booked. Please pick one of the offered times.")]
    NotAvailable,
    // Invitees read this: the host's setup is the host's business (hosts read HOST_NEEDS_ZOOM).
    #[error("This meeting cannot be booked right now. Please try again later.")]
    ZoomNotConnected,
    #[error("This meeting was cancelled.")]
    Cancelled,
    #[error("This booking was changed too often today. Please contact the host.")]
    TooManyChanges,
    #[error("You have sent the most mails to other people allowed in one day (200). Try again after 00:00 UTC.")]
    MailQuota,
    /// A conflict calendar of the host cannot be read and what is known of it is too old.
    #[error("The host's calendar cannot be checked right now. Please try again in a minute.")]
    CalendarUnavailable,
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

impl From<ChangeError> for BookingError {
    fn from(e: ChangeError) -> Self {
        match e {
            ChangeError::Refused(Refused::Cancelled) => BookingError::Cancelled,
            ChangeError::Refused(refused) => BookingError::Internal(anyhow::anyhow!("refused: {refused}")),
            ChangeError::Gone => BookingError::Internal(anyhow::anyhow!("the meeting vanished")),
            ChangeError::Store(e) => BookingError::Store(e),
        }
    }
}

fn invalid(field: &'static str, code: &'static str, message: &str) -> BookingError {
    BookingError::Invalid(Invalid { field, code, message: message.to_owned() })
}

/// An event type with its host, as the public booking page finds it: two reads.
pub struct PublicEvent {
    pub host: UserRow,
    pub event: EventTypeRow,
    pub zoom_connected: bool,
    /// The host's availability as entered (or the default).
    pub availability: AvailabilityInput,
}

pub async fn find_public_event(db: &Db, username: &str, slug: &str) -> Result<Option<PublicEvent>, StoreError> {
    let Some(host) = db.host_by_username(&username.to_lowercase()).await? else { return Ok(None) };
    let Some(event) = db.event_type_by_slug(&host.user.id, &slug.to_lowercase()).await? else { return Ok(None) };
    Ok(Some(PublicEvent::of(host, event)))
}

impl PublicEvent {
    pub fn of(host: HostRow, event: EventTypeRow) -> PublicEvent {
        let availability = availability::of_host(&host);
        PublicEvent { zoom_connected: host.zoom_connected, host: host.user, event, availability }
    }

    /// The host as the booking's mails address them.
    fn host_party(&self) -> Party {
        Party {
            name: self.host.name.clone(),
            email: self.host.email.clone(),
            timezone: Some(self.availability.timezone.clone()),
            locale: None,
        }
    }

    fn parsed_availability(&self) -> Result<slots::Availability, BookingError> {
        slots::Availability::parse(&self.availability).map_err(|e| anyhow::anyhow!("stored availability: {e}").into())
    }
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

pub(super) fn busy_of(rows: &[BusyRow], event_type_id: &str) -> Vec<Busy> {
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
pub fn zoom_ready(event: &PublicEvent) -> bool {
    event.event.location != Location::Zoom.as_str() || event.zoom_connected
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
    let avail = event.parsed_availability()?;
    let day_ms = 24 * 3600 * 1000;
    let lo = viewer_tz.to_timestamp(from.into()).map(|t| t.as_millisecond()).unwrap_or(0) - 2 * day_ms;
    let hi = viewer_tz.to_timestamp(to.into()).map(|t| t.as_millisecond()).unwrap_or(0) + 3 * day_ms;
    let rows = db.busy_meetings(&event.host.id, lo, hi).await?;
    let mut busy = busy_of(&rows, &event.event.id);
    busy.extend(db.calendar_busy_spans(&event.host.id, lo, hi).await?.into_iter().filter_map(|(start, end)| {
        Some(Busy::new(Timestamp::from_millisecond(start).ok()?, Timestamp::from_millisecond(end).ok()?))
    }));
    Ok(slots::slots(&avail, &rules_of(&event.event), &busy, now, from, to, viewer_tz))
}

/// What an invitee sends to book.
pub struct BookingInput {
    pub start: String,
    pub name: String,
    pub email: String,
    pub timezone: String,
    pub notes: Option<String>,
    /// Question id → answer (a string, or a boolean for a checkbox).
    pub answers: BTreeMap<String, serde_json::Value>,
    /// The language the invitee booked in: their pages and mails stay in it.
    pub locale: Option<crate::i18n::Locale>,
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

/// A booking request checked against its event type, before any host is decided.
pub struct ParsedBooking {
    pub start: Timestamp,
    pub end: Timestamp,
    name: PersonName,
    email: Email,
    timezone: TimeZone,
    notes: Option<String>,
    answers: Answers,
    locale: Option<crate::i18n::Locale>,
}

impl ParsedBooking {
    pub fn parse(event: &EventTypeRow, input: BookingInput) -> Result<ParsedBooking, BookingError> {
        let name = PersonName::parse(&input.name)?;
        let email = Email::parse(&input.email)?;
        let timezone = parse_time_zone(&input.timezone)?;
        let start = parse_start(&input.start)?;
        let notes = input.notes.map(|n| n.trim().chars().take(2000).collect::<String>()).filter(|n| !n.is_empty());
        let answers = check_answers(&event.questions, &input.answers).map_err(BookingError::Answers)?;
        let end = start + SignedDuration::from_mins(event.duration_minutes);
        Ok(ParsedBooking { start, end, name, email, timezone, notes, answers, locale: input.locale })
    }

    /// The meeting this booking makes with `host_id` hosting (and `cohosts` attending), and the
    /// invitee's manage token (shown once; only its hash is stored).
    pub fn meeting(&self, app: &App, e: &EventTypeRow, host_id: &str, cohosts: Vec<String>) -> (NewMeeting, String) {
        let manage_token = crate::accounts::random_token();
        let id = new_id();
        let meeting = NewMeeting {
            zoom_reference: reference_of(&id),
            id: id.clone(),
            host_id: host_id.to_owned(),
            event_type_id: Some(e.id.clone()),
            topic: format!("{} with {}", e.title, self.name.as_str()),
            booked_title: Some(e.title.clone()),
            start_at: self.start.as_millisecond(),
            end_at: self.end.as_millisecond(),
            buffer_before_ms: e.buffer_before_minutes * 60_000,
            buffer_after_ms: e.buffer_after_minutes * 60_000,
            timezone: self.timezone.iana_name().unwrap_or("UTC").to_owned(),
            location: e.location.clone(),
            location_detail: e.location_detail.clone(),
            notes: self.notes.clone(),
            answers: self.answers.clone(),
            manage_token_hash: Some(hash_token(&manage_token)),
            manage_token_sealed: Some(seal_manage_token(&app.secrets, &id, &manage_token)),
            reminder_minutes: super::event_types::reminder_minutes(e),
            zoom: e.location == Location::Zoom.as_str(),
            zoom_waiting_room: e.zoom_waiting_room,
            zoom_join_before_host: e.zoom_join_before_host,
            zoom_mute_upon_entry: e.zoom_mute_upon_entry,
            zoom_auto_recording: e.zoom_auto_recording.clone(),
            invitees: vec![NewInvitee {
                name: self.name.as_str().to_owned(),
                email: self.email.as_str().to_owned(),
                timezone: self.timezone.iana_name().map(str::to_owned),
                locale: self.locale,
            }],
            cohosts,
        };
        (meeting, manage_token)
    }
}

/// Books a slot: one meeting (and one Zoom job) or `SlotTaken` / `NotAvailable`. Returns the meeting
/// and the invitee's manage token (shown once; only its hash is stored).
pub async fn book(app: &App, event: &PublicEvent, input: BookingInput) -> Result<(MeetingRow, String), BookingError> {
    let now = app.clock.now();
    let booking = ParsedBooking::parse(&event.event, input)?;
    if !zoom_ready(event) {
        return Err(BookingError::ZoomNotConnected);
    }
    let avail = event.parsed_availability()?;
    let rules = rules_of(&event.event);
    let (start, end) = (booking.start, booking.end);
    let e = &event.event;
    let (meeting, manage_token) = booking.meeting(app, e, &event.host.id, Vec::new());
    let mails = new_meeting_mails(app, &meeting, (&event.host_party(), &[]), Some(&manage_token));
    let calendar = calendar_busy_at_submit(app, &meeting.host_id, start, end, &rules).await?;
    let row =
        insert(app, &meeting, &mails, By::Invitee, |rows| decide(&avail, &rules, rows, &calendar, &e.id, now, start))
            .await?;
    Ok((row, manage_token))
}

/// Writes a new meeting, its invitees, reminders, Zoom job and mails in one transaction holding
/// the host's lock, once `decide` (pure: slot rules) accepts the host's meetings around it.
async fn insert(
    app: &App,
    meeting: &NewMeeting,
    mails: &[OutgoingMail],
    by: By,
    decide: impl FnOnce(&[BusyRow]) -> Result<(), BookingError>,
) -> Result<MeetingRow, BookingError> {
    let mut tx = app.db.begin_locked(&meeting.host_id).await?;
    let (from, to) = (meeting.start_at - NEIGHBOURHOOD_MS, meeting.end_at + NEIGHBOURHOOD_MS);
    decide(&tx.busy_meetings(&meeting.host_id, from, to, "").await?)?;
    let row = write_new_meeting(app, tx, meeting, mails, by).await?;
    Ok(row)
}

/// Writes a new meeting with its invitees, reminders, Zoom job and mails in `tx` (which holds the
/// locks its hosts need), and commits.
pub async fn write_new_meeting(
    app: &App,
    mut tx: Tx,
    meeting: &NewMeeting,
    mails: &[OutgoingMail],
    by: By,
) -> Result<MeetingRow, BookingError> {
    let now = app.now_ms();
    let mut row = tx.insert_meeting(meeting, now).await?;
    tx.arm_reminders(&meeting.id, &meeting.reminder_minutes, meeting.start_at, now).await?;
    row.invitations_held = queue_mails(&mut tx, meeting.mails_of(cause_of(by)), mails, now).await?;
    webhooks::emit(app, &mut tx, EventType::BookingCreated, &row, now).await?;
    tx.commit().await?;
    wake_all(app);
    Ok(row)
}

/// Queues a meeting's mails in the change's transaction: counted against the host's daily quota
/// when the host causes them, held while the host's email is unconfirmed for meetings made directly.
/// Returns whether some are held.
async fn queue_mails(tx: &mut Tx, of: MailsOf<'_>, mails: &[OutgoingMail], now: i64) -> Result<bool, BookingError> {
    match tx.enqueue_meeting_mails(of, mails, now).await? {
        Queued::Queued { held } => Ok(held),
        Queued::OverQuota => Err(BookingError::MailQuota),
    }
}

fn cause_of(by: By) -> Cause {
    match by {
        By::Host => Cause::Host { daily_quota: MAILS_TO_OTHERS_PER_DAY },
        By::Invitee => Cause::Other,
    }
}

/// Mails to other people one host may cause in a UTC day outside bookings.
pub const MAILS_TO_OTHERS_PER_DAY: i64 = 200;

fn wake_all(app: &App) {
    app.wake(Queue::Webhook);
    app.wake(Queue::Zoom);
    app.wake(Queue::Mail);
    app.wake(Queue::Reminder);
}

/// The host's calendar busy times around a slot (its buffers included), read live at submit.
pub(super) async fn calendar_busy_at_submit(
    app: &App,
    host_id: &str,
    start: Timestamp,
    end: Timestamp,
    rules: &SlotRules,
) -> Result<Vec<Busy>, BookingError> {
    use crate::integrations::calendars::{CalendarError, conflicts};
    let (from, to) = ((start - rules.buffer_before).as_millisecond(), (end + rules.buffer_after).as_millisecond());
    match conflicts::at_submit(app, host_id, from, to).await {
        Ok(busy) => Ok(busy),
        Err(CalendarError::Store(e)) => Err(e.into()),
        Err(CalendarError::Internal(e)) => Err(e.into()),
        Err(_) => Err(BookingError::CalendarUnavailable),
    }
}

fn decide(
    avail: &slots::Availability,
    rules: &SlotRules,
    rows: &[BusyRow],
    calendar: &[Busy],
    event_type_id: &str,
    now: Timestamp,
    start: Timestamp,
) -> Result<(), BookingError> {
    let mut busy = busy_of(rows, event_type_id);
    busy.extend_from_slice(calendar);
    match slots::is_bookable(avail, rules, &busy, now, start) {
        Bookability::Bookable => Ok(()),
        Bookability::Taken => Err(BookingError::SlotTaken),
        Bookability::NotAvailable => Err(BookingError::NotAvailable),
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

/// The invitee moves their booking: same rules as booking, the meeting's own time excluded.
pub async fn reschedule_by_invitee(app: &App, meeting: &MeetingRow, start: &str) -> Result<MeetingRow, BookingError> {
    if !meeting.is_scheduled() {
        return Err(BookingError::Cancelled);
    }
    let now = app.clock.now();
    let start = parse_start(start)?;
    let event = match &meeting.event_type_id {
        Some(id) => app.db.event_type(id).await?,
        None => None,
    };
    let Some(event) = event else { return Err(BookingError::NotAvailable) };
    if event.team_id.is_some() {
        let Some(team_event) = super::team_booking::event_of_meeting(&app.db, meeting).await? else {
            return Err(BookingError::NotAvailable);
        };
        return super::team_booking::reschedule(app, &team_event, meeting, start).await;
    }
    let avail = availability::load(&app.db, &meeting.host_id).await.map_err(|e| anyhow::anyhow!(e))?;
    let rules = rules_of(&event);
    let end = start + rules.duration;
    let times = (start.as_millisecond(), end.as_millisecond(), meeting.topic.as_str());
    let calendar = calendar_busy_at_submit(app, &meeting.host_id, start, end, &rules).await?;
    move_meeting(app, meeting, times, By::Invitee, |rows| {
        decide(&avail, &rules, rows, &calendar, &event.id, now, start)
    })
    .await
}

/// The host changes time, length or topic of a meeting (hosts may place meetings outside their hours).
pub async fn change_by_host(
    app: &App,
    meeting: &MeetingRow,
    start: Option<&str>,
    duration_minutes: Option<i64>,
    topic: Option<&str>,
) -> Result<MeetingRow, BookingError> {
    if !meeting.is_scheduled() {
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
    move_meeting(app, meeting, (start, start + duration_ms, &topic), By::Host, |_| Ok(())).await
}

/// Moves a meeting under the host's lock once `decide` accepts the host's other meetings around
/// the new time: one change of state (the Zoom meeting follows), its reminders, and its mails.
async fn move_meeting(
    app: &App,
    meeting: &MeetingRow,
    (start_at, end_at, topic): (i64, i64, &str),
    by: By,
    decide: impl FnOnce(&[BusyRow]) -> Result<(), BookingError>,
) -> Result<MeetingRow, BookingError> {
    let change = Change { event: MeetingEvent::Rescheduled, start_at, end_at, topic, cancel_reason: None };
    let mails = change_mails(app, meeting, change).await?;
    let now = app.now_ms();
    let mut tx = app.db.begin_locked(&meeting.host_id).await?;
    limit_manage_changes(&mut tx, meeting, by, now).await?;
    let (from, to) = (start_at - NEIGHBOURHOOD_MS, end_at + NEIGHBOURHOOD_MS);
    decide(&tx.busy_meetings(&meeting.host_id, from, to, &meeting.id).await?)?;
    finish_move(app, tx, meeting, (start_at, end_at, topic), by, &mails).await
}

/// The rest of a move, once its locks are held and the new time accepted: one change of state (the
/// Zoom meeting follows), its reminders and its mails, committed.
pub(super) async fn finish_move(
    app: &App,
    mut tx: Tx,
    meeting: &MeetingRow,
    (start_at, end_at, topic): (i64, i64, &str),
    by: By,
    mails: &[OutgoingMail],
) -> Result<MeetingRow, BookingError> {
    let now = app.now_ms();
    let details = Details::Times { start_at, end_at, topic };
    let changed = tx.change_meeting(&meeting.id, &Event::Rescheduled, details, ZoomJob::DueNow, now).await?;
    tx.move_reminders(&meeting.id, start_at, now).await?;
    queue_mails(&mut tx, meeting.mails_of(cause_of(by)), mails, now).await?;
    webhooks::emit(app, &mut tx, EventType::BookingRescheduled, &changed.after, now).await?;
    tx.commit().await?;
    wake_all(app);
    Ok(changed.after)
}

/// Who changes a meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    /// Its host (pages, API).
    Host,
    /// Its invitee: the booking, then changes through the manage link, at most
    /// [`MANAGE_CHANGES_PER_DAY`] a day so one link cannot spend the host's Zoom budget.
    Invitee,
}

/// Changes through one manage link allowed in 24 hours.
pub const MANAGE_CHANGES_PER_DAY: i64 = 5;

/// Refuses an invitee's change past [`MANAGE_CHANGES_PER_DAY`], and records it otherwise (in the
/// change's transaction, so racing changes are counted one after the other).
pub(super) async fn limit_manage_changes(
    tx: &mut Tx,
    meeting: &MeetingRow,
    by: By,
    now: i64,
) -> Result<(), BookingError> {
    if by == By::Invitee {
        if tx.manage_changes_since(&meeting.id, now - 24 * 3600 * 1000).await? >= MANAGE_CHANGES_PER_DAY {
            return Err(BookingError::TooManyChanges);
        }
        tx.record_manage_change(&meeting.id, now).await?;
    }
    Ok(())
}

/// Cancels (invitee or host). Cancelling twice is harmless and mails once.
pub async fn cancel(app: &App, meeting: &MeetingRow, reason: Option<&str>, by: By) -> Result<MeetingRow, BookingError> {
    let reason = reason.map(|r| r.trim().chars().take(1000).collect::<String>()).filter(|r| !r.is_empty());
    if !meeting.is_scheduled() {
        return Ok(meeting.clone());
    }
    let change = Change { cancel_reason: reason.as_deref(), ..Change::of(MeetingEvent::Cancelled, meeting) };
    let mails = change_mails(app, meeting, change).await?;
    let now = app.now_ms();
    let mut tx = app.db.begin_locked(&meeting.host_id).await?;
    limit_manage_changes(&mut tx, meeting, by, now).await?;
    let details = Details::CancelReason(reason.as_deref());
    let changed = match tx.change_meeting(&meeting.id, &Event::Cancelled, details, ZoomJob::DueNow, now).await {
        Ok(changed) => changed,
        // Cancelled meanwhile: that cancel mailed.
        Err(ChangeError::Refused(Refused::Cancelled)) => {
            return Ok(app.db.meeting(&meeting.id).await?.unwrap_or_else(|| meeting.clone()));
        }
        Err(e) => return Err(e.into()),
    };
    tx.drop_reminders(&meeting.id, now).await?;
    queue_mails(&mut tx, meeting.mails_of(cause_of(by)), &mails, now).await?;
    webhooks::emit(app, &mut tx, EventType::BookingCancelled, &changed.after, now).await?;
    tx.commit().await?;
    wake_all(app);
    Ok(changed.after)
}

/// The most invitees a meeting made directly may have: every invitee gets mail, so this bounds what
/// one request can send.
pub const MAX_INVITEES: usize = 50;

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
pub async fn create_direct(app: &App, host: &UserRow, input: DirectMeetingInput) -> Result<MeetingRow, BookingError> {
    let topic = input.topic.trim();
    if topic.is_empty() || topic.chars().count() > 200 {
        return Err(invalid("topic", "invalid_topic", "Give the meeting a topic (up to 200 characters)."));
    }
    if !crate::scheduling::event_types::DURATION_MINUTES.contains(&input.duration_minutes) {
        return Err(invalid("duration_minutes", "invalid_duration", "The duration must be 5 to 720 minutes."));
    }
    let timezone = parse_time_zone(&input.timezone)?;
    let start = parse_start(&input.start)?;
    if start < app.clock.now() {
        return Err(invalid("start", "start_in_past", "The start is in the past. Pick a time ahead."));
    }
    if input.invitees.len() > MAX_INVITEES {
        return Err(invalid("invitees", "too_many_invitees", "A meeting has at most 50 invitees."));
    }
    let mut invitees = Vec::new();
    for (name, email) in input.invitees {
        let email = Email::parse(&email)?;
        let name =
            name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()).unwrap_or_else(|| email.as_str().to_owned());
        invitees.push(NewInvitee { name, email: email.as_str().to_owned(), timezone: None, locale: None });
    }
    if app.db.zoom_connection_of(&host.id).await?.is_none() {
        return Err(BookingError::ZoomNotConnected);
    }
    let id = new_id();
    let meeting = NewMeeting {
        zoom_reference: reference_of(&id),
        id,
        host_id: host.id.clone(),
        event_type_id: None,
        topic: topic.to_owned(),
        booked_title: None,
        start_at: start.as_millisecond(),
        end_at: start.as_millisecond() + input.duration_minutes * 60_000,
        buffer_before_ms: 0,
        buffer_after_ms: 0,
        timezone: timezone.iana_name().unwrap_or("UTC").to_owned(),
        location: Location::Zoom.as_str().to_owned(),
        location_detail: None,
        notes: None,
        answers: Answers::default(),
        manage_token_hash: None,
        manage_token_sealed: None,
        reminder_minutes: super::event_types::DEFAULT_REMINDER_MINUTES.to_vec(),
        zoom: true,
        zoom_waiting_room: input.waiting_room,
        zoom_join_before_host: input.join_before_host,
        zoom_mute_upon_entry: input.mute_upon_entry,
        zoom_auto_recording: input.auto_recording,
        invitees,
        cohosts: Vec::new(),
    };
    let host_party = host_party(&app.db, &host.id).await?;
    let mails = new_meeting_mails(app, &meeting, (&host_party, &[]), None);
    insert(app, &meeting, &mails, By::Host, |_| Ok(())).await
}
