//! Reminders: one row per reminder of a meeting, armed when it is booked, moved when it is
//! rescheduled, dropped when it is cancelled (all inside that change's transaction), and completed
//! by the reminder worker together with the mails it queues. `done_at` is the sent mark.

use super::outbox::{OutgoingMail, enqueue_mails_sql};
use super::{Db, StoreResult, claim_due, now_ms, on_db};

/// A claimed reminder: which meeting, how long before its start, and the due time it was armed for.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DueReminder {
    pub meeting_id: String,
    pub minutes_before: i64,
    pub due_at: i64,
}

/// Arms a new meeting's reminders inside a transaction. One already due (booked too late for it)
/// is recorded as done: the booking mail says all it would.
macro_rules! arm_reminders_sql {
    ($tx:ident, $meeting_id:expr, $minutes:expr, $start_at:expr, $now:expr) => {
        for minutes in $minutes {
            let due_at = $start_at - minutes * 60_000;
            sqlx::query(
                "INSERT INTO reminders (meeting_id, minutes_before, due_at, done_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (meeting_id, minutes_before) DO NOTHING",
            )
            .bind($meeting_id)
            .bind(minutes)
            .bind(due_at)
            .bind((due_at <= $now).then_some($now))
            .execute(&mut *$tx)
            .await?;
        }
    };
}
pub(crate) use arm_reminders_sql;

/// A meeting moved to `$start_at`: every reminder follows it, and those still ahead are armed again
/// (also one already sent for the old time); those the new time leaves behind are done.
macro_rules! move_reminders_sql {
    ($tx:ident, $meeting_id:expr, $start_at:expr, $now:expr) => {
        sqlx::query(
            "UPDATE reminders SET due_at = $2 - minutes_before * 60000, claimed_until = NULL, \
             done_at = CASE WHEN $2 - minutes_before * 60000 <= $3 THEN COALESCE(done_at, $3) ELSE NULL END \
             WHERE meeting_id = $1",
        )
        .bind($meeting_id)
        .bind($start_at)
        .bind($now)
        .execute(&mut *$tx)
        .await?;
    };
}
pub(crate) use move_reminders_sql;

/// A cancelled meeting sends no more reminders.
macro_rules! drop_reminders_sql {
    ($tx:ident, $meeting_id:expr, $now:expr) => {
        sqlx::query("UPDATE reminders SET done_at = $2 WHERE meeting_id = $1 AND done_at IS NULL")
            .bind($meeting_id)
            .bind($now)
            .execute(&mut *$tx)
            .await?;
    };
}
pub(crate) use drop_reminders_sql;

impl Db {
    /// Leases up to `limit` due reminders for `claim_ms` (each to one worker across instances).
    pub async fn claim_reminders(&self, limit: i64, claim_ms: i64) -> StoreResult<Vec<DueReminder>> {
        let now = now_ms();
        let rows = claim_due!(
            self,
            now,
            now + claim_ms,
            limit,
            "UPDATE reminders SET claimed_until = $2 WHERE (meeting_id, minutes_before) IN (SELECT meeting_id, \
             minutes_before FROM reminders WHERE done_at IS NULL AND due_at <= $1 \
             AND (claimed_until IS NULL OR claimed_until < $1) ORDER BY due_at LIMIT $3",
            "RETURNING meeting_id, minutes_before, due_at"
        )?;
        Ok(rows)
    }

    /// Marks a reminder done and queues its mails (none when it came too late), together, if it is
    /// still what was claimed: the meeting still scheduled and not moved since (a move re-arms the
    /// row, a cancel marks it done). Returns whether it was completed.
    pub async fn complete_reminder(&self, reminder: &DueReminder, mails: &[OutgoingMail]) -> StoreResult<bool> {
        let now = now_ms();
        let queued = on_db!(self, |pool| async {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(
                "UPDATE reminders SET done_at = $4, claimed_until = NULL WHERE meeting_id = $1 AND minutes_before = $2 \
                 AND due_at = $3 AND done_at IS NULL \
                 AND EXISTS (SELECT 1 FROM meetings WHERE id = $1 AND status = 'scheduled')",
            )
            .bind(&reminder.meeting_id)
            .bind(reminder.minutes_before)
            .bind(reminder.due_at)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let queued = done.rows_affected() == 1;
            if queued {
                enqueue_mails_sql!(tx, mails, now);
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(queued)
        }
        .await)?;
        Ok(queued)
    }
}
