//! Team event types (product.md §8): who can be offered, slots from every member's own hours,
//! meetings, calendars and limits, bookings that pick the host under the members' locks, and
//! reassigning a round robin booking.
//!
//! Races: a booking locks every member it may give the slot to, in id order (PostgreSQL row locks;
//! SQLite has one writer), then decides with what is committed. So two invitees never get one
//! member at overlapping times, two invitees for one slot with two free members get one each, and
//! collective bookings locking overlapping sets cannot deadlock.

use std::collections::BTreeSet;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::availability;
use super::booking::{
    BookingError, BookingInput, By, MAX_RANGE_DAYS, ParsedBooking, busy_of, calendar_busy_at_submit, finish_move,
    limit_manage_changes, rules_of, write_new_meeting,
};
use super::event_types::Location;
use crate::app::App;
use crate::domain::lifecycle::{Event, Refused, ZoomStatus};
use crate::domain::slots::{self, AvailabilityInput, Bookability, Busy, SlotRules};
use crate::domain::teams::{Candidate, Role, Scheduling, round_robin_order};
use crate::jobs::Queue;
use crate::notifications::meeting_mails::{Change, MeetingEvent, Party, change_mails, new_meeting_mails};
use crate::scheduling::busy_cache::MemberBusy;
use crate::store::accounts::UserRow;
use crate::store::event_types::EventTypeRow;
use crate::store::meetings::{ChangeError, Details, MeetingRow, NEIGHBOURHOOD_MS, ZoomJob};
use crate::store::outbox::Cause;
use crate::store::teams::TeamRow;
use crate::store::zoom_connections::ConnectionStatus;
use crate::store::{Db, StoreError, Tx};

/// Round robin counts bookings created this long ago at most.
pub const COUNT_WINDOW_MS: i64 = 30 * 24 * 3600 * 1000;

/// Whether a member can be offered, and if not, why (the team page says it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberStatus {
    Bookable,
    /// A Zoom event type needs this member's own Zoom (round robin, or a collective's organiser).
    ZoomNotConnected,
    ZoomNeedsAttention,
    /// No weekly hours and no dated hours: never offered.
    NoHours,
}

impl MemberStatus {
    pub fn is_bookable(self) -> bool {
        self == MemberStatus::Bookable
    }

    /// What the team page says about the member.
    pub fn label(self) -> &'static str {
        match self {
            MemberStatus::Bookable => "Bookable",
            MemberStatus::ZoomNotConnected => "Not bookable: Zoom is not connected",
            MemberStatus::ZoomNeedsAttention => "Not bookable: Zoom needs attention",
            MemberStatus::NoHours => "Not bookable: no hours set",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            MemberStatus::Bookable => "bookable",
            MemberStatus::ZoomNotConnected => "zoom_not_connected",
            MemberStatus::ZoomNeedsAttention => "zoom_needs_attention",
            MemberStatus::NoHours => "no_hours",
        }
    }
}

/// One member a team event type may book.
#[derive(Debug, Clone)]
pub struct TeamMember {
    pub user: UserRow,
    pub availability: AvailabilityInput,
    pub weight: i64,
    pub position: i64,
    pub status: MemberStatus,
}

impl TeamMember {
    fn party(&self) -> Party {
        Party {
            name: self.user.name.clone(),
            email: self.user.email.clone(),
            timezone: Some(self.availability.timezone.clone()),
            locale: None,
        }
    }

    fn parsed_availability(&self) -> Result<slots::Availability, BookingError> {
        slots::Availability::parse(&self.availability).map_err(|e| anyhow::anyhow!("stored availability: {e}").into())
    }
}

/// A team event type with its team and hosts, as its public page finds it.
#[derive(Debug, Clone)]
pub struct TeamEvent {
    pub team: TeamRow,
    pub event: EventTypeRow,
    /// In the event type's order: for collective, the first organises.
    pub members: Vec<TeamMember>,
}

