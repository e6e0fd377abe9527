//! Meetings and their invitees. Bookings, reschedules and cancellations run in a transaction that
//! holds the host's lock (`BEGIN IMMEDIATE` on SQLite, `SELECT … FOR UPDATE` of the host on
//! PostgreSQL), so two invitees racing for one slot are decided one after the other; the Zoom job
//! the mails the change causes (the outbox) and the meeting's reminders are written in the same
//! transaction.

use super::outbox::{OutgoingMail, enqueue_mails_sql};
use super::reminders::{arm_reminders_sql, drop_reminders_sql, move_reminders_sql};
use super::{Db, StoreError, StoreResult, now_ms, on_db};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MeetingRow {
    pub id: String,
    pub host_id: String,
    pub event_type_id: Option<String>,
    pub topic: String,
    pub start_at: i64,
    pub end_at: i64,
    pub buffer_before_ms: i64,
    pub buffer_after_ms: i64,
    pub timezone: String,
    pub status: String,
    pub location: String,
    pub location_detail: Option<String>,
    pub notes: Option<String>,
    pub cancel_reason: Option<String>,
    pub sequence: i64,
    pub zoom_status: String,
    pub zoom_pending_change: Option<String>,
    pub zoom_meeting_id: Option<i64>,
    pub zoom_uuid: Option<String>,
    pub zoom_join_url: Option<String>,
    pub zoom_passcode: Option<String>,
    pub zoom_reference: String,
    pub zoom_create_unconfirmed: bool,
    pub zoom_held_until: Option<i64>,
    pub zoom_error_code: Option<String>,
    pub zoom_error_message: Option<String>,
    pub zoom_waiting_room: bool,
    pub zoom_join_before_host: bool,
    pub zoom_mute_upon_entry: bool,
    pub zoom_auto_recording: String,
    /// Zoom's dial-in numbers (JSON), when Zoom gave them.
    pub zoom_dial_in: Option<String>,
    /// The invitee's manage token, sealed (bound to the meeting id).
    pub manage_token_sealed: Option<Vec<u8>>,
    pub created_at: i64,
    pub updated_at: i64,
}

