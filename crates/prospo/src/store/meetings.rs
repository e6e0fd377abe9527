//! Meetings and their invitees, and every change of a meeting's state.
//!
//! A change is one transaction: [`Tx::change_meeting`] reads the row (locked on PostgreSQL), gives
//! the event to the lifecycle's pure [`apply`], writes the result back guarded by the row's
//! version, and brings the meeting's Zoom job in line with the new state (queued, failed for Retry,
//! or gone). So no interleaving of changes can leave Zoom work without its job, or a job without
//! work. Bookings and reschedules run in a transaction holding the host's lock
//! ([`Db::begin_locked`]), so two invitees racing for one slot are decided one after the other.

use super::jobs::{ClaimedJob, JobEnd, Queue};
use super::outbox::{Cause, MailsOf};
use super::{Db, StoreError, StoreResult, Tx, on_db, on_tx};
use crate::domain::lifecycle::{
    CalendarStatus, Event, MeetingState, MeetingStatus, PendingChange, Refused, ZoomProblem, ZoomProblemCode,
    ZoomState, ZoomStatus, apply,
};
use crate::domain::questions::Answers;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MeetingRow {
    pub id: String,
    pub host_id: String,
    pub event_type_id: Option<String>,
    pub topic: String,
    /// The event type's title when booked (see [`MeetingRow::topic_for_invitees`]).
    pub booked_title: Option<String>,
    pub start_at: i64,
    pub end_at: i64,
    pub buffer_before_ms: i64,
    pub buffer_after_ms: i64,
    pub timezone: String,
    pub status: MeetingStatus,
    pub location: String,
    pub location_detail: Option<String>,
    pub notes: Option<String>,
    pub cancel_reason: Option<String>,
    pub sequence: i64,
    pub version: i64,
    pub zoom_status: ZoomStatus,
    pub zoom_pending_change: Option<PendingChange>,
    pub zoom_meeting_id: Option<i64>,
    pub zoom_uuid: Option<String>,
    pub zoom_join_url: Option<String>,
    pub zoom_passcode: Option<String>,
    pub zoom_reference: String,
    pub zoom_create_unconfirmed: bool,
    pub zoom_held_until: Option<i64>,
    pub zoom_error_code: Option<ZoomProblemCode>,
    pub zoom_error_message: Option<String>,
    pub zoom_waiting_room: bool,
    pub zoom_join_before_host: bool,
    pub zoom_mute_upon_entry: bool,
    pub zoom_auto_recording: String,
    /// Zoom's dial-in numbers (JSON), when Zoom gave them.
    pub zoom_dial_in: Option<String>,
    pub calendar_status: CalendarStatus,
    /// The invitee's manage token, sealed (bound to the meeting id).
    pub manage_token_sealed: Option<Vec<u8>>,
    /// Invitations wait for the host to confirm their email.
    pub invitations_held: bool,
    /// The invitee's answers to the event type's questions (stored as JSON).
    #[sqlx(try_from = "String")]
    pub answers: Answers,
    pub created_at: i64,
    pub updated_at: i64,
}

impl MeetingRow {
    /// The lifecycle state this row holds.
    pub fn state(&self) -> MeetingState {
        MeetingState {
            status: self.status,
            sequence: self.sequence,
            zoom: ZoomState {
                status: self.zoom_status,
                pending: self.zoom_pending_change,
                meeting_id: self.zoom_meeting_id,
                create_unconfirmed: self.zoom_create_unconfirmed,
                held_until: self.zoom_held_until,
                problem: self
                    .zoom_error_code
                    .map(|code| ZoomProblem { code, message: self.zoom_error_message.clone().unwrap_or_default() }),
            },
            calendar: self.calendar_status,
        }
    }