pub async fn find_team_event(db: &Db, team_slug: &str, slug: &str) -> Result<Option<TeamEvent>, StoreError> {
    let Some(team) = db.team_by_slug(&team_slug.to_lowercase()).await? else { return Ok(None) };
    let Some(event) = db.team_event_type_by_slug(&team.id, &slug.to_lowercase()).await? else { return Ok(None) };
    Ok(Some(load(db, team, event).await?))
}

/// The team event type `event` of `team` with its hosts and whether each can be offered.
pub async fn load(db: &Db, team: TeamRow, event: EventTypeRow) -> Result<TeamEvent, StoreError> {
    let zoom = event.location == Location::Zoom.as_str();
    let mut members = Vec::new();
    for (index, host) in db.team_event_hosts(&event.id).await?.into_iter().enumerate() {
        let Some(row) = db.host_by_id(&host.user_id).await? else { continue };
        let availability = availability::of_host(&row);
        // A collective meeting is on its organiser's Zoom account: only they need Zoom.
        let needs_zoom = zoom && (event.scheduling == Scheduling::RoundRobin || index == 0);
        let status = if needs_zoom && host.zoom_status.is_none() {
            MemberStatus::ZoomNotConnected
        } else if needs_zoom && host.zoom_status == Some(ConnectionStatus::NeedsAttention) {
            MemberStatus::ZoomNeedsAttention
        } else if has_no_hours(&availability) {
            MemberStatus::NoHours
        } else {
            MemberStatus::Bookable
        };
        members.push(TeamMember { user: row.user, availability, weight: host.weight, position: host.position, status });
    }
    Ok(TeamEvent { team, event, members })
}

fn has_no_hours(availability: &AvailabilityInput) -> bool {
    availability.weekly.values().all(Vec::is_empty) && availability.overrides.iter().all(|o| o.intervals.is_empty())
}

impl TeamEvent {
    /// The members a slot may go to: for round robin every bookable one; for collective all of
    /// them, or none when one cannot attend (all must).
    pub fn offered(&self) -> Vec<&TeamMember> {
        match self.event.scheduling {
            Scheduling::Collective if self.members.iter().any(|m| !m.status.is_bookable()) => Vec::new(),
            _ => self.members.iter().filter(|m| m.status.is_bookable()).collect(),
        }
    }

    /// Whether anyone can be booked at all.
    pub fn can_book(&self) -> bool {
        !self.offered().is_empty()
    }

    /// Each member's rules: the event type's, with the per-member daily limit.
    pub fn rules(&self) -> SlotRules {
        let mut rules = rules_of(&self.event);
        rules.max_per_day =
            self.event.max_per_day_per_member.or(self.event.max_per_day).and_then(|n| u32::try_from(n).ok());
        rules
    }

    fn member(&self, user_id: &str) -> Option<&TeamMember> {
        self.members.iter().find(|m| m.user.id == user_id)
    }
}

/// A member's busy time for one event type: their meetings (personal and team, this event type's
/// counted for its daily limit) and their conflict calendars' cache.
fn member_busy(found: &MemberBusy, event_type_id: &str) -> Vec<Busy> {
    let mut busy = busy_of(&found.meetings, event_type_id);
    busy.extend(found.calendar.iter().filter_map(|&(start, end)| {
        Some(Busy::new(Timestamp::from_millisecond(start).ok()?, Timestamp::from_millisecond(end).ok()?))
    }));
    busy
}

