//! Calendar connections (CalDAV accounts, ICS feeds), their calendars, the busy-time cache, and the
//! write-back state of each (meeting, host). product.md §7.

use super::jobs::Queue;
pub use super::zoom_connections::ConnectionStatus;
use super::{Db, StoreResult, Tx, on_db, on_tx, values_list};
use crate::domain::lifecycle::CalendarStatus;
use crate::domain::text_forms::text_forms;

/// What kind of calendar account a connection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    CalDav,
    Ics,
    Google,
    Microsoft,
}

text_forms! {
    Provider { CalDav => "caldav", Ics => "ics", Google => "google", Microsoft => "microsoft" }
}

impl Provider {
    /// The OAuth provider whose tokens reach this kind of calendar, if any.
    pub fn oauth(self) -> Option<super::oauth::OAuthProvider> {
        use super::oauth::OAuthProvider;
        match self {
            Provider::Google => Some(OAuthProvider::Google),
            Provider::Microsoft => Some(OAuthProvider::Microsoft),
            Provider::CalDav | Provider::Ics => None,
        }
    }
}

/// The state of one (meeting, host) event in the host's "add bookings" calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteStatus {
    Pending,
    Written,
    Failed,
}

text_forms! {
    WriteStatus { Pending => "pending", Written => "written", Failed => "failed" }
}