    /// The row as it is once `state` is written.
    fn with_state(mut self, state: &MeetingState) -> MeetingRow {
        self.status = state.status;
        self.sequence = state.sequence;
        self.version += 1;
        self.zoom_status = state.zoom.status;
        self.zoom_pending_change = state.zoom.pending;
        self.zoom_meeting_id = state.zoom.meeting_id;
        self.zoom_create_unconfirmed = state.zoom.create_unconfirmed;
        self.zoom_held_until = state.zoom.held_until;
        self.zoom_error_code = state.zoom.problem.as_ref().map(|p| p.code);
        self.zoom_error_message = state.zoom.problem.as_ref().map(|p| p.message.clone());
        self.calendar_status = state.calendar;
        self
    }

    pub fn is_scheduled(&self) -> bool {
        self.status == MeetingStatus::Scheduled
    }

    /// This meeting, as the subject of mails `cause` makes.
    pub fn mails_of(&self, cause: Cause) -> MailsOf<'_> {
        MailsOf { meeting_id: &self.id, host_id: &self.host_id, direct: self.event_type_id.is_none(), cause }
    }
}

impl NewMeeting {
    /// This meeting, as the subject of mails `cause` makes.
    pub fn mails_of(&self, cause: Cause) -> MailsOf<'_> {
        MailsOf { meeting_id: &self.id, host_id: &self.host_id, direct: self.event_type_id.is_none(), cause }
    }
}

/// Every [`MeetingRow`] column, for `SELECT` and `RETURNING`.
macro_rules! meeting_columns {
    () => {
        "id, host_id, event_type_id, topic, booked_title, start_at, end_at, buffer_before_ms, buffer_after_ms, timezone, \
         status, location, location_detail, notes, cancel_reason, sequence, version, zoom_status, \
         zoom_pending_change, zoom_meeting_id, zoom_uuid, zoom_join_url, zoom_passcode, zoom_reference, \
         zoom_create_unconfirmed, zoom_held_until, zoom_error_code, zoom_error_message, zoom_waiting_room, \
         zoom_join_before_host, zoom_mute_upon_entry, zoom_auto_recording, zoom_dial_in, calendar_status, \
         manage_token_sealed, invitations_held, answers, created_at, updated_at"
    };
}

macro_rules! select_meeting {
    ($clause:literal) => {
        concat!("SELECT ", meeting_columns!(), " FROM meetings ", $clause)
    };
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InviteeRow {
    pub id: String,
    pub meeting_id: String,
    pub name: String,
    pub email: String,
    pub timezone: Option<String>,
    /// The language they booked in (`en`, `de`, …), if they booked through a page or sent one.
    pub locale: Option<String>,
}

/// A host's scheduled meeting as slot computation sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BusyRow {
    pub id: String,
    pub event_type_id: Option<String>,
    pub start_at: i64,
    pub end_at: i64,
    pub buffer_before_ms: i64,
    pub buffer_after_ms: i64,
}

pub struct NewInvitee {
    pub name: String,
    pub email: String,
    pub timezone: Option<String>,
    pub locale: Option<crate::i18n::Locale>,
}

/// Everything a new meeting row needs; the store adds times and ids of its invitees.
pub struct NewMeeting {
    pub id: String,
    pub host_id: String,
    pub event_type_id: Option<String>,
    pub topic: String,
    /// The event type's title, for a booking.
    pub booked_title: Option<String>,
    pub start_at: i64,
    pub end_at: i64,
    pub buffer_before_ms: i64,
    pub buffer_after_ms: i64,
    pub timezone: String,
    pub location: String,
    pub location_detail: Option<String>,
    pub notes: Option<String>,
    /// The invitee's answers to the event type's questions.
    pub answers: Answers,
    pub manage_token_hash: Option<String>,
    pub manage_token_sealed: Option<Vec<u8>>,
    /// Minutes before the start at which the invitees are reminded.
    pub reminder_minutes: Vec<i64>,
    /// Whether this meeting gets a Zoom meeting (and so Zoom work).
    pub zoom: bool,
    pub zoom_reference: String,
    pub zoom_waiting_room: bool,
    pub zoom_join_before_host: bool,
    pub zoom_mute_upon_entry: bool,
    pub zoom_auto_recording: String,
    pub invitees: Vec<NewInvitee>,
    /// The members attending a team meeting besides its host.
    pub cohosts: Vec<String>,
}