/// Free starts whose date in `viewer_tz` lies in `from..=to`: the union of the offered members'
/// free starts (round robin) or their intersection (collective). One pass per member.
pub async fn team_slots(
    app: &App,
    team_event: &TeamEvent,
    from: jiff::civil::Date,
    to: jiff::civil::Date,
    viewer_tz: &TimeZone,
    now: Timestamp,
) -> Result<Vec<Timestamp>, BookingError> {
    if to < from || (to - from).get_days() > MAX_RANGE_DAYS {
        return Err(BookingError::Invalid(crate::domain::accounts::Invalid {
            field: "to",
            code: "invalid_range",
            message: "Ask for at most 62 days, with `to` on or after `from`.".to_owned(),
        }));
    }
    let offered = team_event.offered();
    let day_ms = 24 * 3600 * 1000;
    let lo = viewer_tz.to_timestamp(from.into()).map(|t| t.as_millisecond()).unwrap_or(0) - 2 * day_ms;
    let hi = viewer_tz.to_timestamp(to.into()).map(|t| t.as_millisecond()).unwrap_or(0) + 3 * day_ms;
    let rules = team_event.rules();
    let ids: Vec<String> = offered.iter().map(|m| m.user.id.clone()).collect();
    let found = app.busy_cache.of_members(&app.db, &ids, lo, hi).await?;
    let mut combined: Option<BTreeSet<Timestamp>> = None;
    for member in offered {
        let busy = found.get(&member.user.id).map(|f| member_busy(f, &team_event.event.id)).unwrap_or_default();
        let starts: BTreeSet<Timestamp> =
            slots::slots(&member.parsed_availability()?, &rules, &busy, now, from, to, viewer_tz).into_iter().collect();
        combined = Some(match (combined, team_event.event.scheduling) {
            (None, _) => starts,
            (Some(acc), Scheduling::Collective) => acc.intersection(&starts).copied().collect(),
            (Some(mut acc), _) => {
                acc.extend(starts);
                acc
            }
        });
        if team_event.event.scheduling == Scheduling::Collective && combined.as_ref().is_some_and(BTreeSet::is_empty) {
            break;
        }
    }
    Ok(combined.unwrap_or_default().into_iter().collect())
}

/// What one member's calendars say around a start, read live at submit.
enum LiveCalendar {
    Busy(Vec<Busy>),
    /// Their calendar cannot be read and what is known is too old.
    Unavailable,
}

async fn live_calendars(
    app: &App,
    members: &[&TeamMember],
    start: Timestamp,
    end: Timestamp,
    rules: &SlotRules,
) -> Result<Vec<LiveCalendar>, BookingError> {
    let reads = members.iter().map(|m| calendar_busy_at_submit(app, &m.user.id, start, end, rules));
    let mut out = Vec::new();
    for result in futures::future::join_all(reads).await {
        out.push(match result {
            Ok(busy) => LiveCalendar::Busy(busy),
            Err(BookingError::CalendarUnavailable) => LiveCalendar::Unavailable,
            Err(e) => return Err(e),
        });
    }
    Ok(out)
}

/// Whether `member` can take `[start, end)` by what is committed now, inside `tx`.
#[allow(clippy::too_many_arguments)]
async fn decide_member(
    tx: &mut Tx,
    member: &TeamMember,
    rules: &SlotRules,
    calendar: &[Busy],
    event_type_id: &str,
    (start, end): (Timestamp, Timestamp),
    except: &str,
    now: Timestamp,
) -> Result<Bookability, BookingError> {
    let (from, to) = (start.as_millisecond() - NEIGHBOURHOOD_MS, end.as_millisecond() + NEIGHBOURHOOD_MS);
    let mut busy = busy_of(&tx.busy_meetings(&member.user.id, from, to, except).await?, event_type_id);
    busy.extend_from_slice(calendar);
    Ok(slots::is_bookable(&member.parsed_availability()?, rules, &busy, now, start))
}