macro_rules! select_meeting {
    ($clause:literal) => {
        concat!(
            "SELECT id, host_id, event_type_id, topic, start_at, end_at, buffer_before_ms, buffer_after_ms, timezone, \
             status, location, location_detail, notes, cancel_reason, sequence, zoom_status, zoom_pending_change, \
             zoom_meeting_id, zoom_uuid, zoom_join_url, zoom_passcode, zoom_reference, zoom_create_unconfirmed, \
             zoom_held_until, zoom_error_code, zoom_error_message, zoom_waiting_room, zoom_join_before_host, \
             zoom_mute_upon_entry, zoom_auto_recording, zoom_dial_in, manage_token_sealed, created_at, updated_at \
             FROM meetings ",
            $clause
        )
    };
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InviteeRow {
    pub id: String,
    pub meeting_id: String,
    pub name: String,
    pub email: String,
    pub timezone: Option<String>,
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
}

/// Everything a new meeting row needs; the store adds times and ids of its invitees.
pub struct NewMeeting {
    pub id: String,
    pub host_id: String,
    pub event_type_id: Option<String>,
    pub topic: String,
    pub start_at: i64,
    pub end_at: i64,
    pub buffer_before_ms: i64,
    pub buffer_after_ms: i64,
    pub timezone: String,
    pub location: String,
    pub location_detail: Option<String>,
    pub notes: Option<String>,
    pub manage_token_hash: Option<String>,
    pub manage_token_sealed: Option<Vec<u8>>,
    /// Minutes before the start at which the invitees are reminded.
    pub reminder_minutes: Vec<i64>,
    /// Whether this meeting gets a Zoom meeting (and so a Zoom job).
    pub zoom: bool,
    pub zoom_reference: String,
    pub zoom_waiting_room: bool,
    pub zoom_join_before_host: bool,
    pub zoom_mute_upon_entry: bool,
    pub zoom_auto_recording: String,
    pub invitees: Vec<NewInvitee>,
}

/// Why a change inside the host lock did not happen.
#[derive(Debug, thiserror::Error)]
pub enum LockedChangeError<R> {
    #[error("refused")]
    Refused(R),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl<R> From<sqlx::Error> for LockedChangeError<R> {
    fn from(e: sqlx::Error) -> Self {
        LockedChangeError::Store(StoreError::from_sqlx(e))
    }
}

/// Inserts or re-arms the meeting's Zoom job to run now, inside a transaction.
macro_rules! enqueue_zoom_job_sql {
    ($tx:ident, $meeting_id:expr, $now:expr) => {
        sqlx::query(
            "INSERT INTO zoom_jobs (meeting_id, run_at, created_at) VALUES ($1, $2, $2) \
             ON CONFLICT (meeting_id) DO UPDATE SET run_at = excluded.run_at, attempts = 0, first_failure_at = NULL",
        )
        .bind($meeting_id)
        .bind($now)
        .execute(&mut *$tx)
        .await?;
    };
}

/// How far around a change the host's meetings are read: enough for buffers and the host-local day.
const NEIGHBOURHOOD_MS: i64 = 2 * 24 * 3600 * 1000;

/// Runs `$body` in a transaction holding the host's lock; the body's `?` rolls back.
macro_rules! with_host_locked {
    ($db:expr, $host_id:expr, |$tx:ident| $body:block) => {
        match $db {
            Db::Sqlite(pool) => {
                // BEGIN IMMEDIATE takes the write lock now: a deferred transaction that upgrades
                // later fails with SQLITE_BUSY at once, which busy_timeout does not absorb.
                let mut $tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
            Db::Postgres(pool) => {
                let mut $tx = pool.begin().await?;
                sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE").bind($host_id).execute(&mut *$tx).await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
        }
    };
}

const BUSY_SQL: &str = "SELECT id, event_type_id, start_at, end_at, buffer_before_ms, buffer_after_ms FROM meetings \
     WHERE host_id = $1 AND status = 'scheduled' AND end_at > $2 AND start_at < $3 AND id <> $4 ORDER BY start_at";

impl Db {
    /// The host's scheduled meetings overlapping `[from, to)` (ms).
    pub async fn busy_meetings(&self, host_id: &str, from: i64, to: i64) -> StoreResult<Vec<BusyRow>> {
        Ok(on_db!(self, |pool| {
            sqlx::query_as(BUSY_SQL).bind(host_id).bind(from).bind(to).bind("").fetch_all(pool).await
        })?)
    }

    /// Books: under the host's lock, reads the host's meetings around `[start, end)`, asks `decide`
    /// (pure: slot rules) whether the start may be booked, then writes the meeting, its invitees and
    /// its Zoom job and its mails together.
    pub async fn book<R>(
        &self,
        meeting: NewMeeting,
        mails: &[OutgoingMail],
        decide: impl FnOnce(&[BusyRow]) -> Result<(), R>,
    ) -> Result<(), LockedChangeError<R>> {
        let from = meeting.start_at - NEIGHBOURHOOD_MS;
        let to = meeting.end_at + NEIGHBOURHOOD_MS;
        let now = now_ms();
        let host_id = meeting.host_id.clone();
        with_host_locked!(self, &host_id, |tx| {
            let busy: Vec<BusyRow> =
                sqlx::query_as(BUSY_SQL).bind(&host_id).bind(from).bind(to).bind("").fetch_all(&mut *tx).await?;
            decide(&busy).map_err(LockedChangeError::Refused)?;
            sqlx::query(
                "INSERT INTO meetings (id, host_id, event_type_id, topic, start_at, end_at, buffer_before_ms, \
                 buffer_after_ms, timezone, status, location, location_detail, notes, manage_token_hash, zoom_status, \
                 zoom_pending_change, zoom_reference, zoom_waiting_room, zoom_join_before_host, zoom_mute_upon_entry, \
                 zoom_auto_recording, manage_token_sealed, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, \
                 $8, $9, 'scheduled', $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $22)",
            )
            .bind(&meeting.id)
            .bind(&meeting.host_id)
            .bind(&meeting.event_type_id)
            .bind(&meeting.topic)
            .bind(meeting.start_at)
            .bind(meeting.end_at)
            .bind(meeting.buffer_before_ms)
            .bind(meeting.buffer_after_ms)
            .bind(&meeting.timezone)
            .bind(&meeting.location)
            .bind(&meeting.location_detail)
            .bind(&meeting.notes)
            .bind(&meeting.manage_token_hash)
            .bind(if meeting.zoom { "pending" } else { "none" })
            .bind(meeting.zoom.then_some("create"))
            .bind(&meeting.zoom_reference)
            .bind(meeting.zoom_waiting_room)
            .bind(meeting.zoom_join_before_host)
            .bind(meeting.zoom_mute_upon_entry)
            .bind(&meeting.zoom_auto_recording)
            .bind(&meeting.manage_token_sealed)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            arm_reminders_sql!(tx, &meeting.id, &meeting.reminder_minutes, meeting.start_at, now);
            for invitee in &meeting.invitees {
                sqlx::query(
                    "INSERT INTO invitees (id, meeting_id, name, email, timezone, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(super::new_id())
                .bind(&meeting.id)
                .bind(&invitee.name)
                .bind(&invitee.email)
                .bind(&invitee.timezone)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            if meeting.zoom {
                sqlx::query("INSERT INTO zoom_jobs (meeting_id, run_at, created_at) VALUES ($1, $2, $2)")
                    .bind(&meeting.id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            enqueue_mails_sql!(tx, mails, now);
        });
        Ok(())
    }

    /// Moves a meeting: same lock and checks as booking (its own slot excluded), then a Zoom update;
    /// its mails are queued only if the meeting was still scheduled.
    #[allow(clippy::too_many_arguments)]
    pub async fn reschedule<R>(
        &self,
        meeting: &MeetingRow,
        start_at: i64,
        end_at: i64,
        topic: &str,
        mails: &[OutgoingMail],
        decide: impl FnOnce(&[BusyRow]) -> Result<(), R>,
    ) -> Result<(), LockedChangeError<R>> {
        let now = now_ms();
        with_host_locked!(self, &meeting.host_id, |tx| {
            let busy: Vec<BusyRow> = sqlx::query_as(BUSY_SQL)
                .bind(&meeting.host_id)
                .bind(start_at - NEIGHBOURHOOD_MS)
                .bind(end_at + NEIGHBOURHOOD_MS)
                .bind(&meeting.id)
                .fetch_all(&mut *tx)
                .await?;
            decide(&busy).map_err(LockedChangeError::Refused)?;
            // A create still pending stays a create (it will use the new time); otherwise an update.
            let updated = sqlx::query(
                "UPDATE meetings SET start_at = $2, end_at = $3, topic = $4, sequence = sequence + 1, updated_at = $5, \
                 zoom_pending_change = CASE WHEN zoom_status IN ('none', 'deleted') THEN zoom_pending_change \
                   WHEN zoom_pending_change = 'create' OR zoom_meeting_id IS NULL THEN 'create' ELSE 'update' END \
                 WHERE id = $1 AND status = 'scheduled'",
            )
            .bind(&meeting.id)
            .bind(start_at)
            .bind(end_at)
            .bind(topic)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() == 1 && meeting.zoom_status != "none" && meeting.zoom_status != "deleted" {
                enqueue_zoom_job_sql!(tx, &meeting.id, now);
            }
            if updated.rows_affected() == 1 {
                move_reminders_sql!(tx, &meeting.id, start_at, now);
                enqueue_mails_sql!(tx, mails, now);
            }
        });
        Ok(())
    }

    /// Cancels a meeting; its Zoom meeting (if any, or if a create may have happened) is deleted by the job.
    /// The mails are queued only by the cancel that ends a scheduled meeting (not by a repeat).
    pub async fn cancel_meeting(
        &self,
        meeting: &MeetingRow,
        reason: Option<&str>,
        mails: &[OutgoingMail],
    ) -> StoreResult<()> {
        let now = now_ms();
        let needs_zoom_delete = meeting.zoom_meeting_id.is_some() || meeting.zoom_create_unconfirmed;
        let result: Result<(), LockedChangeError<()>> = async {
            with_host_locked!(self, &meeting.host_id, |tx| {
                let cancelled = sqlx::query(
                    "UPDATE meetings SET status = 'cancelled', cancel_reason = $2, sequence = sequence + 1, \
                     updated_at = $3, zoom_held_until = NULL, \
                     zoom_pending_change = CASE WHEN $4 THEN 'delete' ELSE NULL END, \
                     zoom_status = CASE WHEN zoom_status = 'none' THEN 'none' WHEN $4 THEN zoom_status ELSE 'deleted' END, \
                     zoom_error_code = CASE WHEN $4 THEN zoom_error_code ELSE NULL END, \
                     zoom_error_message = CASE WHEN $4 THEN zoom_error_message ELSE NULL END \
                     WHERE id = $1 AND status = 'scheduled'",
                )
                .bind(&meeting.id)
                .bind(reason)
                .bind(now)
                .bind(needs_zoom_delete)
                .execute(&mut *tx)
                .await?;
                if cancelled.rows_affected() == 1 {
                    drop_reminders_sql!(tx, &meeting.id, now);
                    enqueue_mails_sql!(tx, mails, now);
                }
                if needs_zoom_delete {
                    enqueue_zoom_job_sql!(tx, &meeting.id, now);
                } else {
                    sqlx::query("DELETE FROM zoom_jobs WHERE meeting_id = $1").bind(&meeting.id).execute(&mut *tx).await?;
                }
            });
            Ok(())
        }
        .await;
        match result {
            Ok(()) | Err(LockedChangeError::Refused(())) => Ok(()),
            Err(LockedChangeError::Store(e)) => Err(e),
        }
    }

    pub async fn meeting(&self, id: &str) -> StoreResult<Option<MeetingRow>> {
        const SQL: &str = select_meeting!("WHERE id = $1");
        Ok(on_db!(self, |pool| sqlx::query_as(SQL).bind(id).fetch_optional(pool).await)?)
    }

    pub async fn meeting_of(&self, host_id: &str, id: &str) -> StoreResult<Option<MeetingRow>> {
        const SQL: &str = select_meeting!("WHERE host_id = $1 AND id = $2");
        Ok(on_db!(self, |pool| sqlx::query_as(SQL).bind(host_id).bind(id).fetch_optional(pool).await)?)
    }

    pub async fn meeting_by_manage_hash(&self, hash: &str) -> StoreResult<Option<MeetingRow>> {
        const SQL: &str = select_meeting!("WHERE manage_token_hash = $1");
        Ok(on_db!(self, |pool| sqlx::query_as(SQL).bind(hash).fetch_optional(pool).await)?)
    }

    /// The host's meetings that end after `now` (upcoming, soonest first) or before it (past, latest first).
    pub async fn meetings_of(&self, host_id: &str, upcoming: bool, now: i64) -> StoreResult<Vec<MeetingRow>> {
        const UPCOMING: &str = select_meeting!("WHERE host_id = $1 AND end_at > $2 ORDER BY start_at, id LIMIT 500");
        const PAST: &str = select_meeting!("WHERE host_id = $1 AND end_at <= $2 ORDER BY start_at DESC, id LIMIT 500");
        let sql = if upcoming { UPCOMING } else { PAST };
        Ok(on_db!(self, |pool| sqlx::query_as(sql).bind(host_id).bind(now).fetch_all(pool).await)?)
    }

    /// The Prospo meeting (of this host) whose Zoom meeting has this id.
    pub async fn meeting_by_zoom_id(&self, host_id: &str, zoom_meeting_id: i64) -> StoreResult<Option<String>> {
        let row: Option<(String,)> = on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT id FROM meetings WHERE host_id = $1 AND zoom_meeting_id = $2 ORDER BY created_at DESC LIMIT 1",
            )
            .bind(host_id)
            .bind(zoom_meeting_id)
            .fetch_optional(pool)
            .await
        })?;
        Ok(row.map(|(id,)| id))
    }

    pub async fn invitees_of(&self, meeting_id: &str) -> StoreResult<Vec<InviteeRow>> {
        Ok(on_db!(self, |pool| {
            sqlx::query_as("SELECT id, meeting_id, name, email, timezone FROM invitees WHERE meeting_id = $1 ORDER BY created_at, id")
                .bind(meeting_id)
                .fetch_all(pool)
                .await
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
                .map(|_| ())
        })?;
        Ok(())
    }
}