/// What a Zoom create (or finding our meeting after a lost answer) brought.
pub struct CreatedZoomMeeting<'a> {
    pub zoom_meeting_id: i64,
    pub uuid: &'a str,
    pub join_url: &'a str,
    pub passcode: Option<&'a str>,
    /// Zoom's dial-in numbers as JSON, when it gave them.
    pub dial_in_json: Option<String>,
}

/// What a change writes besides the state.
pub enum Details<'a> {
    Nothing,
    /// A new time, length or topic.
    Times {
        start_at: i64,
        end_at: i64,
        topic: &'a str,
    },
    CancelReason(Option<&'a str>),
    ZoomMeeting(&'a CreatedZoomMeeting<'a>),
    /// Another member hosts it now: the first host's Zoom meeting and recordings are not its own.
    Host(&'a str),
}

/// How the meeting's Zoom job follows a change that leaves Zoom work to do.
pub enum ZoomJob<'a> {
    /// A person changed the meeting: the work is due now, whatever it waited for.
    DueNow,
    /// The worker holding `job` ends its run this way.
    Ends(&'a ClaimedJob, JobEnd),
    /// The worker's run goes on (it recorded a step before calling Zoom): the job stays as it is.
    Keep,
}

/// A change that happened: the state before and the row after.
#[derive(Debug, Clone)]
pub struct Changed {
    pub before: MeetingState,
    pub after: MeetingRow,
}

#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error("no such meeting")]
    Gone,
    #[error(transparent)]
    Refused(#[from] Refused),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for ChangeError {
    fn from(e: sqlx::Error) -> Self {
        ChangeError::Store(e.into())
    }
}

/// The lists of a host's meetings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeetingList {
    /// Scheduled, not yet ended: soonest first.
    Upcoming,
    /// Scheduled and ended: latest first.
    Past,
    /// Cancelled, latest first.
    Cancelled,
}

/// The longest list answered at once.
pub const LIST_LIMIT: usize = 500;

/// How far around a change the host's meetings are read: enough for buffers and the host-local day.
pub const NEIGHBOURHOOD_MS: i64 = 2 * 24 * 3600 * 1000;

/// A member's meetings: those they host and the team meetings they attend besides its host. (Two
/// index lookups: an `OR` of the two would be a scan of every meeting on PostgreSQL.)
macro_rules! attended_by {
    ($user:literal) => {
        concat!(
            "id IN (SELECT id FROM meetings WHERE host_id = ",
            $user,
            " UNION SELECT meeting_id FROM meeting_hosts WHERE user_id = ",
            $user,
            ")"
        )
    };
}

/// A member's scheduled meetings overlapping `[$2, $3)` but `$4`: hosted, then attended (a member
/// is never both host and co-host of one meeting), each through its own index.
pub const BUSY_SQL: &str = "SELECT id, event_type_id, start_at, end_at, buffer_before_ms, buffer_after_ms FROM meetings \
     WHERE host_id = $1 AND status = 'scheduled' AND end_at > $2 AND start_at < $3 AND id <> $4 \
     UNION ALL SELECT m.id, m.event_type_id, m.start_at, m.end_at, m.buffer_before_ms, m.buffer_after_ms \
     FROM meeting_hosts h JOIN meetings m ON m.id = h.meeting_id \
     WHERE h.user_id = $1 AND m.status = 'scheduled' AND m.end_at > $2 AND m.start_at < $3 AND m.id <> $4 \
     ORDER BY 3";

/// Writes a state (with what a change writes besides it, `$14…`), guarded by the version read.
macro_rules! write_state_sql {
    ($details:literal) => {
        concat!(
            "UPDATE meetings SET status = $3, sequence = $4, version = version + 1, zoom_status = $5, \
             zoom_pending_change = $6, zoom_meeting_id = $7, zoom_create_unconfirmed = $8, zoom_held_until = $9, \
             zoom_error_code = $10, zoom_error_message = $11, calendar_status = $12, updated_at = $13",
            $details,
            " WHERE id = $1 AND version = $2"
        )
    };
}