/// Books a team slot: round robin gives it to the free member with the fewest recent bookings of
/// this event type (per weight), ties to the least recently booked; collective needs every member
/// free. Returns the meeting and the invitee's manage token.
pub async fn book(
    app: &App,
    team_event: &TeamEvent,
    input: BookingInput,
) -> Result<(MeetingRow, String), BookingError> {
    let now = app.clock.now();
    let e = &team_event.event;
    let booking = ParsedBooking::parse(e, input)?;
    let offered = team_event.offered();
    if offered.is_empty() {
        return Err(BookingError::ZoomNotConnected);
    }
    let rules = team_event.rules();
    let (start, end) = (booking.start, booking.end);
    let calendars = live_calendars(app, &offered, start, end, &rules).await?;
    if e.scheduling == Scheduling::Collective && calendars.iter().any(|c| matches!(c, LiveCalendar::Unavailable)) {
        return Err(BookingError::CalendarUnavailable);
    }
    let ids: Vec<String> = offered.iter().map(|m| m.user.id.clone()).collect();
    let mut tx = app.db.begin().await?;
    tx.lock_users(&ids).await?;
    let (host, cohosts) = match e.scheduling {
        Scheduling::Collective => {
            for (member, calendar) in offered.iter().zip(&calendars) {
                let LiveCalendar::Busy(calendar) = calendar else { unreachable!("refused above") };
                match decide_member(&mut tx, member, &rules, calendar, &e.id, (start, end), "", now).await? {
                    Bookability::Bookable => {}
                    Bookability::Taken => return Err(BookingError::SlotTaken),
                    Bookability::NotAvailable => return Err(BookingError::NotAvailable),
                }
            }
            (offered[0], offered[1..].to_vec())
        }
        _ => {
            let chosen = pick_round_robin(&mut tx, team_event, &offered, &calendars, &rules, (start, end), now).await?;
            (chosen, Vec::new())
        }
    };
    let cohost_ids = cohosts.iter().map(|m| m.user.id.clone()).collect();
    let (meeting, manage_token) = booking.meeting(app, e, &host.user.id, cohost_ids);
    let cohost_parties: Vec<Party> = cohosts.iter().map(|m| m.party()).collect();
    let mails = new_meeting_mails(app, &meeting, (&host.party(), &cohost_parties), Some(&manage_token));
    let row = write_new_meeting(app, tx, &meeting, &mails, By::Invitee).await?;
    Ok((row, manage_token))
}

/// The round robin's member for this slot, decided inside the locks: the offered members in
/// [`round_robin_order`], the first who is free.
async fn pick_round_robin<'a>(
    tx: &mut Tx,
    team_event: &TeamEvent,
    offered: &[&'a TeamMember],
    calendars: &[LiveCalendar],
    rules: &SlotRules,
    span: (Timestamp, Timestamp),
    now: Timestamp,
) -> Result<&'a TeamMember, BookingError> {
    let counts = tx.booking_counts(&team_event.event.id, now.as_millisecond() - COUNT_WINDOW_MS).await?;
    let candidates = offered
        .iter()
        .map(|m| {
            let count = counts.iter().find(|c| c.host_id == m.user.id);
            Candidate {
                user_id: m.user.id.clone(),
                recent_bookings: count.map_or(0, |c| c.recent),
                last_booked_at: count.and_then(|c| c.last_booked_at),
                weight: m.weight,
                position: m.position,
            }
        })
        .collect();
    let mut taken = false;
    for candidate in round_robin_order(candidates) {
        let index = offered.iter().position(|m| m.user.id == candidate.user_id).expect("a candidate is offered");
        let LiveCalendar::Busy(calendar) = &calendars[index] else { continue };
        match decide_member(tx, offered[index], rules, calendar, &team_event.event.id, span, "", now).await? {
            Bookability::Bookable => return Ok(offered[index]),
            Bookability::Taken => taken = true,
            Bookability::NotAvailable => {}
        }
    }
    if taken {
        Err(BookingError::SlotTaken)
    } else if calendars.iter().any(|c| matches!(c, LiveCalendar::Unavailable)) {
        Err(BookingError::CalendarUnavailable)
    } else {
        Err(BookingError::NotAvailable)
    }
}