impl WriteStatus {
    pub fn as_calendar_status(self) -> CalendarStatus {
        match self {
            WriteStatus::Pending => CalendarStatus::Pending,
            WriteStatus::Written => CalendarStatus::Written,
            WriteStatus::Failed => CalendarStatus::Failed,
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ConnectionRow {
    pub id: String,
    pub user_id: String,
    pub provider: Provider,
    pub account: String,
    pub url: Option<String>,
    /// The CalDAV password or the feed URL; `None` for OAuth providers (their tokens are in
    /// `oauth_tokens`).
    pub secret_sealed: Option<Vec<u8>>,
    pub status: ConnectionStatus,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub created_at: i64,
    pub last_synced_at: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CalendarRow {
    pub id: String,
    pub connection_id: String,
    pub user_id: String,
    pub href: String,
    pub name: String,
    pub color: Option<String>,
    pub writable: bool,
    pub check_conflicts: bool,
    pub write_bookings: bool,
    pub free_busy: bool,
    pub change_marker: Option<String>,
    pub cached_from: Option<i64>,
    pub cached_until: Option<i64>,
    pub synced_at: Option<i64>,
}

/// A cached busy time.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CachedBusy {
    pub calendar_id: String,
    pub start_at: i64,
    pub end_at: i64,
    pub title: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CalendarWriteRow {
    pub meeting_id: String,
    pub host_id: String,
    pub calendar_id: Option<String>,
    pub href: Option<String>,
    pub etag: Option<String>,
    pub status: WriteStatus,
    pub error: Option<String>,
}

/// A connection that passed discovery (or a feed that was read), with its calendars.
pub struct NewConnection<'a> {
    pub id: &'a str,
    pub user_id: &'a str,
    pub provider: Provider,
    pub account: &'a str,
    pub url: Option<&'a str>,
    pub secret_sealed: Option<&'a [u8]>,
}

pub struct NewCalendar {
    pub id: String,
    pub href: String,
    pub name: String,
    pub color: Option<String>,
    pub writable: bool,
    pub check_conflicts: bool,
    pub write_bookings: bool,
}

/// A fresh read of one calendar for the cache.
pub struct BusyRead<'a> {
    pub busy: Vec<(i64, i64, Option<String>)>,
    pub from: i64,
    pub until: i64,
    pub change_marker: Option<&'a str>,
    /// Whether free-busy queries are still worth asking.
    pub free_busy: bool,
}

/// `SELECT` of connection rows, then `$clause` (as `zoom_connections` does).
macro_rules! select_connections {
    ($clause:literal) => {
        concat!(
            "SELECT id, user_id, provider, account, url, secret_sealed, status, error_code, error_message, \
             created_at, last_synced_at FROM calendar_connections ",
            $clause
        )
    };
}

/// `SELECT` of calendar rows, then `$clause`.
macro_rules! select_calendars {
    ($clause:literal) => {
        concat!(
            "SELECT id, connection_id, user_id, href, name, color, writable, check_conflicts, write_bookings, \
             free_busy, change_marker, cached_from, cached_until, synced_at FROM calendars ",
            $clause
        )
    };
}

/// The subject of a connection's sync job (queue `calendar`).
pub fn sync_subject(connection_id: &str) -> String {
    format!("sync:{connection_id}")
}

/// The subject of one (meeting, host) write-back job (queue `calendar`).
pub fn write_subject(meeting_id: &str, host_id: &str) -> String {
    format!("write:{meeting_id}:{host_id}")
}

impl Db {
    pub async fn calendar_connections_of(&self, user_id: &str) -> StoreResult<Vec<ConnectionRow>> {
        const SQL: &str = select_connections!("WHERE user_id = $1 ORDER BY created_at, id");
        Ok(on_db!(self, |pool| sqlx::query_as(SQL).bind(user_id).fetch_all(pool).await)?)
    }

    pub async fn calendar_connection(&self, id: &str) -> StoreResult<Option<ConnectionRow>> {
        const SQL: &str = select_connections!("WHERE id = $1");
        Ok(on_db!(self, |pool| sqlx::query_as(SQL).bind(id).fetch_optional(pool).await)?)
    }

    pub async fn calendars_of_user(&self, user_id: &str) -> StoreResult<Vec<CalendarRow>> {
        const SQL: &str = select_calendars!("WHERE user_id = $1 ORDER BY name, id");
        Ok(on_db!(self, |pool| sqlx::query_as(SQL).bind(user_id).fetch_all(pool).await)?)
    }

    pub async fn calendars_of_connection(&self, connection_id: &str) -> StoreResult<Vec<CalendarRow>> {
        const SQL: &str = select_calendars!("WHERE connection_id = $1 ORDER BY name, id");
        Ok(on_db!(self, |pool| sqlx::query_as(SQL).bind(connection_id).fetch_all(pool).await)?)
    }

    pub async fn calendar(&self, id: &str) -> StoreResult<Option<CalendarRow>> {
        const SQL: &str = select_calendars!("WHERE id = $1");
        Ok(on_db!(self, |pool| sqlx::query_as(SQL).bind(id).fetch_optional(pool).await)?)
    }

    /// The user's "add bookings" calendar, if any.
    pub async fn write_calendar_of(&self, user_id: &str) -> StoreResult<Option<CalendarRow>> {
        const SQL: &str = select_calendars!("WHERE user_id = $1 AND write_bookings");
        Ok(on_db!(self, |pool| sqlx::query_as(SQL).bind(user_id).fetch_optional(pool).await)?)
    }

    /// Cached busy times of the user's conflict calendars overlapping `[from, to)`.
    pub async fn calendar_busy(&self, user_id: &str, from: i64, to: i64) -> StoreResult<Vec<CachedBusy>> {
        // Events are at most a few days long except all-day series; `start_at >= from - 31 days`
        // keeps the index range narrow while still finding long events that began before `from`.
        Ok(on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT b.calendar_id, b.start_at, b.end_at, b.title FROM calendar_busy b \
                 JOIN calendars c ON c.id = b.calendar_id \
                 WHERE b.user_id = $1 AND b.start_at < $3 AND b.start_at >= $4 AND b.end_at > $2 AND c.check_conflicts \
                 ORDER BY b.start_at",
            )
            .bind(user_id)
            .bind(from)
            .bind(to)
            .bind(from - LONGEST_CACHED_EVENT_MS)
            .fetch_all(pool)
            .await
        })?)
    }

    /// Just the spans of [`Db::calendar_busy`], for the slots route: two integers a row decode
    /// several times faster than rows with their titles and calendar ids.
    pub async fn calendar_busy_spans(&self, user_id: &str, from: i64, to: i64) -> StoreResult<Vec<(i64, i64)>> {
        Ok(on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT b.start_at, b.end_at FROM calendar_busy b JOIN calendars c ON c.id = b.calendar_id \
                 WHERE b.user_id = $1 AND b.start_at < $3 AND b.start_at >= $4 AND b.end_at > $2 AND c.check_conflicts",
            )
            .bind(user_id)
            .bind(from)
            .bind(to)
            .bind(from - LONGEST_CACHED_EVENT_MS)
            .fetch_all(pool)
            .await
        })?)
    }

    pub async fn calendar_write(&self, meeting_id: &str, host_id: &str) -> StoreResult<Option<CalendarWriteRow>> {
        Ok(on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT meeting_id, host_id, calendar_id, href, etag, status, error FROM calendar_writes \
                 WHERE meeting_id = $1 AND host_id = $2",
            )
            .bind(meeting_id)
            .bind(host_id)
            .fetch_optional(pool)
            .await
        })?)
    }

    /// Which of `ids` are meetings of `host_id` (to recognise Prospo's own events by their UID).
    pub async fn meetings_of_host_among(&self, host_id: &str, ids: &[String]) -> StoreResult<Vec<String>> {
        let mut found = Vec::new();
        for chunk in ids.chunks(200) {
            let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
            // A team meeting's other members attend it too: its events in their calendars are its own.
            let sql = format!(
                "SELECT id FROM meetings WHERE (host_id = $1 OR id IN (SELECT meeting_id FROM meeting_hosts \
                 WHERE user_id = $1)) AND id IN ({})",
                marks.join(", ")
            );
            let rows: Vec<(String,)> = on_db!(self, |pool| {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(host_id);
                for id in chunk {
                    q = q.bind(id);
                }
                q.fetch_all(pool).await
            })?;
            found.extend(rows.into_iter().map(|(id,)| id));
        }
        Ok(found)
    }

    /// Every sealed calendar secret: (connection id, owner, sealed), for `keys rotate`.
    pub async fn sealed_calendar_secrets(&self) -> StoreResult<Vec<(String, String, Vec<u8>)>> {
        Ok(on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT id, user_id, secret_sealed FROM calendar_connections WHERE secret_sealed IS NOT NULL",
            )
            .fetch_all(pool)
            .await
        })?)
    }

    pub async fn replace_sealed_calendar_secret(&self, id: &str, sealed: &[u8]) -> StoreResult<()> {
        let _writer = self.sqlite_writer().await;
        on_db!(self, |pool| {
            sqlx::query("UPDATE calendar_connections SET secret_sealed = $2 WHERE id = $1")
                .bind(id)
                .bind(sealed)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }
}

/// The longest busy event the cache query finds when it began before the range it asks for.
const LONGEST_CACHED_EVENT_MS: i64 = 31 * 24 * 3600 * 1000;

impl Tx {
    /// Stores a connection with its calendars and queues its first sync now.
    pub async fn insert_calendar_connection(
        &mut self,
        connection: &NewConnection<'_>,
        calendars: &[NewCalendar],
        now: i64,
    ) -> StoreResult<()> {
        on_tx!(self, |c| {
            sqlx::query(
                "INSERT INTO calendar_connections (id, user_id, provider, account, url, secret_sealed, status, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'connected', $7)",
            )
            .bind(connection.id)
            .bind(connection.user_id)
            .bind(connection.provider)
            .bind(connection.account)
            .bind(connection.url)
            .bind(connection.secret_sealed)
            .bind(now)
            .execute(&mut *c)
            .await.map(|r| r.rows_affected())
        })?;
        for calendar in calendars {
            on_tx!(self, |c| {
                sqlx::query(
                    "INSERT INTO calendars (id, connection_id, user_id, href, name, color, writable, check_conflicts, write_bookings) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(&calendar.id)
                .bind(connection.id)
                .bind(connection.user_id)
                .bind(&calendar.href)
                .bind(&calendar.name)
                .bind(&calendar.color)
                .bind(calendar.writable)
                .bind(calendar.check_conflicts)
                .bind(calendar.write_bookings)
                .execute(&mut *c)
                .await.map(|r| r.rows_affected())
            })?;
        }
        self.schedule_job(Queue::Calendar, &sync_subject(connection.id), now, now).await
    }

    /// Whether the user already has an "add bookings" calendar.
    pub async fn has_write_calendar(&mut self, user_id: &str) -> StoreResult<bool> {
        let n: i64 = on_tx!(self, |c| {
            sqlx::query_scalar("SELECT COUNT(*) FROM calendars WHERE user_id = $1 AND write_bookings")
                .bind(user_id)
                .fetch_one(&mut *c)
                .await
        })?;
        Ok(n > 0)
    }

    /// Sets a calendar's choices; `write_bookings` on turns it off on the user's other calendars.
    pub async fn set_calendar_choices(
        &mut self,
        calendar: &CalendarRow,
        check_conflicts: bool,
        write_bookings: bool,
    ) -> StoreResult<()> {
        if write_bookings {
            on_tx!(self, |c| {
                sqlx::query("UPDATE calendars SET write_bookings = FALSE WHERE user_id = $1 AND id <> $2")
                    .bind(&calendar.user_id)
                    .bind(&calendar.id)
                    .execute(&mut *c)
                    .await
                    .map(|r| r.rows_affected())
            })?;
        }
        on_tx!(self, |c| {
            sqlx::query("UPDATE calendars SET check_conflicts = $2, write_bookings = $3 WHERE id = $1")
                .bind(&calendar.id)
                .bind(check_conflicts)
                .bind(write_bookings)
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected())
        })?;
        self.raise_busy_versions(&[&calendar.user_id]).await
    }

    /// Removes a connection, its calendars and their cache; the events already written stay.
    pub async fn delete_calendar_connection(&mut self, id: &str) -> StoreResult<()> {
        self.drop_job(Queue::Calendar, &sync_subject(id)).await?;
        self.delete_oauth_tokens(id).await?;
        let owner: Option<String> = on_tx!(self, |c| {
            sqlx::query_scalar("SELECT user_id FROM calendar_connections WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *c)
                .await
        })?;
        if let Some(owner) = &owner {
            self.raise_busy_versions(&[owner]).await?;
        }
        on_tx!(self, |c| sqlx::query("DELETE FROM calendar_connections WHERE id = $1")
            .bind(id)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Replaces one calendar's cached busy times with a fresh read.
    pub async fn replace_calendar_busy(
        &mut self,
        calendar: &CalendarRow,
        read: &BusyRead<'_>,
        now: i64,
    ) -> StoreResult<()> {
        // Removed while it was being read (the caller holds the owner's lock, as removal does).
        let exists: i64 = on_tx!(self, |c| {
            sqlx::query_scalar("SELECT COUNT(*) FROM calendars WHERE id = $1")
                .bind(&calendar.id)
                .fetch_one(&mut *c)
                .await
        })?;
        if exists == 0 {
            return Ok(());
        }
        on_tx!(self, |c| {
            sqlx::query("DELETE FROM calendar_busy WHERE calendar_id = $1")
                .bind(&calendar.id)
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected())
        })?;
        for chunk in read.busy.chunks(150) {
            let sql = format!(
                "INSERT INTO calendar_busy (calendar_id, user_id, start_at, end_at, title) VALUES {}",
                values_list(chunk.len(), 5)
            );
            on_tx!(self, |c| {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (start, end, title) in chunk {
                    q = q.bind(&calendar.id).bind(&calendar.user_id).bind(*start).bind(*end).bind(title.as_deref());
                }
                q.execute(&mut *c).await.map(|r| r.rows_affected())
            })?;
        }
        on_tx!(self, |c| {
            sqlx::query(
                "UPDATE calendars SET cached_from = $2, cached_until = $3, change_marker = $4, free_busy = $5, synced_at = $6 \
                 WHERE id = $1",
            )
            .bind(&calendar.id)
            .bind(read.from)
            .bind(read.until)
            .bind(read.change_marker)
            .bind(read.free_busy)
            .bind(now)
            .execute(&mut *c)
            .await.map(|r| r.rows_affected())
        })?;
        self.raise_busy_versions(&[&calendar.user_id]).await
    }

    /// The calendar was found unchanged: its cache is current as of `now`.
    /// The cache is still current; `marker` replaces the change marker where the provider hands out
    /// a new one with each check (Graph's delta link), else it stays.
    pub async fn confirm_calendar_cache(
        &mut self,
        calendar_id: &str,
        marker: Option<&str>,
        now: i64,
    ) -> StoreResult<()> {
        on_tx!(self, |c| {
            sqlx::query(
                "UPDATE calendars SET synced_at = $2, change_marker = COALESCE($3, change_marker) WHERE id = $1",
            )
            .bind(calendar_id)
            .bind(now)
            .bind(marker)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// A reconnected account (new OAuth tokens) works again; its next read confirms it.
    pub async fn calendar_connection_reconnected(&mut self, id: &str) -> StoreResult<()> {
        on_tx!(self, |c| {
            sqlx::query(
                "UPDATE calendar_connections SET status = 'connected', error_code = NULL, error_message = NULL, \
                 alerted = FALSE WHERE id = $1",
            )
            .bind(id)
            .execute(&mut *c)
            .await
            .map(drop)
        })?;
        Ok(())
    }

    /// Records a successful read of every conflict calendar of the connection.
    pub async fn calendar_connection_synced(&mut self, id: &str, now: i64) -> StoreResult<()> {
        on_tx!(self, |c| {
            sqlx::query(
                "UPDATE calendar_connections SET status = 'connected', error_code = NULL, error_message = NULL, \
                 alerted = FALSE, last_synced_at = $2 WHERE id = $1",
            )
            .bind(id)
            .bind(now)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// The connection cannot be read: Needs attention with its cause. Returns whether the host is
    /// still to be told about this episode (true once per episode: the flag is set here).
    pub async fn calendar_connection_failed(&mut self, id: &str, code: &str, message: &str) -> StoreResult<bool> {
        let first: Option<bool> = on_tx!(self, |c| {
            sqlx::query_scalar("SELECT alerted FROM calendar_connections WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *c)
                .await
        })?;
        let Some(alerted) = first else { return Ok(false) };
        on_tx!(self, |c| {
            sqlx::query(
                "UPDATE calendar_connections SET status = 'needs_attention', error_code = $2, error_message = $3, \
                 alerted = TRUE WHERE id = $1",
            )
            .bind(id)
            .bind(code)
            .bind(message)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(!alerted)
    }

    /// Queues the write-back of a meeting into its host's calendar, if the host has one to write
    /// into or an event was already written (a cancel must remove it).
    /// Queues the write of every attending member's event ([`Tx::queue_calendar_write`]), and of
    /// events written for members who no longer attend (a reassigned host), which are removed.
    pub async fn queue_calendar_writes(&mut self, meeting_id: &str, host_id: &str, now: i64) -> StoreResult<bool> {
        let mut members: Vec<String> = on_tx!(self, |c| {
            sqlx::query_scalar(
                "SELECT user_id FROM meeting_hosts WHERE meeting_id = $1 \
                 UNION SELECT host_id FROM calendar_writes WHERE meeting_id = $1",
            )
            .bind(meeting_id)
            .fetch_all(&mut *c)
            .await
        })?;
        members.retain(|m| m != host_id);
        members.sort();
        let mut queued = self.queue_calendar_write(meeting_id, host_id, now).await?;
        for member in &members {
            queued |= self.queue_calendar_write(meeting_id, member, now).await?;
        }
        Ok(queued)
    }

    pub async fn queue_calendar_write(&mut self, meeting_id: &str, host_id: &str, now: i64) -> StoreResult<bool> {
        let has_target: i64 = on_tx!(self, |c| {
            sqlx::query_scalar(
                "SELECT (SELECT COUNT(*) FROM calendars WHERE user_id = $1 AND write_bookings) \
                 + (SELECT COUNT(*) FROM calendar_writes WHERE meeting_id = $2 AND host_id = $1 AND href IS NOT NULL)",
            )
            .bind(host_id)
            .bind(meeting_id)
            .fetch_one(&mut *c)
            .await
        })?;
        if has_target == 0 {
            return Ok(false);
        }
        on_tx!(self, |c| {
            sqlx::query(
                "INSERT INTO calendar_writes (meeting_id, host_id, status) VALUES ($1, $2, 'pending') \
                 ON CONFLICT (meeting_id, host_id) DO UPDATE SET status = 'pending', error = NULL",
            )
            .bind(meeting_id)
            .bind(host_id)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
        })?;
        self.set_meeting_calendar_status(meeting_id, CalendarStatus::Pending).await?;
        self.schedule_job(Queue::Calendar, &write_subject(meeting_id, host_id), now, now).await?;
        Ok(true)
    }

    /// Whether the write-back job of this (meeting, host) was queued again since the run that
    /// claimed it at `run_at`. On PostgreSQL the write row is locked first, in the order
    /// [`Tx::queue_calendar_write`] takes its locks, so a change committing meanwhile is seen.
    pub async fn calendar_write_requeued(&mut self, write: &CalendarWriteRow, run_at: i64) -> StoreResult<bool> {
        if let Tx::Postgres(t) = self {
            sqlx::query("SELECT 1 FROM calendar_writes WHERE meeting_id = $1 AND host_id = $2 FOR UPDATE")
                .bind(&write.meeting_id)
                .bind(&write.host_id)
                .execute(&mut **t)
                .await?;
        }
        let subject = write_subject(&write.meeting_id, &write.host_id);
        let requeued: i64 = on_tx!(self, |c| {
            sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE queue = $1 AND subject = $2 AND run_at <> $3")
                .bind(Queue::Calendar)
                .bind(&subject)
                .bind(run_at)
                .fetch_one(&mut *c)
                .await
        })?;
        Ok(requeued > 0)
    }

    /// Records the outcome of a write-back run.
    pub async fn record_calendar_write(&mut self, write: &CalendarWriteRow) -> StoreResult<()> {
        on_tx!(self, |c| {
            sqlx::query(
                "UPDATE calendar_writes SET calendar_id = $3, href = $4, etag = $5, status = $6, error = $7 \
                 WHERE meeting_id = $1 AND host_id = $2",
            )
            .bind(&write.meeting_id)
            .bind(&write.host_id)
            .bind(&write.calendar_id)
            .bind(&write.href)
            .bind(&write.etag)
            .bind(write.status)
            .bind(&write.error)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
        })?;
        self.set_meeting_calendar_status(&write.meeting_id, write.status.as_calendar_status()).await
    }

    /// MEETING's `calendar.status`. The version rises, so a read-apply-write of the meeting that
    /// read the old status (the Zoom worker's) is refused as stale instead of writing it back.
    async fn set_meeting_calendar_status(&mut self, meeting_id: &str, status: CalendarStatus) -> StoreResult<()> {
        on_tx!(self, |c| {
            sqlx::query("UPDATE meetings SET calendar_status = $2, version = version + 1 WHERE id = $1")
                .bind(meeting_id)
                .bind(status)
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(())
    }
}