impl Db {
    /// The host's scheduled meetings overlapping `[from, to)` (ms).
    pub async fn busy_meetings(&self, host_id: &str, from: i64, to: i64) -> StoreResult<Vec<BusyRow>> {
        Ok(on_db!(self, |pool| {
            sqlx::query_as(BUSY_SQL).bind(host_id).bind(from).bind(to).bind("").fetch_all(pool).await
        })?)
    }

    /// Applies `event` to a meeting in a transaction of its own (see [`Tx::change_meeting`]).
    pub async fn change_meeting(
        &self,
        id: &str,
        event: &Event,
        details: Details<'_>,
        now: i64,
    ) -> Result<Changed, ChangeError> {
        let mut tx = self.begin().await?;
        let changed = tx.change_meeting(id, event, details, ZoomJob::DueNow, now).await?;
        tx.commit().await?;
        Ok(changed)
    }

    pub async fn meeting(&self, id: &str) -> StoreResult<Option<MeetingRow>> {
        const SQL: &str = select_meeting!("WHERE id = $1");
        Ok(on_db!(self, |pool| sqlx::query_as(SQL).bind(id).fetch_optional(pool).await)?)
    }

    pub async fn meeting_of(&self, host_id: &str, id: &str) -> StoreResult<Option<MeetingRow>> {
        // The members a team meeting has besides its host see it too.
        const SQL: &str = concat!(select_meeting!("WHERE id = $2 AND "), attended_by!("$1"));
        Ok(on_db!(self, |pool| sqlx::query_as(SQL).bind(host_id).bind(id).fetch_optional(pool).await)?)
    }

    pub async fn meeting_by_manage_hash(&self, hash: &str) -> StoreResult<Option<MeetingRow>> {
        const SQL: &str = select_meeting!("WHERE manage_token_hash = $1");
        Ok(on_db!(self, |pool| sqlx::query_as(SQL).bind(hash).fetch_optional(pool).await)?)
    }

    /// The host's meetings of one list (at most [`LIST_LIMIT`]).
    pub async fn meetings_of(&self, host_id: &str, list: MeetingList, now: i64) -> StoreResult<Vec<MeetingRow>> {
        const UPCOMING: &str = concat!(
            select_meeting!("WHERE "),
            attended_by!("$1"),
            " AND status = 'scheduled' AND end_at > $2 ORDER BY start_at, id LIMIT 500"
        );
        const PAST: &str = concat!(
            select_meeting!("WHERE "),
            attended_by!("$1"),
            " AND status = 'scheduled' AND end_at <= $2 ORDER BY start_at DESC, id LIMIT 500"
        );
        const CANCELLED: &str = concat!(
            select_meeting!("WHERE "),
            attended_by!("$1"),
            " AND status = 'cancelled' ORDER BY start_at DESC, id LIMIT 500"
        );
        let sql = match list {
            MeetingList::Upcoming => UPCOMING,
            MeetingList::Past => PAST,
            MeetingList::Cancelled => {
                return Ok(on_db!(self, |pool| sqlx::query_as(CANCELLED).bind(host_id).fetch_all(pool).await)?);
            }
        };
        Ok(on_db!(self, |pool| sqlx::query_as(sql).bind(host_id).bind(now).fetch_all(pool).await)?)
    }

    /// The Prospo meeting (of this host) whose Zoom meeting has this id.
    pub async fn meeting_by_zoom_id(&self, host_id: &str, zoom_meeting_id: i64) -> StoreResult<Option<MeetingRow>> {
        const SQL: &str =
            select_meeting!("WHERE host_id = $1 AND zoom_meeting_id = $2 ORDER BY created_at DESC LIMIT 1");
        Ok(on_db!(self, |pool| sqlx::query_as(SQL).bind(host_id).bind(zoom_meeting_id).fetch_optional(pool).await)?)
    }