/// The team event type a team meeting was booked through.
pub async fn event_of_meeting(db: &Db, meeting: &MeetingRow) -> Result<Option<TeamEvent>, StoreError> {
    let Some(event_type_id) = &meeting.event_type_id else { return Ok(None) };
    let Some(event) = db.event_type(event_type_id).await? else { return Ok(None) };
    let Some(team_id) = event.team_id.clone() else { return Ok(None) };
    let Some(team) = db.team(&team_id).await? else { return Ok(None) };
    Ok(Some(load(db, team, event).await?))
}

/// The invitee moves a team booking: every attending member must be free at the new time, decided
/// under their locks (the round robin's host stays; a host can reassign it).
pub async fn reschedule(
    app: &App,
    team_event: &TeamEvent,
    meeting: &MeetingRow,
    start: Timestamp,
) -> Result<MeetingRow, BookingError> {
    let now = app.clock.now();
    let rules = team_event.rules();
    let end = start + rules.duration;
    let mut attending = vec![meeting.host_id.clone()];
    attending.extend(app.db.meeting_cohosts(&meeting.id).await?);
    let members: Vec<&TeamMember> = attending.iter().filter_map(|id| team_event.member(id)).collect();
    if members.len() != attending.len() {
        // A member left the event type: the booking cannot move by itself.
        return Err(BookingError::NotAvailable);
    }
    let calendars = live_calendars(app, &members, start, end, &rules).await?;
    let times = (start.as_millisecond(), end.as_millisecond(), meeting.topic.as_str());
    let change = Change {
        event: MeetingEvent::Rescheduled,
        start_at: times.0,
        end_at: times.1,
        topic: times.2,
        cancel_reason: None,
    };
    let mails = change_mails(app, meeting, change).await?;
    let mut tx = app.db.begin().await?;
    tx.lock_users(&attending).await?;
    limit_manage_changes(&mut tx, meeting, By::Invitee, app.now_ms()).await?;
    for (member, calendar) in members.iter().zip(&calendars) {
        let LiveCalendar::Busy(calendar) = calendar else { return Err(BookingError::CalendarUnavailable) };
        let span = (start, end);
        match decide_member(&mut tx, member, &rules, calendar, &team_event.event.id, span, &meeting.id, now).await? {
            Bookability::Bookable => {}
            Bookability::Taken => return Err(BookingError::SlotTaken),
            Bookability::NotAvailable => return Err(BookingError::NotAvailable),
        }
    }
    finish_move(app, tx, meeting, times, By::Invitee, &mails).await
}

