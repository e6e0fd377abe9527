//! Reminders: one row per reminder of a meeting, armed when it is booked, moved when it is
//! rescheduled, dropped when it is cancelled (all inside that change's transaction), each with its
//! job on the reminder queue at its due time. `done_at` is the sent mark: the reminder worker sets
//! it in the transaction that queues the reminder's mails, so each is sent once.

use super::jobs::{ClaimedJob, JobEnd};
use super::outbox::{MailsOf, OutgoingMail};
use super::{Db, StoreResult, Tx, on_db, on_tx, values_list};

/// A reminder of a meeting: how long before its start, and when it is due.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReminderRow {
    pub meeting_id: String,
    pub minutes_before: i64,
    pub due_at: i64,
    pub done_at: Option<i64>,
}

/// The job subject of a reminder.
pub fn reminder_subject(meeting_id: &str, minutes_before: i64) -> String {
    format!("{meeting_id}:{minutes_before}")
}

/// The reminder a job subject names.
pub fn parse_reminder_subject(subject: &str) -> Option<(&str, i64)> {
    let (meeting_id, minutes) = subject.rsplit_once(':')?;
    Some((meeting_id, minutes.parse().ok()?))
}

/// Jobs for a meeting's reminders that are still to come, each due at its reminder's time.
const ARM_JOBS_SQL: &str = "INSERT INTO jobs (queue, subject, run_at, created_at) \
     SELECT 'reminder', meeting_id || ':' || minutes_before, due_at, $2 FROM reminders \
     WHERE meeting_id = $1 AND done_at IS NULL \
     ON CONFLICT (queue, subject) DO UPDATE SET run_at = excluded.run_at, attempts = 0, failed_at = NULL";
/// Jobs of a meeting's reminders that are done.
const DROP_DONE_JOBS_SQL: &str = "DELETE FROM jobs WHERE queue = 'reminder' AND subject IN \
     (SELECT meeting_id || ':' || minutes_before FROM reminders WHERE meeting_id = $1 AND done_at IS NOT NULL)";

impl Tx {
    /// Arms a new meeting's reminders. One already due (booked too late for it) is recorded as
    /// done: the booking mail says all it would.
    pub async fn arm_reminders(
        &mut self,
        meeting_id: &str,
        minutes: &[i64],
        start_at: i64,
        now: i64,
    ) -> StoreResult<()> {
        if minutes.is_empty() {
            return Ok(());
        }
        let insert = format!(
            "INSERT INTO reminders (meeting_id, minutes_before, due_at, done_at) VALUES {} \
             ON CONFLICT (meeting_id, minutes_before) DO NOTHING",
            values_list(minutes.len(), 4)
        );
        on_tx!(self, |c| {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(insert.clone()));
            for minutes_before in minutes {
                let due_at = start_at - minutes_before * 60_000;
                query = query.bind(meeting_id).bind(minutes_before).bind(due_at).bind((due_at <= now).then_some(now));
            }
            query.execute(&mut *c).await?;
            // A new meeting has no reminder jobs yet: only those still ahead get one.
            sqlx::query(ARM_JOBS_SQL).bind(meeting_id).bind(now).execute(&mut *c).await.map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// A meeting moved to `start_at`: every reminder follows it, and those still ahead are armed
    /// again (also one already sent for the old time); those the new time leaves behind are done.
    pub async fn move_reminders(&mut self, meeting_id: &str, start_at: i64, now: i64) -> StoreResult<()> {
        on_tx!(self, |c| {
            sqlx::query(
                "UPDATE reminders SET due_at = $2 - minutes_before * 60000, \
                 done_at = CASE WHEN $2 - minutes_before * 60000 <= $3 THEN COALESCE(done_at, $3) ELSE NULL END \
                 WHERE meeting_id = $1",
            )
            .bind(meeting_id)
            .bind(start_at)
            .bind(now)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
        })?;
        self.sync_reminder_jobs(meeting_id, now).await
    }

    /// A cancelled meeting sends no more reminders.
    pub async fn drop_reminders(&mut self, meeting_id: &str, now: i64) -> StoreResult<()> {
        on_tx!(self, |c| {
            sqlx::query("UPDATE reminders SET done_at = $2 WHERE meeting_id = $1 AND done_at IS NULL")
                .bind(meeting_id)
                .bind(now)
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected())
        })?;
        self.sync_reminder_jobs(meeting_id, now).await
    }

    async fn sync_reminder_jobs(&mut self, meeting_id: &str, now: i64) -> StoreResult<()> {
        on_tx!(self, |c| {
            sqlx::query(DROP_DONE_JOBS_SQL).bind(meeting_id).execute(&mut *c).await?;
            sqlx::query(ARM_JOBS_SQL).bind(meeting_id).bind(now).execute(&mut *c).await.map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Completes a claimed reminder armed for `due_at`: marks it done and queues its mails (none
    /// when it came too late), if it is still what was claimed (the meeting scheduled and not moved
    /// since), and ends its job. A moved reminder's job runs again at the new time. Returns whether
    /// the mails were queued.
    pub async fn complete_reminder(
        &mut self,
        job: &ClaimedJob,
        reminder: &ReminderRow,
        of: MailsOf<'_>,
        mails: &[OutgoingMail],
        now: i64,
    ) -> StoreResult<bool> {
        let done = on_tx!(self, |c| {
            sqlx::query(
                "UPDATE reminders SET done_at = $4 WHERE meeting_id = $1 AND minutes_before = $2 \
                 AND due_at = $3 AND done_at IS NULL \
                 AND EXISTS (SELECT 1 FROM meetings WHERE id = $1 AND status = 'scheduled')",
            )
            .bind(&reminder.meeting_id)
            .bind(reminder.minutes_before)
            .bind(reminder.due_at)
            .bind(now)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
        })?;
        let queued = done == 1;
        if queued {
            self.enqueue_meeting_mails(of, mails, now).await?;
        }
        let current: Option<ReminderRow> = on_tx!(self, |c| {
            sqlx::query_as(
                "SELECT meeting_id, minutes_before, due_at, done_at FROM reminders WHERE meeting_id = $1 AND minutes_before = $2",
            )
            .bind(&reminder.meeting_id)
            .bind(reminder.minutes_before)
            .fetch_optional(&mut *c)
            .await
        })?;
        let end = match current {
            Some(r) if r.done_at.is_none() => JobEnd::RunAt(r.due_at),
            _ => JobEnd::Done,
        };
        self.end_job(job, &end, now).await?;
        Ok(queued)
    }
}

impl Db {
    pub async fn reminder(&self, meeting_id: &str, minutes_before: i64) -> StoreResult<Option<ReminderRow>> {
        Ok(on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT meeting_id, minutes_before, due_at, done_at FROM reminders WHERE meeting_id = $1 AND minutes_before = $2",
            )
            .bind(meeting_id)
            .bind(minutes_before)
            .fetch_optional(pool)
            .await
        })?)
    }
}