    /// The language a booking's invitee reads in from now on (they picked it on the manage page).
    pub async fn set_invitees_locale(&self, meeting_id: &str, locale: crate::i18n::Locale) -> StoreResult<()> {
        const SQL: &str = "UPDATE invitees SET locale = $2 WHERE meeting_id = $1";
        on_db!(self, |pool| sqlx::query(SQL).bind(meeting_id).bind(locale.as_str()).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn invitees_of(&self, meeting_id: &str) -> StoreResult<Vec<InviteeRow>> {
        Ok(on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT id, meeting_id, name, email, timezone, locale FROM invitees WHERE meeting_id = $1 ORDER BY created_at, id",
            )
            .bind(meeting_id)
            .fetch_all(pool)
            .await
        })?)
    }

    /// The invitees of the meetings `ids`, in one query: a list reads its rows' invitees together,
    /// not one query per row.
    pub async fn invitees_of_meetings(&self, ids: &[String]) -> StoreResult<Vec<InviteeRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT id, meeting_id, name, email, timezone, locale FROM invitees WHERE meeting_id IN ({}) ORDER BY created_at, id",
            marks.join(", ")
        );
        Ok(on_db!(self, |pool| {
            let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
            for id in ids {
                query = query.bind(id);
            }
            query.fetch_all(pool).await
        })?)
    }

    /// Every sealed manage token, for `keys rotate`.
    pub async fn sealed_manage_tokens(&self) -> StoreResult<Vec<(String, Vec<u8>)>> {
        Ok(on_db!(self, |pool| {
            sqlx::query_as("SELECT id, manage_token_sealed FROM meetings WHERE manage_token_sealed IS NOT NULL")
                .fetch_all(pool)
                .await
        })?)
    }

    pub async fn replace_sealed_manage_token(&self, meeting_id: &str, sealed: &[u8]) -> StoreResult<()> {
        on_db!(self, |pool| {
            sqlx::query("UPDATE meetings SET manage_token_sealed = $2 WHERE id = $1")
                .bind(meeting_id)
                .bind(sealed)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Meetings whose Zoom job does not match their state: work owed without a job (or with a
    /// failed one), a stopped change whose job is not failed for Retry, or a job without work.
    /// Empty by construction; tests and operators check it.
    pub async fn zoom_work_mismatches(&self) -> StoreResult<Vec<String>> {
        let rows: Vec<(String,)> = on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT m.id FROM meetings m LEFT JOIN jobs j ON j.queue = 'zoom' AND j.subject = m.id \
                 WHERE (m.zoom_pending_change IS NOT NULL AND j.subject IS NULL) \
                 OR (m.zoom_pending_change IS NULL AND j.subject IS NOT NULL) \
                 OR (m.zoom_pending_change IS NOT NULL AND j.subject IS NOT NULL \
                     AND COALESCE(m.zoom_error_code IN ('zoom_disconnected', 'zoom_unconfirmed', 'zoom_error'), FALSE) \
                         <> (j.failed_at IS NOT NULL)) \
                 UNION SELECT j.subject FROM jobs j WHERE j.queue = 'zoom' AND j.subject NOT LIKE 'retire:%' \
                 AND NOT EXISTS (SELECT 1 FROM meetings m WHERE m.id = j.subject)",
            )
            .fetch_all(pool)
            .await
        })?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }
}