#[derive(Debug, thiserror::Error)]
pub enum ReassignError {
    #[error("Only a team admin or the booking's host can reassign it.")]
    Forbidden,
    #[error("Only round robin bookings can be reassigned.")]
    NotRoundRobin,
    #[error("This member is not a host of this event type.")]
    NotAHost,
    #[error("This member already hosts the booking.")]
    AlreadyHost,
    #[error("{0}")]
    NotBookable(&'static str),
    #[error("The Zoom meeting is being created right now. Try again in a minute.")]
    ZoomBusy,
    #[error(transparent)]
    Booking(#[from] BookingError),
}

impl From<StoreError> for ReassignError {
    fn from(e: StoreError) -> Self {
        ReassignError::Booking(e.into())
    }
}

/// Gives a round robin booking to another member who is free at its time. In one transaction under
/// both members' locks: the host changes, a Zoom meeting is to be created on the new member's
/// account, the first host's is deleted by a job once that exists (a live booking never goes
/// without one), both calendars follow, and the invitee is told.
pub async fn reassign(
    app: &App,
    meeting: &MeetingRow,
    to_user_id: &str,
    by_user_id: &str,
) -> Result<MeetingRow, ReassignError> {
    let Some(team_event) = event_of_meeting(&app.db, meeting).await? else { return Err(ReassignError::NotRoundRobin) };
    let role = app.db.team_role(&team_event.team.id, by_user_id).await?;
    if !(role.is_some_and(Role::manages) || meeting.host_id == by_user_id) {
        return Err(ReassignError::Forbidden);
    }
    if team_event.event.scheduling != Scheduling::RoundRobin {
        return Err(ReassignError::NotRoundRobin);
    }
    if !meeting.is_scheduled() {
        return Err(BookingError::Cancelled.into());
    }
    if meeting.host_id == to_user_id {
        return Err(ReassignError::AlreadyHost);
    }
    let Some(member) = team_event.member(to_user_id) else { return Err(ReassignError::NotAHost) };
    if !member.status.is_bookable() {
        return Err(ReassignError::NotBookable(member.status.label()));
    }
    let now = app.clock.now();
    // Hosts may move a booking at short notice, but only to a member free within their hours.
    let rules = SlotRules { minimum_notice: SignedDuration::ZERO, booking_window_days: 366, ..team_event.rules() };
    let start = Timestamp::from_millisecond(meeting.start_at).map_err(|e| BookingError::Internal(e.into()))?;
    let end = Timestamp::from_millisecond(meeting.end_at).map_err(|e| BookingError::Internal(e.into()))?;
    let calendar = match live_calendars(app, &[member], start, end, &rules).await?.pop() {
        Some(LiveCalendar::Busy(busy)) => busy,
        _ => return Err(BookingError::CalendarUnavailable.into()),
    };
    let mut after = meeting.clone();
    after.host_id = to_user_id.to_owned();
    (after.zoom_join_url, after.zoom_passcode, after.zoom_dial_in, after.zoom_meeting_id) = (None, None, None, None);
    if after.zoom_status != ZoomStatus::None {
        after.zoom_status = ZoomStatus::Pending;
    }
    let mails = change_mails(app, &after, Change::of(MeetingEvent::Reassigned, &after))
        .await
        .map_err(BookingError::Internal)?;
    let now_ms = app.now_ms();
    let mut tx = app.db.begin().await?;
    tx.lock_users(&[meeting.host_id.clone(), to_user_id.to_owned()]).await?;
    match decide_member(&mut tx, member, &rules, &calendar, &team_event.event.id, (start, end), &meeting.id, now)
        .await?
    {
        Bookability::Bookable => {}
        Bookability::Taken => return Err(BookingError::SlotTaken.into()),
        Bookability::NotAvailable => return Err(BookingError::NotAvailable.into()),
    }
    let Some(current) = tx.meeting_for_change(&meeting.id).await? else { return Err(ReassignError::NotRoundRobin) };
    if current.host_id != meeting.host_id {
        return Err(BookingError::SlotTaken.into());
    }
    let old_zoom = current.zoom_meeting_id.filter(|_| current.state().zoom.may_exist_in_zoom());
    let changed = match tx
        .change_meeting_from(current, &Event::Reassigned, Details::Host(to_user_id), ZoomJob::DueNow, now_ms)
        .await
    {
        Ok(changed) => changed,
        Err(ChangeError::Refused(Refused::CreateInFlight)) => return Err(ReassignError::ZoomBusy),
        Err(ChangeError::Refused(Refused::Cancelled)) => return Err(BookingError::Cancelled.into()),
        Err(e) => return Err(BookingError::from(e).into()),
    };
    if let Some(zoom_id) = old_zoom {
        let subject = crate::integrations::zoom::retire::subject(&meeting.id, &meeting.host_id, zoom_id);
        tx.schedule_job(Queue::Zoom, &subject, now_ms, now_ms).await?;
    }
    tx.enqueue_meeting_mails(changed.after.mails_of(Cause::Other), &mails, now_ms).await?;
    tx.commit().await?;
    app.wake(Queue::Zoom);
    app.wake(Queue::Mail);
    app.wake(Queue::Calendar);
    tracing::info!(meeting_id = %meeting.id, from = %meeting.host_id, to = %to_user_id, "booking reassigned");
    Ok(changed.after)
}