impl Tx {
    /// Meetings of a host with Zoom work owed (queued, waiting or stopped for Retry).
    pub async fn meetings_with_zoom_work(&mut self, host_id: &str) -> StoreResult<Vec<String>> {
        let rows: Vec<(String,)> = on_tx!(self, |c| {
            sqlx::query_as("SELECT id FROM meetings WHERE host_id = $1 AND zoom_pending_change IS NOT NULL")
                .bind(host_id)
                .fetch_all(&mut *c)
                .await
        })?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// The host's scheduled meetings overlapping `[from, to)` but `except`, read inside the change.
    pub async fn busy_meetings(
        &mut self,
        host_id: &str,
        from: i64,
        to: i64,
        except: &str,
    ) -> StoreResult<Vec<BusyRow>> {
        Ok(on_tx!(self, |c| {
            sqlx::query_as(BUSY_SQL).bind(host_id).bind(from).bind(to).bind(except).fetch_all(&mut *c).await
        })?)
    }

    /// The meeting, read for a change: on PostgreSQL its row stays locked until the commit.
    pub async fn meeting_for_change(&mut self, id: &str) -> StoreResult<Option<MeetingRow>> {
        Ok(match self {
            Tx::Sqlite(t) => sqlx::query_as(select_meeting!("WHERE id = $1")).bind(id).fetch_optional(&mut **t).await?,
            Tx::Postgres(t) => {
                sqlx::query_as(select_meeting!("WHERE id = $1 FOR UPDATE")).bind(id).fetch_optional(&mut **t).await?
            }
        })
    }

    /// Inserts a booked meeting with its invitees, and queues its Zoom work if it has any.
    pub async fn insert_meeting(&mut self, meeting: &NewMeeting, now: i64) -> StoreResult<MeetingRow> {
        let state = MeetingState::booked(meeting.zoom);
        let row: MeetingRow = on_tx!(self, |c| {
            sqlx::query_as(concat!(
                "INSERT INTO meetings (id, host_id, event_type_id, topic, start_at, end_at, buffer_before_ms, \
                 buffer_after_ms, timezone, status, location, location_detail, notes, manage_token_hash, zoom_status, \
                 zoom_pending_change, zoom_reference, zoom_waiting_room, zoom_join_before_host, zoom_mute_upon_entry, \
                 zoom_auto_recording, manage_token_sealed, sequence, calendar_status, created_at, updated_at, booked_title, \
                 answers) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, \
                 $20, $21, $22, $23, $24, $25, $25, $26, $27) RETURNING ",
                meeting_columns!()
            ))
            .bind(&meeting.id)
            .bind(&meeting.host_id)
            .bind(&meeting.event_type_id)
            .bind(&meeting.topic)
            .bind(meeting.start_at)
            .bind(meeting.end_at)
            .bind(meeting.buffer_before_ms)
            .bind(meeting.buffer_after_ms)
            .bind(&meeting.timezone)
            .bind(state.status)
            .bind(&meeting.location)
            .bind(&meeting.location_detail)
            .bind(&meeting.notes)
            .bind(&meeting.manage_token_hash)
            .bind(state.zoom.status)
            .bind(state.zoom.pending)
            .bind(&meeting.zoom_reference)
            .bind(meeting.zoom_waiting_room)
            .bind(meeting.zoom_join_before_host)
            .bind(meeting.zoom_mute_upon_entry)
            .bind(&meeting.zoom_auto_recording)
            .bind(&meeting.manage_token_sealed)
            .bind(state.sequence)
            .bind(state.calendar)
            .bind(now)
            .bind(&meeting.booked_title)
            .bind(meeting.answers.to_json())
            .fetch_one(&mut *c)
            .await
        })?;
        for invitee in &meeting.invitees {
            on_tx!(self, |c| {
                sqlx::query(
                    "INSERT INTO invitees (id, meeting_id, name, email, timezone, locale, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(super::new_id())
                .bind(&meeting.id)
                .bind(&invitee.name)
                .bind(&invitee.email)
                .bind(&invitee.timezone)
                .bind(invitee.locale.map(crate::i18n::Locale::as_str))
                .bind(now)
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected())
            })?;
        }
        self.insert_meeting_cohosts(&meeting.id, &meeting.cohosts).await?;
        self.raise_meeting_busy_versions(&meeting.id, &meeting.host_id).await?;
        self.sync_zoom_job(&meeting.id, &state, ZoomJob::DueNow, now).await?;
        let mut row = row;
        if self.queue_calendar_writes(&meeting.id, &meeting.host_id, now).await? {
            row.calendar_status = CalendarStatus::Pending;
            row.version += 1;
        }
        Ok(row)
    }

    /// One change of a meeting's state: reads it, applies `event`, writes the result (and
    /// `details`) guarded by the version it read, and brings the Zoom job in line; all inside this
    /// transaction. `job` says how the Zoom job follows when work is left.
    pub async fn change_meeting(
        &mut self,
        id: &str,
        event: &Event,
        details: Details<'_>,
        job: ZoomJob<'_>,
        now: i64,
    ) -> Result<Changed, ChangeError> {
        let row = self.meeting_for_change(id).await?.ok_or(ChangeError::Gone)?;
        self.change_meeting_from(row, event, details, job, now).await
    }

    /// [`Tx::change_meeting`] from the row as the caller read it (the Zoom worker, which read it
    /// before calling Zoom): written guarded by that row's version, and if the meeting changed
    /// since, applied again to the meeting as it is now, inside this transaction.
    pub async fn change_meeting_from(
        &mut self,
        row: MeetingRow,
        event: &Event,
        details: Details<'_>,
        job: ZoomJob<'_>,
        now: i64,
    ) -> Result<Changed, ChangeError> {
        let id = row.id.clone();
        let host_read = row.host_id.clone();
        let changed = match self.write_change(row, event, &details, now).await? {
            Some(changed) => changed,
            None => {
                let row = self.meeting_for_change(&id).await?.ok_or(ChangeError::Gone)?;
                if row.host_id != host_read {
                    // Reassigned meanwhile: what was read (a Zoom answer from the first host's
                    // account) is not about the meeting as it is now.
                    return Err(ChangeError::Refused(Refused::HostChanged));
                }
                // Read under this transaction's lock: nothing moves it now.
                self.write_change(row, event, &details, now).await?.ok_or(StoreError::Stale("the meeting"))?
            }
        };
        self.sync_zoom_job(&id, &changed.after.state(), job, now).await?;
        // Times, status and host are what busy time is made of (Zoom's answers change none).
        let moved = matches!(details, Details::Times { .. } | Details::Host(_));
        if moved || changed.before.status != changed.after.status {
            self.raise_meeting_busy_versions(&id, &changed.after.host_id).await?;
            if changed.after.host_id != host_read {
                self.raise_busy_versions(&[&host_read]).await?;
            }
        }
        // The attending members' calendar events follow every change (times, cancel, the Zoom link).
        let mut changed = changed;
        if self.queue_calendar_writes(&id, &changed.after.host_id, now).await? {
            changed.after.calendar_status = CalendarStatus::Pending;
            changed.after.version += 1;
        }
        Ok(changed)
    }

    /// Applies `event` to `row` and writes the result where the row still has the version read;
    /// `None` when it does not (the meeting changed since `row` was read).
    async fn write_change(
        &mut self,
        row: MeetingRow,
        event: &Event,
        details: &Details<'_>,
        now: i64,
    ) -> Result<Option<Changed>, ChangeError> {
        let id = row.id.as_str();
        let before = row.state();
        let after = apply(&before, event)?;
        let sql = match details {
            Details::Nothing => write_state_sql!(""),
            Details::Times { .. } => write_state_sql!(", start_at = $14, end_at = $15, topic = $16"),
            Details::CancelReason(_) => write_state_sql!(", cancel_reason = $14"),
            Details::Host(_) => write_state_sql!(
                ", host_id = $14, zoom_uuid = NULL, zoom_join_url = NULL, zoom_passcode = NULL, zoom_dial_in = NULL, \
                 zoom_recordings = NULL, zoom_recordings_at = NULL"
            ),
            Details::ZoomMeeting(_) => {
                write_state_sql!(", zoom_uuid = $14, zoom_join_url = $15, zoom_passcode = $16, zoom_dial_in = $17")
            }
        };
        let written = on_tx!(self, |c| {
            let query = sqlx::query(sql)
                .bind(id)
                .bind(row.version)
                .bind(after.status)
                .bind(after.sequence)
                .bind(after.zoom.status)
                .bind(after.zoom.pending)
                .bind(after.zoom.meeting_id)
                .bind(after.zoom.create_unconfirmed)
                .bind(after.zoom.held_until)
                .bind(after.zoom.problem.as_ref().map(|p| p.code))
                .bind(after.zoom.problem.as_ref().map(|p| p.message.as_str()))
                .bind(after.calendar)
                .bind(now);
            let query = match details {
                Details::Nothing => query,
                Details::Times { start_at, end_at, topic } => query.bind(start_at).bind(end_at).bind(topic),
                Details::CancelReason(reason) => query.bind(reason),
                Details::Host(host_id) => query.bind(host_id),
                Details::ZoomMeeting(created) => query
                    .bind(created.uuid)
                    .bind(created.join_url)
                    .bind(created.passcode)
                    .bind(created.dial_in_json.as_deref()),
            };
            query.execute(&mut *c).await.map(|r| r.rows_affected())
        })?;
        if written != 1 {
            return Ok(None);
        }
        let mut after_row = row.with_state(&after);
        after_row.updated_at = now;
        with_details(&mut after_row, details);
        Ok(Some(Changed { before, after: after_row }))
    }

    /// The meeting's Zoom job as its state says: queued while there is work to do, failed (kept
    /// for Retry) while the work is stopped, gone otherwise.
    async fn sync_zoom_job(&mut self, id: &str, state: &MeetingState, job: ZoomJob<'_>, now: i64) -> StoreResult<()> {
        if state.zoom.needs_work() {
            match job {
                ZoomJob::DueNow => self.schedule_job(Queue::Zoom, id, now, now).await?,
                ZoomJob::Keep => {}
                ZoomJob::Ends(claimed, end) => {
                    if !self.end_job(claimed, &end, now).await? {
                        // Another worker holds it now (the lease ran out): it runs the work.
                        tracing::warn!(meeting_id = id, "zoom job was taken over while it ran");
                    }
                }
            }
        } else if let Some(problem) = state.zoom.problem.as_ref().filter(|_| state.zoom.awaits_retry()) {
            self.fail_job(Queue::Zoom, id, problem.code.as_str(), now).await?;
        } else {
            self.drop_job(Queue::Zoom, id).await?;
        }
        Ok(())
    }
}

/// The row as `details` leave it.
fn with_details(row: &mut MeetingRow, details: &Details<'_>) {
    match details {
        Details::Nothing => {}
        Details::Times { start_at, end_at, topic } => {
            (row.start_at, row.end_at, row.topic) = (*start_at, *end_at, (*topic).to_owned());
        }
        Details::CancelReason(reason) => row.cancel_reason = reason.map(str::to_owned),
        Details::Host(host_id) => {
            row.host_id = (*host_id).to_owned();
            (row.zoom_uuid, row.zoom_join_url, row.zoom_passcode, row.zoom_dial_in) = (None, None, None, None);
        }
        Details::ZoomMeeting(created) => {
            row.zoom_uuid = Some(created.uuid.to_owned());
            row.zoom_join_url = Some(created.join_url.to_owned());
            row.zoom_passcode = created.passcode.map(str::to_owned);
            row.zoom_dial_in = created.dial_in_json.clone();
        }
    }
}

impl Tx {
    /// Changes made to a meeting through its manage link since `since`.
    pub async fn manage_changes_since(&mut self, meeting_id: &str, since: i64) -> StoreResult<i64> {
        Ok(on_tx!(self, |c| {
            sqlx::query_scalar("SELECT COUNT(*) FROM manage_changes WHERE meeting_id = $1 AND changed_at > $2")
                .bind(meeting_id)
                .bind(since)
                .fetch_one(&mut *c)
                .await
        })?)
    }

    /// Records a change made through the manage link.
    pub async fn record_manage_change(&mut self, meeting_id: &str, now: i64) -> StoreResult<()> {
        on_tx!(self, |c| {
            sqlx::query("INSERT INTO manage_changes (meeting_id, changed_at) VALUES ($1, $2)")
                .bind(meeting_id)
                .bind(now)
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(())
    }
}
